"""The driver's side of a Ray run: start the ledger and the workers, hand them tasks, collect.

pipeline.job runs the same engine either way; only who makes a task's candidate differs. With
`executor.kind: ray`, `ClusterTeacher` stands where the local teacher stands: the engine's rounds,
its counting in task order, dedup, pairs and the run folder all stay on the driver, so a Ray run
writes the same files as a local run with the same seed. Each task goes to the least busy worker
(pipeline.cluster.worker, a Ray actor with one teacher client); a worker killed mid-task is
restarted by Ray and its tasks are sent again (Ray's actor task retries), and the answers it had
received are read back from the job's cache instead of paid for twice. The ledger actor
(pipeline.backends.ledger) holds the one rate limit, budget and cache file for all of them; it
runs on the driver's node, beside the run folder, so nothing but the installed package needs to
be on the other nodes.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import time
from pathlib import Path
from typing import Any

from pipeline import log
from pipeline.backends.base import Usage
from pipeline.errors import BudgetReached, InputError, Interrupted, TeacherError

MISSING = "--executor ray needs the ray extra: pip install 'fc-datagen[ray]'"
RESTARTS = 4  # a worker process that dies is restarted (and its tasks sent again) this often
START_SECONDS = 300.0  # the longest the workers may take to start (a cluster scaling up)
LOG = log.LOGGER


def require_ray():
    """The ray module, or the one-line InputError naming the extra."""
    try:
        import ray
    except ImportError:
        raise InputError(MISSING, "--executor") from None
    return ray


def check_address(address: str | None, seconds: float = 5.0) -> None:
    """InputError when nothing answers at a HOST:PORT cluster address (Ray itself would wait for
    it without end); "auto" and ray:// addresses are left to Ray."""
    if address and address.startswith("ray://"):
        raise InputError(
            "a ray:// address (Ray Client) would keep the job's cache on the head node, away from the run "
            "folder: run the job on a node of the cluster with --ray-address auto or HOST:PORT",
            "--ray-address",
        )
    if not address or address == "auto" or "://" in address:
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"a Ray address is HOST:PORT or auto, not {address!r}", "--ray-address")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except OSError as error:
        raise InputError(
            f"no Ray cluster answers at {address} ({error.strerror or error}); start one with "
            "`ray start --head` or leave --ray-address out to start one here",
            "--ray-address",
        ) from None


