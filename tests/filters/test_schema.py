"""filters.schema: calls name known functions and their arguments fit the JSON Schema."""

from __future__ import annotations

import copy

import pytest

from filters.base import run_checks
from filters.checks import default_checks
from filters.schema import ArgumentValidator, close_schema, strip_extensions, validator_for
from pipeline.record import parse_record
from tests.filters import STRUCTURAL

CALL_ID = "aB3dE5gH7"
ARGS = "messages[2].tool_calls[0].function.arguments"


def _tool(name, parameters):
    return {"type": "function", "function": {"name": name, "description": name, "parameters": parameters}}


def _record(name, arguments, parameters):
    return {
        "id": "r",
        "category": "single",
        "tools": [_tool(name, parameters)],
        "messages": [
            {"role": "system", "content": "Be useful."},
            {"role": "user", "content": "Do it."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": CALL_ID, "type": "function", "function": {"name": name, "arguments": arguments}}],
            },
            {"role": "tool", "tool_call_id": CALL_ID, "name": name, "content": "{}"},
            {"role": "assistant", "content": "Done."},
        ],
    }


def _issues(record):
    return run_checks(parse_record(record), default_checks(STRUCTURAL))


def _one(parameters, arguments, name="f"):
    """Issues of a record calling `name` with `arguments` against `parameters`."""
    return _issues(_record(name, arguments, parameters))


def _prop(schema, required=True):
    return {"type": "object", "properties": {"x": schema}, **({"required": ["x"]} if required else {})}


def _assert_only(issues, code, path):
    assert {i.code for i in issues} == {code}, issues
    assert [i.path for i in issues] == [path]
    assert all(i.check == "schema" for i in issues)


WEATHER = {
    "type": "object",
    "required": ["city"],
    "properties": {
        "city": {"type": "string"},
        "units": {"type": "string", "enum": ["metric", "imperial"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
    },
}


def test_good_call_passes():
    assert _one(WEATHER, {"city": "Oslo", "units": "metric", "days": 3}) == []


# -- unknown_function ----------------------------------------------------------------------------


def test_unknown_function():
    record = _record("get_weather", {"city": "Oslo"}, WEATHER)
    record["messages"][2]["tool_calls"][0]["function"]["name"] = "get_wether"
    record["messages"][3]["name"] = "get_wether"
    issues = _issues(record)
    _assert_only(issues, "unknown_function", "messages[2].tool_calls[0].function.name")
    assert "'get_wether'" in issues[0].message
    assert _one(WEATHER, {"city": "Oslo"}, name="get_weather") == []


# -- missing_required ---------------------------------------------------------------------------


def test_missing_required():
    issues = _one(WEATHER, {"units": "metric"})
    _assert_only(issues, "missing_required", ARGS)
    assert "'city' is a required property" in issues[0].message
    assert _one(WEATHER, {"units": "metric", "city": "Oslo"}) == []


# -- unexpected_argument -----------------------------------------------------------------------------


def test_unexpected_argument_without_additional_properties_keyword():
    assert "additionalProperties" not in WEATHER
    issues = _one(WEATHER, {"city": "Oslo", "country": "NO"})
    _assert_only(issues, "unexpected_argument", ARGS)
    assert "'country'" in issues[0].message


def test_additional_properties_true_accepts_extra_keys():
    open_schema = {**WEATHER, "additionalProperties": True}
    assert _one(open_schema, {"city": "Oslo", "country": "NO"}) == []


def test_nested_objects_are_closed_too():
    parameters = _prop({"type": "object", "properties": {"a": {"type": "integer"}}})
    _assert_only(_one(parameters, {"x": {"a": 1, "b": 2}}), "unexpected_argument", ARGS + ".x")
    assert _one(parameters, {"x": {"a": 1}}) == []


def test_close_schema_and_strip_extensions():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {}, "x-pool": [{}]}},
        "allOf": [{"properties": {"b": {}}}],
    }
    closed = close_schema(schema)
    assert closed["additionalProperties"] is False
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in closed["allOf"][0]
    assert "additionalProperties" not in schema  # not mutated
    assert strip_extensions(schema) == {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {}}},
        "allOf": [{"properties": {"b": {}}}],
    }


