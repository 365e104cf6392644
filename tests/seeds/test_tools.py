"""pipeline.seeds: loading and checking tool seeds and few-shot examples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.seeds.examples as examples_module
import pipeline.seeds.links as links_module
import pipeline.seeds.tools as seeds
from pipeline.errors import InputError
from pipeline.seeds import load_examples, load_tools
from pipeline.seeds.tools import check_parameters
from tests.conftest import ROOT

# -- helpers --------------------------------------------------------------------------------------


def _walk(value, path=""):
    """Yield (path, dict) for every dict in a JSON value."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")


def _keys(value):
    for _, node in _walk(value):
        yield from node.keys()


def _tool(name="f", parameters=None, **extra):
    body = {
        "name": name,
        "description": "does f",
        "parameters": parameters if parameters is not None else {"type": "object", "properties": {}},
    }
    body.update(extra)
    return body


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Work inside tmp_path so error messages show the file name relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, name: str, data, raw: bool = False) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if raw else json.dumps(data), encoding="utf-8")
    return name


def _error(paths) -> str:
    with pytest.raises(InputError) as info:
        load_tools(paths)
    text = str(info.value)
    assert "\n" not in text, text
    return text


@pytest.fixture(scope="module")
def bundled():
    return load_tools(executors=[])


# -- bundled seeds -------------------------------------------------------------------------------


def test_bundled_seeds_load(bundled):
    assert len(bundled) >= 40
    assert len({tool.domain for tool in bundled}) >= 8
    names = [tool.name for tool in bundled]
    assert len(names) == len(set(names))
    for tool in bundled:
        assert isinstance(tool.description, str) and tool.description.strip(), tool.name
        assert type(tool.read_only) is bool, tool.name
        assert tool.parameters.get("type") == "object", tool.name
    assert any(tool.read_only for tool in bundled)
    assert any(not tool.read_only for tool in bundled)


def test_default_paths_are_the_bundled_seeds(bundled):
    folder = Path(seeds.data_dir("seeds")) / "tools"
    assert [t.name for t in load_tools([str(folder)])] == [t.name for t in bundled]


def test_bundled_seeds_cover_complex_schemas(bundled):
    kinds = {"nested_object": set(), "array_of_objects": set(), "nullable_anyof": set(), "ref_defs": set()}
    for tool in bundled:
        for path, node in _walk(tool.parameters):
            if path and node.get("type") == "object" and "properties" in node and not path.endswith(".items"):
                kinds["nested_object"].add(tool.name)
            items = node.get("items")
            if (
                node.get("type") == "array"
                and isinstance(items, dict)
                and (items.get("type") == "object" or "$ref" in items)
            ):
                kinds["array_of_objects"].add(tool.name)
            if any(isinstance(b, dict) and b.get("type") == "null" for b in node.get("anyOf", [])):
                kinds["nullable_anyof"].add(tool.name)
            if "$ref" in node or "$defs" in node:
                kinds["ref_defs"].add(tool.name)
    for kind, names in kinds.items():
        assert names, f"no bundled tool uses {kind}"
    assert len(set().union(*kinds.values())) >= 8


def test_pools_and_examples_are_disjoint(bundled):
    checked = 0
    for tool in bundled:
        for path, node in _walk(tool.parameters):
            if "x-pool" in node and "examples" in node:
                pool = {json.dumps(v, sort_keys=True) for v in node["x-pool"]}
                examples = {json.dumps(v, sort_keys=True) for v in node["examples"]}
                assert not pool & examples, f"{tool.name}{path}: {pool & examples}"
                checked += 1
    assert checked > 0


def test_to_tool_carries_only_record_keys(bundled):
    for seed in bundled:
        dumped = seed.to_tool().model_dump()
        assert set(dumped) == {"type", "function"}
        assert dumped["type"] == "function"
        assert set(dumped["function"]) == {"name", "description", "parameters"}
        assert dumped["function"]["name"] == seed.name
        leaked = [key for key in _keys(dumped) if str(key).startswith("x-")]
        assert leaked == [], f"{seed.name}: {leaked}"
        assert "read_only" not in dumped["function"]


def test_to_tool_keeps_the_schema_minus_extensions():
    seed = seeds.SeedTool(
        "f",
        "d",
        {"type": "object", "properties": {"a": {"type": "string", "x-pool": ["x"], "x-aliases": {"x": ["ex"]}}}},
        True,
    )
    assert seed.to_tool().model_dump()["function"]["parameters"] == {
        "type": "object",
        "properties": {"a": {"type": "string"}},
    }
    assert "x-pool" in seed.parameters["properties"]["a"]  # the seed itself is not mutated


# -- bad seeds -------------------------------------------------------------------------------------


def test_invalid_json(in_tmp):
    name = _write(in_tmp, "bad.json", '{"tools": [\n  {"name": "f",\n}', raw=True)
    text = _error([name])
    assert text.startswith("bad.json: invalid JSON: ")
    assert "(line 3, column 1)" in text


def test_not_utf8(in_tmp):
    (in_tmp / "bad.json").write_bytes(b'{"tools": ["\xff"]}')
    assert _error(["bad.json"]).startswith("bad.json: not UTF-8 text")


def test_tool_not_an_object(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("a"), "oops"]})
    assert _error([name]) == "bad.json: tools[1]: expected an object"


def test_tools_not_a_list(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": {"name": "f"}})
    assert _error([name]) == "bad.json: tools: expected a list of tools"


def test_unrecognised_shape(in_tmp):
    name = _write(in_tmp, "bad.json", {"functions": []})
    assert _error([name]) == 'bad.json: expected a list of tools, {"tools": [...]}, or one function schema'


def test_bad_name(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("get.price")]})
    assert _error([name]) == "bad.json: tools[0].name: 'get.price' is not a valid tool name (^[a-zA-Z0-9_-]{1,64}$)"


@pytest.mark.parametrize("bad", ["", "a" * 65, "get price", None, 3])
def test_other_bad_names(in_tmp, bad):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("ok"), _tool(bad)]})
    text = _error([name])
    assert text.startswith("bad.json: tools[1].name: ")
    assert text.endswith("is not a valid tool name (^[a-zA-Z0-9_-]{1,64}$)")


def test_name_of_64_chars_is_fine(in_tmp):
    name = _write(in_tmp, "ok.json", {"tools": [_tool("a" * 64)]})
    assert [t.name for t in load_tools([name])] == ["a" * 64]


def test_duplicate_name_across_files(in_tmp):
    _write(in_tmp, "lib/a.json", {"tools": [_tool("x")]})
    _write(in_tmp, "lib/b.json", {"tools": [_tool("y"), _tool("x")]})
    assert _error(["lib"]) == "lib/b.json: tools[1].name: duplicate tool name 'x' (also in lib/a.json tools[0])"


