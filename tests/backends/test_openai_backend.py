"""The run's teacher (pipeline.backends.teacher.build_teacher: OpenAITransport under every layer) against
the fake server: real `openai` client, real HTTP."""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import socket
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import httpx2
import openai
import pytest

from pipeline.backends.base import ChatRequest
from pipeline.backends.ratelimit import duration
from pipeline.backends.retry import retry_after
from pipeline.backends.structured import grammar_for, structured_kwargs
from pipeline.backends.teacher import build_teacher
from pipeline.errors import Interrupted, TeacherError
from pipeline.redact import public_url
from tests.fake_openai import RESET, Drip, FakeOpenAI, chat_reply, echo_teacher, response_schema

SCHEMA = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "pattern": "^\\d{3}$", "minLength": 3, "maxLength": 3},
        "city": {"type": "string", "pattern": "^[A-Z][a-z]+$"},
        "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1, "maxItems": 4},
        "minLength": {"type": "integer"},
    },
}  # a property *named* minLength is not a keyword: kept
SAFE = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string"},
        "city": {"type": "string", "pattern": "^[A-Z][a-z]+$"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "minLength": {"type": "integer"},
    },
}
REQ = ChatRequest(messages=[{"role": "user", "content": "hi"}], temperature=0.0, max_tokens=16)
HAS_GRAMMAR = grammar_for({"type": "string"}) is not None