# -- wrong_type ----------------------------------------------------------------------------------


def test_wrong_type_string_for_integer():
    issues = _one(WEATHER, {"city": "Oslo", "days": "5"})
    _assert_only(issues, "wrong_type", ARGS + ".days")
    assert issues[0].message == "f: '5' is not of type 'integer'"
    assert _one(WEATHER, {"city": "Oslo", "days": 5}) == []


def test_wrong_type_bool_for_integer():
    # jsonschema does not treat booleans as integers
    _assert_only(_one(WEATHER, {"city": "Oslo", "days": True}), "wrong_type", ARGS + ".days")


def test_integral_float_is_an_integer():
    # JSON Schema 2020-12: a number with a zero fractional part is an integer
    assert _one(WEATHER, {"city": "Oslo", "days": 5.0}) == []
    _assert_only(_one(WEATHER, {"city": "Oslo", "days": 5.5}), "wrong_type", ARGS + ".days")


def test_wrong_type_null():
    _assert_only(_one(WEATHER, {"city": None}), "wrong_type", ARGS + ".city")


# -- enum_violation ----------------------------------------------------------------------------


def test_enum_violation():
    issues = _one(WEATHER, {"city": "Oslo", "units": "kelvin"})
    _assert_only(issues, "enum_violation", ARGS + ".units")
    assert _one(WEATHER, {"city": "Oslo", "units": "imperial"}) == []


def test_const_violation():
    parameters = _prop({"const": "v1"})
    _assert_only(_one(parameters, {"x": "v2"}), "enum_violation", ARGS + ".x")
    assert _one(parameters, {"x": "v1"}) == []


# -- constraint_violation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema, bad, good",
    [
        pytest.param({"type": "string", "pattern": "^[A-Z]{3}$"}, "jfk", "JFK", id="pattern"),
        pytest.param({"type": "integer", "minimum": 1, "maximum": 7}, 0, 1, id="minimum"),
        pytest.param({"type": "integer", "minimum": 1, "maximum": 7}, 8, 7, id="maximum"),
        pytest.param({"type": "number", "exclusiveMinimum": 0}, 0, 0.01, id="exclusiveMinimum"),
        pytest.param({"type": "string", "maxLength": 3}, "abcd", "abc", id="maxLength"),
        pytest.param({"type": "string", "minLength": 2}, "a", "ab", id="minLength"),
        pytest.param(
            {"type": "array", "items": {"type": "string"}, "maxItems": 2}, ["a", "b", "c"], ["a", "b"], id="maxItems"
        ),
        pytest.param({"type": "string", "format": "date"}, "2026-02-30", "2026-02-28", id="date-impossible-day"),
        pytest.param({"type": "string", "format": "date"}, "23/11/2026", "2026-11-23", id="date-wrong-layout"),
        pytest.param(
            {"type": "string", "format": "date-time"},
            "2026-11-23T10:00:00",
            "2026-11-23T10:00:00Z",
            id="date-time-no-offset",
        ),
        pytest.param(
            {"type": "string", "format": "date-time"},
            "2026-11-23",
            "2026-11-23T10:00:00+01:00",
            id="date-time-date-only",
        ),
        pytest.param({"type": "string", "format": "email"}, "ada.example.com", "ada@example.com", id="email"),
        pytest.param(
            {"type": "string", "format": "uri"}, "example.com/page", "https://example.com/page", id="uri-no-scheme"
        ),
        pytest.param({"type": "string", "format": "uri"}, "http://exa mple.com", "http://example.com", id="uri-space"),
    ],
)
def test_constraint_violation(schema, bad, good):
    parameters = _prop(schema)
    issues = _one(parameters, {"x": bad})
    _assert_only(issues, "constraint_violation", ARGS + ".x")
    assert _one(parameters, {"x": good}) == []


@pytest.mark.parametrize("bad", ["http://exa<mple.com", "http://[bad", "https://example.com/%zz"])
def test_uri_rejected_by_jsonschema_is_a_constraint_violation(bad):
    _assert_only(_one(_prop({"type": "string", "format": "uri"}), {"x": bad}), "constraint_violation", ARGS + ".x")


