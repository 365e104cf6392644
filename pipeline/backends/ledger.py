"""One rate limit, one budget and one response cache for every process of a job.

A local run keeps these in its teacher's layers. A run on a Ray cluster (pipeline.cluster) has
many workers, each with its own teacher: were each to pace itself and count its own spending,
N workers would send N times the allowed rate and could overspend N-fold. So the job keeps one
`Ledger` (a Ray actor on the driver's machine, beside the run folder) and each worker's stack
asks it, through the `Ledger*` layers below, before it sends:

    worker: CacheLayer -> TruncationLayer -> BudgetLayer -> RetryLayer -> RateLimitLayer -> transport
            ledger.get/put                   ledger.admit/settle         ledger.wait/pause/headers_seen

`handle` is anything whose methods are called as `handle.method.remote(...)` and awaited (a Ray
actor handle; tests/backends/test_ledger.py uses an in-process one). This module imports no Ray.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

from pipeline.backends.base import ChatRequest, Completion, TeacherState, Usage
from pipeline.backends.budget import budget_reason
from pipeline.backends.cache import CacheLayer, ResponseCache
from pipeline.backends.ratelimit import Pacer
from pipeline.errors import BudgetReached, Interrupted


class Ledger:
    """The shared state: the pacer (rpm/tpm buckets, learned limits, the pause), the budget over the
    job's usage with the requests in flight counted as sent, the stop signal, and the cache file."""

    def __init__(
        self,
        cache_path: str | None,
        budget=None,
        rpm: int | None = None,
        tpm: int | None = None,
        max_pause: float = 60.0,
    ):
        self.pacer = Pacer(rpm, tpm, max_pause)
        self.budget = budget  # anything with spent(usage) -> reason | None (pipeline.config.BudgetConfig)
        self.usage = Usage()
        self.in_flight: Counter = Counter()  # worker -> requests admitted and not yet settled
        self.stopped_by: str | None = None
        self.cache = ResponseCache(Path(cache_path)) if cache_path else None

    def joined(self, worker: int) -> None:
        """A worker (re)started: what an earlier process of it had in flight will never be settled."""
        self.in_flight.pop(worker, None)

    def admit(self, worker: int) -> tuple[str, str] | None:
        """Count one more request in flight for `worker`, or say why none may be sent:
        ("interrupted", ...) after a stop signal, ("budget", ...) once the budget is spent."""
        if self.stopped_by:
            return "interrupted", f"{self.stopped_by} received"
        reached = budget_reason(self.budget, self.usage, sum(self.in_flight.values()))
        if reached:
            return "budget", reached
        self.in_flight[worker] += 1
        return None

    def settle(self, worker: int, delta: dict[str, int], sent: int = 1) -> None:
        """Add a worker's usage since its last report; `sent` admitted requests are no longer in flight."""
        if sent and self.in_flight[worker] > 0:
            self.in_flight[worker] -= sent
        for name, value in delta.items():
            setattr(self.usage, name, getattr(self.usage, name) + value)

    async def wait(self, tokens: int) -> str | None:
        """Return once the shared pacer lets one request of `tokens` go; a stop signal's reason instead."""
        try:
            await self.pacer.wait(tokens, lambda: self.stopped_by)
        except Interrupted as stop:
            return str(stop)
        return None

    def pause(self, seconds: float) -> None:
        """Every worker sends nothing for `seconds` (a 429 one of them met)."""
        self.pacer.pause(seconds)

    def headers_seen(self, headers: dict[str, str]) -> None:
        """Learn the endpoint's limits from one worker's response headers."""
        self.pacer.headers_seen(headers)

    def stop(self, name: str) -> None:
        """A signal reached the driver: no worker sends another request."""
        self.stopped_by = self.stopped_by or name

    def get(self, key: str) -> Completion | None:
        """The cached answer for `key`, or None."""
        return self.cache.get(key) if self.cache is not None else None

    def put(self, key: str, completion: Completion) -> None:
        """Keep a complete answer in the job's cache file."""
        if self.cache is not None:
            self.cache.put(key, completion)

    def snapshot(self) -> dict[str, Any]:
        """The job's usage so far and the limits learned from headers (for the manifest)."""
        return {"usage": asdict(self.usage), "learned": dict(self.pacer.learned)}

    def close(self) -> dict[str, Any]:
        """Close the cache file; the final snapshot."""
        if self.cache is not None:
            self.cache.close()
        return self.snapshot()


class UsageReport:
    """What a worker's usage grew by since it last reported it."""

    def __init__(self, usage: Usage):
        self.usage, self.reported = usage, Usage()

    def delta(self) -> dict[str, int]:
        """The growth of each counter since the last call (only those that grew)."""
        grown = {f.name: getattr(self.usage, f.name) - getattr(self.reported, f.name) for f in fields(Usage)}
        self.reported = replace(self.usage)
        return {name: value for name, value in grown.items() if value}


class LedgerPacer:
    """The Pacer interface of pipeline.backends.ratelimit, answered by the ledger."""

    def __init__(self, handle):
        self.handle = handle
        self.learned: dict[str, int] = {}  # the ledger's snapshot has them

    async def wait(self, tokens: int, stopped) -> None:
        """Wait for the ledger's pacer; Interrupted after a stop signal (this worker's or the job's)."""
        if stopped():
            raise Interrupted(f"{stopped()} received")
        reason = await self.handle.wait.remote(tokens)
        if reason:
            raise Interrupted(reason)

    def pause(self, seconds: float) -> None:
        """Pause every worker (not awaited: the retry layer's wait is synchronous)."""
        self.handle.pause.remote(seconds)

    def headers_seen(self, headers) -> None:
        """Hand the response's headers to the ledger (not awaited)."""
        self.handle.headers_seen.remote(dict(headers))


class LedgerBudgetLayer:
    """BudgetLayer for a worker: the ledger admits each request against the job's budget (the
    requests in flight on every worker counted as sent) and receives this worker's usage after it."""

    def __init__(self, inner, state: TeacherState, handle, worker: int, report: UsageReport):
        self.inner, self.state, self.handle, self.worker, self.report = inner, state, handle, worker, report

    async def send(self, request: ChatRequest, style: str, retry) -> Completion:
        """The inner layer's answer, asked only once the ledger admits it."""
        if self.state.stopped_by:
            raise Interrupted(f"{self.state.stopped_by} received")
        refused = await self.handle.admit.remote(self.worker)
        if refused:
            kind, message = refused
            raise (Interrupted if kind == "interrupted" else BudgetReached)(message)
        try:
            return await self.inner.send(request, style, retry)
        finally:
            await self.handle.settle.remote(self.worker, self.report.delta(), 1)


class LedgerCacheLayer(CacheLayer):
    """CacheLayer whose cache is the ledger's file: an answer any worker received is every worker's."""

    def __init__(self, inner, state: TeacherState, handle, identity: str, model: str):
        super().__init__(inner, state, None, identity, model)
        self.handle = handle

    async def get(self, key: str) -> Completion | None:
        """The ledger's cached answer."""
        return await self.handle.get.remote(key)

    async def put(self, key: str, completion: Completion) -> None:
        """Hand a complete answer to the ledger (the others are not kept anyway)."""
        if ResponseCache.keeps(completion):
            await self.handle.put.remote(key, completion)