def test_invalid_type_names_the_property(in_tmp):
    tools = [
        _tool("a"),
        _tool("b"),
        _tool("c"),
        _tool("d", {"type": "object", "properties": {"date": {"type": "strnig"}}}),
    ]
    name = _write(in_tmp, "bad.json", {"tools": tools})
    assert _error([name]) == "bad.json: tools[3].parameters.properties.date: 'strnig' is not a valid type"


@pytest.mark.parametrize(
    "parameters, where",
    [
        (
            {"type": "object", "properties": {"q": {"anyOf": [{"type": "string"}, {"type": "nul"}]}}},
            "tools[0].parameters.properties.q.anyOf[1]: 'nul' is not a valid type",
        ),
        (
            {
                "type": "object",
                "properties": {
                    "q": {"type": "array", "items": {"type": "object", "properties": {"z": {"type": "flt"}}}}
                },
            },
            "tools[0].parameters.properties.q.items.properties.z: 'flt' is not a valid type",
        ),
        (
            {"type": "object", "properties": {"q": {"type": ["string", "bogus"]}}},
            "tools[0].parameters.properties.q: 'bogus' is not a valid type",
        ),
        (
            {"type": "object", "$defs": {"D": {"type": "obj"}}, "properties": {"q": {"$ref": "#/$defs/D"}}},
            "tools[0].parameters.$defs.D: 'obj' is not a valid type",
        ),
    ],
)
def test_invalid_nested_types(in_tmp, parameters, where):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]) == f"bad.json: {where}"


@pytest.mark.parametrize("parameters", [{"type": "array", "items": {}}, {"type": "string"}])
def test_parameters_not_object(in_tmp, parameters):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert (
        _error([name])
        == f"bad.json: tools[0].parameters: parameters must have type 'object', not {parameters['type']!r}"
    )


def test_parameters_not_a_dict(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", ["x"])]})
    assert _error([name]) == "bad.json: tools[0].parameters: parameters must be a JSON Schema object"


def test_invalid_schema_keyword_value(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", {"type": "object", "properties": {}, "required": "x"})]})
    assert _error([name]) == "bad.json: tools[0].parameters.required: 'x' is not of type 'array'"


def test_invalid_nested_keyword_value(in_tmp):
    parameters = {"type": "object", "properties": {"q": {"type": "integer", "minimum": "a"}}}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]) == "bad.json: tools[0].parameters.properties.q.minimum: 'a' is not of type 'number'"


def test_invalid_regex(in_tmp):
    parameters = {"type": "object", "properties": {"q": {"type": "string", "pattern": "["}}}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]).startswith("bad.json: tools[0].parameters.properties.q.pattern: ")


def test_read_only_not_bool(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", read_only="yes")]})
    assert _error([name]) == "bad.json: tools[0].read_only: read_only must be true or false"


def test_description_not_string(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", description=["x"])]})
    assert _error([name]) == "bad.json: tools[0].description: description must be a string"


def test_pool_value_violating_its_schema(in_tmp):
    parameters = {
        "type": "object",
        "properties": {"q": {"type": "string", "pattern": "^[A-Z]+$", "x-pool": ["AB", "CD", "cd"]}},
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    text = _error([name])
    assert (
        text == "bad.json: tools[0].parameters.properties.q.x-pool[2]: pool value 'cd': 'cd' does not match '^[A-Z]+$'"
    )
    assert text.split(": ")[1].endswith("x-pool[2]")


def test_pool_value_violating_a_format(in_tmp):
    parameters = {"type": "object", "properties": {"d": {"type": "string", "format": "date", "x-pool": ["2026-02-30"]}}}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]).startswith("bad.json: tools[0].parameters.properties.d.x-pool[0]: pool value '2026-02-30'")


def test_pool_in_defs_and_items_is_checked(in_tmp):
    parameters = {
        "type": "object",
        "$defs": {"Item": {"type": "object", "properties": {"n": {"type": "integer", "x-pool": [1, "two"]}}}},
        "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"}}},
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]).startswith(
        "bad.json: tools[0].parameters.$defs.Item.properties.n.x-pool[1]: pool value 'two'"
    )


def test_pool_must_be_a_non_empty_list(in_tmp):
    parameters = {"type": "object", "properties": {"q": {"type": "string", "x-pool": []}}}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]) == "bad.json: tools[0].parameters.properties.q.x-pool: x-pool must be a non-empty list"


def test_missing_file(in_tmp):
    assert _error(["nope.json"]) == "nope.json: no such file or folder"


def test_empty_folder(in_tmp):
    (in_tmp / "empty").mkdir()
    assert _error(["empty"]) == "empty: folder holds no .json, .jsonl, .yaml or .yml tool files"


def test_file_without_tools(in_tmp):
    name = _write(in_tmp, "none.json", {"tools": []})
    assert _error([name]) == "none.json: no tools found"


def test_dangling_ref_is_an_input_error(in_tmp):
    parameters = {"type": "object", "properties": {"q": {"$ref": "#/$defs/Nope"}}}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]) == "bad.json: tools[0].parameters.properties.q.$ref: cannot resolve '#/$defs/Nope'"


@pytest.mark.parametrize("ref", ["https://example.com/q.json", "#/properties/p", "#/$defs/A/properties/b", "#foo"])
def test_ref_outside_defs_is_an_input_error(in_tmp, ref):
    parameters = {
        "type": "object",
        "$defs": {"A": {"type": "object", "properties": {"b": {"type": "string"}}}},
        "properties": {"p": {"type": "string"}, "q": {"anyOf": [{"$ref": ref}, {"type": "null"}]}},
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]).startswith(
        f"bad.json: tools[0].parameters.properties.q.anyOf[0].$ref: cannot resolve {ref!r}"
    )


def test_ref_cycle_is_an_input_error(in_tmp):
    parameters = {
        "type": "object",
        "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"anyOf": [{"$ref": "#/$defs/A"}]}},
        "properties": {"q": {"$ref": "#/$defs/A"}},
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert (
        _error([name])
        == "bad.json: tools[0].parameters.$defs.A.$ref: '#/$defs/B' refers back to itself without going deeper"
    )


def test_definitions_ref_loads_and_its_pool_is_checked(in_tmp):
    parameters = {
        "type": "object",
        "definitions": {"Code": {"type": "string", "pattern": "^[A-Z]{3}$"}},
        "properties": {"c": {"$ref": "#/definitions/Code", "x-pool": ["EUR", "USD"]}},
    }
    assert load_tools([_write(in_tmp, "ok.json", {"tools": [_tool("f", parameters)]})])[0].name == "f"
    parameters["properties"]["c"]["x-pool"].append("usd")
    assert _error([_write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})]).startswith(
        "bad.json: tools[0].parameters.properties.c.x-pool[2]: pool value 'usd'"
    )


