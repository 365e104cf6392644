"""filters.match: the one matcher deciding whether two sets of calls are the same."""

from __future__ import annotations

import pytest

from filters.match import Match, call_key, match_calls, normalize_value, with_defaults
from pipeline.record import FunctionCall, ToolCall


def c(name, **arguments):
    return {"name": name, "arguments": arguments}


SCHEMAS = {
    "get_weather": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
            "days": {"type": "integer", "default": 1},
        },
    }
}


def test_identical_calls_match():
    assert match_calls([c("f", a=1)], [c("f", a=1)]) == Match(True)


def test_independent_calls_match_in_any_order():
    expected = [c("get_weather", city="Oslo"), c("get_weather", city="Lima"), c("get_time", zone="UTC")]
    actual = [c("get_time", zone="UTC"), c("get_weather", city="Lima"), c("get_weather", city="Oslo")]
    assert match_calls(expected, actual).ok


@pytest.mark.parametrize(
    "want, got",
    [
        ("New York", "new york"),
        ("New York", "  New   York "),
        ("NEW\tYORK", "new york"),
        ("Straße", "STRASSE"),
        ("ｏｓｌｏ", "oslo"),  # NFKC: full-width letters
    ],
)
def test_strings_are_case_space_and_unicode_insensitive(want, got):
    assert match_calls([c("f", city=want)], [c("f", city=got)]).ok


def test_different_strings_do_not_match():
    result = match_calls([c("f", city="New York")], [c("f", city="Newark")])
    assert (result.ok, result.code) == (False, "wrong_value")


def test_int_equals_float():
    assert match_calls([c("f", n=3)], [c("f", n=3.0)]).ok
    assert match_calls([c("f", n=[1, 2])], [c("f", n=[1.0, 2.0])]).ok
    assert not match_calls([c("f", n=3)], [c("f", n=3.5)]).ok


def test_number_does_not_equal_string():
    result = match_calls([c("f", n=3)], [c("f", n="3")])
    assert (result.ok, result.code) == (False, "wrong_value")


@pytest.mark.parametrize("one, other", [(1, True), (0, False), (1.0, True)])
def test_number_does_not_equal_bool(one, other):
    result = match_calls([c("f", flag=one)], [c("f", flag=other)])
    assert (result.ok, result.code) == (False, "wrong_value")


def test_nested_and_ordered_bools_do_not_equal_numbers():
    assert not match_calls([c("f", n=[1, {"a": 0}])], [c("f", n=[True, {"a": 0}])]).ok
    assert not match_calls([c("f", n={"a": 0})], [c("f", n={"a": False})]).ok
    result = match_calls([c("f", n=1), c("g", n=2)], [c("f", n=True), c("g", n=2)], ordered=True)
    assert (result.ok, result.code) == (False, "wrong_value")
    assert match_calls([c("f", n=[True, 3])], [c("f", n=[True, 3.0])], ordered=True).ok


def test_with_defaults_ignores_a_malformed_schema():
    for parameters in ({"properties": [1]}, {"properties": "x"}, {"properties": {"a": 1}}, [], None):
        assert with_defaults({"b": 2}, parameters) == {"b": 2}


def test_bool_and_none_keep_their_identity():
    assert normalize_value(True) is True
    assert normalize_value(None) is None
    assert normalize_value(False) is False
    assert not match_calls([c("f", x=None)], [c("f", x=False)]).ok


def test_omitted_optional_equals_its_default():
    expected = [c("get_weather", city="Oslo", units="metric", days=1)]
    assert match_calls(expected, [c("get_weather", city="Oslo")], SCHEMAS).ok
    assert match_calls([c("get_weather", city="Oslo")], expected, SCHEMAS).ok
    # without the schemas, the omitted key is a difference
    result = match_calls(expected, [c("get_weather", city="Oslo")])
    assert (result.ok, result.code) == (False, "wrong_value")
    # a value other than the default still differs
    result = match_calls([c("get_weather", city="Oslo", units="imperial")], [c("get_weather", city="Oslo")], SCHEMAS)
    assert (result.ok, result.code) == (False, "wrong_value")


def test_with_defaults_fills_only_missing_top_level_keys():
    assert with_defaults({"city": "Oslo", "units": "imperial"}, SCHEMAS["get_weather"]) == {
        "city": "Oslo",
        "units": "imperial",
        "days": 1,
    }
    assert with_defaults({"a": 1}, None) == {"a": 1}


def test_count_mismatch():
    result = match_calls([c("f", a=1), c("f", a=2)], [c("f", a=1)])
    assert (result.ok, result.code) == (False, "wrong_call_count")
    assert result.message == "expected 2 call(s), got 1"
    assert match_calls([], [c("f")]).code == "wrong_call_count"
    assert match_calls([], []).ok


def test_different_names():
    result = match_calls([c("get_weather", city="Oslo")], [c("get_forecast", city="Oslo")])
    assert (result.ok, result.code) == (False, "wrong_function")


def test_same_names_different_values():
    result = match_calls([c("f", a=1), c("g", b=2)], [c("g", b=2), c("f", a=9)])
    assert (result.ok, result.code) == (False, "wrong_value")


def test_duplicate_calls_are_counted():
    result = match_calls([c("f", a=1), c("f", a=2)], [c("f", a=1), c("f", a=1)])
    assert (result.ok, result.code) == (False, "wrong_value")


def test_ordered_mode():
    calls = [c("get_user", id=1), c("send_mail", to="a@b.c")]
    assert match_calls(calls, calls, ordered=True).ok
    result = match_calls(calls, calls[::-1], ordered=True)
    assert (result.ok, result.code) == (False, "wrong_order")
    assert match_calls(calls, calls[::-1], ordered=False).ok


def test_ordered_mode_reports_value_errors_first():
    expected = [c("get_user", id=1), c("send_mail", to="a@b.c")]
    actual = [c("send_mail", to="x@y.z"), c("get_user", id=1)]
    result = match_calls(expected, actual, ordered=True)
    assert (result.ok, result.code) == (False, "wrong_value")


def test_accepts_record_objects_and_openai_dicts():
    tool_call = ToolCall(id="aB3dE5gH7", function=FunctionCall(name="f", arguments='{"a": 1}'))
    openai_dict = {"id": "x", "type": "function", "function": {"name": "f", "arguments": {"a": 1.0}}}
    assert match_calls([c("f", a=1)], [tool_call]).ok
    assert match_calls([tool_call.function], [openai_dict]).ok
    assert call_key(tool_call) == ("f", {"a": 1.0})


def test_nested_values_are_normalised():
    assert match_calls([c("f", items=[{"sku": "A1", "qty": 2}])], [c("f", items=[{"sku": " a1 ", "qty": 2.0}])]).ok
    assert not match_calls([c("f", items=["a", "b"])], [c("f", items=["b", "a"])]).ok  # list order matters
