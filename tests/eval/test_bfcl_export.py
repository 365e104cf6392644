"""pipeline.eval.bfcl: our items as BFCL files, read back by the BFCL importer to the same items."""

from __future__ import annotations

import json

from pipeline.eval.bfcl import bfcl_schema, category_of, inline_refs
from pipeline.eval.items import bfcl_items
from pipeline.eval.sources import load_items
from tests.conftest import run_cli


def test_schemas_take_bfcl_type_names():
    schema = {
        "type": "object",
        "properties": {"price": {"type": "number"}, "when": {"type": ["string", "null"]}, "any": {}},
        "required": ["price"],
    }
    assert bfcl_schema(schema) == {
        "type": "dict",
        "properties": {"price": {"type": "float"}, "when": {"type": "string"}, "any": {"type": "any"}},
        "required": ["price"],
    }
    assert bfcl_schema({"type": "object"}) == {"type": "dict", "properties": {}, "required": []}


def test_references_are_inlined():
    schema = {
        "type": "object",
        "properties": {"at": {"$ref": "#/$defs/point", "description": "Where."}, "tree": {"$ref": "#/$defs/node"}},
        "$defs": {
            "point": {"type": "object", "properties": {"lat": {"type": "number"}}},
            "node": {"type": "object", "properties": {"child": {"$ref": "#/$defs/node"}}},
        },
    }
    inlined = inline_refs(schema)
    assert "$defs" not in inlined
    assert inlined["properties"]["at"] == {
        "type": "object",
        "properties": {"lat": {"type": "number"}},
        "description": "Where.",
    }
    assert "$ref" not in json.dumps(inlined)  # a recursive type stops, untyped, 8 levels down


def test_the_test_split_round_trips_through_bfcl_files(run, tmp_path):
    items, _ = load_items(run, "all")
    folder = tmp_path / "bfcl"
    result = run_cli(["eval", str(run), "--split", "all", "--export-bfcl", str(folder)], module="pipeline.cli")
    assert result.returncode == 0, result.stderr
    by_id = {item.id: item for item in items}
    read_back = []
    for path in sorted(folder.glob("BFCL_v4_*.json")):
        rows = {row["id"]: row for row in map(json.loads, path.read_text().splitlines())}
        for back in bfcl_items(path):
            original = by_id[rows[back.id]["source_id"]]
            assert category_of(original) == back.category
            assert back.messages == original.messages
            assert back.answers == original.answers
            assert [t["function"]["name"] for t in back.tools] == [t["function"]["name"] for t in original.tools]
            assert back.schemas == {name: inline_refs(schema) for name, schema in original.schemas.items()}
            read_back.append(back)
    assert {b.category for b in read_back} >= {
        "multiple",
        "parallel_multiple",
        "irrelevance",
    }  # tools come with distractors
    shaped = [item for item in items if category_of(item)]
    assert len(read_back) == len(shaped) and len(shaped) < len(items)  # a chain's later steps are left out
    assert "left out" in result.stdout