def test_example_value_violating_its_schema(in_tmp):
    parameters = {
        "type": "object",
        "properties": {"q": {"type": "string", "maxLength": 5, "examples": ["short", "too long"]}},
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert (
        _error([name])
        == "bad.json: tools[0].parameters.properties.q.examples[1]: example 'too long': 'too long' is too long"
    )


def test_example_value_in_an_any_of_branch_is_checked(in_tmp):
    parameters = {
        "type": "object",
        "properties": {
            "d": {
                "anyOf": [
                    {"type": "string", "format": "date", "examples": ["2026-01-31", "2026-02-30"]},
                    {"type": "null"},
                ]
            }
        },
    }
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", parameters)]})
    assert _error([name]).startswith(
        "bad.json: tools[0].parameters.properties.d.anyOf[0].examples[1]: example '2026-02-30'"
    )


# -- accepted shapes ----------------------------------------------------------------------------

FUNCTION = {
    "name": "get_price",
    "description": "Price of a thing.",
    "parameters": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]},
}


def _load_one(folder, data):
    name = _write(folder, "shape.json", data)
    tools = load_tools([name])
    assert len(tools) == 1
    return tools[0]


def test_openai_tools_array(in_tmp):
    tool = _load_one(in_tmp, [{"type": "function", "function": FUNCTION}])
    assert (tool.name, tool.description, tool.parameters, tool.read_only) == (
        "get_price",
        "Price of a thing.",
        FUNCTION["parameters"],
        False,
    )
    assert tool.domain == "shape" and tool.source == "shape.json"


def test_openai_tools_array_errors_name_the_function_path(in_tmp):
    name = _write(in_tmp, "shape.json", [{"type": "function", "function": {**FUNCTION, "name": "a.b"}}])
    assert _error([name]) == "shape.json: [0].function.name: 'a.b' is not a valid tool name (^[a-zA-Z0-9_-]{1,64}$)"


def test_bare_function_list(in_tmp):
    tool = _load_one(in_tmp, [FUNCTION])
    assert (tool.name, tool.parameters) == ("get_price", FUNCTION["parameters"])


def test_one_bare_function_object(in_tmp):
    tool = _load_one(in_tmp, FUNCTION)
    assert (tool.name, tool.description, tool.parameters) == ("get_price", "Price of a thing.", FUNCTION["parameters"])


def test_missing_parameters_default_to_empty_object(in_tmp):
    tool = _load_one(in_tmp, {"name": "ping", "description": "Ping."})
    assert tool.parameters == {"type": "object", "properties": {}}


MCP_TOOL = {
    "name": "read_file",
    "description": "Read a file.",
    "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    "annotations": {"readOnlyHint": True},
}


def test_mcp_tools_list(in_tmp):
    tool = _load_one(in_tmp, {"tools": [MCP_TOOL]})
    assert (tool.name, tool.description, tool.parameters, tool.read_only) == (
        "read_file",
        "Read a file.",
        MCP_TOOL["inputSchema"],
        True,
    )


def test_mcp_without_annotations_is_not_read_only(in_tmp):
    plain = {k: v for k, v in MCP_TOOL.items() if k != "annotations"}
    assert _load_one(in_tmp, {"tools": [plain]}).read_only is False


def test_mcp_json_rpc_result(in_tmp):
    tool = _load_one(in_tmp, {"jsonrpc": "2.0", "id": 1, "result": {"tools": [MCP_TOOL]}})
    assert (tool.name, tool.parameters, tool.read_only) == ("read_file", MCP_TOOL["inputSchema"], True)


def test_mcp_json_rpc_errors_name_result_path(in_tmp):
    bad = {**MCP_TOOL, "inputSchema": {"type": "object", "properties": {"p": {"type": "strnig"}}}}
    name = _write(in_tmp, "shape.json", {"jsonrpc": "2.0", "id": 1, "result": {"tools": [bad]}})
    assert _error([name]) == "shape.json: result.tools[0].inputSchema.properties.p: 'strnig' is not a valid type"


def test_seed_format_domain(in_tmp):
    tool = _load_one(in_tmp, {"domain": "shop", "tools": [{**FUNCTION, "read_only": True}]})
    assert (tool.domain, tool.read_only) == ("shop", True)


# -- check_parameters directly ---------------------------------------------------------------


def test_check_parameters_accepts_valid_schema():
    assert (
        check_parameters({"type": "object", "properties": {"a": {"type": "string", "x-pool": ["x"]}}}, "f.json", "p")
        is None
    )
    assert check_parameters({"properties": {}}, "f.json", "p") is None  # type defaults to object


def test_check_parameters_error_fields():
    with pytest.raises(InputError) as info:
        check_parameters({"type": "object", "properties": {"a": {"type": "strnig"}}}, "f.json", "tools[0].parameters")
    error = info.value
    assert (error.file, error.path, error.message) == (
        "f.json",
        "tools[0].parameters.properties.a",
        "'strnig' is not a valid type",
    )


# -- few-shot examples -----------------------------------------------------------------------------


def test_bundled_single_examples(bundled):
    examples = load_examples("single")
    assert len(examples) >= 8
    names = {tool.name for tool in bundled}
    for example in examples:
        assert isinstance(example["request"], str) and example["request"].strip()
        assert example["call"]["name"] in names
        assert isinstance(example["call"]["arguments"], dict)


def test_missing_examples_category():
    with pytest.raises(InputError) as info:
        load_examples("no_such_category")
    assert str(info.value).endswith("no_such_category.jsonl: no few-shot examples for this category")


@pytest.fixture
def examples_dir(tmp_path, monkeypatch):
    (tmp_path / "examples").mkdir()
    monkeypatch.setattr(examples_module, "data_dir", lambda name: tmp_path)  # pipeline.examples reads the files
    monkeypatch.chdir(tmp_path)
    return tmp_path / "examples"


GOOD_EXAMPLE = json.dumps({"request": "price of A1?", "call": {"name": "get_price", "arguments": {"sku": "A1"}}})


