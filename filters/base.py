"""Issue, the Check base class, and running a list of checks over a record."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Iterable

from pipeline.record import Conversation


@dataclass(frozen=True)
class Issue:
    """One failed rule: the check, its code, where in the record, and a human message."""

    check: str
    code: str
    path: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Check:
    """A check looks at one record and returns its issues (an empty list means ok)."""

    name: str = "check"

    def __call__(self, record: Conversation) -> list[Issue]:
        raise NotImplementedError

    def issue(self, code: str, path: str, message: str) -> Issue:
        """Build an Issue of this check."""
        return Issue(self.name, code, path, message)


def run_checks(record: Conversation, checks: Iterable[Check]) -> list[Issue]:
    """Run every check in order and return all issues found."""
    issues: list[Issue] = []
    for check in checks:
        issues.extend(check(record))
    return issues


def call_path(message_index: int, call_index: int) -> str:
    """JSON path of a tool call inside a record."""
    return f"messages[{message_index}].tool_calls[{call_index}]"
