"""Reasoning traces (`reasoning_content` on assistant turns): `ungrounded_reasoning`.

A rationale before a call may restate what the conversation holds and the call it explains,
nothing more: every number in it (4, 19:30, 250.00, 2026-06-23) and every quoted span ("Beer
halls") must appear in an earlier message (text, a call's arguments, a tool result) or in the
turn's own calls. Words are not judged (a rationale paraphrases); figures and quotes are the
facts a model would otherwise learn to invent.
"""

from __future__ import annotations

import json
import re

from filters.base import Check, Issue
from pipeline.record import Conversation

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_QUOTED = re.compile(r"[\"“]([^\"“”]{3,80})[\"”]")  # double quotes only: an apostrophe is no quote


def _numbers(text: str) -> set[float]:
    found = set()
    for raw in _NUMBER.findall(text):
        try:
            found.add(float(raw.replace(",", "")))
        except ValueError:
            continue
    return found


def _text(message) -> str:
    parts = [message.content or ""]
    for call in message.tool_calls or []:
        arguments = call.function.arguments
        parts.append(arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False))
    return "\n".join(parts)


class ReasoningCheck(Check):
    """Each reasoning_content states only numbers and quotes its context holds."""

    name = "reasoning"

    def __call__(self, record: Conversation) -> list[Issue]:
        issues, seen = [], []
        for index, message in enumerate(record.messages):
            own = _text(message)
            if message.role == "assistant" and message.reasoning_content:
                context = "\n".join([*seen, own])
                problem = self._ungrounded(message.reasoning_content, context)
                if problem:
                    issues.append(self.issue("ungrounded_reasoning", f"messages[{index}].reasoning_content", problem))
            seen.append(own)
        return issues

    @staticmethod
    def _ungrounded(reasoning: str, context: str) -> str | None:
        missing = sorted(_numbers(reasoning) - _numbers(context))
        if missing:
            return f"the reasoning states {missing[0]:g}, which nothing before it says"
        lowered = context.casefold()
        for quote in _QUOTED.findall(reasoning):
            if quote.strip().casefold() not in lowered:
                return f"the reasoning quotes {quote!r}, which nothing before it says"
        return None