def test_examples_invalid_json_line(examples_dir):
    (examples_dir / "single.jsonl").write_text(GOOD_EXAMPLE + "\n\n{oops\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_examples("single")
    assert str(info.value).startswith("examples/single.jsonl: line 3: invalid JSON: ")


def test_examples_wrong_shape(examples_dir):
    (examples_dir / "single.jsonl").write_text(
        GOOD_EXAMPLE + "\n" + json.dumps({"request": "x", "call": {"name": "f"}}) + "\n", encoding="utf-8"
    )
    with pytest.raises(InputError) as info:
        load_examples("single")
    assert (
        str(info.value)
        == 'examples/single.jsonl: line 2: expected {"request": str, "call": {"name", "arguments": {...}}}'
    )


def test_examples_good_file(examples_dir):
    (examples_dir / "single.jsonl").write_text(GOOD_EXAMPLE + "\n" + GOOD_EXAMPLE + "\n", encoding="utf-8")
    assert load_examples("single") == [json.loads(GOOD_EXAMPLE)] * 2


def test_examples_line_not_an_object(examples_dir):
    (examples_dir / "single.jsonl").write_text(GOOD_EXAMPLE + "\n[1]\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_examples("single")
    assert str(info.value).startswith("examples/single.jsonl: line 2: ")


# -- result schemas, executors and links (nested chains) ------------------------------------------

import re  # noqa: E402

from filters.chain import values_at  # noqa: E402
from pipeline.seeds.links import Link, load_links  # noqa: E402


def test_bundled_result_schemas_executors_and_to_tool(bundled):
    assert all(isinstance(tool.result_schema, dict) and tool.result_schema.get("type") == "object" for tool in bundled)
    for tool in bundled:
        assert tool.result_schema.get("required"), tool.name
        if not tool.read_only:  # a write returns a confirmation
            assert "status" in tool.result_schema["required"], tool.name
        keys = set(_keys(tool.to_tool().model_dump()))
        assert not keys & {"result_schema", "executor", "read_only"} and not any(
            str(key).startswith("x-") for key in keys
        ), tool.name
    executors = [tool for tool in bundled if tool.executor]
    assert len(executors) >= 8 and all(tool.read_only for tool in executors)
    assert all(Path(tool.executor.rpartition(":")[0]).is_file() for tool in executors)


def test_result_schema_and_executor_are_read(in_tmp):
    (in_tmp / "lib").mkdir()
    (in_tmp / "code").mkdir()
    (in_tmp / "code" / "impl.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    result = {"type": "array", "items": {"type": "string", "x-pool": ["a"]}}  # need not be an object
    _write(in_tmp, "lib/t.json", {"tools": [_tool("f", result_schema=result, executor="../code/impl.py:f")]})
    tool = load_tools(["lib/t.json"], executors=["code"])[0]
    assert tool.result_schema == result
    assert tool.executor == f"{(in_tmp / 'code' / 'impl.py').resolve()}:f"
    assert load_tools(["lib/t.json"], executors=["code/impl.py"])[0].executor == tool.executor
    assert load_tools(["lib/t.json"])[0].executor is None  # a caller that runs nothing keeps no executor
    assert "result_schema" not in json.dumps(tool.to_tool().model_dump())
    assert load_tools([_write(in_tmp, "plain.json", {"tools": [_tool("g")]})])[0].result_schema is None


GETOUTPUT = f"{subprocess.__file__}:getoutput"  # the standard library's shell runner


@pytest.mark.parametrize(
    "data, where",
    [
        ({"tools": [_tool("f", executor=GETOUTPUT)]}, "tools[0].executor"),
        ({"tools": [{"name": "f", "inputSchema": {"type": "object"}, "executor": GETOUTPUT}]}, "tools[0].executor"),
        ([{"type": "function", "function": {**_tool("f"), "executor": GETOUTPUT}}], "[0].function.executor"),
    ],
    ids=["seed", "mcp", "openai"],
)
def test_a_tools_file_cannot_name_code_nobody_allowed(in_tmp, data, where):
    _write(in_tmp, "t.json", data)
    with pytest.raises(InputError) as info:
        load_tools(["t.json"], executors=[])
    folder = Path(subprocess.__file__).parent
    assert str(info.value) == (
        f"t.json: {where}: executor '{subprocess.__file__}' is Python code nobody allowed to run; to run it, "
        f"pass --executors {folder} (or `executors: [{folder}]` in a job file)"
    )
    assert load_tools(["t.json"], executors=[str(folder)])[0].executor == GETOUTPUT
    with pytest.raises(InputError, match=r"^nope: executors: no such file or folder$"):
        load_tools(["t.json"], executors=["nope"])


def test_a_symlink_into_an_allowed_folder_is_judged_by_its_target(in_tmp):
    (in_tmp / "allowed").mkdir()
    (in_tmp / "allowed" / "shell.py").symlink_to(subprocess.__file__)
    _write(in_tmp, "t.json", {"tools": [_tool("f", executor="allowed/shell.py:getoutput")]})
    with pytest.raises(InputError, match="nobody allowed to run"):
        load_tools(["t.json"], executors=["allowed"])


@pytest.mark.parametrize(
    "extra, expected",
    [
        (
            {"result_schema": {"type": "object", "properties": {"x": {"type": "strnig"}}}},
            "bad.json: tools[1].result_schema.properties.x: 'strnig' is not a valid type",
        ),
        (
            {
                "result_schema": {
                    "type": "object",
                    "properties": {"x": {"type": "string", "pattern": "^[A-Z]+$", "x-pool": ["OK", "no"]}},
                }
            },
            "bad.json: tools[1].result_schema.properties.x.x-pool[1]: pool value 'no': 'no' does not match '^[A-Z]+$'",
        ),
        (
            {"result_schema": {"type": "object", "required": "x"}},
            "bad.json: tools[1].result_schema.required: 'x' is not of type 'array'",
        ),
        (
            {"result_schema": {"$ref": "#/$defs/Nope"}},
            "bad.json: tools[1].result_schema.$ref: cannot resolve '#/$defs/Nope'",
        ),
        ({"result_schema": ["x"]}, "bad.json: tools[1].result_schema: expected a JSON Schema object"),
        (
            {"executor": "impl.py"},
            "bad.json: tools[1].executor: executor must be \"path/to/file.py:function\", not 'impl.py'",
        ),
        (
            {"executor": "impl.py:not-a-name"},
            "bad.json: tools[1].executor: executor must be \"path/to/file.py:function\", not 'impl.py:not-a-name'",
        ),
        (
            {"executor": "impl.py:class"},
            "bad.json: tools[1].executor: executor must be \"path/to/file.py:function\", not 'impl.py:class'",
        ),
        ({"executor": 3}, 'bad.json: tools[1].executor: executor must be "path/to/file.py:function", not 3'),
    ],
)
def test_bad_result_schema_or_executor(in_tmp, extra, expected):
    (in_tmp / "impl.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    name = _write(in_tmp, "bad.json", {"tools": [_tool("ok"), _tool("f", **extra)]})
    assert _error([name]) == expected


def test_missing_executor_file(in_tmp):
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", executor="../nowhere/impl.py:f")]})
    assert _error([name]).startswith("bad.json: tools[0].executor: executor file '../nowhere/impl.py' does not exist")


LINK_TOOLS = [
    _tool(
        "search",
        {"type": "object", "properties": {"q": {"type": "string"}}},
        result_schema={
            "type": "object",
            "$defs": {
                "hit": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "pattern": "^H-[0-9]{3}$", "x-pool": ["H-001", "H-002"]},
                        "score": {"type": "number"},
                        "count": {"type": "integer"},
                    },
                }
            },
            "properties": {
                "hits": {"type": "array", "items": {"$ref": "#/$defs/hit"}},
                "best": {"anyOf": [{"$ref": "#/$defs/hit"}, {"type": "null"}]},
            },
        },
    ),
    _tool(
        "book",
        {
            "type": "object",
            "properties": {
                "id": {"type": "string", "pattern": "^H-[0-9]{3}$"},
                "price": {"type": "number"},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            },
        },
    ),
    _tool("plain"),
]


def _links(folder: Path, links, tools=LINK_TOOLS):
    name = _write(folder, "links.json", {"tools": tools, "links": links})
    return load_links([name], load_tools([name]))


def _link_error(folder: Path, link) -> str:
    with pytest.raises(InputError) as info:
        _links(folder, [{"from": "search", "output": "hits[*].id", "to": "book", "input": "id"}, link])
    return str(info.value)


def test_load_links_good(in_tmp):
    links = _links(
        in_tmp,
        [
            {"from": "search", "output": "hits[*].id", "to": "book", "input": "id"},
            {"from": "search", "output": "best.score", "to": "book", "input": "price"},
            {"from": "search", "output": "hits[0].count", "to": "book", "input": "price"},  # integer feeds number
            {"from": "search", "output": "hits[*].id", "to": "book", "input": "note"},  # string feeds string|null
            {"from": "search", "output": "hits[*].id", "to": "book", "input": "id"},
        ],
    )  # a repeat counts once
    assert links == [  # old single links: groups of one item, selected first; one item's id and note join
        Link("search", "book", "hits[*]", (("id", "id"), ("note", "id"))),
        Link("search", "book", "", (("price", "best.score"),)),
        Link("search", "book", "", (("price", "hits[0].count"),)),
    ]
    assert links[0].select == ("first",) and links[0].output("id") == "hits[*].id"


def test_load_link_groups(in_tmp):
    group = {
        "from": "search",
        "to": "book",
        "items": "hits[*]",
        "inputs": {"id": "id", "price": "score"},
        "select": ["first", "cheapest:score", "highest_rated:count", "where:id=H-002", "matching:id"],
        "intent": "book a hit the search found",
    }
    assert _links(in_tmp, [group]) == [
        Link("search", "book", "hits[*]", (("id", "id"), ("price", "score")), tuple(group["select"]), group["intent"])
    ]


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            {"intent": ""},
            "links.json: links[1].intent: a link group needs an intent: why a person runs these two calls",
        ),
        ({"select": ["cheapest"]}, "links.json: links[1].select[0]: 'cheapest' is written cheapest:FIELD"),
        ({"select": ["best:score"]}, "links.json: links[1].select[0]: unknown selection rule 'best'"),
        ({"select": ["cheapest:id"]}, "links.json: links[1].select[0]: 'cheapest:id' needs a numeric field"),
        ({"select": ["matching:score"]}, "links.json: links[1].select[0]: 'matching:score' needs names to draw"),
        (
            {"select": ["first", "cheapest:nope"]},
            "links.json: links[1].select[1]: search's result_schema has no property 'nope' at hits[*]",
        ),
        ({"items": "hits"}, "links.json: links[1].items: items must be a path ending in [*] (like hotels[*])"),
        (
            {"inputs": {"id": "name"}},
            "links.json: links[1].inputs.id: search's result_schema has no property 'name' at hits[*]",
        ),
        (
            {"inputs": {"id": "score"}},
            "links.json: links[1].inputs.id: search hits[*].score is number but book.id takes string",
        ),
        ({"colour": "red"}, "links.json: links[1].colour: unknown key 'colour' in a link group"),
    ],
)
def test_load_link_group_errors(in_tmp, change, expected):
    group = {"from": "search", "to": "book", "items": "hits[*]", "inputs": {"id": "id"}, "intent": "book a hit"}
    message = _link_error(in_tmp, {**group, **change})
    assert message.startswith(expected), message
    assert _links(in_tmp, []) == [] and load_links([_write(in_tmp, "none.json", {"tools": [_tool("x")]})], []) == []


