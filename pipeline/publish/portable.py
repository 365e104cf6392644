"""The portable configs: the same records and pairs in a shape every `datasets` version reads.

The Json-typed configs (pipeline.publish.hf_dataset) need `datasets` >= 4.7: older versions stop
at `Feature type 'Json' not found`, and trainers pin older ones (LLaMA-Factory 0.9.5 pins
datasets <= 4.0, unsloth[studio] 4.3). Here every free-shaped value is a JSON string: `tools`,
`meta` and each call's `arguments` (as the OpenAI API writes them). Everything else has one fixed
Arrow type, so no row gains another row's keys. The files are written by pyarrow without the
`datasets` feature metadata: each `datasets` version infers its own features from the Arrow
schema (datasets >= 4 writes a `List` feature that 3.x does not know).

    portable/data/{train,test}-00000-of-00001.parquet    config `portable`
    portable/pairs/{train,test}-00000-of-00001.parquet   config `portable-pairs`

A portable message holds every key of the record model (`role`, `content`, `tool_calls`,
`tool_call_id`, `name`, `reasoning_content`), null where the record has none. `decode_row`
turns a row back into the canonical record (or pair): it equals accepted.jsonl's row.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.record import decode_arguments

RECORD_CONFIG = "portable"
PAIR_CONFIG = "portable-pairs"
MESSAGE_KEYS = ("role", "content", "tool_calls", "tool_call_id", "name", "reasoning_content")
_CALL = pa.struct(
    [
        ("id", pa.string()),
        ("type", pa.string()),
        ("function", pa.struct([("name", pa.string()), ("arguments", pa.string())])),
    ]
)
_MESSAGE = pa.struct(
    [
        ("role", pa.string()),
        ("content", pa.string()),
        ("tool_calls", pa.list_(_CALL)),
        ("tool_call_id", pa.string()),
        ("name", pa.string()),
        ("reasoning_content", pa.string()),
    ]
)
RECORD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("category", pa.string()),
        ("split_group", pa.string()),
        ("tools", pa.string()),
        ("messages", pa.list_(_MESSAGE)),
        ("meta", pa.string()),
    ]
)
PAIR_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("record_id", pa.string()),
        ("category", pa.string()),
        ("type", pa.string()),
        ("source", pa.string()),
        ("code", pa.string()),
        ("prompt", pa.list_(_MESSAGE)),
        ("chosen", pa.list_(_MESSAGE)),
        ("rejected", pa.list_(_MESSAGE)),
        ("tools", pa.string()),
    ]
)
_JSON_COLUMNS = ("tools", "meta")
_MESSAGE_COLUMNS = ("messages", "prompt", "chosen", "rejected")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _message(message: dict[str, Any]) -> dict[str, Any]:
    out = {key: message.get(key) for key in MESSAGE_KEYS}
    if message.get("tool_calls") is not None:
        out["tool_calls"] = [
            {
                "id": call.get("id"),
                "type": call.get("type", "function"),
                "function": {
                    "name": call["function"]["name"],
                    # a raw string (a pair's malformed arguments) stays the string it is
                    "arguments": arguments
                    if isinstance(arguments := call["function"].get("arguments"), str)
                    else _dumps(arguments),
                },
            }
            for call in message["tool_calls"]
        ]
    return out


def encode_row(row: dict[str, Any]) -> dict[str, Any]:
    """A Hub row (record or pair, canonical objects) in the portable shape."""
    out = dict(row)
    for key in _JSON_COLUMNS:
        if key in out:
            out[key] = _dumps(out[key])
    for key in _MESSAGE_COLUMNS:
        if key in out:
            out[key] = [_message(message) for message in out[key]]
    return out


def _decoded_message(message: dict[str, Any]) -> dict[str, Any]:
    out = {key: value for key, value in message.items() if value is not None}
    if message.get("role") == "assistant":
        out.setdefault("content", None)  # the canonical record keeps an assistant's null content
    for call in out.get("tool_calls") or []:
        call["function"]["arguments"] = decode_arguments(call["function"]["arguments"])  # strict, as records read
        if call.get("id") is None:
            call.pop("id", None)
    return out


def decode_row(row: dict[str, Any]) -> dict[str, Any]:
    """A portable row (as any `datasets` version returns it) back in the canonical shape: JSON
    strings parsed, null keys dropped (an assistant's null content kept)."""
    out = json.loads(json.dumps(row))  # a deep copy that the caller's row never sees
    for key in _JSON_COLUMNS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    for key in _MESSAGE_COLUMNS:
        if key in out:
            out[key] = [_decoded_message(message) for message in out[key]]
    return out


def write_split(path: Path, rows: list[dict[str, Any]], schema: pa.Schema) -> None:
    """One portable Parquet file: `rows` (canonical Hub rows) encoded, in `schema`'s fixed types."""
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = [{name: encode_row(row).get(name) for name in schema.names} for row in rows]
    pq.write_table(pa.Table.from_pylist(encoded, schema=schema), str(path))