@contextmanager
def serve(responder=echo_teacher):
    """FakeOpenAI, but polling every 10 ms: the default 0.5 s poll made each teardown cost 0.5 s."""
    server = FakeOpenAI(responder)
    threading.Thread(target=server._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield server
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def fake():
    """Overrides conftest's `fake` with the fast-teardown server above (same object and API)."""
    with serve() as server:
        yield server


def drive(url, action, api_key="sk-x", **options):
    """Run action(teacher) in a fresh loop; return (result or raised exception, teacher, seconds)."""
    opts = {"retry_initial": 0.01, "retry_max": 0.2, "max_attempts": 3, "timeout": 5.0, **options}

    async def main():
        teacher = build_teacher(url, "m", api_key, **opts)
        start = time.monotonic()
        try:
            outcome = await action(teacher)
        except Exception as error:  # noqa: BLE001 - the tests inspect what escaped
            outcome = error
        finally:
            await teacher.close()
        return outcome, teacher, time.monotonic() - start

    return asyncio.run(main())


complete = lambda teacher: teacher.complete(REQ)  # noqa: E731
probe = lambda teacher: teacher.probe()  # noqa: E731


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def status_error(status, headers):
    response = httpx2.Response(status, headers=headers, request=httpx2.Request("POST", "http://x/v1"))
    return openai.APIStatusError("boom", response=response, body=None)


@pytest.mark.parametrize(
    "rejected, tried", [(set(), ["json_schema"]), ({"json_schema"}, ["json_schema", "json_object"])]
)
def test_probe_picks_the_first_accepted_style(fake, rejected, tried):
    fake.reject_styles = rejected
    style, teacher, _ = drive(fake.base_url, probe)
    assert style == tried[-1] == teacher.style
    assert [r["response_format"]["type"] for r in fake.requests] == tried
    assert response_schema(fake.requests[-1])["required"] == ["answer"]
    assert teacher.usage.retries == 0


@pytest.mark.parametrize("grammar_rejected", [False, True])
def test_probe_ends_at_none_when_structured_styles_fail(fake, grammar_rejected):
    fake.reject_styles = {"json_schema", "json_object"}
    if grammar_rejected and not HAS_GRAMMAR:
        pytest.skip("llama_cpp not importable: no grammar request to reject")
    if grammar_rejected:
        fake.faults = {3: (400, {"error": {"message": "unknown field grammar"}}, {})}
    style, teacher, _ = drive(fake.base_url, probe)
    assert style in {"grammar", "none"} and style == teacher.style
    # the echo teacher does not answer the probe without a response_format: grammar never "fits"
    assert style == "none"
    sent = fake.requests
    assert [(r.get("response_format") or {}).get("type") for r in sent[:2]] == ["json_schema", "json_object"]
    if HAS_GRAMMAR:
        assert len(sent) == 4
        assert isinstance(sent[2]["grammar"], str) and sent[2]["grammar"] and "response_format" not in sent[2]
    else:
        assert len(sent) == 3
    assert "response_format" not in sent[-1] and "grammar" not in sent[-1]


@pytest.mark.skipif(not HAS_GRAMMAR, reason="llama_cpp not importable")
def test_probe_picks_grammar_when_the_endpoint_honours_it():
    def responder(body):
        return json.dumps({"answer": "yes"}) if "grammar" in body else "nope"

    with serve(responder) as fake:
        fake.reject_styles = {"json_schema", "json_object"}
        style, _, _ = drive(fake.base_url, probe)
        assert style == "grammar"
        assert len(fake.requests) == 3 and "root" in fake.requests[2]["grammar"]


def test_probe_treats_a_validating_500_as_unsupported_without_retrying(fake):
    body = {
        "error": {
            "code": 500,
            "type": "server_error",
            "message": "1 validation error for ResponseFormat: type Input should be 'text' or 'json_object'",
        }
    }
    fake.faults = {1: (500, body, {})}
    style, teacher, _ = drive(fake.base_url, probe, max_attempts=5)
    assert style == "json_object"
    assert len(fake.requests) == 2 and teacher.usage.retries == 0


def test_probe_does_not_hide_auth_failures(fake):
    fake.faults = {1: (401, {"error": {"message": "invalid api key"}}, {})}
    outcome, _, _ = drive(fake.base_url, probe)
    assert isinstance(outcome, TeacherError) and str(outcome).startswith("HTTP 401 from ")
    assert len(fake.requests) == 1


def test_explicit_style_skips_probing(fake):
    style, teacher, _ = drive(fake.base_url, probe, style="json_object")
    assert style == "json_object" == teacher.style
    assert fake.requests == []


def test_structured_kwargs_shapes():
    assert structured_kwargs("json_schema", SCHEMA) == {
        "response_format": {"type": "json_schema", "json_schema": {"name": "output", "schema": SCHEMA, "strict": False}}
    }
    assert structured_kwargs("json_object", SCHEMA) == {"response_format": {"type": "json_object", "schema": SAFE}}
    assert structured_kwargs("none", SCHEMA) == {}
    assert SCHEMA["properties"]["code"]["minLength"] == 3  # the caller's schema is not mutated


@pytest.mark.parametrize("style", ["json_schema", "json_object", "grammar", "none"])
def test_request_shape_on_the_wire(fake, style):
    request = ChatRequest(
        messages=[{"role": "user", "content": "x"}], temperature=0.2, max_tokens=33, json_schema=SCHEMA, seed=7
    )
    outcome, _, _ = drive(fake.base_url, lambda t: t.complete(request, style=style))
    assert outcome.text == "I cannot help with that."
    (sent,) = fake.requests
    assert (sent["model"], sent["temperature"], sent["max_tokens"], sent["seed"]) == ("m", 0.2, 33, 7)
    assert sent["messages"] == request.messages
    if style == "json_schema":
        assert sent["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": SCHEMA, "strict": False},
        }
    elif style == "json_object":
        assert sent["response_format"] == {"type": "json_object", "schema": SAFE}
    else:
        assert "response_format" not in sent
    if style == "grammar" and HAS_GRAMMAR:
        assert isinstance(sent["grammar"], str) and "\\d" not in sent["grammar"]
    else:
        assert "grammar" not in sent


@pytest.mark.parametrize("headers", [{"Retry-After": "0.3"}, {"retry-after-ms": "300"}])
def test_429_honours_retry_after_then_succeeds(fake, headers):
    fake.faults = {1: (429, {"error": {"message": "slow down"}}, headers)}
    outcome, teacher, elapsed = drive(fake.base_url, complete, retry_max=1.0)
    assert outcome.text == "I cannot help with that."
    assert teacher.usage.retries == 1 and teacher.usage.requests == 1 and teacher.usage.failures == 0
    assert elapsed >= 0.3 and len(fake.requests) == 2