@pytest.mark.parametrize(
    "link, expected",
    [
        (
            {"from": "nope", "output": "hits[*].id", "to": "book", "input": "id"},
            "links.json: links[1].from: unknown tool 'nope'",
        ),
        (
            {"from": "search", "output": "hits[*].id", "to": "gone", "input": "id"},
            "links.json: links[1].to: unknown tool 'gone'",
        ),
        (
            {"from": "search", "output": "hits[*].id", "to": "book", "input": "hotel"},
            "links.json: links[1].input: book has no parameter 'hotel'",
        ),
        (
            {"from": "search", "output": "hits[*].name", "to": "book", "input": "id"},
            "links.json: links[1].output: search's result_schema has no property 'name' at hits[*]",
        ),
        (
            {"from": "search", "output": "best[*].id", "to": "book", "input": "id"},
            "links.json: links[1].output: search's result_schema has no list items at best",
        ),
        (
            {"from": "search", "output": "hits[x].id", "to": "book", "input": "id"},
            "links.json: links[1].output: 'hits[x].id' is not a link path (like offers[*].offer_id)",
        ),
        (
            {"from": "search", "output": "hits[*].score", "to": "book", "input": "id"},
            "links.json: links[1].input: search hits[*].score is number but book.id takes string",
        ),
        (
            {"from": "search", "output": "hits", "to": "book", "input": "price"},
            "links.json: links[1].input: search hits is array but book.price takes number",
        ),
        (
            {"from": "plain", "output": "x", "to": "book", "input": "id"},
            "links.json: links[1].from: plain has no result_schema to link from",
        ),
        (
            {"from": "search", "output": "hits[*].id", "to": "book"},
            'links.json: links[1]: expected a link group {"from", "to", "items", "inputs", "select", "intent"} '
            'or a link {"from", "output", "to", "input"}',
        ),
    ],
)
def test_load_links_errors(in_tmp, link, expected):
    assert _link_error(in_tmp, link) == expected


def test_link_values_must_fit_the_input(in_tmp):
    tools = [
        dict(LINK_TOOLS[0]),
        _tool("book", {"type": "object", "properties": {"id": {"type": "string", "pattern": "^H-[0-9]{4}$"}}}),
    ]
    with pytest.raises(InputError) as info:
        _links(in_tmp, [{"from": "search", "output": "hits[*].id", "to": "book", "input": "id"}], tools)
    assert str(info.value) == (
        "links.json: links[0].output: search hits[*].id lists 'H-001', which book.id rejects: "
        "'H-001' does not match '^H-[0-9]{4}$'"
    )


