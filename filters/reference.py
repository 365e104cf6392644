"""Reference check: a turn's calls against the record's reference calls (e.g. the blueprint).

`meta.reference` is a list of `{"message": index, "calls": [{"name", "arguments"}], "ordered": bool}`.
"""

from __future__ import annotations

from pipeline.record import Conversation

from filters.base import Check, Issue
from filters.match import match_calls


class ReferenceCheck(Check):
    """Compare each referenced assistant turn with its reference calls through filters.match."""

    name = "reference"

    def __call__(self, record: Conversation) -> list[Issue]:
        issues = []
        schemas = record.tool_schemas()
        for ref in record.meta.get("reference") or []:
            index = ref.get("message", -1)
            path = f"messages[{index}]"
            if not 0 <= index < len(record.messages):
                issues.append(self.issue("wrong_call_count", path, "the reference names a message the record does not have"))
                continue
            calls = record.messages[index].tool_calls or []
            result = match_calls(ref.get("calls", []), calls, schemas, ordered=bool(ref.get("ordered")))
            if not result.ok:
                issues.append(self.issue(result.code, path + ".tool_calls", result.message))
        return issues