def test_trailing_newline_does_not_satisfy_anchored_pattern():
    parameters = _prop({"type": "string", "pattern": "^[A-Z]{3}$"})
    assert validator_for(parameters).is_valid({"x": "ABC\n"}) is False
    _assert_only(_one(parameters, {"x": "ABC\n"}), "constraint_violation", ARGS + ".x")


# -- nested paths ------------------------------------------------------------------------------

ORDER = {
    "type": "object",
    "required": ["items"],
    "$defs": {
        "Address": {
            "type": "object",
            "required": ["zip"],
            "properties": {"zip": {"type": "string", "pattern": "^[0-9]{5}$"}},
        }
    },
    "properties": {
        "items": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["sku", "qty"],
                "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
            },
        },
        "ship_to": {"$ref": "#/$defs/Address"},
        "deliver_on": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
    },
}
GOOD_ORDER = {
    "items": [{"sku": "A1", "qty": 1}, {"sku": "B2", "qty": 2}],
    "ship_to": {"zip": "12345"},
    "deliver_on": None,
}


def test_good_nested_order_passes():
    assert _one(ORDER, GOOD_ORDER, name="place_order") == []
    assert _one(ORDER, {**GOOD_ORDER, "deliver_on": "2026-12-01"}, name="place_order") == []


def test_error_inside_array_of_objects_has_full_path():
    arguments = copy.deepcopy(GOOD_ORDER)
    arguments["items"][1]["sku"] = 42
    issues = _one(ORDER, arguments, name="place_order")
    _assert_only(issues, "wrong_type", "messages[2].tool_calls[0].function.arguments.items[1].sku")


def test_missing_key_inside_array_item():
    arguments = copy.deepcopy(GOOD_ORDER)
    del arguments["items"][0]["qty"]
    _assert_only(_one(ORDER, arguments, name="place_order"), "missing_required", ARGS + ".items[0]")


def test_error_behind_ref():
    _assert_only(
        _one(ORDER, {**GOOD_ORDER, "ship_to": {"zip": "1234"}}, name="place_order"),
        "constraint_violation",
        ARGS + ".ship_to.zip",
    )
    _assert_only(
        _one(ORDER, {**GOOD_ORDER, "ship_to": {"zip": "12345", "city": "X"}}, name="place_order"),
        "unexpected_argument",
        ARGS + ".ship_to",
    )


def test_nullable_anyof_reports_the_branch_error():
    _assert_only(
        _one(ORDER, {**GOOD_ORDER, "deliver_on": "tomorrow"}, name="place_order"),
        "constraint_violation",
        ARGS + ".deliver_on",
    )
    _assert_only(_one(ORDER, {**GOOD_ORDER, "deliver_on": 5}, name="place_order"), "wrong_type", ARGS + ".deliver_on")


def test_several_errors_are_all_reported():
    issues = _one(WEATHER, {"city": 3, "units": "kelvin", "days": 99})
    assert sorted((i.code, i.path) for i in issues) == [
        ("constraint_violation", ARGS + ".days"),
        ("enum_violation", ARGS + ".units"),
        ("wrong_type", ARGS + ".city"),
    ]


def test_string_arguments_are_left_to_the_format_check():
    issues = _one(WEATHER, "not json")
    assert [(i.check, i.code) for i in issues] == [("format", "invalid_json")]


def test_json_string_arguments_are_validated():
    _assert_only(_one(WEATHER, '{"city": "Oslo", "days": "5"}'), "wrong_type", ARGS + ".days")