def test_links_not_a_list(in_tmp):
    with pytest.raises(InputError) as info:
        _links(in_tmp, {"from": "search"})
    assert str(info.value) == "links.json: links: links must be a list"


def test_values_at():
    result = {
        "offers": [{"offer_id": "A", "legs": [{"n": 1}, {"n": 2}]}, {"offer_id": "B", "legs": []}],
        "best": {"offer_id": "A"},
    }
    assert values_at(result, "offers[*].offer_id") == ["A", "B"]
    assert values_at(result, "offers[0].offer_id") == ["A"]
    assert values_at(result, "offers[*].legs[*].n") == [1, 2]
    assert values_at(result, "best.offer_id") == ["A"]
    assert (
        values_at(result, "offers[5].offer_id") == []
        and values_at(result, "missing.x") == []
        and values_at([], "a") == []
    )


@pytest.fixture(scope="module")
def bundled_links(bundled):
    return load_links(None, bundled)


def _param(tool: seeds.SeedTool, name: str) -> dict:
    return links_module._resolve(tool.parameters, tool.parameters["properties"][name])


def test_bundled_links(bundled, bundled_links):
    tools = {tool.name: tool for tool in bundled}
    assert len(bundled_links) >= 20
    assert len({tools[link.source].domain for link in bundled_links}) >= 6
    assert (
        len(
            {tools[link.source].domain for link in bundled_links}
            | {tools[link.target].domain for link in bundled_links}
        )
        >= 10
    )
    assert all(link.intent for link in bundled_links)  # every bundled group was reviewed against its intent
    for link, key, path in ((group, key, path) for group in bundled_links for key, path in group.inputs):
        if _echoed(tools[link.source], path):
            continue  # the planner sets it on the source call to a value the target takes (test_plan)
        output, wanted = (
            links_module._schema_at(tools[link.source].result_schema, link.output(path), "", "", link.source),
            _param(tools[link.target], key),
        )
        for key in ("pattern", "format", "enum"):  # a field that feeds a parameter carries its constraint
            if key in wanted:
                assert (
                    output.get(key) == wanted[key]
                    or key == "enum"
                    and set(output.get("enum", [None])) <= set(wanted["enum"])
                ), (link, key)
        if "pattern" in wanted or "enum" in wanted:
            assert output.get("x-pool") or output.get("enum"), link  # so a mock draws valid ids
    flights = next(link for link in bundled_links if (link.source, link.target) == ("search_flights", "book_flight"))
    assert flights.inputs == (("offer_id", "offer_id"), ("total_price", "total_price"))  # one offer's id and price
    assert "cheapest:total_price" in flights.select
    pairs = {(link.source, link.target) for link in bundled_links}
    for nonsense in [  # reviewed against their intent and removed (issue 16)
        ("book_flight", "cancel_booking"),
        ("book_hotel", "cancel_booking"),
        ("get_product_details", "place_order"),
        ("create_task", "complete_task"),
        ("place_order", "cancel_order"),
        ("book_doctor_appointment", "create_event"),  # only the start: the title and end were drawn apart
        ("search_recipes", "search_products"),  # spinach searched among electronics
        ("get_medication_info", "search_products"),  # a prescription drug looked up in a general shop
    ]:
        assert nonsense not in pairs


def _chains(links: list[Link], length: int) -> list[list[str]]:
    paths = [[link.source, link.target] for link in links]
    for _ in range(length - 2):
        paths = [
            path + [link.target]
            for path in paths
            for link in links
            if link.source == path[-1] and link.target not in path
        ]
    return paths


def test_bundled_links_make_chains(bundled_links):
    three = _chains(bundled_links, 3)
    assert ["geocode_address", "search_restaurants", "reserve_table"] in three
    assert ["list_events", "get_event_details", "get_travel_time"] in three
    assert ["search_nearby_places", "save_place", "get_directions"] not in three  # fan-out: shapes._chains
    assert len(three) >= 5


def test_mocked_chains_follow_their_links(bundled, bundled_links):
    """A mock of the source gives values the target accepts (what a nested blueprint relies on)."""
    from filters.schema import strip_extensions, validator_for
    from pipeline.mock import mock_result

    tools = {tool.name: tool for tool in bundled}
    for link, key, path in ((group, key, path) for group in bundled_links for key, path in group.inputs):
        if _echoed(tools[link.source], path):
            continue
        target = tools[link.target]
        wrapper = {
            "type": "object",
            "properties": {"v": strip_extensions(target.parameters["properties"][key])},
            **{name: target.parameters[name] for name in ("$defs",) if name in target.parameters},
        }
        found = [
            value
            for seed in range(4)
            for value in values_at(mock_result(tools[link.source], {}, seed, [link.output(path)]), link.output(path))
        ]
        assert found and all(validator_for(wrapper).is_valid({"v": value}) for value in found), (link, found)


def _echoed(source, path: str) -> bool:
    """A single result's field named like a parameter of its tool: the result echoes the call."""
    return path in (source.parameters.get("properties") or {})


# -- nested few-shot examples ---------------------------------------------------------------------


