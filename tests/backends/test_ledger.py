"""pipeline.backends.ledger: several workers' stacks over one Ledger share its budget, stop signal,
cache and limits (in process here, through a handle that calls like a Ray actor handle; the real
actor runs in tests/cluster)."""

from __future__ import annotations

import asyncio
import inspect
import json
from dataclasses import replace

from pipeline.backends.base import ChatRequest, Usage
from pipeline.backends.ledger import Ledger, UsageReport
from pipeline.backends.teacher import stack
from pipeline.config import BudgetConfig
from pipeline.errors import BudgetReached, Interrupted
from tests.backends.test_stack import REQUEST, EchoTransport


class Handle:
    """`handle.method.remote(*args)` -> an awaitable of `target.method(*args)`, as Ray's handles call."""

    def __init__(self, target):
        self.target = target

    def __getattr__(self, name: str):
        method = getattr(self.target, name)

        class Remote:
            @staticmethod
            def remote(*args):
                async def call():
                    result = method(*args)
                    return await result if inspect.isawaitable(result) else result

                return asyncio.ensure_future(call())  # runs even when not awaited (a fire-and-forget call)

        return Remote


def request(number: int) -> ChatRequest:
    return replace(REQUEST, messages=[{"role": "user", "content": f"question {number}"}])


def workers(ledger: Ledger, count: int, **options):
    handle = Handle(ledger)
    transports = [EchoTransport() for _ in range(count)]
    teachers = [stack(t, ledger=handle, worker=i, retry_initial=0.001, **options) for i, t in enumerate(transports)]
    return transports, teachers


def test_workers_stop_together_at_one_request_budget_counting_those_in_flight(tmp_path):
    ledger = Ledger(None, BudgetConfig(max_requests=5))

    async def main():
        transports, teachers = workers(ledger, 3)
        asks = [teachers[i % 3].complete(request(i)) for i in range(12)]
        return transports, await asyncio.gather(*asks, return_exceptions=True)

    transports, outcomes = asyncio.run(main())
    assert sum(len(t.sent) for t in transports) == 5  # not 5 per worker
    assert sum(isinstance(o, BudgetReached) for o in outcomes) == 7
    assert ledger.usage.requests == 5 and not +ledger.in_flight


def test_an_answer_one_worker_received_is_every_workers_cache_hit(tmp_path):
    ledger = Ledger(str(tmp_path / "responses.jsonl"))

    async def main():
        transports, teachers = workers(ledger, 2, cache=True)
        first = await teachers[0].complete(REQUEST)
        again = await teachers[1].complete(REQUEST)
        for teacher in teachers:
            await teacher.close()
        return transports, teachers, first, again

    transports, teachers, first, again = asyncio.run(main())
    assert first == again and len(transports[0].sent) == 1 and not transports[1].sent
    assert teachers[1].usage.cached == 1
    ledger.close()
    kept = [json.loads(line) for line in (tmp_path / "responses.jsonl").read_text().splitlines()]
    assert len(kept) == 1 and kept[0]["text"] == first.text  # on disk for a later run


def test_a_stop_signal_at_the_ledger_refuses_every_workers_next_request():
    ledger = Ledger(None)

    async def main():
        _, teachers = workers(ledger, 2)
        await teachers[0].complete(request(1))
        ledger.stop("SIGINT")
        return await asyncio.gather(*(t.complete(request(2)) for t in teachers), return_exceptions=True)

    outcomes = asyncio.run(main())
    assert all(isinstance(o, Interrupted) and "SIGINT" in str(o) for o in outcomes)


def test_limits_learned_from_one_workers_headers_pace_every_worker():
    ledger = Ledger(None)

    async def main():
        _, teachers = workers(ledger, 2)
        await teachers[0].complete(request(1))  # EchoTransport announces 6000 requests a minute
        await asyncio.sleep(0)  # the fire-and-forget headers call
        return teachers

    asyncio.run(main())
    assert ledger.snapshot()["learned"] == {"requests_per_minute": 6000}
    assert ledger.pacer.requests_bucket.rate == 100


def test_a_restarted_worker_leaves_nothing_in_flight_behind():
    ledger = Ledger(None, BudgetConfig(max_requests=3))
    assert ledger.admit(0) is None and ledger.admit(0) is None and ledger.admit(1) is None
    assert ledger.admit(1) == ("budget", ledger.budget.spent(replace(Usage(), requests=3)))
    ledger.joined(0)  # worker 0's process died with two requests in flight: they will never settle
    assert ledger.admit(1) is None


def test_a_usage_report_gives_each_growth_once():
    usage = Usage()
    report = UsageReport(usage)
    usage.requests, usage.cached = 2, 1
    assert report.delta() == {"requests": 2, "cached": 1}
    usage.prompt_tokens += 7
    assert report.delta() == {"prompt_tokens": 7}
    assert report.delta() == {}
