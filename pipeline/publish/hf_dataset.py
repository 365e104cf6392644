"""Accepted records and pairs as a Hugging Face dataset folder that `datasets.load_dataset` reads.

The Arrow trap: records carry different tools and argument keys, and `Dataset.from_list`,
pyarrow or pandas infer one struct for all of them, so `{"ticker": "NVDA"}` comes back as
`{"ticker": "NVDA", "n": None, "when": None}`. Here `messages`, `tools`, `meta` (and a pair's
prompt/chosen/rejected) use the `datasets` Json feature: stored as Arrow JSON, read back as the
very objects written.

Layout (one config per category, `pairs` for the DPO pairs, `all` the default):

    data/<category>/{train,test}-00000-of-00001.parquet
    pairs/{train,test}-00000-of-00001.parquet
    portable/{data,pairs}/...   configs `portable`, `portable-pairs` (pipeline.publish.portable:
                                JSON strings for datasets < 4.7), unless portable=False
    README.md   YAML header naming the configs (the card body comes from pipeline.card)

Floats: `datasets` (5.2 and before) decodes Json columns with pandas' ujson, which reads some
floats one unit in the last place off (0.7 -> 0.7000000000000001; 5 of 14,286 two-decimal amounts
measured). The Parquet files hold the exact text; `exact_json_decoding()` makes `datasets` decode
with the standard `json` module, and the card tells Hub users the same two lines.

Split: a record goes to `test` when the hash of its group key (category, sorted tool names,
canonical calls) falls under `test_share`, or when it calls a `holdout_tools` tool; records that
differ only in their wording share a key and a split. Pairs inherit their record's split (a
real-failure pair, whose record was rejected, the split of its prompt + chosen).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import datasets.features.features as features
from datasets import Dataset, Features, Json, Value, disable_progress_bars

from filters.match import canonical_calls
from pipeline.publish import portable as portable_files
from pipeline.record import Conversation

SPLITS = ("train", "test")
RECORD_FEATURES = Features(
    {
        "id": Value("string"),
        "category": Value("string"),
        "split_group": Value("string"),
        "tools": Json(),
        "messages": Json(),
        "meta": Json(),
    }
)
PAIR_FEATURES = Features(
    {
        "id": Value("string"),
        "record_id": Value("string"),
        "category": Value("string"),
        "type": Value("string"),
        "source": Value("string"),
        "code": Value("string"),
        "prompt": Json(),
        "chosen": Json(),
        "rejected": Json(),
        "tools": Json(),
    }
)


def exact_json_decoding() -> None:
    """Make `datasets` decode Json columns with `json.loads` (exact floats) instead of pandas' ujson."""
    features.ujson_loads = json.loads


def group_key(record: Conversation) -> str:
    """A short hash of (category, sorted tool names, canonical calls): rewordings share it."""
    schemas = record.tool_schemas()
    turns = [canonical_calls(message.tool_calls, schemas) for message in record.messages if message.tool_calls]
    payload = [record.category, sorted(schemas), turns]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode("utf-8")).hexdigest()[:16]


def split_of(record: Conversation, test_share: float = 0.1, holdout_tools: Iterable[str] = ()) -> str:
    """`test` or `train`, stable across runs and machines (no random state)."""
    held = set(holdout_tools)
    if held and any(call.function.name in held for message in record.messages for call in message.tool_calls or []):
        return "test"
    return "test" if int(group_key(record), 16) % 10_000 < round(test_share * 10_000) else "train"


def write_dataset(
    folder: Path,
    records: list[Conversation],
    pairs: list[dict[str, Any]],
    test_share: float = 0.1,
    holdout_tools: Iterable[str] = (),
    portable: bool = True,
) -> dict[str, Any]:
    """Write the Parquet files and return the `configs` entries and row counts for the card.
    `portable`: also the `portable` and `portable-pairs` configs (every `datasets` version)."""
    disable_progress_bars()  # the run prints its own progress; no per-file bars from datasets
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    holdout = list(holdout_tools)
    splits = {record.id: split_of(record, test_share, holdout) for record in records}
    configs: list[dict[str, Any]] = []
    counts: dict[str, dict[str, int]] = {}
    categories = sorted({record.category for record in records})
    every_row = [_record_row(record) for record in records]
    for category in categories:
        rows = [row for row in every_row if row["category"] == category]
        counts[category] = _write_splits(folder / "data" / category, rows, splits, _json_writer(RECORD_FEATURES), "id")
        configs.append(_config(category, f"data/{category}", counts[category]))
    if records:
        configs.insert(
            0,
            {
                **_config("all", "data/*", {s: sum(c.get(s, 0) for c in counts.values()) for s in SPLITS}),
                "default": True,
            },
        )
    if pairs:
        for pair in pairs:  # a real-failure pair's record was rejected: its split comes from prompt + chosen
            if pair["record_id"] not in splits:
                sample = Conversation.model_validate(
                    {
                        "id": pair["record_id"],
                        "category": pair["category"],
                        "tools": pair["tools"],
                        "messages": pair["prompt"] + pair["chosen"],
                    }
                )
                splits[pair["record_id"]] = split_of(sample, test_share, holdout)
        counts["pairs"] = _write_splits(folder / "pairs", pairs, splits, _json_writer(PAIR_FEATURES), "record_id")
        configs.append(_config("pairs", "pairs", counts["pairs"]))
    if portable:
        for name, rows, schema, key, path in (
            (portable_files.RECORD_CONFIG, every_row, portable_files.RECORD_SCHEMA, "id", "portable/data"),
            (portable_files.PAIR_CONFIG, pairs, portable_files.PAIR_SCHEMA, "record_id", "portable/pairs"),
        ):
            if rows:
                counts[name] = _write_splits(folder / path, rows, splits, _portable_writer(schema), key)
                configs.append(_config(name, path, counts[name]))
    return {"configs": configs, "counts": counts}


def _record_row(record: Conversation) -> dict[str, Any]:
    data = record.to_dict()
    return {
        "id": data["id"],
        "category": data["category"],
        "split_group": group_key(record),
        "tools": data["tools"],
        "messages": data["messages"],
        "meta": data["meta"],
    }


def _json_writer(features: Features):
    def write(path: Path, rows: list[dict[str, Any]]) -> None:
        chosen = [{name: row[name] for name in features} for row in rows]
        Dataset.from_list(chosen, features=features).to_parquet(str(path))

    return write


def _portable_writer(schema):
    return lambda path, rows: portable_files.write_split(path, rows, schema)


def _write_splits(folder: Path, rows: list[dict[str, Any]], splits: dict[str, str], write, key: str) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in SPLITS:
        chosen = [row for row in rows if splits.get(row[key], "train") == split]
        if chosen:
            write(folder / f"{split}-00000-of-00001.parquet", chosen)
        counts[split] = len(chosen)
    return counts


def _config(name: str, path: str, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "config_name": name,
        "data_files": [{"split": split, "path": f"{path}/{split}-*.parquet"} for split in SPLITS if counts.get(split)],
    }
