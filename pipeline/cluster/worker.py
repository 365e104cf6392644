"""A Ray worker: one teacher client and the per-category generate -> check -> judge steps.

The driver (pipeline.cluster.driver) sends it one task at a time (up to `teacher.concurrency` at
once); it answers with the checked Candidate, exactly what the local executor's steps make. Its
teacher's rate limits, budget and response cache are the job's (pipeline.backends.ledger): it
asks the ledger actor before each request and tells it what it spent after. This module is
plain Python: the driver wraps the class with `ray.remote`.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pipeline.errors import StopSending


class TeacherWorker:
    """Worker number `index` of a job; `ledger` is the job's Ledger actor."""

    def __init__(self, index: int, setup: tuple, api_key: str | None, ledger):
        """`setup`: the job's (config, catalog, base_url, model), one object for every worker."""
        from pipeline.job import teacher_for

        config, catalog, base_url, model = setup
        self.index, self.config, self.catalog, self.model, self.ledger = index, config, catalog, model, ledger
        ledger.joined.remote(index)  # a restarted worker's earlier requests in flight are gone
        # rate limits, budget and cache are the ledger's; requests go round the fleet from this worker's place
        self.teacher = teacher_for(
            config, base_url, model, api_key, config.cache, ledger=ledger, worker=index, start=index
        )
        self.steps: dict[str, Any] = {}

    def ready(self) -> dict[str, Any]:
        """Where this worker runs (the driver waits for every worker's answer before it starts)."""
        return {"index": self.index, "pid": os.getpid(), "node": os.uname().nodename}

    async def probe(self) -> str:
        """Find the endpoint's structured-output style (the driver asks one worker)."""
        style = await self.teacher.probe()
        await self._report()
        return style

    async def candidate(self, category: str, task, style: str) -> tuple[str, Any]:
        """("ok", the checked Candidate) or ("stop", (StopSending's class name, message)) when a
        budget or a stop signal refused a request (its answers so far are in the cache). `style`:
        the structured-output style the probe found (given each time: a restarted worker knows it too)."""
        self.teacher.style = style
        try:
            return "ok", await self._steps(category)(task)
        except StopSending as stop:
            return "stop", (type(stop).__name__, str(stop))
        finally:
            await self._report()

    def stop(self, name: str) -> None:
        """A signal reached the driver: send nothing more, cut retry backoffs short."""
        self.teacher.stopped_by = name

    async def close(self) -> float:
        """Release the HTTP clients; the CPU seconds this worker process used."""
        await self.teacher.close()
        return time.process_time()

    async def _report(self) -> None:
        """Hand the usage not yet reported (answers read from the cache, mostly) to the ledger."""
        delta = self.teacher.report.delta()
        if delta:
            await self.ledger.settle.remote(self.index, delta, 0)

    def _steps(self, category: str):
        """The category's steps, built on first use (the local executor's own)."""
        if category not in self.steps:
            from pipeline.job import category_steps, checks_of

            if not self.steps:
                self.checks = checks_of(self.config, self.catalog)
            self.steps[category] = category_steps(
                self.config, category, self.catalog, self.model, self.teacher, *self.checks
            )
        return self.steps[category]
