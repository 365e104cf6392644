"""pipeline.importers: BFCL and xLAM tool files through load_tools.

Fixture formats, copied in shape from the real data:
- tests/fixtures/bfcl_v3_sample.json: BFCL (gorilla/berkeley-function-call-leaderboard/data/BFCL_v3_*.json):
  JSON Lines under a .json name, one `{"id", "question", "function": [...]}` per line, parameters
  `{"type": "dict", ...}` with BFCL's types (float, tuple, any, nested dict); entries modelled on
  simple_0 (calculate_triangle_area), simple_1 (math.factorial), math.hypot and the live categories.
- tests/fixtures/xlam_tools.json: the `tools` list of Salesforce/xlam-function-calling-60k rows
  (live_giveaways_by_type, v1_geocoding, trapezoidal_integration... as they appear there, messy
  defaults included), flat `{param: {"description", "type": "str, optional", "default"}}`.
- tests/fixtures/xlam_rows.jsonl: rows of that dataset, `tools` and `answers` as JSON strings.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.seeds import load_tools
from pipeline.seeds.importers import name_map, python_type
from pipeline.seeds.tools import check_parameters, tool_files

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _error(paths) -> str:
    with pytest.raises(InputError) as info:
        load_tools(paths)
    text = str(info.value)
    assert "\n" not in text, text
    return text


def _write_jsonl(path: Path, rows) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path.name


def _bfcl_function(name="math.factorial", number_type="integer"):
    return {
        "name": name,
        "description": "Calculate the factorial of a given number.",
        "parameters": {
            "type": "dict",
            "properties": {"number": {"type": number_type, "description": "The number."}},
            "required": ["number"],
        },
    }


def _props(tool):
    return tool.parameters["properties"]


# -- BFCL -------------------------------------------------------------------------------------------


def test_bfcl_data_file_gives_the_union_of_its_functions_with_json_schema_types():
    tools = {tool.name: tool for tool in load_tools([str(FIXTURES / "bfcl_v3_sample.json")])}
    # math.factorial is in two rows (simple_1, multiple_0), identical: imported once
    assert sorted(tools) == [
        "cache_set",
        "calculate_density",
        "calculate_triangle_area",
        "geo_distance_calculate",
        "math_factorial",
        "math_hypot",
        "restaurant_search_find",
    ]
    assert tools["calculate_triangle_area"].original_name is None  # a valid name stays as it is
    assert tools["math_factorial"].original_name == "math.factorial"
    assert tools["math_factorial"].parameters == {
        "type": "object",
        "properties": {
            "number": {"type": "integer", "description": "The number for which factorial needs to be calculated."}
        },
        "required": ["number"],
    }
    assert _props(tools["calculate_density"])["mass"]["type"] == "number"  # float
    assert _props(tools["geo_distance_calculate"])["start_location"] == {
        "type": "array",
        "items": {"type": "number"},
        "description": "The (latitude, longitude) of the starting point.",
    }  # tuple of float
    assert "type" not in _props(tools["cache_set"])["value"]  # any
    preferences = _props(tools["restaurant_search_find"])["preferences"]  # a nested dict, converted recursively
    assert preferences["type"] == "object" and preferences["properties"]["max_price"]["type"] == "number"
    assert preferences["required"] == ["cuisine"]
    for tool in tools.values():
        check_parameters(tool.parameters, "x", "parameters")
        assert tool.source.endswith("bfcl_v3_sample.json") and tool.domain == "bfcl_v3_sample"
        assert tool.to_tool().function.name == tool.name


def test_bfcl_name_map_for_the_manifest():
    tools = load_tools([str(FIXTURES / "bfcl_v3_sample.json")])
    assert name_map(tools) == {
        "math.factorial": "math_factorial",
        "math.hypot": "math_hypot",
        "cache.set": "cache_set",
        "geo_distance.calculate": "geo_distance_calculate",
        "restaurant_search.find": "restaurant_search_find",
    }
    assert name_map(load_tools()) == {}


def test_bfcl_function_list_in_a_json_file(in_tmp):
    (in_tmp / "functions.json").write_text(json.dumps([_bfcl_function(), _bfcl_function("math.gcd")]), encoding="utf-8")
    assert [tool.name for tool in load_tools(["functions.json"])] == ["math_factorial", "math_gcd"]


def test_bfcl_jsonl_extension_and_single_row(in_tmp):
    row = {"id": "simple_1", "question": [[{"role": "user", "content": "5!"}]], "function": [_bfcl_function()]}
    name = _write_jsonl(in_tmp / "bfcl.jsonl", [row])
    assert [tool.name for tool in load_tools([name])] == ["math_factorial"]
    (in_tmp / "one.json").write_text(json.dumps(row), encoding="utf-8")  # one row, plain JSON
    assert [tool.name for tool in load_tools(["one.json"])] == ["math_factorial"]


def test_bfcl_unknown_type_names_line_and_path(in_tmp):
    rows = [{"id": f"simple_{i}", "question": [], "function": [_bfcl_function(f"f{i}")]} for i in range(2)]
    rows.append(
        {
            "id": "simple_2",
            "question": [],
            "function": [
                {
                    "name": "math.hypot",
                    "description": "",
                    "parameters": {"type": "dict", "properties": {"x": {"type": "flaot"}}, "required": ["x"]},
                }
            ],
        }
    )
    name = _write_jsonl(in_tmp / "bfcl.jsonl", rows)
    assert _error([name]) == "bfcl.jsonl line 3: function[0].parameters.properties.x.type: unknown type 'flaot'"


def test_bfcl_same_name_different_schema_names_both_lines(in_tmp):
    rows = [
        {"id": "a", "question": [], "function": [_bfcl_function()]},
        {"id": "b", "question": [], "function": [_bfcl_function("other")]},
        {"id": "c", "question": [], "function": [_bfcl_function("other"), _bfcl_function(number_type="float")]},
    ]
    name = _write_jsonl(in_tmp / "bfcl.jsonl", rows)
    assert _error([name]) == (
        "bfcl.jsonl line 3: function[1]: function 'math.factorial' differs from the one "
        "of that name at line 1 function[0]"
    )


def test_jsonl_line_that_is_no_row_or_no_json(in_tmp):
    name = _write_jsonl(in_tmp / "bad.jsonl", [{"id": "a", "question": [], "function": []}, {"name": "f"}])
    assert _error([name]).startswith("bad.jsonl line 2: expected a BFCL row")
    (in_tmp / "broken.jsonl").write_text('{"id": "a", "function": []}\n{"id": \n', encoding="utf-8")
    assert _error(["broken.jsonl"]).startswith("broken.jsonl: line 2: invalid JSON")


# -- xLAM -------------------------------------------------------------------------------------------


def test_xlam_tools_required_optional_and_types():
    tools = {tool.name: tool for tool in load_tools([str(FIXTURES / "xlam_tools.json")])}
    geocode = tools["v1_geocoding"].parameters
    # "str" with a real default: required, the default kept as an example; "str, optional" with "": optional
    assert geocode["required"] == ["city"]
    assert geocode["properties"]["city"] == {
        "description": "The name of the city to geocode.",
        "type": "string",
        "examples": ["Seattle"],
    }
    assert geocode["properties"]["country"]["type"] == "string" and "default" not in geocode["properties"]["country"]
    assert tools["find_peak_element"].parameters["properties"]["nums"]["items"] == {"type": "integer"}  # List[int]
    point = tools["euclidean_distance"].parameters["properties"]["point_a"]  # Tuple[float, float]
    assert (point["type"], point["items"], point["minItems"], point["maxItems"]) == ("array", {"type": "number"}, 2, 2)
    trapezoid = tools["trapezoidal_integration"].parameters
    assert trapezoid["required"] == ["func", "a", "b"]  # n is "int, optional"
    assert "examples" not in trapezoid["properties"]["func"]  # its default 10000 is no string: dropped
    assert trapezoid["properties"]["a"]["examples"] == [10000]
    assert "type" not in tools["numerical_derivative"].parameters["properties"]["function"]  # Callable[[float], float]
    words = tools["get_word_frequencies"].parameters
    assert words["required"] == ["sentences"]
    assert words["properties"]["options"]["type"] == "object"  # Dict[str, Any], optional
    assert words["properties"]["case_sensitive"] == {
        "description": "Whether to count 'The' and 'the' apart. Defaults to false.",
        "type": "boolean",
        "default": False,
    }  # "false" read as a boolean
    assert tools["merge_dictionaries"].parameters["properties"]["dict1"]["type"] == "object"


def test_xlam_rows_jsonl_and_json_list(in_tmp):
    tools = load_tools([str(FIXTURES / "xlam_rows.jsonl")])
    assert [tool.name for tool in tools] == [
        "live_giveaways_by_type",
        "v1_geocoding",
        "find_peak_element",
        "calculate_investment_return",
    ]  # live_giveaways_by_type twice: once
    rows = [json.loads(line) for line in (FIXTURES / "xlam_rows.jsonl").read_text().splitlines()]
    (in_tmp / "xlam.json").write_text(json.dumps(rows), encoding="utf-8")
    assert [tool.name for tool in load_tools(["xlam.json"])] == [tool.name for tool in tools]


def test_xlam_errors_name_file_and_path(in_tmp):
    tools = [
        {"name": "v1_geocoding", "description": "d", "parameters": {"city": {"description": "c", "type": "strng"}}}
    ]
    (in_tmp / "x.json").write_text(json.dumps(tools), encoding="utf-8")
    assert _error(["x.json"]) == "x.json: [0].parameters.city.type: unknown type 'strng'"
    tools[0]["parameters"]["city"]["type"] = "List[strng]"
    (in_tmp / "x.json").write_text(json.dumps(tools), encoding="utf-8")
    assert _error(["x.json"]) == "x.json: [0].parameters.city.type: unknown type 'List[strng]' (no type named 'strng')"
    _write_jsonl(in_tmp / "rows.jsonl", [{"query": "q", "tools": '[{"name": ', "answers": "[]"}])
    assert _error(["rows.jsonl"]).startswith("rows.jsonl line 1: tools: tools is not a JSON list")


@pytest.mark.parametrize(
    "text, schema, optional",
    [
        ("str", {"type": "string"}, False),
        ("str, optional", {"type": "string"}, True),
        ("int, optional", {"type": "integer"}, True),
        ("float", {"type": "number"}, False),
        ("bool", {"type": "boolean"}, False),
        ("list", {"type": "array"}, False),
        ("dict", {"type": "object"}, False),
        ("List[str]", {"type": "array", "items": {"type": "string"}}, False),
        ("List[Dict[str, Any]]", {"type": "array", "items": {"type": "object"}}, False),
        ("Dict[str, int]", {"type": "object", "additionalProperties": {"type": "integer"}}, False),
        ("Tuple[int, int]", {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}, False),
        ("Tuple[int, ...]", {"type": "array", "items": {"type": "integer"}}, False),
        ("Optional[str]", {"type": "string"}, True),
        ("Union[int, float]", {"anyOf": [{"type": "integer"}, {"type": "number"}]}, False),
        ("Callable", {}, False),
        ("Any", {}, False),
        ("Set[str]", {"type": "array", "items": {"type": "string"}, "uniqueItems": True}, False),
    ],
)
def test_python_types(text, schema, optional):
    assert python_type(text) == (schema, optional)


# -- names and folders ----------------------------------------------------------------------------------


def test_invalid_names_are_mapped_without_collisions(in_tmp):
    long = "weather." + "x" * 70
    functions = [
        _bfcl_function("get.weather"),
        _bfcl_function("get weather"),
        _bfcl_function("get_weather"),
        _bfcl_function(long),
        _bfcl_function(long + "y"),
    ]
    (in_tmp / "f.json").write_text(json.dumps(functions), encoding="utf-8")
    tools = load_tools(["f.json"])
    names = [tool.name for tool in tools]
    assert names[:3] == ["get_weather_2", "get_weather_3", "get_weather"]  # the valid name keeps its own
    assert len(names[3]) == 64 and names[4] == names[3][:62] + "_2"
    assert len(set(names)) == 5
    assert name_map(tools)["get weather"] == "get_weather_3"


def test_folders_read_jsonl_and_skip_value_sidecars(in_tmp):
    (in_tmp / "lib").mkdir()
    _write_jsonl(in_tmp / "lib" / "bfcl.jsonl", [{"id": "a", "question": [], "function": [_bfcl_function()]}])
    (in_tmp / "lib" / "bfcl.values.json").write_text("{}", encoding="utf-8")
    assert [path.name for path in tool_files(["lib"])] == ["bfcl.jsonl"]
    assert [tool.name for tool in load_tools(["lib"])] == ["math_factorial"]
