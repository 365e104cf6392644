"""pipeline.export.readers: every format pipeline.export writes is told apart, and the chat
formats read back into the canonical records they came from."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from pipeline.export.exporters import PAIR_FORMATS, RECORD_FORMATS, TextOptions
from pipeline.export.readers import FORMATS, READABLE, canonical, format_of, not_readable
from pipeline.export.templates import load_template
from pipeline.record import parse_record

ROOT = Path(__file__).resolve().parent.parent.parent
DESIGN_EXAMPLE = json.loads((ROOT / "tests" / "fixtures" / "design_example.json").read_text())
PAIR = {
    "id": "p1",
    "prompt": DESIGN_EXAMPLE["messages"][:2],
    "chosen": DESIGN_EXAMPLE["messages"][2:3],
    "rejected": [{"role": "assistant", "content": "I cannot do that."}],
    "tools": DESIGN_EXAMPLE["tools"],
}


TEMPLATES = Path(__file__).parent.parent / "fixtures" / "templates"


def _row(fmt: str, record: dict) -> dict:
    if fmt == "xlam":  # xLAM holds one request and its calls
        record = {**record, "messages": [m for m in record["messages"] if m["role"] != "tool"][:3]}
    options = TextOptions(
        template=load_template(TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja") if fmt == "text" else None
    )
    row = (RECORD_FORMATS.get(fmt) or PAIR_FORMATS[fmt])(
        PAIR if fmt in PAIR_FORMATS else copy.deepcopy(record), options
    )
    return row[0] if isinstance(row, list) else row  # grpo: one row per decision turn


def test_the_registry_is_covered():
    assert set(FORMATS) == {*RECORD_FORMATS, *PAIR_FORMATS}
    assert set(READABLE) <= set(RECORD_FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_is_told_apart(fmt):
    assert format_of(_row(fmt, DESIGN_EXAMPLE)) == fmt
    if fmt not in READABLE:
        assert not_readable(fmt).startswith(f"this is a{'n' if fmt[0] in 'aeiox' else ''} {fmt} export (")
        assert not_readable(fmt).endswith("; validate the run's accepted.jsonl")


def test_records_and_pairs_files_are_not_exports():
    assert format_of(DESIGN_EXAMPLE) == "canonical"
    assert format_of({**PAIR, "record_id": "r1", "type": "wrong_value"}) == "pairs"
    assert format_of("not an object") == "canonical"


def test_a_tool_free_record_exports_to_formats_still_told_apart():
    record = {
        **DESIGN_EXAMPLE,
        "tools": [],
        "messages": DESIGN_EXAMPLE["messages"][:1] + [DESIGN_EXAMPLE["messages"][-1]],
    }
    assert format_of(_row("openai", record)) in READABLE and format_of(_row("trl-sft", record)) == "trl-sft"


@pytest.mark.parametrize("fmt", READABLE)
def test_a_chat_export_reads_back_into_the_record_less_id_category_and_meta(fmt):
    back = parse_record(canonical(_row(fmt, DESIGN_EXAMPLE), 4)).to_dict()
    original = parse_record(DESIGN_EXAMPLE).to_dict()
    assert back["id"] == "line-5"
    assert back["messages"] == original["messages"]  # arguments given as JSON strings are objects again
    assert back["tools"] == original["tools"] and back["meta"] == {}
