"""Category rules: how many calls a sample of each category makes, and answers that match results.

- `single`: exactly one call, in one assistant turn.
- `parallel`: one assistant turn of two or more calls.
- `nested`: at least one call (DESIGN.md's own example is a one-call nested record); that later
  calls use earlier results is the grounding check's `unused_tool_result`.
- `no_call`: no call at all; a `missing_value` one (meta.no_call.kind) asks a question in its
  first assistant turn and may call only after the user answers it.
- every category: an assistant answer after tool results that quotes a number ("$231.40",
  "12 degrees", "3 flights") must find it, at the precision shown, in a tool result (a value,
  a list's length, a date or time part), a user turn before it, or a derivation from the results
  (sums, differences, totals, means, counts, rate and unit conversions, percentages); and it may
  not contradict every returned weather condition, status or yes/no fact; else
  `inconsistent_answer` (filters.answers has the rules).
- every category: the system-prompt rules in `meta.policy` (filters.policy) hold, else `policy_violation`.
- every category: no call is made twice with the same arguments in one turn or in the next call
  turn (`repeated_call`): "same as before" must change something. Asking again after other
  calls in between (Apple, Microsoft, Apple once more) is allowed.
"""

from __future__ import annotations

import re

from filters.answers import contradiction, misattributed, unsupported_number
from filters.base import Check, Issue, decoded
from filters.match import canonical_calls
from filters.policy import policy_issues
from filters.quality import APOSTROPHES
from pipeline.record import Conversation

# words that tell the user a call did not go through ("locking it failed", "couldn't reach the service")
FAILED_RE = re.compile(
    r"\b(?:error\w*|fail\w*|unavailable|unable|couldn't|could not|can't|cannot|didn't|did not|wasn't|was not"
    r"|not (?:able|possible|available|found|work\w*|go through|complete\w*|respond\w*)|problem|issue|try again"
    r"|retry|later|sorry|unfortunately|down|denied|invalid|no (?:such|match\w*)|doesn't exist|does not exist)\b"
)
# words that decline an action no offered tool may do ("I can't place orders here", "I'm only able to ...")
DECLINE_RE = re.compile(
    r"\b(?:can't|cannot|can not|unable|not able|(?:don't|do not) have|(?:isn't|is not|not) (?:available|allowed"
    r"|permitted|possible|supported|something)|no (?:tool|access|way)|none of (?:my|the|these)|i'm not|i am not"
    r"|outside|beyond|sorry"
    r"|unfortunately|only (?:able|help|check|search|look|get|show|see|view|read))\b"
)


def _words(text: str | None) -> str:
    return (text or "").casefold().translate(APOSTROPHES)


def declines(text: str | None) -> bool:
    """Whether an answer says it cannot do what was asked ("I can't", "unfortunately", "no tool")."""
    return bool(DECLINE_RE.search(_words(text)))


def _error_code(content: str | None) -> str | None:
    """The code of a tool result `{"error": {"code": ...}}` (or `{"error": "..."}`), else None."""
    value = decoded(content or "")
    error = value.get("error") if isinstance(value, dict) else None
    if not error:
        return None
    code = error.get("code") if isinstance(error, dict) else error
    return str(code or "error")


