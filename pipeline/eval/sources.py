"""Where eval items come from: a run folder's test split, a published (Hub) folder's test files, a
JSONL file of records, or a BFCL data file."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline.errors import InputError
from pipeline.eval.items import Item, bfcl_category, bfcl_items, is_bfcl, record_items
from pipeline.export.readers import READABLE, canonical, format_of
from pipeline.publish.hf_dataset import split_of
from pipeline.record import Conversation, iter_rows
from pipeline.writer import finished_manifest


def bfcl_file(category: str) -> Path:
    """The data file of a BFCL category in the installed `bfcl-eval` package (`pip install --no-deps
    bfcl-eval`: its data only, none of its dependencies are needed)."""
    spec = importlib.util.find_spec("bfcl_eval")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("BFCL's data comes from its package: pip install --no-deps bfcl-eval", f"bfcl:{category}")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    found = sorted(data.glob(f"BFCL_v*_{category}.json"))
    if not found:
        known = sorted(path.stem.split("_", 2)[2] for path in data.glob("BFCL_v*_*.json"))
        raise InputError(f"no such BFCL category (the package has {', '.join(known)})", f"bfcl:{category}")
    return found[-1]


def load_items(source: Path, split: str = "test", possible_answer: Path | None = None) -> tuple[list[Item], str]:
    """The items of `source` and a short description of it. A run folder gives the records of
    `split` (test, train or all) as its Hub folder would split them; a Hub folder its `split`
    Parquet files; a file all its records, or its BFCL questions; `bfcl:CATEGORY` the installed
    BFCL package's file of that category."""
    if str(source).startswith("bfcl:"):
        source = bfcl_file(str(source).removeprefix("bfcl:"))
    if source.is_dir() and (source / "manifest.json").is_file():
        manifest = finished_manifest(source)
        hub = (manifest.get("config") or {}).get("hub") or {}
        records = _records(iter_rows(source / "accepted.jsonl"), str(source / "accepted.jsonl"))
        if split != "all":
            share, held = hub.get("test_share", 0.1), hub.get("holdout_tools") or []
            records = [record for record in records if split_of(record, share, held) == split]
        return list(record_items(records)), f"{source.name} ({split} split)"
    if source.is_dir():
        files = sorted(source.glob(f"data/*/{split if split != 'all' else '*'}-*.parquet"))
        if not files:
            raise InputError(
                f"neither a run folder (no manifest.json) nor a Hub folder (no data/*/{split}-*.parquet)", str(source)
            )
        return list(record_items(_records(_parquet_rows(files), str(source)))), f"{source.name} ({split} split)"
    if not source.is_file():
        raise InputError("no such file or folder", str(source))
    if bfcl_category(source) != source.stem:  # BFCL_v4_<category>.json
        return bfcl_items(source, possible_answer), source.name
    rows = list(iter_rows(source))  # streamed line by line, each line's size bounded (pipeline.record)
    if is_bfcl(rows):
        return bfcl_items(source, possible_answer), source.name
    return list(record_items(_records(rows, str(source)))), source.name


def _records(rows, shown: str) -> list[Conversation]:
    """Canonical records (or openai / trl-sft export rows) as Conversations; InputError naming the row."""
    out = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError("expected a record object", shown, f"[{index}]")
        if "id" not in row and format_of(row) in READABLE:
            row = canonical(row, index)
        try:
            out.append(Conversation.model_validate(row))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InputError(first["msg"], shown, f"[{index}].{where}" if where else f"[{index}]") from None
    return out


def _parquet_rows(files: list[Path]):
    """The rows of a Hub folder's Parquet files, JSON-string columns decoded."""
    import pyarrow.parquet as pq

    for path in files:
        for row in pq.read_table(path).to_pylist():
            yield {
                key: _decoded(value) if key in ("tools", "messages", "meta") else value for key, value in row.items()
            }


def _decoded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