def test_retry_after_is_capped_at_retry_max(fake):
    fake.faults = {1: (429, {"error": {"message": "slow down"}}, {"Retry-After": "30"})}
    outcome, teacher, elapsed = drive(fake.base_url, complete, retry_max=0.2)
    assert outcome.text and teacher.usage.retries == 1
    assert 0.2 <= elapsed < 0.2 + 1.0


def test_5xx_are_retried(fake):
    fake.faults = {1: (500, {"error": {"message": "boom"}}, {}), 2: (503, {"error": {"message": "busy"}}, {})}
    outcome, teacher, _ = drive(fake.base_url, complete)
    assert outcome.text and teacher.usage.retries == 2 and teacher.usage.requests == 1
    assert len(fake.requests) == 3


def test_timeout_is_retried(fake):
    def slow():
        time.sleep(0.8)
        return 200, chat_reply("late"), {}

    fake.faults = {1: slow}
    outcome, teacher, elapsed = drive(fake.base_url, complete, timeout=0.3)
    assert outcome.text == "I cannot help with that."
    assert teacher.usage.retries == 1 and elapsed >= 0.3 and len(fake.requests) == 2


def test_a_connection_reset_is_retried(fake):
    fake.faults = {1: RESET, 2: RESET}  # the server hangs up without answering
    outcome, teacher, _ = drive(fake.base_url, complete)
    assert outcome.text == "I cannot help with that." and teacher.usage.retries == 2 and len(fake.requests) == 3


def test_connection_refused_gives_up_after_max_attempts():
    url = f"http://127.0.0.1:{closed_port()}/v1"
    outcome, teacher, _ = drive(url, complete, max_attempts=3)
    assert isinstance(outcome, TeacherError)
    assert str(outcome).startswith(f"cannot reach {url}")
    assert teacher.usage.retries == 2 and teacher.usage.failures == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_fail_at_once(fake, status):
    fake.faults = {1: (status, {"error": {"message": f"nope {status}"}}, {})}
    key = "sk-topsecret-4242"
    url = fake.base_url.replace("http://", f"http://user:{key}@")
    outcome, teacher, _ = drive(url, complete, api_key=key, max_attempts=5)
    assert isinstance(outcome, TeacherError)
    message = str(outcome)
    assert message.startswith(f"HTTP {status} from {fake.base_url}")
    assert re.match(r"HTTP 4\d\d from http://127\.0\.0\.1:\d+/v1: ", message)
    assert f"nope {status}" in message and "\n" not in message
    assert key not in message and "user" not in message
    assert len(fake.requests) == 1 and teacher.usage.retries == 0 and teacher.usage.failures == 1


def test_persistent_500_gives_up(fake):
    fake.faults = {n: (500, {"error": {"message": "down"}}, {}) for n in range(1, 10)}
    outcome, teacher, _ = drive(fake.base_url, complete, max_attempts=3)
    assert isinstance(outcome, TeacherError) and str(outcome).startswith(f"HTTP 500 from {fake.base_url}")
    assert len(fake.requests) == 3 and teacher.usage.retries == 2 and teacher.usage.failures == 1


def test_garbage_retry_after_falls_back_to_backoff(fake):
    fake.faults = {1: (429, {"error": {"message": "slow down"}}, {"Retry-After": "soon"})}
    outcome, teacher, _ = drive(fake.base_url, complete)
    assert not isinstance(outcome, Exception), repr(outcome)
    assert teacher.usage.retries == 1


