"""Issue, the Check base class, and running a list of checks over a record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from pipeline.record import Conversation, append_path


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
    Options: type | None = None  # the options class its constructor takes, if any (filters.checks passes them by name)

    def __call__(self, record: Conversation) -> list[Issue]:
        raise NotImplementedError

    def issue(self, code: str, path: str, message: str) -> Issue:
        """Build an Issue of this check."""
        return Issue(self.name, code, path, message)


def run_checks(record: Conversation, checks: Iterable[Check]) -> list[Issue]:
    """Run every check in order and return all issues found (a crashing check gives a `check_error` issue)."""
    issues: list[Issue] = []
    for check in checks:
        issues.extend(run_check(check, record))
    return issues


def run_check(check: Check, record: Conversation) -> list[Issue]:
    """One check's issues; a check that raises on an odd record yields a `check_error` issue on that
    record instead of stopping the run (the checks should report malformed content themselves)."""
    try:
        return check(record)
    except Exception as error:  # noqa: BLE001 - the backstop for every check, ours or a user's
        return [Issue(check.name, "check_error", "", f"check crashed: {type(error).__name__}: {error}")]


def call_path(message_index: int, call_index: int) -> str:
    """JSON path of a tool call inside a record."""
    return f"messages[{message_index}].tool_calls[{call_index}]"


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(JSON path, scalar) for a value and every scalar inside its objects and lists."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, append_path(path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def decoded(text: str) -> Any:
    """A tool result's JSON value, or the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text