class CategoryCheck(Check):
    """Call counts per category and answers consistent with the tool results."""

    name = "category"

    def __call__(self, record: Conversation) -> list[Issue]:
        call_turns = [(i, m) for i, m in enumerate(record.messages) if m.role == "assistant" and m.tool_calls]
        repeated = self._repeated(record, call_turns)
        if record.category == "no_call":
            return self._no_call(record, call_turns) + repeated + self._answers(record) + policy_issues(record)
        return self._counts(record.category, call_turns) + repeated + self._answers(record) + policy_issues(record)

    def _repeated(self, record: Conversation, call_turns: list) -> list[Issue]:
        """A call equal to another of its own turn or of the call turn just before it, unless that
        one's result was a transient error (rate_limited, unavailable, timeout): a retry."""
        schemas, issues, before = record.tool_schemas(), [], set()
        transient = {
            message.tool_call_id
            for message in record.messages
            if message.role == "tool" and _transient(message.content)
        }
        for i, message in call_turns:
            seen: set[str] = set()
            retried: set[str] = set()
            for j, call in enumerate(message.tool_calls or []):
                key = canonical_calls([call], schemas)
                if call.id in transient:
                    retried.add(key)
                if key in seen or key in before:
                    where = "the same turn" if key in seen else "the call turn before"
                    issues.append(
                        self.issue(
                            "repeated_call",
                            f"messages[{i}].tool_calls[{j}]",
                            f"{call.function.name} again with the same arguments as in {where}",
                        )
                    )
                seen.add(key)
            before = seen - retried
        return issues

    def _no_call(self, record: Conversation, call_turns: list) -> list[Issue]:
        """No call at all; for `meta.no_call.kind` missing_value, none before the user gives the
        value: the first assistant turn asks a question and calls may follow a later user turn."""
        info = record.meta.get("no_call") if isinstance(record.meta.get("no_call"), dict) else {}
        if info.get("kind") != "missing_value":
            issues = [
                self.issue("call_in_no_call", f"messages[{i}].tool_calls", "a tool call in a no_call sample")
                for i, _ in call_turns
            ]
            reply = next((i for i, m in enumerate(record.messages) if m.role == "assistant" and m.content), None)
            declinable = info.get("kind") in ("unavailable_tool", "forbidden") and reply is not None
            if declinable and not declines(record.messages[reply].content):
                issues.append(
                    self.issue(
                        "no_decline",
                        f"messages[{reply}].content",
                        "the reply to a request no offered tool may serve does not say it cannot do it",
                    )
                )
            return issues
        first = next((i for i, m in enumerate(record.messages) if m.role == "assistant"), None)
        if first is None:
            return []
        if record.messages[first].tool_calls:
            return [
                self.issue(
                    "call_in_no_call",
                    f"messages[{first}].tool_calls",
                    "a call where a required value is missing: ask for it first",
                )
            ]
        if "?" not in (record.messages[first].content or ""):
            return [
                self.issue(
                    "no_question",
                    f"messages[{first}].content",
                    "a missing-value sample must ask the user for the value",
                )
            ]
        return []

    def _counts(self, category: str, call_turns: list) -> list[Issue]:
        calls = sum(len(m.tool_calls or []) for _, m in call_turns)
        if category in ("single", "parallel", "nested") and not call_turns:
            return [self.issue("no_call_when_needed", "messages", f"a {category} sample needs a tool call")]
        where = f"messages[{call_turns[0][0]}].tool_calls" if call_turns else "messages"
        if category == "single" and (len(call_turns) != 1 or calls != 1):
            return [self.issue("wrong_call_count", where, f"a single sample makes exactly one call, found {calls}")]
        if category == "parallel" and (len(call_turns) != 1 or calls < 2):
            return [
                self.issue(
                    "wrong_call_count",
                    where,
                    f"a parallel sample makes 2+ calls in one turn, found {calls} in {len(call_turns)} turn(s)",
                )
            ]
        return []

    def _answers(self, record: Conversation) -> list[Issue]:
        issues = []
        for index, message in enumerate(record.messages):
            if message.role != "assistant" or message.tool_calls or not message.content:
                continue
            before = record.messages[:index]
            results = [m.content for m in before if m.role == "tool" and m.content]
            if not results:
                continue
            said = [m.content for m in before if m.role in ("user", "system") and m.content]
            failed = _error_code(before[-1].content) if before[-1].role == "tool" else None
            if failed and not FAILED_RE.search(_words(message.content)):
                issues.append(
                    self.issue(
                        "inconsistent_answer",
                        f"messages[{index}].content",
                        f"the call before it returned an error ({failed}) and the answer does not say so",
                    )
                )
                continue
            number = unsupported_number(message.content, results, said)
            if number is not None:
                issues.append(
                    self.issue(
                        "inconsistent_answer",
                        f"messages[{index}].content",
                        f"the answer says {number}, which no tool result gives or derives",
                    )
                )
                continue
            contradicted = contradiction(message.content, results) or misattributed(message.content, results, said)
            if contradicted:
                issues.append(self.issue("inconsistent_answer", f"messages[{index}].content", contradicted))
        return issues


TRANSIENT_ERRORS = ("rate_limited", "unavailable", "timeout")  # the same call may follow one of these


def _transient(content: str | None) -> bool:
    """A tool result `{"error": {"code": "rate_limited", ...}}` (or unavailable, timeout)."""
    return _error_code(content) in TRANSIENT_ERRORS
