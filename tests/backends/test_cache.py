"""pipeline.backends.cache: a rerun of a finished job sends no request; only complete answers
are kept; a torn last line is dropped; the key follows what decides the answer."""

from __future__ import annotations

import json

from pipeline.backends.base import ChatRequest, Completion
from pipeline.backends.cache import ResponseCache, fingerprint
from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category


def _files(folder):
    """The run's records and pairs (rejected.jsonl also holds surplus candidates, which depend on timing)."""
    return {name: (folder / name).read_text() for name in ("accepted.jsonl", "pairs.jsonl")}


def test_a_rerun_sends_no_request_and_writes_the_same_records(tmp_path):
    with FakeOpenAI() as fake:
        first = run_category(fake, tmp_path / "run", "all", "blueprint", n=10)
        sent = len(fake.requests)
        before = _files(tmp_path / "run")
        second = run_category(fake, tmp_path / "run", "all", "blueprint", n=10)
        assert len(fake.requests) == sent  # not one more request
    assert first["manifest"]["usage"]["requests"] == sent and second["manifest"]["usage"]["requests"] == 0
    assert 0 < second["manifest"]["usage"]["cached"] <= sent  # the probe and any surplus candidates are not asked again
    assert _files(tmp_path / "run") == before


def test_changing_a_check_reuses_every_paid_response(tmp_path):
    with FakeOpenAI() as fake:
        run_category(fake, tmp_path / "run", "single", "blueprint", n=6)
        sent = len(fake.requests)
        again = run_category(
            fake,
            tmp_path / "run",
            "single",
            "blueprint",
            n=6,
            checks=["format", "schema", "grounding", "category", "reference"],
        )
        assert len(fake.requests) == sent and again["manifest"]["usage"]["requests"] == 0


def test_failed_and_truncated_answers_are_not_kept(tmp_path):
    with FakeOpenAI() as fake:
        fake.faults = {3: (500, {"error": {"message": "boom"}}, {}), 4: (500, {"error": {"message": "boom"}}, {})}
        run_category(
            fake, tmp_path / "run", "single", "blueprint", n=3, teacher={"retry_initial": 0.01, "retry_max": 0.01}
        )
    cache = ResponseCache(tmp_path / "run" / "cache" / "responses.jsonl")
    assert all(completion.finish_reason == "stop" and completion.text for completion in cache.entries.values())
    cache.put("k", Completion("half an ans", "length"))
    cache.put("e", Completion("", "stop"))
    assert cache.get("k") is None and cache.get("e") is None
    cache.close()


def test_a_torn_last_line_is_dropped_and_never_appended_to(tmp_path):
    path = tmp_path / "responses.jsonl"
    whole = json.dumps({"key": "a", "text": "A", "finish_reason": "stop", "prompt_tokens": 1, "completion_tokens": 1})
    path.write_text(whole + "\n" + '{"key": "b", "text": "B", "fin')  # killed mid-write
    cache = ResponseCache(path)
    assert (cache.get("a").text, cache.get("b"), cache.torn) == ("A", None, 1)
    cache.put("c", Completion("C"))
    cache.close()
    again = ResponseCache(path)
    assert (again.get("a").text, again.get("c").text, again.torn) == ("A", "C", 1)
    again.close()


def test_the_key_follows_what_decides_the_answer():
    request = ChatRequest([{"role": "user", "content": "hi"}], temperature=0.7, max_tokens=10, seed=1)
    key = fingerprint("http://x/v1", "m", request, "json_schema")
    assert key == fingerprint(
        "http://x/v1", "m", ChatRequest([{"role": "user", "content": "hi"}], 0.7, 10, None, 1), "json_schema"
    )
    others = [
        fingerprint("http://y/v1", "m", request, "json_schema"),
        fingerprint("http://x/v1", "m2", request, "json_schema"),
        fingerprint("http://x/v1", "m", ChatRequest(request.messages, 0.8, 10, None, 1), "json_schema"),
        fingerprint(
            "http://x/v1", "m", ChatRequest(request.messages, 0.7, 10, None, 2), "json_schema"
        ),  # another task or step
        fingerprint("http://x/v1", "m", request, "grammar"),
    ]
    assert len({key, *others}) == 6


def test_a_key_written_before_is_still_the_same_key():
    """Pinned: a cache written by an earlier version keeps answering (a changed key would re-pay every request)."""
    request = ChatRequest(
        [{"role": "system", "content": "Phrase it."}, {"role": "user", "content": "get_weather(city='Oslo')"}],
        temperature=0.2,
        max_tokens=512,
        json_schema={"type": "object", "properties": {"request": {"type": "string"}}},
        seed=1234,
    )
    assert fingerprint("embedded:SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct", request, "json_object") == PINNED_KEY


PINNED_KEY = "1088cf88cb41b7ef5d5301772fa12fe167dc4ae9950f1c7fc61bc900e4f545c3"
