"""filters.reference: a turn's calls against the record's reference calls (meta.reference)."""

from __future__ import annotations

import copy

import pytest

from filters.base import Issue, run_checks
from filters.checks import default_checks
from filters.reference import ReferenceCheck
from pipeline.record import parse_record
from tests.filters import STRUCTURAL

ID1, ID2 = "aB3dE5gH7", "Zy9Xw8Vu7"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather.",
            "parameters": {
                "type": "object",
                "required": ["city"],
                "properties": {
                    "city": {"type": "string"},
                    "units": {"type": "string", "enum": ["metric", "imperial"], "default": "metric"},
                },
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_forecast",
            "description": "Forecast.",
            "parameters": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}},
        },
    },
]


def _call(call_id, name, **arguments):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _result(call_id, name):
    return {"role": "tool", "tool_call_id": call_id, "name": name, "content": '{"temp": 3}'}


def _single(reference, arguments=None):
    arguments = {"city": "Oslo"} if arguments is None else arguments
    return {
        "id": "r",
        "category": "single",
        "tools": TOOLS,
        "meta": {"reference": copy.deepcopy(reference)},
        "messages": [
            {"role": "system", "content": "Be useful."},
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": None, "tool_calls": [_call(ID1, "get_weather", **arguments)]},
            _result(ID1, "get_weather"),
            {"role": "assistant", "content": "3 degrees."},
        ],
    }


def _two(reference):
    return {
        "id": "r",
        "category": "nested",
        "tools": TOOLS,
        "meta": {"reference": copy.deepcopy(reference)},
        "messages": [
            {"role": "user", "content": "Weather and forecast for Oslo?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call(ID1, "get_weather", city="Oslo"), _call(ID2, "get_forecast", city="Oslo")],
            },
            _result(ID1, "get_weather"),
            _result(ID2, "get_forecast"),
            {"role": "assistant", "content": "Cold now, warmer later."},
        ],
    }


def _issues(record):
    return run_checks(parse_record(record), default_checks(STRUCTURAL))


def ref(message, *calls, ordered=None):
    entry = {"message": message, "calls": [{"name": n, "arguments": a} for n, a in calls]}
    if ordered is not None:
        entry["ordered"] = ordered
    return [entry]


def test_matching_reference_passes():
    assert _issues(_single(ref(2, ("get_weather", {"city": "Oslo"})))) == []


def test_no_reference_passes():
    assert _issues(_single([])) == []
    record = _single([])
    del record["meta"]
    assert _issues(record) == []


def test_reference_is_normalised_and_defaults_fill_in():
    assert _issues(_single(ref(2, ("get_weather", {"city": " oslo ", "units": "metric"})))) == []


def test_wrong_function():
    issues = _issues(_single(ref(2, ("get_forecast", {"city": "Oslo"}))))
    assert [(i.check, i.code, i.path) for i in issues] == [("reference", "wrong_function", "messages[2].tool_calls")]


def test_wrong_value():
    issues = _issues(_single(ref(2, ("get_weather", {"city": "Paris"}))))
    assert [(i.check, i.code, i.path) for i in issues] == [("reference", "wrong_value", "messages[2].tool_calls")]
    issues = _issues(_single(ref(2, ("get_weather", {"city": "Oslo", "units": "imperial"}))))
    assert {i.code for i in issues} == {"wrong_value"}


def test_wrong_order():
    expected = ref(1, ("get_forecast", {"city": "Oslo"}), ("get_weather", {"city": "Oslo"}), ordered=True)
    issues = _issues(_two(expected))
    assert issues == [Issue("reference", "wrong_order", "messages[1].tool_calls", "same calls in another order")]
    expected[0]["ordered"] = False
    assert _issues(_two(expected)) == []
    in_order = ref(1, ("get_weather", {"city": "Oslo"}), ("get_forecast", {"city": "Oslo"}), ordered=True)
    assert _issues(_two(in_order)) == []


def test_wrong_call_count_against_reference():
    issues = _issues(_two(ref(1, ("get_weather", {"city": "Oslo"}))))
    assert [(i.code, i.path) for i in issues] == [("wrong_call_count", "messages[1].tool_calls")]


def test_reference_to_a_message_without_calls():
    issues = _issues(_single(ref(1, ("get_weather", {"city": "Oslo"}))))
    assert [(i.code, i.path) for i in issues] == [("wrong_call_count", "messages[1].tool_calls")]


def test_reference_to_a_missing_message():
    issues = ReferenceCheck()(parse_record(_single(ref(9, ("get_weather", {"city": "Oslo"})))))
    assert [(i.code, i.path) for i in issues] == [("wrong_call_count", "messages[9]")]


def test_several_references_are_each_checked():
    record = _single(ref(2, ("get_weather", {"city": "Oslo"})) + ref(2, ("get_weather", {"city": "Lima"})))
    assert [(i.code, i.path) for i in _issues(record)] == [("wrong_value", "messages[2].tool_calls")]


@pytest.mark.parametrize(
    "reference, path",
    [
        ("get_weather", "meta.reference"),
        ({"message": 2}, "meta.reference"),
        ([5], "meta.reference[0]"),
        ([{"message": "2", "calls": []}], "meta.reference[0].message"),
        ([{"message": True, "calls": []}], "meta.reference[0].message"),
        ([{"calls": []}], "meta.reference[0].message"),
        ([{"message": 2, "calls": "get_weather"}], "meta.reference[0].calls"),
        ([{"message": 2, "calls": [1]}], "meta.reference[0].calls[0]"),
        ([{"message": 2, "calls": [{"arguments": {}}]}], "meta.reference[0].calls[0]"),
        ([{"message": 2, "calls": [{"name": "get_weather", "arguments": "{}"}]}], "meta.reference[0].calls[0]"),
        ([{"message": 2, "calls": [], "ordered": "yes"}], "meta.reference[0].ordered"),
    ],
)
def test_malformed_reference_is_an_invalid_record(reference, path):
    record = _single([])
    record["meta"]["reference"] = reference
    issues = _issues(record)
    assert [(i.check, i.code, i.path) for i in issues] == [("format", "invalid_record", path)]


def test_malformed_entry_does_not_hide_the_good_ones():
    record = _single([5] + ref(2, ("get_weather", {"city": "Lima"})))
    assert [(i.code, i.path) for i in _issues(record)] == [
        ("invalid_record", "meta.reference[0]"),
        ("wrong_value", "messages[2].tool_calls"),
    ]


def test_reference_call_in_tool_call_shape_is_accepted():
    record = _single([{"message": 2, "calls": [{"function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}])
    assert _issues(record) == []
