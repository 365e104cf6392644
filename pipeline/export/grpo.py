"""GRPO rows: one prompt per decision turn, with what a right answer is, for TRL's GRPOTrainer.

A record gives one row per decision turn, as `fc-datagen eval` asks them (pipeline.eval.items:
each call turn, a no-call answer, a clarifying question, a decline, a confirmation; not the
answers that relay tool results). The `prompt` is eval's `text` prompt: the tools in the system
turn and earlier calls and results written out, because GRPOTrainer renders every prompt with one
trainer-wide tool list, while each of our records offers its own tools. The other columns reach
the reward function as keyword arguments: `pipeline.rewards.tool_call_reward` scores a completion
by eval's rules (BFCL's AST rules over the reference calls, filters.possible).
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.eval.ask import request_for
from pipeline.eval.items import Item, record_items
from pipeline.record import parse_record


def grpo_rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The record's decision turns as prompt-only rows: `prompt`, `id`, `record_id`, `category`,
    `kind`, `expect`, `answers` (possible answers, a JSON string), `ordered`, `tools` (a JSON string)."""
    return [item_row(item) for item in record_items([parse_record(record)])]


def item_row(item: Item) -> dict[str, Any]:
    """One eval item as a GRPO row (JSON strings where rows differ in shape, so Arrow keeps them)."""
    return {
        "prompt": request_for(item, "text").messages,
        "id": item.id,
        "record_id": item.record_id,
        "category": item.category,
        "kind": item.kind,
        "expect": item.expect,
        "answers": json.dumps(item.answers, ensure_ascii=False),
        "ordered": item.ordered,
        "tools": json.dumps(item.tools, ensure_ascii=False),
    }


def row_item(row: dict[str, Any]) -> Item:
    """The eval item a GRPO row stands for (its prompt is not needed to score an answer)."""
    return Item(
        id=row.get("id") or "",
        record_id=row.get("record_id") or "",
        turn=0,
        category=row.get("category") or "",
        kind=row.get("kind") or "",
        messages=[],
        tools=json.loads(row["tools"]) if isinstance(row.get("tools"), str) else row.get("tools") or [],
        expect=row["expect"],
        answers=json.loads(row["answers"]) if isinstance(row.get("answers"), str) else row.get("answers") or [],
        ordered=bool(row.get("ordered")),
    )
