"""pipeline.backends.teacher.stack over an in-process transport (no HTTP): a new backend is the
transport alone, and gets the response cache, budgets, the stop signal, retries, the truncation
re-ask, the rate-limit pause and the structured-output probe from the shared layers."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx2
import openai
import pytest

from pipeline.backends.base import ChatRequest, Completion, DeadlineExceeded, TransientError, Transport
from pipeline.backends.cache import ResponseCache
from pipeline.backends.retry import backoff_bound
from pipeline.backends.teacher import stack
from pipeline.config import BudgetConfig
from pipeline.errors import BudgetReached, Interrupted, TeacherError


class EchoTransport(Transport):
    """A whole backend: answers {"answer": "yes"} in process; `script` holds what the next sends do
    instead (an exception to raise, or a finish_reason for a cut-off answer)."""

    model, identity = "echo", "inproc:echo"

    def __init__(self, *script):
        self.script, self.sent, self.closed = list(script), [], False

    async def send(self, request: ChatRequest, style: str) -> Completion:
        self.sent.append((request, style))
        step = self.script.pop(0) if self.script else None
        if isinstance(step, BaseException):
            raise step
        if step == "length":
            return Completion('{"answer": "y', "length", 3, request.max_tokens)
        if self.on_headers is not None:
            self.on_headers({"x-ratelimit-limit-requests": "6000", "x-ratelimit-reset-requests": "10ms"})
        return Completion(json.dumps({"answer": "yes"}), "stop", 3, 2)

    async def close(self) -> None:
        self.closed = True


REQUEST = ChatRequest([{"role": "user", "content": "Is the sky blue?"}], 0.0, 16, {"type": "object"}, 1)


def drive(transport: Transport, action, **options):
    """Stack the layers over `transport`, run action(teacher), close; returns (outcome, teacher)."""

    async def main():
        teacher = stack(transport, retry_initial=0.001, retry_max=0.01, **options)
        try:
            return await action(teacher), teacher
        except Exception as error:  # noqa: BLE001 - the tests inspect what escaped
            return error, teacher
        finally:
            await teacher.close()

    return asyncio.run(main())


def test_the_second_ask_is_a_cache_hit(tmp_path):
    cache = ResponseCache(tmp_path / "responses.jsonl")
    transport = EchoTransport()

    async def twice(teacher):
        return [await teacher.complete(REQUEST, style="json_object") for _ in range(2)]

    (first, second), teacher = drive(transport, twice, cache=cache)
    cache.close()
    assert first == second and len(transport.sent) == 1 and transport.closed
    assert (teacher.usage.requests, teacher.usage.cached, teacher.usage.prompt_tokens) == (1, 1, 3)
    again = ResponseCache(tmp_path / "responses.jsonl")  # on disk: a rerun asks nothing
    assert len(again.entries) == 1
    again.close()


def test_transient_failures_are_retried_and_counted():
    transport = EchoTransport(TransientError("worker busy"), TransientError("worker busy"))
    outcome, teacher = drive(transport, lambda t: t.complete(REQUEST))
    assert outcome.text == '{"answer": "yes"}' and len(transport.sent) == 3
    assert (teacher.usage.requests, teacher.usage.retries, teacher.usage.failures) == (1, 2, 0)


def test_a_persistent_failure_becomes_one_teacher_error():
    transport = EchoTransport(*[TransientError("worker down")] * 5)
    outcome, teacher = drive(transport, lambda t: t.complete(REQUEST), max_attempts=3)
    assert isinstance(outcome, TeacherError) and str(outcome) == "TransientError from inproc:echo: worker down"
    assert len(transport.sent) == 3 and (teacher.usage.retries, teacher.usage.failures) == (2, 1)


def _notices(action) -> list[str]:
    """The warnings the retry layer logs (on the `pipeline.backends` logger) while `action()` runs."""
    seen: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: seen.append(record.getMessage())
    logger = logging.getLogger("pipeline.backends")
    logger.addHandler(handler)
    try:
        action()
    finally:
        logger.removeHandler(handler)
    return seen


def _refused() -> openai.APIConnectionError:
    return openai.APIConnectionError(request=httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))


def test_an_unreachable_endpoint_is_announced_once_with_the_retries_left_and_their_bound():
    transport = EchoTransport(*[_refused()] * 6)
    notices = _notices(lambda: drive(transport, lambda t: t.complete(REQUEST), max_attempts=4))
    # after attempt 1: 3 retries left, backoff at most min(0.001*2**(k-1) + 0.001, 0.01) for k = 1, 2, 3
    assert notices == [
        "APIConnectionError from inproc:echo: Connection error.; retrying 3 more times, "
        "waiting up to 0 s in all between tries"
    ]
    assert len(transport.sent) == 4


def test_the_announcement_comes_again_only_after_an_answer():
    transport = EchoTransport(_refused(), _refused(), None, DeadlineExceeded("no whole answer within 60 s"))

    async def twice(teacher):
        await teacher.complete(REQUEST)
        return await teacher.complete(REQUEST)

    notices = _notices(lambda: drive(transport, twice))
    assert [notice.split(";")[0] for notice in notices] == [
        "APIConnectionError from inproc:echo: Connection error.",
        "DeadlineExceeded from inproc:echo: no whole answer within 60 s",
    ]


def test_a_busy_endpoint_is_retried_silently():
    transport = EchoTransport(TransientError("worker busy"), TransientError("worker busy"))
    assert _notices(lambda: drive(transport, lambda t: t.complete(REQUEST))) == []


def test_the_backoff_bound_adds_the_longest_waits_left():
    assert backoff_bound(1, 6, 1.0, 60.0) == 2 + 3 + 5 + 9 + 17  # the defaults: 5 retries, 36 s
    assert backoff_bound(3, 6, 1.0, 60.0) == 5 + 9 + 17
    assert backoff_bound(1, 9, 1.0, 60.0) == 2 + 3 + 5 + 9 + 17 + 33 + 60 + 60  # capped at retry_max
    assert backoff_bound(1, 1, 1.0, 60.0) == 0


def test_a_teacher_error_is_not_retried():
    transport = EchoTransport(TeacherError("model not loaded"))
    outcome, teacher = drive(transport, lambda t: t.complete(REQUEST))
    assert isinstance(outcome, TeacherError) and len(transport.sent) == 1 and teacher.usage.failures == 1


def test_the_budget_stops_sending_before_the_request_that_would_exceed_it():
    transport = EchoTransport()

    async def five(teacher):
        return [await teacher.complete(ChatRequest(REQUEST.messages, seed=i)) for i in range(5)]

    outcome, teacher = drive(transport, five, budget=BudgetConfig(max_requests=2))
    assert isinstance(outcome, BudgetReached) and "--max-requests 2" in str(outcome)
    assert len(transport.sent) == 2 and teacher.usage.requests == 2


def test_a_stop_signal_sends_nothing_more():
    transport = EchoTransport()

    async def stop_then_ask(teacher):
        teacher.stopped_by = "SIGTERM"
        return await teacher.complete(REQUEST)

    outcome, _ = drive(transport, stop_then_ask)
    assert isinstance(outcome, Interrupted) and transport.sent == []


def test_a_truncated_answer_is_asked_again_with_more_room(tmp_path):
    cache = ResponseCache(tmp_path / "responses.jsonl")
    transport = EchoTransport("length", "length")
    outcome, teacher = drive(transport, lambda t: t.complete(REQUEST), cache=cache)
    assert outcome.finish_reason == "stop" and [r.max_tokens for r, _ in transport.sent] == [16, 32, 64]
    assert teacher.usage.retries == 2 and teacher.usage.requests == 3
    hit, _ = drive(EchoTransport(), lambda t: t.complete(REQUEST), cache=cache)  # the whole answer, under the first key
    assert hit == outcome
    cache.close()


def test_a_model_under_evaluation_is_not_asked_again_when_cut_off():
    transport = EchoTransport("length", "length")
    outcome, teacher = drive(transport, lambda t: t.complete(REQUEST), reask_truncated=False)
    assert outcome.finish_reason == "length" and [r.max_tokens for r, _ in transport.sent] == [16]
    assert teacher.usage.retries == 0


def test_headers_handed_up_are_learned_as_limits():
    _, teacher = drive(EchoTransport(), lambda t: t.complete(REQUEST))
    assert teacher.learned == {"requests_per_minute": 6000} and teacher.rate_limits.pacer.requests_bucket is not None


def test_configured_limits_are_not_replaced_by_learned_ones():
    _, teacher = drive(EchoTransport(), lambda t: t.complete(REQUEST), rpm=600)
    assert teacher.learned == {} and teacher.rate_limits.pacer.requests_bucket.rate == 10


def test_the_probe_runs_over_any_transport():
    transport = EchoTransport()
    style, teacher = drive(transport, lambda t: t.probe())
    assert style == "json_schema" == teacher.style and [s for _, s in transport.sent] == ["json_schema"]


@pytest.mark.parametrize("given", ["json_object", "none"])
def test_an_explicit_style_is_sent_as_is(given):
    transport = EchoTransport()

    async def probe_then_ask(teacher):
        await teacher.probe()
        return await teacher.complete(REQUEST)

    drive(transport, probe_then_ask, style=given)
    assert [s for _, s in transport.sent] == [given]