class ClusterTeacher:
    """The job's teacher when its tasks run on Ray: probe(), steps(category), usage, learned,
    stopped_by and close(), as pipeline.job uses a local Teacher."""

    transport = None  # no transport on the driver: each worker has its own

    def __init__(self, config, base_url: str, model: str, api_key: str | None, catalog: list, cache_path: Path | None):
        ray = self.ray = require_ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        from pipeline.backends.ledger import Ledger
        from pipeline.cluster.worker import TeacherWorker

        e, t = config.executor, config.teacher
        clock, self.started = time.monotonic(), not ray.is_initialized()
        if self.started:
            connect(ray, e.address, e.workers, e.worker_cpus)
        size = e.workers or max(1, int(ray.cluster_resources().get("CPU", 1) // e.worker_cpus))
        here = ray.get_runtime_context().get_node_id()  # the ledger writes the cache beside the run folder
        self.ledger = (
            ray.remote(Ledger)
            .options(
                num_cpus=0,
                max_concurrency=10_000,
                scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False),
            )
            .remote(str(cache_path) if cache_path else None, config.budget, t.rpm, t.tpm, t.retry_max)
        )
        if t.embedded:  # one llama.cpp server decodes `concurrency` (its slots) at once for all the workers
            t = t.model_copy(update={"concurrency": max(1, math.ceil(t.concurrency / size))})
            config = config.model_copy(update={"teacher": t})
        self.senders = t.concurrency * size  # requests in flight over every worker
        worker_class = ray.remote(TeacherWorker).options(
            num_cpus=e.worker_cpus,
            max_concurrency=t.concurrency + 4,
            max_restarts=RESTARTS,
            max_task_retries=RESTARTS,
        )
        # held here for the job's life: a worker Ray restarts is built again from the same objects
        self.setup = ray.put((config, catalog, base_url, model))
        # the key goes as a small argument (kept in Ray's memory with the actor), never in the object store,
        # which may spill to disk
        self.workers = [worker_class.remote(index, self.setup, api_key, self.ledger) for index in range(size)]
        self.load = [0] * size  # tasks each worker has now
        self.dead: set[int] = set()  # workers Ray gave up restarting: no task goes to them
        self.pending: set = set()  # the calls on their way (close lets them finish so their answers are kept)
        self.worker_cpu: list[float] = []  # CPU seconds each worker used (filled by close)
        self.final: dict[str, Any] | None = None
        self._stopped_by: str | None = None
        self.style = config.teacher.structured_output  # until probe() finds the endpoint's
        self.timeout = t.timeout  # how long close() waits for the calls still on their way
        try:
            placed = ray.get([worker.ready.remote() for worker in self.workers], timeout=START_SECONDS)
        except ray.exceptions.GetTimeoutError:
            self.shutdown()
            raise TeacherError(
                f"{size} Ray workers of {e.worker_cpus:g} CPU did not all start within {START_SECONDS:g} s: "
                f"the cluster has {ray.cluster_resources().get('CPU', 0):g} CPUs (--workers sets how many)"
            ) from None
        except ray.exceptions.RayError as error:  # a worker could not be built
            self.shutdown()
            raise self._cause(error) from None
        self.nodes = len({where["node"] for where in placed})
        LOG.info(
            f"Ray: {size} workers (pids {', '.join(str(where['pid']) for where in placed)}) on {self.nodes} "
            f"node(s) ready in {time.monotonic() - clock:.1f} s, "
            f"{len(t.base_urls or [base_url])} endpoint(s)"
        )

    @property
    def size(self) -> int:
        """How many workers the job has."""
        return len(self.workers)

    def describe(self) -> dict[str, Any]:
        """The manifest's `executor`: where the tasks ran."""
        return {"kind": "ray", "workers": self.size, "nodes": self.nodes, "worker_cpu_seconds": self.worker_cpu}

    @property
    def usage(self) -> Usage:
        """The job's usage over every worker (from the ledger)."""
        return Usage(**self._snapshot()["usage"])

    @property
    def learned(self) -> dict[str, int]:
        """Rate limits read from the endpoint's x-ratelimit-* headers."""
        return self._snapshot()["learned"]

    @property
    def stopped_by(self) -> str | None:
        """A signal's name once one asked the run to stop."""
        return self._stopped_by

    @stopped_by.setter
    def stopped_by(self, name: str | None) -> None:
        self._stopped_by = name
        if name:
            self.ledger.stop.remote(name)  # every worker's next request is refused
            for worker in self.workers:
                worker.stop.remote(name)  # and its retries' backoffs are cut short

    async def probe(self) -> str:
        """One worker finds the structured-output style (every task carries it to its worker)."""
        try:
            self.style = await self.workers[0].probe.remote()
        except self.ray.exceptions.RayError as error:
            raise self._cause(error) from None
        return self.style

    def steps(self, category: str):
        """`steps(task) -> Candidate` for the engine, made by the least busy live worker. A worker
        Ray gave up restarting is left out and the task goes to another; the run fails only when
        none is left. An exception raised in the worker is raised here as it was raised there."""
        ray = self.ray

        async def steps(task):
            while True:
                live = [i for i in range(self.size) if i not in self.dead]
                if not live:
                    raise TeacherError(f"every Ray worker died (each was restarted {RESTARTS} times)")
                index = min(live, key=lambda i: (self.load[i], i))
                self.load[index] += 1
                call = self.workers[index].candidate.remote(category, task, self.style)
                self.pending.add(call)
                try:
                    kind, value = await call
                    break
                except ray.exceptions.RayActorError as error:
                    self.dead.add(index)
                    LOG.warning(f"Ray worker {index} is gone ({first_line(error)}); its task goes to another")
                except ray.exceptions.RayError as error:
                    raise self._cause(error) from None
                finally:
                    self.load[index] -= 1
                    self.pending.discard(call)
            if kind == "stop":
                name, message = value
                raise (BudgetReached if name == "BudgetReached" else Interrupted)(message)
            return value

        return steps

    async def close(self) -> None:
        """Let the calls still on their way finish (no new request is sent: their answers reach the
        cache), close the workers' clients, then the cache file (the ledger's final usage is kept),
        then the actors and the cluster this job started."""
        try:
            if self.pending:  # an error or a second signal stopped the engine midway
                self.ledger.stop.remote("the run stopped")
                await asyncio.wait(list(self.pending), timeout=self.timeout)
            await self._close_workers()
            self.final = await self.ledger.close.remote()
        finally:
            if self.final is None:
                self.final = self._last_snapshot()
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the actors, and the local cluster when this job started it."""
        for actor in [*self.workers, self.ledger]:
            self.ray.kill(actor)
        if self.started:
            self.ray.shutdown()

    async def _close_workers(self) -> None:
        """Close every live worker's clients and keep the CPU seconds each used (a dead one is logged)."""
        for index, worker in enumerate(self.workers):
            try:
                self.worker_cpu.append(round(await worker.close.remote(), 2))
            except self.ray.exceptions.RayError as error:
                LOG.warning(f"Ray worker {index} did not close: {first_line(error)}")

    def _snapshot(self) -> dict[str, Any]:
        return self.final if self.final is not None else self.ray.get(self.ledger.snapshot.remote())

    def _last_snapshot(self) -> dict[str, Any]:
        """The ledger's snapshot when it can still give one; otherwise no usage (the manifest is still written)."""
        try:
            return self.ray.get(self.ledger.snapshot.remote(), timeout=10)
        except Exception:  # noqa: BLE001 - the ledger is gone: what it counted is lost, the run's files are not
            return {"usage": {}, "learned": {}}

    def _cause(self, error: BaseException) -> BaseException:
        """The exception a worker raised (Ray wraps it), or one line for a worker that died."""
        cause = getattr(error, "cause", None)
        if isinstance(cause, Exception):
            return cause
        return TeacherError(f"a Ray worker failed: {first_line(error)}")


def connect(ray, address: str | None, workers: int | None, worker_cpus: float) -> None:
    """Join the cluster at `address`, or start one on this machine with room for `workers`
    (default: one per core) even on fewer cores: the workers wait on the teacher, mostly."""
    settings: dict[str, Any] = {"logging_level": "WARNING", "log_to_driver": True}
    if address:
        try:
            ray.init(address=address, **settings)
        except (ConnectionError, RuntimeError) as error:
            raise TeacherError(
                f"cannot join the Ray cluster at {address}: {first_line(error)} (a cluster with token "
                "authentication needs RAY_AUTH_MODE=token and its token in RAY_AUTH_TOKEN or ~/.ray/auth_token)"
            ) from None
        return
    cores = os.cpu_count() or 1
    cpus = max(cores, math.ceil((workers or cores) * worker_cpus))
    ray.init(address="local", num_cpus=cpus, include_dashboard=False, **settings)  # a new one, even beside another


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's text."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
