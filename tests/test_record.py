"""pipeline.record: the canonical record model."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.record import (
    CALL_ID_RE,
    Conversation,
    FunctionCall,
    Tool,
    iter_jsonl,
    new_call_id,
    parse_record,
)

# The example record of DESIGN.md ("The canonical record"), copied literally.
DESIGN_EXAMPLE = json.loads((Path(__file__).parent / "fixtures" / "design_example.json").read_text())


def _record(arguments) -> dict:
    return {
        "id": "r1",
        "category": "single",
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "f",
                    "description": "d",
                    "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
                },
            }
        ],
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "abcDEF123", "type": "function", "function": {"name": "f", "arguments": arguments}}
                ],
            },
            {"role": "tool", "tool_call_id": "abcDEF123", "name": "f", "content": "{}"},
            {"role": "assistant", "content": "done"},
        ],
    }


# -- arguments ---------------------------------------------------------------------------------


def test_arguments_dict_and_json_string_give_same_dict():
    as_dict = FunctionCall(name="f", arguments={"a": 1, "b": {"c": [1, 2]}})
    as_str = FunctionCall(name="f", arguments='{"a": 1, "b": {"c": [1, 2]}}')
    assert as_dict.arguments == {"a": 1, "b": {"c": [1, 2]}}
    assert as_str.arguments == as_dict.arguments
    assert isinstance(as_str.arguments, dict)


@pytest.mark.parametrize("raw", ["[1]", "not json", '"a string"', "3", ""])
def test_non_object_string_arguments_are_kept_as_str(raw):
    call = FunctionCall(name="f", arguments=raw)
    assert call.arguments == raw
    assert isinstance(call.arguments, str)


def test_none_arguments_become_empty_dict():
    assert FunctionCall(name="f", arguments=None).arguments == {}
    assert FunctionCall(name="f").arguments == {}


def test_string_arguments_in_a_record_are_emitted_as_an_object():
    record = parse_record(_record('{"a": 5}'))
    out = record.to_dict()
    args = out["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert args == {"a": 5}
    assert json.loads(record.to_json())["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"a": 5}
    # and identical to the record whose arguments were a dict from the start
    assert out == parse_record(_record({"a": 5})).to_dict()


# -- to_dict / to_json: null keys --------------------------------------------------------------


def _null_keys(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            if item is None:
                yield f"{path}.{key}"
            yield from _null_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _null_keys(item, f"{path}[{i}]")


def test_to_dict_keeps_content_null_on_tool_call_turns_and_no_other_null():
    out = parse_record(_record({"a": 1})).to_dict()
    assert "content" in out["messages"][1] and out["messages"][1]["content"] is None
    assert list(_null_keys(out)) == [".messages[1].content"]
    assert set(out["messages"][0]) == {"role", "content"}
    assert set(out["messages"][2]) == {"role", "tool_call_id", "name", "content"}
    assert set(out["messages"][3]) == {"role", "content"}


def test_assistant_call_turn_without_content_key_gets_content_null():
    raw = _record({"a": 1})
    del raw["messages"][1]["content"]
    out = parse_record(raw).to_dict()
    assert out["messages"][1]["content"] is None
    assert '"content": null' in parse_record(raw).to_json()


def test_to_json_is_one_line_and_keeps_unicode():
    raw = _record({"a": 1})
    raw["messages"][0]["content"] = "Grüße\nzweite Zeile"
    line = parse_record(raw).to_json()
    assert "\n" not in line
    assert "Grüße" in line
    assert not line.endswith("\n")


# -- call ids ----------------------------------------------------------------------------------


def test_new_call_id_shape():
    rng = random.Random(7)
    ids = [new_call_id(rng) for _ in range(200)]
    for call_id in ids:
        assert len(call_id) == 9
        assert re.fullmatch(r"[A-Za-z0-9]{9}", call_id)
        assert CALL_ID_RE.match(call_id)
    assert len(set(ids)) == 200


def test_new_call_id_is_deterministic_per_seed():
    first = [new_call_id(random.Random(42)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    rng_a, rng_b = random.Random(42), random.Random(42)
    assert [new_call_id(rng_a) for _ in range(5)] == [new_call_id(rng_b) for _ in range(5)]
    assert new_call_id(random.Random(42)) != new_call_id(random.Random(43))


@pytest.mark.parametrize("bad", ["call_1", "abcdefgh", "abcdefghij", "abc-efghi", "abcdéfghi"])
def test_call_id_regex_rejects_bad_ids(bad):
    assert CALL_ID_RE.match(bad) is None


# -- Tool ----------------------------------------------------------------------------------------


def test_tool_drops_unknown_keys():
    tool = Tool.model_validate(
        {
            "type": "function",
            "strict": True,
            "x-executor": "mod:fn",
            "function": {
                "name": "f",
                "description": "d",
                "strict": True,
                "x-pool": ["a"],
                "read_only": True,
                "parameters": {"type": "object", "properties": {}},
            },
        }
    )
    dumped = tool.model_dump()
    assert dumped == {
        "type": "function",
        "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {}}},
    }


def test_tool_rejects_other_type():
    with pytest.raises(ValidationError):
        Tool.model_validate({"type": "retrieval", "function": {"name": "f"}})


def test_tool_schemas_maps_names_to_parameters():
    record = parse_record(DESIGN_EXAMPLE)
    assert record.tool_schemas() == {"get_stock_price": DESIGN_EXAMPLE["tools"][0]["function"]["parameters"]}


# -- round trip ------------------------------------------------------------------------------------


def test_design_example_round_trip():
    first = parse_record(DESIGN_EXAMPLE)
    dumped = first.to_dict()
    assert dumped == DESIGN_EXAMPLE
    second = parse_record(json.loads(first.to_json()))
    assert second == first
    assert second.to_dict() == dumped
    assert second.to_json() == first.to_json()


def test_unknown_role_is_rejected():
    raw = _record({})
    raw["messages"][0]["role"] = "developer"
    with pytest.raises(ValidationError):
        parse_record(raw)


def test_conversation_defaults():
    record = Conversation.model_validate({"id": "x", "messages": [{"role": "user", "content": "hi"}]})
    assert record.category == "single"
    assert record.tools == [] and record.meta == {}


# -- iter_jsonl -------------------------------------------------------------------------------------


def test_iter_jsonl_skips_blank_lines_and_yields_errors(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n   \nnot json\n[2]\n', encoding="utf-8")
    items = list(iter_jsonl(str(path)))
    assert [index for index, _ in items] == [0, 1, 2]
    assert items[0][1] == {"a": 1}
    assert isinstance(items[1][1], ValueError)
    assert items[2][1] == [2]
