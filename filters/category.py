"""Category rules: how many calls a sample of each category must (or must not) make."""

from __future__ import annotations

from pipeline.record import Conversation

from filters.base import Check, Issue


class CategoryCheck(Check):
    """`single`: exactly one call in one assistant turn; `no_call`: no call at all."""

    name = "category"

    def __call__(self, record: Conversation) -> list[Issue]:
        call_turns = [(i, m) for i, m in enumerate(record.messages) if m.role == "assistant" and m.tool_calls]
        if record.category == "no_call":
            return [self.issue("call_in_no_call", f"messages[{i}].tool_calls", "a tool call in a no_call sample") for i, _ in call_turns]
        if record.category == "single":
            if not call_turns:
                return [self.issue("no_call_when_needed", "messages", "a single sample needs one tool call")]
            calls = sum(len(m.tool_calls or []) for _, m in call_turns)
            if len(call_turns) != 1 or calls != 1:
                return [self.issue("wrong_call_count", f"messages[{call_turns[0][0]}].tool_calls", f"a single sample makes exactly one call, found {calls}")]
        return []
