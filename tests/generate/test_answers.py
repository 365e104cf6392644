"""pipeline.generate.answers: the pydantic answer models accept exactly what the hand-written
checks they replaced accepted, and `expect` / `guarded` keep the raw answer of a rejection."""

from __future__ import annotations

import asyncio
import json

import pytest

from pipeline.backends.base import ChatRequest, Completion
from pipeline.generate.answers import (
    ActionAnswer,
    ArgumentsAnswer,
    CallAnswer,
    MessageAnswer,
    MissingValueAnswer,
    NoCallAnswer,
    PartsAnswer,
    ReplyAnswer,
    RequestAnswer,
    RequestCallAnswer,
    RequestCallsAnswer,
    VerdictAnswer,
    ask,
    read,
)
from pipeline.generate.common import StepError, guarded, parse_json_object
from pipeline.task import Task

VALUES = [
    None,
    True,
    0,
    1.5,
    "",
    "   ",
    " text ",
    "x",
    [],
    ["a"],
    [" a ", "b"],
    ["a", ""],
    ["a", 3],
    {},
    {"k": 1},
    [{}],
    [{"a": 1}, 2],
]
KEYS = ["request", "reply", "message", "action", "arguments", "parts", "call", "calls", "value", "verdict", "reason"]


def _text(parsed, key):  # the old check of a stripped, non-blank string
    value = parsed.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _parts(parsed):
    parts = parsed.get("parts")
    if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p.strip() for p in parts):
        return None
    return [p.strip() for p in parts]


def _calls(parsed):
    request, calls = _text(parsed, "request"), parsed.get("calls")
    return (request, calls) if request and isinstance(calls, list) and all(isinstance(c, dict) for c in calls) else None


def _no_call(parsed, continued):
    parts = [_text(parsed, "request"), _text(parsed, "reply")] + ([_text(parsed, "value")] if continued else [])
    if not all(parts) or (continued and not isinstance(parsed.get("call"), dict)):
        return None
    return tuple(parts) + ((parsed["call"],) if continued else ())


# model -> (old check of the parsed object, the same fields read off the model)
CASES = {
    RequestAnswer: (lambda p: _text(p, "request"), lambda m: m.request),
    ReplyAnswer: (lambda p: _text(p, "reply"), lambda m: m.reply),
    MessageAnswer: (lambda p: _text(p, "message"), lambda m: m.message),
    ActionAnswer: (lambda p: p.get("action") if isinstance(p.get("action"), str) else None, lambda m: m.action),
    ArgumentsAnswer: (
        lambda p: p.get("arguments") if isinstance(p.get("arguments"), dict) else None,
        lambda m: m.arguments,
    ),
    PartsAnswer: (_parts, lambda m: m.parts),
    CallAnswer: (lambda p: p.get("call") if isinstance(p.get("call"), dict) else None, lambda m: m.call),
    RequestCallAnswer: (
        lambda p: (_text(p, "request"), p["call"]) if _text(p, "request") and isinstance(p.get("call"), dict) else None,
        lambda m: (m.request, m.call),
    ),
    RequestCallsAnswer: (_calls, lambda m: (m.request, m.calls)),
    NoCallAnswer: (lambda p: _no_call(p, False), lambda m: (m.request, m.reply)),
    MissingValueAnswer: (lambda p: _no_call(p, True), lambda m: (m.request, m.reply, m.value, m.call)),
    VerdictAnswer: (
        lambda p: (p["verdict"], str(p.get("reason") or "")) if p.get("verdict") in ("yes", "no") else None,
        lambda m: (m.verdict, str(m.reason or "")),
    ),
}


def _answers():
    """Answer texts: every key with every value, pairs of keys, and texts around the JSON."""
    objects = [{key: value} for key in KEYS for value in VALUES]
    objects += [{"request": " Book it ", other: value} for other in ("call", "calls", "reply") for value in VALUES]
    objects += [
        {"request": "r", "reply": "x", "value": value, "call": call}
        for value in VALUES[4:8]
        for call in ({}, {"name": "f"}, [], None)
    ]
    objects += [
        {"verdict": verdict, "reason": reason}
        for verdict in ("yes", "no", "YES", None)
        for reason in (None, "", 0, 3, "ok", [1])
    ]
    texts = [json.dumps(obj) for obj in objects]
    texts += [
        "",
        "no json here",
        "[1, 2]",
        '```json\n{"request": "Fenced"}\n```',
        'Sure! {"reply": "Hi there"} hope it helps',
        '{"parts": ["a", "b"]} {"parts": []}',
        '{"request": "a\\ud800b"}',
    ]
    return texts


@pytest.mark.parametrize("model", list(CASES))
def test_a_model_accepts_what_the_old_check_accepted(model):
    old, fields = CASES[model]
    for text in _answers():
        parsed = parse_json_object(text) or {}
        answer = read(text, model)
        assert (None if answer is None else fields(answer)) == old(parsed), text


class _Teacher:
    def __init__(self, text):
        self.text, self.asked = text, []

    async def complete(self, request):
        self.asked.append(request)
        return Completion(self.text)


def test_ask_sends_the_request_as_built_and_keeps_the_raw_text():
    schema = {"type": "object", "properties": {"request": {"type": "string", "minLength": 8}}, "required": ["request"]}
    request = ChatRequest([{"role": "user", "content": "x"}], 0.2, 64, schema, 3)
    teacher = _Teacher('Here: {"request": "  Book a table  "}')
    asked = asyncio.run(ask(teacher, request, RequestAnswer))
    assert (
        teacher.asked == [request] and teacher.asked[0].json_schema is schema
    )  # the hand-written schema, not the model's
    assert asked.value.request == "Book a table" and asked.text == 'Here: {"request": "  Book a table  "}'
    assert asked.expect("unused", "phrase").request == "Book a table"


def test_a_rejection_keeps_the_raw_answer_under_its_step():
    task = Task(
        0,
        "single-free-0-0",
        "single",
        "free",
        "get_weather",
        ["get_weather"],
        0.7,
        [],
        None,
        "terse",
        "2026-03-01T10:00:00Z",
        None,
    )

    async def step():
        asked = await ask(_Teacher('{"request": ""}'), ChatRequest([]), RequestCallAnswer)
        return asked.expect("the answer has no request and call", "free")

    with pytest.raises(StepError) as raised:
        asyncio.run(step())
    assert (raised.value.code, raised.value.raw) == ("unparseable_output", {"free": '{"request": ""}'})
    candidate = asyncio.run(guarded(task, step()))
    assert candidate.record is None and candidate.raw == {"free": '{"request": ""}'}
    assert [(i.check, i.code, i.path, i.message) for i in candidate.issues] == [
        ("generate", "unparseable_output", "", "the answer has no request and call")
    ]
