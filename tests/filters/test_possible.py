"""filters.possible: BFCL's AST rules, one case per rule, and the reference -> possible answer bridge."""

from __future__ import annotations

import pytest

from filters.possible import allows, check_call, check_calls, first_calls, possible_answer, standardize

AREA = {
    "type": "object",
    "properties": {
        "base": {"type": "integer"},
        "height": {"type": "number"},
        "unit": {"type": "string", "default": "units"},
        "shape": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["base", "height"],
}
ANSWER = {"area": {"base": [10], "height": [5.0], "unit": ["units", ""], "tags": ["", ["a", "b"]]}}


def call(**arguments):
    return {"name": "area", "arguments": arguments}


@pytest.mark.parametrize(
    "arguments, code",
    [
        ({"base": 10, "height": 5.0}, ""),
        ({"base": 10, "height": 5}, ""),  # an integer where a number is expected
        ({"base": 10, "height": 5, "unit": "UNITS"}, ""),  # case-insensitive
        ({"base": 10, "height": 5, "tags": ["A", "b"]}, ""),
        ({"height": 5}, "missing_argument"),  # the schema requires base
        ({"base": 10, "height": 5, "colour": "red"}, "unexpected_argument"),  # not in the schema
        ({"base": 10, "height": 5, "shape": {}}, "unexpected_argument"),  # in the schema, not in the answer
        ({"base": 10.5, "height": 5}, "wrong_type"),
        ({"base": True, "height": 5}, "wrong_type"),  # a boolean is never a number
        ({"base": 11, "height": 5}, "wrong_value"),
        ({"base": 10, "height": 5, "unit": "cm"}, "wrong_value"),
        ({"base": 10, "height": 5, "tags": ["b", "a"]}, "wrong_value"),  # a list keeps its order
        ({"base": 10, "height": 5, "tags": ["a"]}, "wrong_value"),
    ],
)
def test_one_call_follows_bfcl_rules(arguments, code):
    match = check_call(call(**arguments), ANSWER, AREA)
    assert (match.ok, match.code) == (not code, code)


def test_a_parameter_the_answer_needs_and_the_schema_does_not_require_is_still_missing():
    answer = {"area": {"base": [10], "height": [5], "unit": ["cm"]}}
    assert check_call(call(base=10, height=5), answer, AREA).code == "missing_argument"


def test_wrong_function_and_arguments_that_are_not_an_object():
    assert check_call({"name": "volume", "arguments": {}}, ANSWER, AREA).code == "wrong_function"
    assert check_call({"name": "area", "arguments": "base=10"}, ANSWER, AREA).code == "wrong_type"


def test_strings_compare_bfcl_standardised():
    assert standardize("April 1, 2024") == standardize("april 1 2024") == "april12024"
    assert allows("New York, NY", "new york ny")
    assert not allows("New York", "Newark")


def test_nested_dicts_and_lists_of_dicts():
    assert allows({"size": ["large"], "milk": ["", "oat"]}, {"size": "Large"})
    assert allows({"size": ["large"], "milk": ["", "oat"]}, {"size": "large", "milk": "oat"})
    assert not allows({"size": ["large"]}, {"size": "large", "milk": "oat"})  # a key the answer does not know
    assert not allows({"size": ["large"], "milk": ["oat"]}, {"size": "large"})  # a key it needs
    items = [{"item": ["burger"], "qty": [5]}, {"item": ["wings"], "qty": [6]}]
    assert allows(items, [{"item": "burger", "qty": 5}, {"item": "wings", "qty": 6.0}])
    assert not allows(items, [{"item": "wings", "qty": 6}, {"item": "burger", "qty": 5}])


def test_numbers_and_booleans():
    assert allows(3, 3.0) and allows(0.5, 0.5)
    assert not allows(1, True) and not allows(True, 1) and allows(False, False)
    assert allows(None, None) and not allows(None, "")
    assert allows("", "") and not allows("", "x")  # "" allows an empty string, as in BFCL's string check


WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
SCHEMAS = {"weather": WEATHER, "time": WEATHER}


def calls(*pairs):
    return [{"name": name, "arguments": {"city": city}} for name, city in pairs]


def answers(*pairs):
    return [{name: {"city": [city]}} for name, city in pairs]


def test_parallel_calls_match_in_any_order_with_the_same_count():
    expected = answers(("weather", "Paris"), ("weather", "Rome"))
    assert check_calls(calls(("weather", "Rome"), ("weather", "Paris")), expected, SCHEMAS).ok
    assert check_calls(calls(("weather", "Rome")), expected, SCHEMAS).code == "wrong_call_count"
    wrong = check_calls(calls(("weather", "Rome"), ("weather", "Oslo")), expected, SCHEMAS)
    assert wrong.code == "wrong_value" and "Paris" in wrong.message
    assert check_calls(calls(("time", "Paris"), ("weather", "Rome")), expected, SCHEMAS).code == "wrong_function"
    ordered = check_calls(calls(("weather", "Rome"), ("weather", "Paris")), expected, SCHEMAS, ordered=True)
    assert ordered.code == "wrong_value"


def test_a_full_matching_where_first_fit_fails():
    # the first answer allows either city and first-fit gives it Paris, leaving Rome's answer no call
    expected = [{"weather": {"city": ["Paris", "Rome"]}}, {"weather": {"city": ["Paris"]}}]
    assert check_calls(calls(("weather", "Paris"), ("weather", "Rome")), expected, SCHEMAS).ok


def test_untyped_comparison_for_java_style_files():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    answer = {"f": {"n": ["5"]}}
    assert check_call({"name": "f", "arguments": {"n": "5"}}, answer, schema, typed=False).ok
    assert check_call({"name": "f", "arguments": {"n": "5"}}, answer, schema).ok  # a "variable" of the answer's type


def test_a_reference_becomes_a_possible_answer_with_defaults_optional():
    reference = [{"name": "area", "arguments": {"base": 10, "height": 5, "unit": "units", "shape": {"kind": "tri"}}}]
    (answer,) = possible_answer(reference, {"area": AREA})
    assert answer == {
        "area": {
            "base": [10],
            "height": [5],
            "unit": ["units", ""],  # given its default: may be left out
            "shape": [{"kind": ["tri"]}],
            "tags": [""],  # optional, left out, no default
        }
    }
    assert check_call(call(base=10, height=5, shape={"kind": "tri"}), answer, AREA).ok
    assert check_call(call(base=10, height=5, shape={"kind": "tri"}, tags=["x"]), answer, AREA).code == "wrong_value"
    (no_unit,) = possible_answer([{"name": "area", "arguments": {"base": 1, "height": 2}}], {"area": AREA})
    assert no_unit["area"]["unit"] == ["", "units"]  # left out, or given its default
    assert check_call(call(base=1, height=2, unit="units"), no_unit, AREA).ok


def test_first_calls_realise_an_answer_that_passes_itself():
    expected = [{"area": {"base": [10, 12], "height": ["", 5], "unit": ["units", ""], "shape": ["", {"k": ["t"]}]}}]
    (realised,) = first_calls(expected, {"area": AREA})
    assert realised == {"name": "area", "arguments": {"base": 10, "height": 5}}  # height is required
    assert check_calls([realised], expected, {"area": AREA}).ok


def test_many_alike_calls_match_fast():
    # a full matching by augmenting paths: 40 alike calls, the last answer matching none
    expected = [{"weather": {"city": ["Paris", "Rome"]}} for _ in range(39)] + [{"weather": {"city": ["Oslo"]}}]
    got = calls(*[("weather", "Paris")] * 40)
    assert check_calls(got, expected, SCHEMAS).code == "wrong_value"
    assert check_calls(calls(*[("weather", "Paris")] * 39, ("weather", "Oslo")), expected, SCHEMAS).ok


def test_big_integers_compare_exactly():
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
    answer = {"f": {"id": [1234567890123456789]}}
    assert check_call({"name": "f", "arguments": {"id": 1234567890123456789}}, answer, schema).ok
    assert check_call({"name": "f", "arguments": {"id": 1234567890123456788}}, answer, schema).code == "wrong_value"
    assert not allows(1.0, 10**400)  # no OverflowError


def test_typed_list_items_and_deeper_values_as_bfcl():
    schema = {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "number"}}}}
    answer = {"f": {"xs": [[1.5, 2.0]]}}
    assert check_call({"name": "f", "arguments": {"xs": [1.5, 2.0]}}, answer, schema).ok
    assert check_call({"name": "f", "arguments": {"xs": [1.5, 2]}}, answer, schema).code == "wrong_type"
    assert allows([["New York"]], [["New York"]]) and not allows([["New York"]], [["new york"]])  # deeper: exact
    assert allows({"city": ["New York"]}, {"city": "new york"})  # a dict's strings: standardised


def test_a_null_or_empty_reference_value():
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["b"]}
    (answer,) = possible_answer([{"name": "f", "arguments": {"a": None, "b": ""}}], {"f": schema})
    assert check_call({"name": "f", "arguments": {"b": ""}}, answer, schema).ok  # a null optional: left out
    assert first_calls([answer], {"f": schema}) == [{"name": "f", "arguments": {"b": ""}}]  # "" kept: required
