"""Reference check: a turn's calls against the record's reference calls (e.g. the blueprint).

`meta.reference` is a list of `{"message": index, "calls": [{"name", "arguments"}], "ordered": bool}`.
A reference of another shape is a format/invalid_record issue, never a crash.
"""

from __future__ import annotations

from typing import Any

from filters.base import Check, Issue
from filters.match import match_calls
from pipeline.record import Conversation

_CALL_SHAPE = 'expected {"name": str, "arguments": {...}}'


def _invalid(path: str, message: str) -> Issue:
    return Issue("format", "invalid_record", path, message)


def shape_issue(ref: Any, path: str) -> Issue | None:
    """An invalid_record issue when one reference entry is not of the documented shape."""
    if not isinstance(ref, dict):
        return _invalid(path, "a reference entry must be an object")
    index = ref.get("message")
    if not isinstance(index, int) or isinstance(index, bool):
        return _invalid(path + ".message", f"message must be an integer index, not {index!r}")
    if not isinstance(ref.get("ordered", False), bool):
        return _invalid(path + ".ordered", "ordered must be true or false")
    calls = ref.get("calls", [])
    if not isinstance(calls, list):
        return _invalid(path + ".calls", "calls must be a list")
    for number, call in enumerate(calls):
        inner = call.get("function", call) if isinstance(call, dict) else None
        if (
            not isinstance(inner, dict)
            or not isinstance(inner.get("name"), str)
            or not isinstance(inner.get("arguments", {}), dict)
        ):
            return _invalid(f"{path}.calls[{number}]", _CALL_SHAPE)
    return None


class ReferenceCheck(Check):
    """Compare each referenced assistant turn with its reference calls through filters.match."""

    name = "reference"

    def __call__(self, record: Conversation) -> list[Issue]:
        references = record.meta.get("reference") or []
        if not isinstance(references, list):
            return [_invalid("meta.reference", 'meta.reference must be a list of {"message", "calls", "ordered"}')]
        issues = []
        for number, ref in enumerate(references):
            shape = shape_issue(ref, f"meta.reference[{number}]")
            issues.extend([shape] if shape else self._compare(record, ref))
        return issues

    def _compare(self, record: Conversation, ref: dict[str, Any]) -> list[Issue]:
        index = ref["message"]
        path = f"messages[{index}]"
        if not 0 <= index < len(record.messages):
            return [self.issue("wrong_call_count", path, "the reference names a message the record does not have")]
        calls = record.messages[index].tool_calls or []
        if any(not isinstance(call.function.arguments, dict) for call in calls):
            return []  # unparseable arguments: the format check's invalid_json says it
        result = match_calls(ref.get("calls", []), calls, record.tool_schemas(), ordered=ref.get("ordered", False))
        return [] if result.ok else [self.issue(result.code, path + ".tool_calls", result.message)]
