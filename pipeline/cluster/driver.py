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
        self.worker_cpu: list[float] = []  # CPU seconds each worker used (filled by close)
        self.final: dict[str, Any] | None = None
        self._stopped_by: str | None = None
        self.style = config.teacher.structured_output  # until probe() finds the endpoint's
        try:
            placed = ray.get([worker.ready.remote() for worker in self.workers], timeout=START_SECONDS)
        except ray.exceptions.GetTimeoutError:
            self.shutdown()
            raise TeacherError(
                f"{size} Ray workers of {e.worker_cpus:g} CPU did not all start within {START_SECONDS:g} s: "
                f"the cluster has {ray.cluster_resources().get('CPU', 0):g} CPUs (--workers sets how many)"
            ) from None
        self.nodes = len({where["node"] for where in placed})
        LOG.info(
            f"Ray: {size} workers on {self.nodes} node(s) ready in {time.monotonic() - clock:.1f} s, "
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

    async def probe(self) -> str:
        """One worker finds the structured-output style (every task carries it to its worker)."""
        self.style = await self.workers[0].probe.remote()
        return self.style

    def steps(self, category: str):
        """`steps(task) -> Candidate` for the engine, made by the least busy worker."""
        ray = self.ray

        async def steps(task):
            index = min(range(self.size), key=lambda i: (self.load[i], i))
            self.load[index] += 1
            try:
                kind, value = await self.workers[index].candidate.remote(category, task, self.style)
            except ray.exceptions.RayError as error:  # died more often than RESTARTS, or a bug in the worker
                raise TeacherError(f"Ray worker {index} failed: {first_line(error)}") from None
            finally:
                self.load[index] -= 1
            if kind == "stop":
                name, message = value
                raise (BudgetReached if name == "BudgetReached" else Interrupted)(message)
            return value

        return steps

    async def close(self) -> None:
        """Close the cache file (the ledger's final usage is kept), the workers and the cluster we started."""
        try:
            self.final = await self.ledger.close.remote()
            await self._close_workers()
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop the actors, and the local cluster when this job started it."""
        for actor in [*self.workers, self.ledger]:
            self.ray.kill(actor)
        if self.started:
            self.ray.shutdown()

    async def _close_workers(self) -> None:
        """Close every worker's clients and keep the CPU seconds each used; a dead one's error is raised last."""
        failed = None
        for worker in self.workers:
            try:
                self.worker_cpu.append(round(await worker.close.remote(), 2))
            except self.ray.exceptions.RayError as error:
                failed = failed or error
        if failed is not None:
            raise TeacherError(f"a Ray worker failed: {first_line(failed)}")

    def _snapshot(self) -> dict[str, Any]:
        return self.final if self.final is not None else self.ray.get(self.ledger.snapshot.remote())


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
    ray.init(num_cpus=max(cores, math.ceil((workers or cores) * worker_cpus)), include_dashboard=False, **settings)


def first_line(error: BaseException) -> str:
    """The first non-empty line of an error's text."""
    return next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