HTML_PAGE = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>" + b"x" * 400 + b"</body></html>"
UNREADABLE = {  # what gateways, captive portals and half-compatible servers answer with a 200
    "html": (HTML_PAGE, "text/html; charset=utf-8"),
    "plain text": (b"upstream connect error or disconnect/reset before headers", "text/plain"),
    "empty body": (b"", "application/json"),
    "empty, no content type": (b"", ""),
    "binary": (b"\xff\xfe\x00\x01 not text", "application/octet-stream"),
    "an error object": (b'{"error": {"message": "model is loading"}}', "application/json"),
    "a list": (b"[1, 2, 3]", "application/json"),
    "a string": (b'"ok"', "application/json"),
    "choices not a list": (b'{"choices": {"0": 1}}', "application/json"),
    "a message that is text": (b'{"choices": [{"message": "hi"}]}', "application/json"),
    "content parts": (b'{"choices": [{"message": {"role": "assistant", "content": [{"x": 1}]}}]}', "application/json"),
    "an event stream": (b'data: {"choices": []}\n\ndata: [DONE]\n\n', "text/event-stream"),
}


@pytest.mark.parametrize("kind", UNREADABLE)
def test_an_unreadable_200_is_a_retried_teacher_error_keeping_its_start(fake, kind):
    body, content_type = UNREADABLE[kind]
    fake.faults = {n: (200, body, {"Content-Type": content_type} if content_type else {}) for n in range(1, 10)}
    outcome, teacher, _ = drive(fake.base_url, complete, max_attempts=3)
    assert isinstance(outcome, TeacherError), repr(outcome)
    assert str(outcome).startswith(f"unreadable answer from {fake.base_url}: ") and "\n" not in str(outcome)
    assert outcome.raw == body.decode("utf-8", "replace")[:200]  # the failed task's meta.raw
    assert len(fake.requests) == 3 and teacher.usage.retries == 2 and teacher.usage.failures == 1


def test_an_unreadable_200_then_an_answer_succeeds(fake):
    fake.faults = {1: (200, HTML_PAGE, {"Content-Type": "text/html"})}
    outcome, teacher, _ = drive(fake.base_url, complete)
    assert outcome.text == "I cannot help with that." and teacher.usage.retries == 1


def test_a_chat_completion_under_another_content_type_is_read(fake):
    fake.faults = {1: (200, json.dumps(chat_reply("fine")).encode(), {"Content-Type": "text/plain"})}
    outcome, teacher, _ = drive(fake.base_url, complete)
    assert outcome.text == "fine" and (outcome.prompt_tokens, outcome.completion_tokens) == (10, 5)
    assert teacher.usage.retries == 0


def test_a_key_in_an_unreadable_answer_is_redacted_before_the_cut(fake):
    key = "sk-" + "K" * 40
    body = b"x" * 190 + key.encode()  # the 200-character cut falls inside the key
    fake.faults = {n: (200, body, {"Content-Type": "text/plain"}) for n in range(1, 5)}
    outcome, _, _ = drive(fake.base_url, complete, max_attempts=2)
    assert isinstance(outcome, TeacherError) and "KKKKK" not in outcome.raw and "sk-KK" not in outcome.raw


def test_a_dripping_answer_is_cut_at_the_deadline(fake):
    """--timeout bounds the whole request: a server sending a byte a second (each read well within
    any per-read timeout) is cut at the deadline and retried, not waited for."""
    fake.faults = {n: (200, Drip(chat_reply("slow"), 0.2), {}) for n in range(1, 10)}
    outcome, teacher, elapsed = drive(fake.base_url, complete, timeout=1.0, max_attempts=2)
    assert isinstance(outcome, TeacherError), repr(outcome)
    assert str(outcome).startswith(f"timeout talking to {fake.base_url}")
    assert len(fake.requests) == 2 and teacher.usage.retries == 1
    assert elapsed < 6  # two attempts of 1 s each; the whole answer would take over 40 s each


