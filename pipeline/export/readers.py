"""Which export format a JSONL row is in, and the rows that read back into canonical records.

`python -m pipeline.validate` takes what `pipeline.export` writes. `format_of(row)` names the
format of one row: "canonical" (a record of accepted.jsonl / rejected.jsonl), "pairs" (a row
of pairs.jsonl), or an exporter's name (pipeline.export.exporters RECORD_FORMATS, PAIR_FORMATS).
The chat formats that keep a record's structure, `openai` and `trl-sft` (messages and tools,
arguments as JSON strings or objects), read back: `canonical(row, index)` gives the record with
an id made from its line and each tool message's name from its call; the record model parses
string arguments. The text renderings (hermes, sharegpt, glaive, python, xlam, llamafactory,
text, grpo) lose the calls' ids, the result-to-call links or the tool results themselves, and the pair
formats hold no records: `not_readable(fmt)` is the one line that says so and which file to
check instead.
"""

from __future__ import annotations

from typing import Any

from pipeline.export.exporters import PAIR_FORMATS, RECORD_FORMATS

READABLE = ("openai", "trl-sft")  # exports that are the canonical record less id, category and meta


def format_of(row: Any) -> str:
    """The format of one decoded row: "canonical", "pairs", or an exporter's name (a row of no
    known shape is "canonical": the record model then names what it lacks)."""
    if not isinstance(row, dict):
        return "canonical"
    if "conversations" in row:
        if "chosen" in row:
            return "llamafactory-dpo"
        if "system" in row:
            return "llamafactory"
        return "sharegpt" if "tools" in row else "hermes"
    if "text" in row and "messages" not in row:
        return "text"
    if "system" in row and "chat" in row:
        return "glaive"
    if "query" in row and "answers" in row:
        return "xlam"
    if "prompt" in row and "expect" in row:
        return "grpo"
    if "input" in row and "preferred_output" in row:
        return "openai-dpo"
    if {"prompt", "chosen", "rejected"} <= row.keys():
        return "pairs" if "record_id" in row or "type" in row else "trl-dpo"
    if "functions" in row and "messages" in row:
        return "python"
    if "messages" in row and "id" not in row:
        return "openai" if "parallel_tool_calls" in row or _string_arguments(row) or "tools" not in row else "trl-sft"
    return "canonical"


def _string_arguments(row: dict[str, Any]) -> bool:
    messages = row.get("messages") if isinstance(row.get("messages"), list) else []
    return any(
        isinstance(call, dict)
        and isinstance(call.get("function"), dict)
        and isinstance(call["function"].get("arguments"), str)
        for message in messages
        if isinstance(message, dict)
        for call in message.get("tool_calls") or []
    )


def canonical(row: dict[str, Any], index: int) -> dict[str, Any]:
    """A `READABLE` row as a canonical record: its own fields, `line-N` (N = index + 1) as id, and
    each tool message's `name` (which OpenAI rows leave out) from the call it answers."""
    messages = row.get("messages")
    if isinstance(messages, list):
        names = {
            call.get("id"): call["function"].get("name")
            for message in messages
            if isinstance(message, dict)
            for call in message.get("tool_calls") or []
            if isinstance(call, dict) and isinstance(call.get("function"), dict)
        }
        messages = [
            {**message, "name": names[message.get("tool_call_id")]}
            if isinstance(message, dict)
            and message.get("role") == "tool"
            and not message.get("name")
            and names.get(message.get("tool_call_id"))
            else message
            for message in messages
        ]
        row = {**row, "messages": messages}
    return {"id": f"line-{index + 1}", **row}


def not_readable(fmt: str) -> str:
    """The one line for a file whose rows cannot be read back into records."""
    if fmt == "pairs":
        return "this is a pairs.jsonl file (DPO pairs, not records); validate the run's accepted.jsonl"
    why = "pairs, not records" if fmt in PAIR_FORMATS else "a text rendering that does not read back into records"
    return f"this is {_article(fmt)} {fmt} export ({why}); validate the run's accepted.jsonl"


def _article(word: str) -> str:
    return "an" if word[0] in "aeiox" else "a"  # an openai, an xlam; a hermes, a trl-sft


FORMATS = (*RECORD_FORMATS, *PAIR_FORMATS)  # every format pipeline.export writes: READABLE or not_readable
