"""What a reviewer sees across a dataset: values repeated too often, and requests that say a
value the way no person types it (manifest keys `repetition` and `raw_forms`).

- repetition: per (tool, parameter), its most used value and that value's share of the
  parameter's uses (a value counts once per record: a follow-up repeating it is not a new use);
  a value above `limit` (5%) counts under `over_limit` when the parameter has at least 1/limit
  uses. Flags, nulls and parameters with few options (at most 1/limit: 20) are
  left out: repeating them is their nature. Few options means an enum, a bounded integer or
  stepped number (party size 1-12, a rating in half stars), or a list of a small enum's options
  (weekdays): a party of 2 is what most people book.
- raw_forms: the share of user turns that contain an ISO date, an ISO timestamp, a snake_case
  token (outside e-mail addresses, links and file names, which people type with underscores) or
  an opaque id (the value of an `..._id` parameter mixing letters and digits, written in the
  request, other than ids a user holds from an e-mail or ticket: order numbers, booking
  references, flight numbers).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from pipeline.record import Conversation

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?!\d)")  # also the date of a timestamp
ISO_TIMESTAMP = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
# what people do type with underscores: an e-mail address, a link, a file name (invoice_4471.pdf)
_TYPED_AS_IS = re.compile(
    r"\S+@\S+|https?://\S+|\b[\w-]+\.(?:pdf|docx?|xlsx?|pptx?|csv|txt|jpe?g|png|gif|zip|mp3|mp4)\b"
)
_OPAQUE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])\S{5,}$")  # letters and digits, no spaces: evt_9x2k7p4q1w
_HELD_IDS = re.compile(r"order|booking|reservation|confirmation|flight|tracking|reference|ticket|invoice|number")


def value_shares(records: Iterable[Conversation], limit: float = 0.05) -> list[dict[str, Any]]:
    """Per parameter: its most used value, that value's share of the parameter's uses (one per
    record), and the uses, worst first. Flags, nulls and parameters with at most 1/limit options
    (an enum of 20 at 5%) are left out: repeating one of few options is expected."""
    uses: dict[tuple[str, str], Counter] = defaultdict(Counter)
    options: dict[tuple[str, str], int] = {}
    for record in records:
        schemas = record.tool_schemas()
        seen: set[tuple[str, str, str]] = set()  # a follow-up repeating a value is one use per record
        for message in record.messages:
            for call in message.tool_calls or []:
                arguments = call.function.arguments if isinstance(call.function.arguments, dict) else {}
                properties = (schemas.get(call.function.name) or {}).get("properties") or {}
                for key, value in arguments.items():
                    if isinstance(value, bool) or value is None:
                        continue
                    slot = (call.function.name, key)
                    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
                    if (*slot, text) not in seen:
                        seen.add((*slot, text))
                        uses[slot][text] += 1
                    count = options_of(properties.get(key) or {})
                    if count:
                        options[slot] = count
    rows = []
    for (tool, key), counter in uses.items():
        total = sum(counter.values())
        if options.get((tool, key)) and 1 / options[(tool, key)] >= limit:  # at most 20 options
            continue
        value, count = counter.most_common(1)[0]
        rows.append(
            {
                "tool": tool,
                "parameter": key,
                "value": json.loads(value),
                "share": round(count / total, 3),
                "uses": total,
            }
        )
    rows.sort(key=lambda row: (-row["share"], -row["uses"], row["tool"], row["parameter"]))
    return rows


def repetition(records: list[Conversation], limit: float = 0.05, top: int = 15) -> dict[str, Any]:
    """The most repeated value of each parameter over the records' calls, worst first."""
    rows = value_shares(records, limit)
    counted = [row for row in rows if row["uses"] >= 1 / limit]  # a share means little over a handful of uses
    return {
        "limit": limit,
        "over_limit": sum(1 for row in counted if row["share"] > limit),
        "parameters": len(rows),
        "worst": counted[:top],
    }


def options_of(schema: dict[str, Any]) -> int | None:
    """How many values a parameter can take when that is countable: an enum's options, the values
    of a bounded integer or stepped number, the options of a list's enum items; else None. A
    nullable parameter counts its non-null branch."""
    branches = [b for b in schema.get("anyOf") or schema.get("oneOf") or [] if isinstance(b, dict)]
    if branches:
        counts = [options_of(b) for b in branches if b.get("type") != "null"]
        return sum(counts) if counts and all(counts) else None
    if isinstance(schema.get("enum"), list):
        return len(schema["enum"])
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return options_of(schema["items"])
    low, high = schema.get("minimum"), schema.get("maximum")
    step = schema.get("multipleOf") or (1 if schema.get("type") == "integer" else None)
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high, step)) and step > 0:
        return int((high - low) // step) + 1
    return None


def raw_forms(records: list[Conversation]) -> dict[str, Any]:
    """Shares of user turns with an ISO date, ISO timestamp, snake_case token or opaque id."""
    counts: Counter = Counter()
    turns = 0
    for record in records:
        ids = _opaque_ids(record)
        for message in record.messages:
            if message.role != "user" or not message.content:
                continue
            turns += 1
            text = message.content
            snake = SNAKE_CASE.search(_TYPED_AS_IS.sub(" ", text))
            counts["iso_date"] += bool(ISO_DATE.search(text))
            counts["iso_timestamp"] += bool(ISO_TIMESTAMP.search(text))
            counts["snake_case"] += bool(snake)
            counts["opaque_id"] += any(value in text for value in ids)
            counts["any"] += bool(ISO_DATE.search(text) or snake or any(value in text for value in ids))
    return {"user_turns": turns, **{key: round(counts[key] / turns, 4) if turns else 0.0 for key in _KEYS}}


_KEYS = ("iso_date", "iso_timestamp", "snake_case", "opaque_id", "any")


def _opaque_ids(record: Conversation) -> set[str]:
    """Values of `..._id` parameters a user would not hold, as written in the record's calls."""
    found = set()
    for message in record.messages:
        for call in message.tool_calls or []:
            arguments = call.function.arguments if isinstance(call.function.arguments, dict) else {}
            for key, value in arguments.items():
                if (
                    key.endswith("id")
                    and isinstance(value, str)
                    and _OPAQUE.search(value)
                    and not _HELD_IDS.search(key)
                ):
                    found.add(value)
    return found