def test_a_stop_signal_cuts_the_backoff_before_a_retry(fake):
    fake.faults = {1: (500, {"error": {"message": "down"}}, {})}

    async def action(teacher):
        asked = asyncio.create_task(teacher.complete(REQ))
        while teacher.usage.retries == 0:  # the 500 arrived: the retry layer is backing off (30 s)
            await asyncio.sleep(0.01)
        teacher.stopped_by = "SIGTERM"
        return await asked

    outcome, _, elapsed = drive(fake.base_url, action, retry_initial=30.0, retry_max=30.0)
    assert isinstance(outcome, Interrupted) and len(fake.requests) == 1
    assert elapsed < 5


def test_empty_choices_is_a_teacher_error_and_not_retried(fake):
    empty = {"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": []}
    fake.faults = {n: (200, empty, {}) for n in range(1, 10)}
    outcome, teacher, _ = drive(fake.base_url, complete, max_attempts=5)
    assert isinstance(outcome, TeacherError) and "empty choices" in str(outcome)
    assert len(fake.requests) == 1 and teacher.usage.retries == 0 and teacher.usage.requests == 0


def test_concurrency_is_bounded():
    lock, state = threading.Lock(), {"now": 0, "peak": 0}

    def responder(body):
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.3)
        with lock:
            state["now"] -= 1
        return "ok"

    async def six(teacher):
        return await asyncio.gather(*(teacher.complete(REQ) for _ in range(6)))

    with serve(responder) as fake:
        outcome, teacher, elapsed = drive(fake.base_url, six, concurrency=2)
    assert [c.text for c in outcome] == ["ok"] * 6
    assert elapsed >= 0.9 and state["peak"] == 2
    assert teacher.usage.requests == 6


def test_usage_sums_tokens(fake):
    async def three(teacher):
        return [await teacher.complete(REQ) for _ in range(3)]

    outcome, teacher, _ = drive(fake.base_url, three)
    assert [(c.prompt_tokens, c.completion_tokens, c.finish_reason) for c in outcome] == [(10, 5, "stop")] * 3
    usage = teacher.usage
    assert (usage.requests, usage.prompt_tokens, usage.completion_tokens, usage.retries, usage.failures) == (
        3,
        30,
        15,
        0,
        0,
    )


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://user:sk-secret@api.example.com/v1?key=abc", "https://api.example.com/v1"),
        ("http://127.0.0.1:8080/v1?api-key=x#frag", "http://127.0.0.1:8080/v1"),
        ("https://:tok@host.example/v1/", "https://host.example/v1/"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
    ],
)
def test_public_url(url, expected):
    assert public_url(url) == expected


def test_public_url_keeps_ipv6_brackets():
    assert public_url("http://u:p@[::1]:8080/v1?k=1") == "http://[::1]:8080/v1"


