"""`fc-datagen review RUN_DIR --export jsonl|argilla`: the labels joined to their records, for
teams that keep labels in a labelling tool.

- `jsonl`: `review/labelled.jsonl`, each labelled record as the run wrote it plus `review`
  (the latest label).
- `argilla`: `review/argilla.jsonl`, one flat row per sampled record in the shape Argilla's
  `dataset.records.log(rows)` maps by name (docs/review.md has the matching `rg.Settings`):
  `chat` (role/content turns, calls and results written out as text, for a ChatField),
  `tools` (JSON text), `record_id` and `category` (metadata), and, when labelled, `verdict`,
  `reason` and `note` (taken as suggestions for the questions of those names).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.pages import call_text
from pipeline.review.labels import REVIEW_FOLDER, Label
from pipeline.writer import write_jsonl


def chat_turns(record: dict[str, Any]) -> list[dict[str, str]]:
    """The record's turns as role/content pairs (calls as `name(args)` lines, results as text)."""
    turns = []
    for message in record["messages"]:
        parts = [message.get("content") or ""] + [f"-> {call_text(call)}" for call in message.get("tool_calls") or []]
        turns.append({"role": message["role"], "content": "\n".join(part for part in parts if part)})
    return turns


def export_labels(
    run_dir: Path, records: dict[str, dict], sample: list[str], labels: dict[str, Label], kind: str
) -> Path:
    """Write the export of `kind` (jsonl or argilla) under RUN_DIR/review/ and return its path."""
    folder = run_dir / REVIEW_FOLDER
    if kind == "jsonl":
        path = folder / "labelled.jsonl"
        write_jsonl(path, ({**records[i], "review": label.model_dump()} for i, label in labels.items() if i in records))
        return path
    path = folder / "argilla.jsonl"
    rows = []
    for record_id in [*sample, *(i for i in labels if i not in sample)]:
        if record_id not in records:
            continue
        record, label = records[record_id], labels.get(record_id)
        row = {
            "record_id": record_id,
            "category": record.get("category") or "",
            "chat": chat_turns(record),
            "tools": json.dumps(record.get("tools") or [], ensure_ascii=False, indent=1),
        }
        if label:
            row.update({"verdict": label.verdict, "reason": label.reason or "", "note": label.note})
        rows.append(row)
    write_jsonl(path, rows)
    return path