# -- a broken tool schema -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, where, text",
    [
        pytest.param({"type": "strnig"}, ".properties.x.type", "'strnig' is not a valid type", id="unknown-type"),
        pytest.param({"$ref": "#/$defs/T"}, ".properties.x.$ref", "cannot resolve '#/$defs/T'", id="dangling-ref"),
        pytest.param({"$ref": "https://example.com/t.json"}, ".properties.x.$ref", "only local", id="remote-ref"),
        pytest.param({"type": "string", "pattern": "(["}, ".properties.x.pattern", "regex", id="bad-pattern"),
        pytest.param({"type": "integer", "minimum": "1"}, ".properties.x.minimum", "'1'", id="bound-not-a-number"),
    ],
)
def test_invalid_tool_schema_is_an_invalid_record(x, where, text):
    issues = _one(_prop(x), {"x": "a"})
    assert [(i.check, i.code, i.path) for i in issues] == [
        ("format", "invalid_record", "tools[0].function.parameters" + where)
    ]
    assert text in issues[0].message and issues[0].message.startswith("f: ")


def test_invalid_unused_tool_schema_is_reported_once():
    record = _record("f", {"x": "a"}, _prop({"type": "string"}))
    record["tools"].append(_tool("g", {"type": "object", "properties": {"y": {"type": "strnig"}}}))
    issues = _issues(record)
    assert [(i.code, i.path) for i in issues] == [("invalid_record", "tools[1].function.parameters.properties.y.type")]


def test_local_refs_anywhere_in_the_schema_resolve():
    parameters = {
        "type": "object",
        "$defs": {"T": {"type": "string"}},
        "properties": {"x": {"$ref": "#/$defs/T"}, "y": {"$ref": "#/properties/x"}},
        "enum": [{"$ref": "not a ref, a value"}, {"x": "a"}],
    }
    assert validator_for(parameters).problem is None
    assert _one(parameters, {"x": "a"}) == []


def test_validating_against_a_broken_schema_raises():
    validator = validator_for(_prop({"type": "strnig"}))
    assert validator.problem == ("properties.x.type", "'strnig' is not a valid type")
    with pytest.raises(ValueError, match="invalid schema"):
        validator.errors({"x": "a"})


# -- the validator itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "schema, values",
    [
        ({"type": "string", "format": "uri"}, ["https://a.example/x", "http://exa<mple.com", "a b", "mailto:x@y.z", 5]),
        ({"type": "string", "format": "email"}, ["ada@example.com", "ada.example.com", "a@b"]),
        (
            {"type": "string", "format": "date-time"},
            ["2026-11-23T10:00:00Z", "2026-11-23T10:00:00", "2026-13-01T00:00:00Z"],
        ),
        ({"type": "string", "format": "hostname"}, ["example.com", "-bad-.com", "a" * 70]),
        ({"type": "string", "format": "ipv4"}, ["10.0.0.1", "10.0.0.256", "010.0.0.1"]),
        ({"type": "string", "pattern": "^[A-Z]{3}$"}, ["ABC", "ABC\n", "abc"]),
    ],
)
def test_is_valid_and_errors_always_agree(schema, values):
    validator = validator_for(_prop(schema))
    for value in values:
        assert validator.is_valid({"x": value}) == (validator.errors({"x": value}) == []), value


def test_validator_for_is_cached_per_schema():
    assert validator_for(WEATHER) is validator_for(copy.deepcopy(WEATHER))
    assert validator_for(WEATHER) is not validator_for(ORDER)


def test_validator_never_writes_defaults():
    parameters = {"type": "object", "properties": {"u": {"type": "string", "default": "metric"}}}
    arguments = {}
    validator = ArgumentValidator(parameters)
    assert validator.is_valid(arguments) and validator.errors(arguments) == []
    assert arguments == {}


def test_validator_errors_tuples():
    assert validator_for(WEATHER).errors({"city": "Oslo", "days": 0}) == [
        ("constraint_violation", ".days", "0 is less than the minimum of 1")
    ]


def test_equal_schemas_share_a_validator_and_changed_ones_do_not():
    schema = {"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}}
    first = validator_for(schema)
    assert validator_for(copy.deepcopy(schema)) is first
    changed = copy.deepcopy(schema)
    changed["properties"]["n"]["maximum"] = 5
    assert validator_for(changed) is not first and validator_for(changed).errors({"n": 4}) == []
    schema["properties"]["n"]["maximum"] = 9  # the caller mutates its dict later: the cache kept a copy
    assert validator_for({"type": "object", "properties": {"n": {"type": "integer", "maximum": 3}}}) is first