def test_retry_after_parsing():
    assert retry_after(status_error(429, {"Retry-After": "2"})) == 2.0
    assert retry_after(status_error(429, {"retry-after": "1.5"})) == 1.5
    assert retry_after(status_error(429, {"Retry-After": "-5"})) == 0.0
    assert retry_after(status_error(429, {"retry-after-ms": "250", "Retry-After": "9"})) == 0.25
    assert retry_after(status_error(429, {"retry-after-ms": "x", "Retry-After": "3"})) == 3.0
    soon = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=10), usegmt=True)
    assert 8.0 <= retry_after(status_error(503, {"Retry-After": soon})) <= 10.5
    assert retry_after(status_error(503, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0.0
    assert retry_after(status_error(503, {})) is None and retry_after(None) is None


def test_a_truncated_answer_is_asked_again_with_more_room(fake, tmp_path):
    from pipeline.backends.cache import ResponseCache

    fake.faults = {1: (200, chat_reply('{"answer": "ye', "length"), {})}
    cache = ResponseCache(tmp_path / "responses.jsonl")
    request = ChatRequest([{"role": "user", "content": "Is the sky blue?"}], 0.0, 16, None, 1)
    outcome, teacher, _ = drive(fake.base_url, lambda t: t.complete(request), cache=cache)
    assert outcome.finish_reason == "stop" and teacher.usage.retries == 1
    assert [body["max_tokens"] for body in fake.requests] == [16, 32]
    again, second, _ = drive(fake.base_url, lambda t: t.complete(request), cache=cache)
    assert (
        again.text == outcome.text and second.usage.requests == 0 and len(fake.requests) == 2
    )  # the whole answer, cached
    cache.close()


def _many(count: int):
    async def action(teacher):
        return await asyncio.gather(
            *(teacher.complete(ChatRequest([{"role": "user", "content": f"q{i}"}], seed=i)) for i in range(count))
        )

    return action


def test_limits_announced_in_x_ratelimit_headers_pace_the_requests(fake):
    fake.headers = {
        "x-ratelimit-limit-requests": "600",
        "x-ratelimit-remaining-requests": "599",  # OpenAI's shape
        "x-ratelimit-reset-requests": "100ms",
        "x-ratelimit-limit-tokens": "1000000",
        "x-ratelimit-remaining-tokens": "999000",
        "x-ratelimit-reset-tokens": "60ms",
    }

    async def probe_then_many(teacher):  # as a run does: the style probe's answer teaches the limits first
        await teacher.complete(REQ)
        return await _many(26)(teacher)

    outcome, teacher, elapsed = drive(fake.base_url, probe_then_many, concurrency=26)
    assert not isinstance(outcome, Exception), outcome
    assert teacher.learned == {"requests_per_minute": 600, "tokens_per_minute": 1000000}
    # 10 a second with one second's burst: 10 go at once, the other 16 at 10 a second
    assert 1.4 <= fake.times[-1] - fake.times[1] < 3.5


def test_a_per_day_limit_is_not_paced_and_a_stop_cuts_a_pause_short(fake):
    fake.headers = {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-reset-requests": "2m59.56s",  # Groq: requests per day
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "30s",
    }

    async def action(teacher):
        await teacher.complete(REQ)  # teaches the pause: tokens spent for 30 s
        waiting = asyncio.create_task(teacher.complete(ChatRequest([{"role": "user", "content": "later"}])))
        await asyncio.sleep(0.3)  # it waits out the pause ...
        teacher.stopped_by = "SIGINT"  # ... until a stop signal comes
        return await waiting

    outcome, teacher, elapsed = drive(fake.base_url, action, retry_max=60)
    assert teacher.learned == {} and teacher.rate_limits.pacer.requests_bucket is None
    assert isinstance(outcome, Interrupted) and elapsed < 2


def test_a_spent_limit_pauses_every_request_until_its_reset(fake):
    fake.headers = {"x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "700ms"}
    outcome, teacher, _ = drive(fake.base_url, lambda t: _sequence(t, 3), retry_max=2.0)
    assert not isinstance(outcome, Exception), outcome
    gaps = [later - earlier for earlier, later in zip(fake.times, fake.times[1:])]
    assert all(gap >= 0.65 for gap in gaps), gaps


def test_a_429_pauses_the_other_requests_too(fake):
    fake.faults = {1: (429, {"error": {"message": "slow down"}}, {"Retry-After": "0.6"})}

    async def action(teacher):
        first = asyncio.create_task(teacher.complete(REQ))
        while (
            not teacher.rate_limits.pacer.paused_until
        ):  # the 429 has arrived; a second request now must wait out the pause
            await asyncio.sleep(0.005)
        second = await teacher.complete(ChatRequest([{"role": "user", "content": "another"}]))
        return await first, second

    outcome, teacher, _ = drive(fake.base_url, action, retry_max=2.0)
    assert not isinstance(outcome, Exception), outcome
    assert fake.times[1] - fake.times[0] >= 0.55 and fake.times[2] - fake.times[0] >= 0.55


async def _sequence(teacher, count: int):
    return [await teacher.complete(ChatRequest([{"role": "user", "content": f"s{i}"}], seed=i)) for i in range(count)]


def test_duration_reads_reset_headers():
    assert duration("6m0s") == 360 and duration("20ms") == 0.02 and duration("1h2m3.5s") == 3723.5
    assert duration("0.5") == 0.5 and duration(None) is None and duration("soon") is None