def _nested_examples() -> list[dict]:
    path = Path(seeds.data_dir("seeds")) / "examples" / "nested.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_nested_examples_follow_declared_links(bundled, bundled_links):
    from filters.grounding import GroundingCheck, GroundingOptions
    from filters.mentions import numbers_in
    from filters.schema import strip_extensions, validator_for
    from pipeline.execute import validate_result

    tools = {tool.name: tool for tool in bundled}
    grounding = GroundingCheck(GroundingOptions(aliases=seeds.alias_table(bundled)))
    examples = _nested_examples()
    assert 12 <= len(examples) <= 16
    assert len({tools[example["steps"][0]["call"]["name"]].domain for example in examples}) >= 6
    for n, example in enumerate(examples, start=1):
        request, steps = example["request"], example["steps"]
        assert 2 <= len(steps) <= 3, n
        assert not any(re.search(rf"\b{name}\b", request) for name in tools), n
        assert "john doe" not in request.casefold() and "example.com" not in json.dumps(example), n
        for i, step in enumerate(steps):
            call, tool = step["call"], tools[step["call"]["name"]]
            assert validator_for(strip_extensions(tool.parameters)).errors(call["arguments"]) == [], (n, i)
            assert validate_result(tool, step["result"]) is None, (n, i, validate_result(tool, step["result"]))
            unstated = set(
                grounding.ungrounded_keys(call["arguments"], tool.parameters, request, "2026-11-23T10:00:00Z")
            )
            if i == 0:
                assert not unstated, (n, "the request states every value of the first call", unstated)
                continue
            linked = {
                key
                for link in bundled_links
                for key, path in link.inputs
                for earlier in steps[:i]
                if link.source == earlier["call"]["name"]
                and link.target == call["name"]
                and key in call["arguments"]
                and call["arguments"][key] in values_at(earlier["result"], link.output(path))
            }
            # at least one value comes through a declared link from an earlier result and the request never states it
            hidden = {
                key
                for key in linked
                if key in unstated or json.dumps(call["arguments"][key]).strip('"').casefold() not in request.casefold()
            }
            assert hidden, (n, i, "no argument takes an unstated value from an earlier result via a link", linked)
            earlier_text = request + "\n" + "\n".join(json.dumps(s["result"], ensure_ascii=False) for s in steps[:i])
            assert not grounding.ungrounded_keys(
                call["arguments"], tool.parameters, earlier_text, "2026-11-23T10:00:00Z"
            ), (n, i)
        stated = {abs(x) for x in numbers_in(request)} | {
            float(d) for d in re.findall(r"\d+", request + json.dumps([s["result"] for s in steps]))
        }
        for s in steps:
            stated |= {
                abs(float(leaf))
                for _, leaf in _walk_leaves(s["result"])
                if isinstance(leaf, (int, float)) and not isinstance(leaf, bool)
            }
        for match in re.finditer(r"(?<![\w.])[-+]?[$€£¥]?\d[\d,]*(?:\.\d+)?%?", example["answer"]):
            readings = {abs(x) for x in numbers_in(match.group(0))}
            assert any(abs(r - s) < 0.006 for r in readings for s in stated), (n, match.group(0))


def test_nested_example_parts_say_each_step_on_its_own(bundled):
    """The per-step phrasing shots: one sentence per step, each stating its step's own values
    (with the sentences before it) and never a value an earlier result gives."""
    from filters.grounding import GroundingCheck, GroundingOptions
    from pipeline.generate.nested import _example_links

    tools = {tool.name: tool for tool in bundled}
    grounding = GroundingCheck(GroundingOptions(aliases=seeds.alias_table(bundled)))
    with_parts = [example for example in _nested_examples() if "parts" in example]
    assert len(with_parts) >= 10
    for example in with_parts:
        parts, steps = example["parts"], example["steps"]
        assert len(parts) == len(steps) and all(part.rstrip()[-1] in ".?!" for part in parts), parts
        links = _example_links(
            example,
            lambda name, key, value, request=example["request"]: (
                not grounding.ungrounded_keys({key: value}, tools[name].parameters, request, "2026-11-23T10:00:00Z")
            ),
        )
        for i, step in enumerate(steps):
            linked = {link["input"] for link in links if link["step"] == i}
            stated = {k: v for k, v in step["call"]["arguments"].items() if k not in linked}
            tool = tools[step["call"]["name"]]
            said = " ".join(parts[: i + 1])
            assert not grounding.ungrounded_keys(stated, tool.parameters, said, "2026-11-23T10:00:00Z"), (parts, i)
            for key in linked:
                value = step["call"]["arguments"][key]
                assert not isinstance(value, str) or value not in parts[i], (parts[i], key)


def _walk_leaves(value, path=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_leaves(item, f"{path}[{i}]")
    else:
        yield path, value


# -- input limits: depth, patterns, contradictions, strict JSON (issue 15) -----------------------


def _items_chain(levels: int) -> dict:
    """Parameters whose property x is `levels` arrays deep (each `items` is one level more)."""
    schema: dict = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "array", "items": schema}
    return {"type": "object", "properties": {"x": schema}}


def test_a_schema_at_the_depth_limit_loads_and_one_level_more_is_refused(in_tmp):
    # parameters -> properties -> x -> 61 x items: the deepest object is 63 levels below the root
    assert load_tools([_write(in_tmp, "ok.json", {"tools": [_tool("f", _items_chain(61))]})])
    text = _error([_write(in_tmp, "deep.json", {"tools": [_tool("f", _items_chain(62))]})])
    assert text == (
        "deep.json: tools[0].parameters.properties.x" + ".items" * 62 + ": nested deeper than 64 levels"
        " (the limit for a JSON Schema)"
    )


def test_a_schema_98_levels_deep_is_one_line_not_a_recursion_error(in_tmp):
    def nested(levels):
        schema: dict = {"type": "string"}
        for _ in range(levels):
            schema = {"type": "object", "properties": {"a": schema}}
        return schema

    text = _error([_write(in_tmp, "deep.json", {"tools": [_tool("f", nested(98))]})])  # 196 levels of JSON
    assert text.startswith("deep.json: tools[0].parameters.properties.a.") and "nested deeper than" in text
    text = _error([_write(in_tmp, "deep40.json", {"tools": [_tool("f", nested(40))]})])  # 80 levels of JSON
    assert text.endswith(".properties.a: nested deeper than 64 levels (the limit for a JSON Schema)")
    result = {"type": "object", "properties": {"r": _items_chain(98)}}
    text = _error([_write(in_tmp, "deep_result.json", {"tools": [_tool("f", result_schema=result)]})])
    assert text.startswith("deep_result.json: tools[0].result_schema.properties.r.properties.x.items.items")


def test_a_file_too_deep_for_the_json_parser_is_one_line(in_tmp):
    name = _write(in_tmp, "deeper.json", '{"tools": ' + "[" * 100_000 + "]" * 100_000 + "}", raw=True)
    assert _error([name]) == "deeper.json: nested deeper than 128 levels"


def test_a_file_nested_past_the_input_limit_names_the_path(in_tmp):
    name = _write(in_tmp, "deep.json", {"tools": [_tool("f", x_deep=_items_chain(200))]})
    text = _error([name])
    assert text.startswith("deep.json: tools[0].x_deep.properties.x.items") and text.endswith(
        ": nested deeper than 128 levels"
    )


_BACKTRACKING = "(a+)+$"  # Python's re takes 2^n steps on "aaaa...b"


