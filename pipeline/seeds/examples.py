"""Few-shot examples per category (seeds/examples/<category>.jsonl), each checked for its shape.

single      {"request", "call": {"name", "arguments"}}
parallel    {"request", "calls": [call, call, ...]}
nested      {"request", "steps": [{"call", "result"}, ...], "answer"} (+ "parts": the request
            as one sentence per step, the shots of per-step phrasing)
multi_turn  {"turns": [{"user", "calls"?, "results"?, "assistant"}, ...]}
no_call     {"kind": unrelated|missing_value|unavailable_tool, "tools", "request", "reply"}
            (+ missing_value: "missing", "value", "call")
"""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline import parse
from pipeline.errors import InputError
from pipeline.resources import data_dir, display_path

NO_CALL_KINDS = ("unrelated", "missing_value", "unavailable_tool", "forbidden")


def _is_call(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("name"), str) and isinstance(value.get("arguments"), dict)


def shape_problem(category: str, example: Any) -> str | None:
    """What is wrong with one example's shape for `category`, or None."""
    if not isinstance(example, dict):
        return "expected a JSON object"
    if category != "multi_turn" and not isinstance(example.get("request"), str):
        return 'expected "request": str'
    if category == "single" and not _is_call(example.get("call")):
        return 'expected {"request": str, "call": {"name", "arguments": {...}}}'
    if category == "parallel":
        calls = example.get("calls")
        if not isinstance(calls, list) or len(calls) < 2 or not all(_is_call(c) for c in calls):
            return 'expected "calls": a list of 2+ {"name", "arguments"}'
    if category == "nested":
        steps = example.get("steps")
        if (
            not isinstance(steps, list)
            or len(steps) < 2
            or not all(isinstance(s, dict) and _is_call(s.get("call")) and "result" in s for s in steps)
        ):
            return 'expected "steps": a list of 2+ {"call", "result"}'
        if not isinstance(example.get("answer"), str):
            return 'expected "answer": str'
        parts = example.get("parts", [""] * len(steps))
        if not isinstance(parts, list) or len(parts) != len(steps) or not all(isinstance(p, str) for p in parts):
            return '"parts" must be one sentence (str) per step'
    if category == "multi_turn":
        turns = example.get("turns")
        if (
            not isinstance(turns, list)
            or not turns
            or not all(isinstance(t, dict) and isinstance(t.get("user"), str) for t in turns)
        ):
            return 'expected "turns": a list of {"user": str, ...}'
        if not any(_is_call(call) for t in turns for call in t.get("calls") or []):
            return "a multi_turn example needs at least one call"
    if category == "no_call":
        if example.get("kind") not in NO_CALL_KINDS or not isinstance(example.get("reply"), str):
            return f'expected "kind" (one of {", ".join(NO_CALL_KINDS)}) and "reply": str'
        if example["kind"] == "missing_value" and not (
            _is_call(example.get("call")) and isinstance(example.get("missing"), str)
        ):
            return 'a missing_value example needs "missing" and "call"'
    return None


def example_tool(example: dict[str, Any]) -> str:
    """The tool an example is about: its (first) call's, else the first tool it lists."""
    if _is_call(example.get("call")):
        return example["call"]["name"]
    for calls in (
        ([example.get("calls")] if example.get("calls") else [])
        + [[s["call"]] for s in example.get("steps") or []]
        + [t.get("calls") or [] for t in example.get("turns") or []]
    ):
        if calls:
            return calls[0]["name"]
    return (example.get("tools") or [""])[0]


def examples_path(category: str):
    """seeds/examples/<category>.jsonl."""
    return data_dir("seeds") / "examples" / f"{category}.jsonl"


def load_examples(category: str) -> list[dict[str, Any]]:
    """The category's few-shot examples; InputError naming the file and line on a bad one."""
    path = examples_path(category)
    shown = display_path(path)
    if not path.is_file():
        raise InputError("no few-shot examples for this category", shown)
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            example = parse.loads(line)
        except parse.StrictError as error:
            raise InputError(error.message, shown, " ".join(filter(None, [f"line {number}", error.path]))) from None
        except ValueError as error:  # json.JSONDecodeError
            raise InputError(f"invalid JSON: {getattr(error, 'msg', error)}", shown, f"line {number}") from None
        problem = shape_problem(category, example)
        if problem:
            raise InputError(problem, shown, f"line {number}")
        examples.append(example)
    return examples


def examples_version(category: str) -> str:
    """First 12 hex digits of the SHA-256 of the category's example file (meta.fewshot_version)."""
    return hashlib.sha256(examples_path(category).read_bytes()).hexdigest()[:12]
