"""pipeline.publish.portable: the configs any `datasets` version reads, decoded back to the records.

The old versions themselves (3.6, 4.0, 4.3) are exercised by bench/datasets_versions.py; here the
current `datasets` reads the files and the Arrow files are checked for what the old ones refuse.
"""

from __future__ import annotations

import copy
import json

import datasets
import pyarrow.parquet as pq

from pipeline.publish.card import render_card
from pipeline.publish.hf_dataset import write_dataset
from pipeline.publish.portable import decode_row, encode_row
from tests.publish.test_hf_dataset import PAIRS, RECORDS, _records


def _write(tmp_path, pairs=PAIRS, portable=True):
    written = write_dataset(tmp_path / "ds", _records(), pairs, test_share=0.0, portable=portable)
    (tmp_path / "ds" / "README.md").write_text(render_card(written, manifest=None, license="apache-2.0"))
    return written


def test_portable_rows_decode_to_the_canonical_records(tmp_path):
    _write(tmp_path)
    rows = list(datasets.load_dataset(str(tmp_path / "ds"), "portable")["train"])
    assert [row["id"] for row in rows] == ["r1", "r2", "r3", "r4"]
    for row, record in zip(rows, _records()):
        decoded = decode_row(row)
        expected = record.to_dict()
        for key in ("tools", "messages", "meta", "category", "id"):
            assert decoded[key] == expected[key], (record.id, key)
    assert isinstance(rows[1]["tools"], str) and isinstance(rows[1]["meta"], str)
    call = rows[1]["messages"][2]["tool_calls"][0]
    assert call["function"]["arguments"] == '{"n": 3, "when": "tomorrow"}'  # OpenAI's JSON string, no foreign keys


def test_portable_pairs_decode_to_the_pairs(tmp_path):
    _write(tmp_path)
    rows = list(datasets.load_dataset(str(tmp_path / "ds"), "portable-pairs")["train"])
    assert len(rows) == 1
    decoded = decode_row(rows[0])
    for key in ("prompt", "chosen", "rejected", "tools", "type", "record_id"):
        assert decoded[key] == PAIRS[0][key], key


def test_a_malformed_argument_string_stays_that_string():
    pair = copy.deepcopy(PAIRS[0])
    pair["rejected"][0]["tool_calls"][0]["function"]["arguments"] = '{"ticker": "NVDA"'  # a broken-JSON pair
    encoded = encode_row(pair)
    assert encoded["rejected"][0]["tool_calls"][0]["function"]["arguments"] == '{"ticker": "NVDA"'
    assert decode_row(encoded)["rejected"] == pair["rejected"]
    twice = copy.deepcopy(PAIRS[0])
    twice["rejected"][0]["tool_calls"][0]["function"]["arguments"] = '{"a": 1, "a": 2}'  # not strict JSON: kept
    assert decode_row(encode_row(twice))["rejected"] == twice["rejected"]
    listed = copy.deepcopy(PAIRS[0])
    listed["rejected"][0]["tool_calls"][0]["function"]["arguments"] = "[1, 2]"  # JSON, but not an object
    assert decode_row(encode_row(listed))["rejected"] == listed["rejected"]


def test_floats_survive_exactly_without_any_decoding_switch(tmp_path):
    record = copy.deepcopy(RECORDS[1])
    record["messages"][2]["tool_calls"][0]["function"]["arguments"] = {"n": 3, "when": "x", "amount": 0.7}
    record["meta"] = {"score": 1234.56}
    from pipeline.record import parse_record

    write_dataset(tmp_path / "ds", [parse_record(record)], [], test_share=0.0)
    row = pq.read_table(tmp_path / "ds" / "portable" / "data" / "train-00000-of-00001.parquet").to_pylist()[0]
    decoded = decode_row(row)
    assert decoded["messages"][2]["tool_calls"][0]["function"]["arguments"]["amount"] == 0.7
    assert decoded["meta"] == {"score": 1234.56}


def test_the_files_carry_no_feature_type_old_datasets_versions_refuse(tmp_path):
    _write(tmp_path)
    for path in sorted((tmp_path / "ds" / "portable").rglob("*.parquet")):
        schema = pq.read_schema(path)
        metadata = schema.metadata or {}
        assert b"huggingface" not in metadata, path  # no `Json`/`List` features: each version infers its own
        text = str(schema)
        assert "large_" not in text and "dictionary" not in text
        for field in schema:
            if field.name in ("tools", "meta"):
                assert str(field.type) == "string"


def test_the_card_names_the_portable_configs_and_the_folder_can_leave_them_out(tmp_path):
    written = _write(tmp_path)
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "config_name: portable" in card and "config_name: portable-pairs" in card
    assert "portable" in written["counts"]
    bare = write_dataset(tmp_path / "bare", _records(), PAIRS, test_share=0.0, portable=False)
    assert [c["config_name"] for c in bare["configs"]] == ["all", "nested", "no_call", "single", "pairs"]
    assert not (tmp_path / "bare" / "portable").exists()


def test_every_message_row_has_the_same_keys(tmp_path):
    """The trap the Json configs avoid: inferred structs merge keys across rows. Portable rows
    have one fixed key set, and an argument object is one string, never merged."""
    _write(tmp_path)
    rows = pq.read_table(tmp_path / "ds" / "portable" / "data" / "train-00000-of-00001.parquet").to_pylist()
    keys = {tuple(message) for row in rows for message in row["messages"]}
    assert keys == {("role", "content", "tool_calls", "tool_call_id", "name", "reasoning_content")}
    arguments = [
        json.loads(call["function"]["arguments"])
        for row in rows
        for message in row["messages"]
        for call in message["tool_calls"] or []
    ]
    assert {"ticker": "NVDA"} in arguments


def test_the_card_header_names_the_size_category_and_which_datasets_reads_which_config(tmp_path):
    import yaml

    from pipeline.publish.card import size_category

    _write(tmp_path)
    card = (tmp_path / "ds" / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["size_categories"] == ["n<1K"]  # 4 records
    assert "`datasets` >= 4.7" in card and '"portable")  # datasets 3.6 to 4.6 too' in card
    assert [size_category(n) for n in (999, 1000, 54_321, 2_000_000)] == ["n<1K", "1K<n<10K", "10K<n<100K", "1M<n<10M"]
