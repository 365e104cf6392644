"""Review labels: `RUN_DIR/review/labels.jsonl`, one line per click (the last line for a record
wins, so going back and changing a verdict is one more line), and the human-accept rate they give.

A label is `{"record_id", "category", "verdict": "accept"|"reject", "reason", "note", "at"}`;
`reason` is one of REASONS for a rejection (None for an acceptance); `note` is free text, required
for the reason `other`. Each label is appended and fsynced before the page hears back, so a killed
server loses nothing that was shown as saved.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from pipeline.errors import InputError
from pipeline.record import iter_jsonl
from pipeline.stats import wilson

REVIEW_FOLDER = "review"
LABELS_NAME = "labels.jsonl"
# why a reviewer rejects a record: the short list the page offers (key -> what the button says)
REASONS = {
    "wrong_call": "wrong call",
    "implausible_values": "implausible values",
    "unnatural_request": "unnatural request",
    "bad_answer": "bad answer",
    "other": "other",
}


class Label(BaseModel):
    """One reviewer verdict on one record."""

    record_id: str = Field(min_length=1)
    category: str = ""
    verdict: Literal["accept", "reject"]
    reason: str | None = None
    note: str = Field(default="", max_length=2000)
    at: str = ""

    @model_validator(mode="after")
    def _reason_fits(self) -> Label:
        if self.verdict == "reject" and self.reason not in REASONS:
            raise ValueError(f"a rejection needs a reason, one of {', '.join(REASONS)}")
        if self.verdict == "accept" and self.reason is not None:
            raise ValueError("an acceptance has no reason")
        if self.reason == "other" and not self.note.strip():
            raise ValueError("the reason 'other' needs a note saying what is wrong")
        return self


def labels_path(run_dir: Path) -> Path:
    """Where a run's labels live."""
    return run_dir / REVIEW_FOLDER / LABELS_NAME


def append_label(run_dir: Path, label: Label) -> Label:
    """Append one label (stamped with the time) and fsync it; returns the stored label."""
    stored = label.model_copy(update={"at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    path = labels_path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    _cut_torn_tail(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(stored.model_dump(), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return stored


def _cut_torn_tail(path: Path) -> None:
    """Remove a last line without its newline (a kill mid-write: never reported saved), so the
    next label starts a line of its own."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        data = handle.read()
        if not data.endswith(b"\n"):
            handle.truncate(data.rfind(b"\n") + 1)


def read_labels(run_dir: Path) -> dict[str, Label]:
    """The latest label of each labelled record (in file order). A torn last line, which a kill
    mid-write can leave, is skipped; any other bad line is an InputError naming it."""
    path = labels_path(run_dir)
    if not path.is_file():
        return {}
    rows = list(iter_jsonl(str(path)))
    latest: dict[str, Label] = {}
    for index, item in rows:
        try:
            if isinstance(item, ValueError):
                raise item
            label = Label.model_validate(item)
        except ValueError as error:
            if index == len(rows) - 1 and isinstance(item, ValueError):
                break  # a torn last line
            raise InputError(f"not a review label: {str(error).splitlines()[0]}", str(path), f"[{index}]") from None
        latest.pop(label.record_id, None)  # re-insert: the dict's order is the order of the latest verdicts
        latest[label.record_id] = label
    return latest


def summarize(labels: dict[str, Label], record_ids: set[str] | None = None) -> dict[str, Any]:
    """The human-accept rate overall and per category, each with its Wilson interval, and the
    rejection reasons. `record_ids`: count only labels of these records (the run's accepted ones)."""
    kept = [label for label in labels.values() if record_ids is None or label.record_id in record_ids]
    by_category: dict[str, list[Label]] = defaultdict(list)
    for label in kept:
        by_category[label.category or "?"].append(label)

    def rate(group: list[Label]) -> dict[str, Any]:
        accepted = sum(label.verdict == "accept" for label in group)
        low, high = wilson(accepted, len(group))
        return {
            "reviewed": len(group),
            "accepted": accepted,
            "rate": round(accepted / len(group), 4) if group else None,
            "interval": [round(low, 4), round(high, 4)],
        }

    rejected = [label for label in kept if label.verdict == "reject"]
    return {
        **rate(kept),
        "categories": {name: rate(group) for name, group in sorted(by_category.items())},
        "reasons": dict(Counter(label.reason for label in rejected).most_common()),
        "notes": [
            {"record_id": label.record_id, "reason": label.reason, "note": label.note}
            for label in rejected
            if label.note
        ],
    }


def review_line(summary: dict[str, Any]) -> str:
    """'human review: 143/150 accepted, 95.3% [90.7, 97.7]' (the card's and the report's line)."""
    low, high = summary["interval"]
    return (
        f"human review: {summary['accepted']}/{summary['reviewed']} accepted, "
        f"{100 * (summary['rate'] or 0):.1f}% [{100 * low:.1f}, {100 * high:.1f}]"
    )


def human_rejected(labels: dict[str, Label]) -> set[str]:
    """The ids of records whose latest label is a rejection."""
    return {record_id for record_id, label in labels.items() if label.verdict == "reject"}