def _load_in_subprocess(folder: Path, name: str) -> subprocess.CompletedProcess:
    """load_tools in a child with a timeout (a regression hangs the child, never the test suite);
    the child prints the InputError and exits 2."""
    code = (
        "import sys\nfrom pipeline.seeds import load_tools\ntry:\n"
        f"    load_tools([{name!r}])\nexcept Exception as error:\n    sys.exit(f'{{type(error).__name__}}: {{error}}')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    "where, body",
    [
        ("parameters", {"pattern": _BACKTRACKING, "x-pool": ["a" * 40 + "b"]}),
        ("parameters", {"pattern": _BACKTRACKING, "examples": ["a" * 40 + "!"]}),
        ("result_schema", {"pattern": _BACKTRACKING, "examples": ["a" * 40 + "!"]}),
    ],
)
def test_a_backtracking_pattern_does_not_hang_loading(in_tmp, where, body):
    schema = {"type": "object", "properties": {"q": {"type": "string", **body}}}
    name = _write(in_tmp, "redos.json", {"tools": [_tool("f", **{where: schema})]})
    result = _load_in_subprocess(in_tmp, name)  # before: hung until killed (TimeoutExpired here)
    # RE2 matches in linear time: the value that does not fit is simply refused
    assert result.stderr.startswith(f"InputError: redos.json: tools[0].{where}.properties.q."), result.stderr
    assert "does not match '(a+)+$'" in result.stderr and result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "schema, where",
    [
        ({"type": "string", "pattern": "^(?=a)b"}, "properties.q.pattern"),  # lookahead
        ({"type": "string", "pattern": r"^(a)\1$"}, "properties.q.pattern"),  # backreference
        ({"type": "object", "patternProperties": {"(?<!x)y": {}}}, "properties.q.patternProperties"),
    ],
)
def test_a_pattern_re2_cannot_match_is_refused(in_tmp, schema, where):
    name = _write(in_tmp, "re.json", {"tools": [_tool("f", {"type": "object", "properties": {"q": schema}})]})
    text = _error([name])
    assert text.startswith(f"re.json: tools[0].parameters.{where}: ") and "RE2" in text, text


def test_ordinary_patterns_still_load_and_their_pools_are_checked(in_tmp):
    good = {"type": "string", "pattern": "^[A-Z]{3}$", "x-pool": ["LHR", "CDG"]}
    keyed = {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "integer"}}, "examples": [{"ab": 1}]}
    parameters = {"type": "object", "properties": {"code": good, "counts": keyed}}
    assert load_tools([_write(in_tmp, "ok.json", {"tools": [_tool("f", parameters)]})])
    bad = {**good, "x-pool": ["LHR", "lhr"]}
    name = _write(in_tmp, "bad.json", {"tools": [_tool("f", {"type": "object", "properties": {"code": bad}})]})
    assert _error([name]).startswith("bad.json: tools[0].parameters.properties.code.x-pool[1]: pool value 'lhr'")


@pytest.mark.parametrize(
    "schema, where, message",
    [
        ({"type": "integer", "minimum": 5, "maximum": 3}, "minimum", "minimum 5 is above maximum 3"),
        ({"type": "number", "exclusiveMinimum": 3, "maximum": 3}, "exclusiveMinimum", "is not below maximum 3"),
        ({"type": "number", "minimum": 1, "exclusiveMaximum": 1}, "minimum", "is not below exclusiveMaximum 1"),
        ({"type": "string", "minLength": 4, "maxLength": 2}, "minLength", "minLength 4 is above maxLength 2"),
        ({"type": "array", "minItems": 3, "maxItems": 1}, "minItems", "minItems 3 is above maxItems 1"),
        ({"type": "object", "minProperties": 2, "maxProperties": 1}, "minProperties", "is above maxProperties 1"),
        ({"enum": []}, "enum", "enum is empty"),
    ],
)
def test_a_contradiction_no_value_can_satisfy_is_refused(in_tmp, schema, where, message):
    name = _write(in_tmp, "c.json", {"tools": [_tool("f", {"type": "object", "properties": {"q": schema}})]})
    text = _error([name])
    assert text.startswith(f"c.json: tools[0].parameters.properties.q.{where}: ") and message in text, text


def test_equal_bounds_are_not_a_contradiction(in_tmp):
    q = {"type": "integer", "minimum": 3, "maximum": 3, "minLength": 2, "maxLength": 2}
    assert load_tools([_write(in_tmp, "ok.json", {"tools": [_tool("f", {"type": "object", "properties": {"q": q}})]})])


@pytest.mark.parametrize(
    "text, where, value",
    [
        (
            '{"tools": [{"name": "f", "parameters": {"type": "object", "x-limit": NaN}}]}',
            "tools[0].parameters.x-limit",
            "NaN",
        ),
        ('{"tools": [{"name": "f", "read_only": Infinity}]}', "tools[0].read_only", "Infinity"),
        (
            '[{"name": "f", "parameters": {"type": "object", "properties": {"q": {"maximum": -Infinity}}}}]',
            "[0].parameters.properties.q.maximum",
            "-Infinity",
        ),
        ('{"tools": [{"name": "f", "x-big": 1e999}]}', "tools[0].x-big", "Infinity"),
    ],
)
def test_non_finite_numbers_are_refused_with_their_path(in_tmp, text, where, value):
    name = _write(in_tmp, "nan.json", text, raw=True)
    assert _error([name]) == f"nan.json: {where}: {value} is not a JSON number (use a finite number or null)"


def test_duplicate_keys_are_refused_with_the_object_path(in_tmp):
    text = '{"tools": [{"name": "f", "parameters": {"type": "object", "type": "string"}}]}'
    assert _error([_write(in_tmp, "dup.json", text, raw=True)]) == "dup.json: tools[0].parameters: duplicate key 'type'"
    lines = '{"name": "f"}\n{"name": "g", "name": "h"}\n'
    assert _error([_write(in_tmp, "dup.jsonl", lines, raw=True)]) == "dup.jsonl: line 2: duplicate key 'name'"


def test_a_sidecar_with_nan_or_a_duplicate_tool_is_refused(in_tmp):
    parameters = {"type": "object", "properties": {"q": {"type": "number"}}}
    name = _write(in_tmp, "t.json", {"tools": [_tool("f", parameters)]})
    _write(in_tmp, "t.values.json", '{"f": {"q": [1, NaN]}}', raw=True)
    assert _error([name]) == "t.values.json: f.q[1]: NaN is not a JSON number (use a finite number or null)"
    _write(in_tmp, "t.values.json", '{"f": {"q": [1]}, "f": {"q": [2]}}', raw=True)
    assert _error([name]) == "t.values.json: duplicate key 'f'"


def test_few_shot_examples_with_nan_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "single.jsonl"
    path.write_text('{"request": "hi", "call": {"name": "f", "arguments": {"x": NaN}}}\n', encoding="utf-8")
    monkeypatch.setattr(examples_module, "examples_path", lambda category: path)
    with pytest.raises(InputError) as info:
        load_examples("single")
    assert str(info.value).endswith("line 1 call.arguments.x: NaN is not a JSON number (use a finite number or null)")


def test_a_tool_without_a_description_loads_with_a_warning(in_tmp, pipeline_logs, caplog):
    _write(in_tmp, "bare.json", {"tools": [{"name": "x"}, _tool("g")]})
    assert [tool.name for tool in load_tools(["bare.json"])] == ["x", "g"]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert warnings == [
        "bare.json: tools[0].description: empty; the teacher and the trained model see only the name 'x'"
    ]
