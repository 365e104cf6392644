"""Shared generator helpers: JSON extraction, schema wrapping, signatures, dropping unstated optionals."""

from __future__ import annotations

from filters.grounding import GroundingCheck
from filters.quality import copied_example
from pipeline.generate.common import (
    action_options,
    drop_unstated_optionals,
    parse_json_object,
    signature,
    unstated_arguments,
    wrap,
)
from pipeline.record import FunctionSpec, Tool

GROUNDING = GroundingCheck()
PARAMS = {
    "type": "object",
    "required": ["city"],
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer"},
        "units": {"type": "string", "enum": ["metric", "imperial"]},
        "include_hourly": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
}


def test_unstated_optionals_are_dropped_and_required_kept():
    arguments = {"city": "Oslo", "days": 5, "units": "imperial", "include_hourly": True, "tags": ["rain", "wind"]}
    request = "Weather in  OSLO for five days, hourly please, rain and wind"
    kept, dropped = drop_unstated_optionals(
        arguments, PARAMS, request, GROUNDING.ungrounded_keys(arguments, PARAMS, request, None)
    )
    assert kept == {"city": "Oslo", "days": 5, "include_hourly": True, "tags": ["rain", "wind"]}
    assert dropped == ["units"]
    arguments = {"city": "Lyon", "days": 12, "include_hourly": False}
    kept, dropped = drop_unstated_optionals(
        arguments, PARAMS, "weather in Paris", GROUNDING.ungrounded_keys(arguments, PARAMS, "weather in Paris", None)
    )
    assert kept == {"city": "Lyon"} and dropped == [
        "days",
        "include_hourly",
    ]  # a wrong required value stays for the round trip to catch


def test_parse_json_object_tolerates_fences_and_chatter():
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_json_object('Sure! {"a": {"b": 2}} hope it helps') == {"a": {"b": 2}}
    assert parse_json_object("[1, 2]") is None and parse_json_object("nothing") is None


def test_wrap_hoists_defs_so_refs_resolve():
    params = {
        "type": "object",
        "$defs": {"addr": {"type": "object", "properties": {"city": {"type": "string"}}}},
        "properties": {"to": {"$ref": "#/$defs/addr"}},
    }
    wrapped = wrap({"arguments": params})
    assert wrapped["$defs"] == params["$defs"] and "$defs" not in wrapped["properties"]["arguments"]
    assert wrapped["required"] == ["arguments"]


def test_signature_is_one_line_with_types_and_optionals():
    tool = Tool(function=FunctionSpec(name="get_forecast", description="Forecast.", parameters=PARAMS))
    line = signature(tool)
    assert line.startswith('get_forecast(city: string, days?: integer, units?: "metric"|"imperial"')
    assert line.endswith(") - Forecast.") and "\n" not in line


def _described(name: str, description: str) -> Tool:
    return Tool(
        function=FunctionSpec(name=name, description=description, parameters={"type": "object", "properties": {}})
    )


def test_action_options_are_first_sentences_made_unique():
    tools = [
        _described("get_weather", "Current weather in a city. Units are metric by default."),
        _described("get_forecast", "Daily forecast."),
        _described("get_forecast_v2", "Daily forecast.  Up to 14 days."),
        _described("ping", ""),
    ]
    assert action_options(tools) == [
        "Current weather in a city.",
        "get_forecast: Daily forecast.",
        "get_forecast_v2: Daily forecast.",
        "ping",
    ]


def test_action_options_cut_long_descriptions_at_a_word():
    option = action_options([_described("long", "word " * 100)])[0]
    assert len(option) <= 160 and option.endswith("word")


def test_unstated_arguments_names_values_the_request_does_not_state():
    arguments = {
        "city": "Kraków",
        "days": 7,
        "units": "metric",
        "include_hourly": True,
        "tags": ["ski", "hike"],
        "where": {"lat": 50.06, "on": False},
        "note": None,
    }
    assert unstated_arguments(arguments, "7-day forecast for KRAKÓW, metric, ski and hike, near 50.06 please") == []
    assert unstated_arguments(arguments, "forecast for Kraków, metric, ski, near 50.06") == ["days", "tags"]
    assert unstated_arguments({"flag": {"on": True}}, "anything") == []  # nothing writable to check


def test_copied_example_finds_near_verbatim_few_shots_only():
    shown = ["Show my 5 most recent conversations.", "What devices are in the attic?"]
    assert copied_example("what devices are in the  Attic?", shown) == 1
    assert copied_example("What devices are in the attic", shown) == 1  # a dropped "?" is still a copy
    assert copied_example("What devices are in the garage?", shown) is None  # ratio 86: a new value, not a copy
    assert copied_example("Show my 12 most recent chats.", shown) is None
    assert copied_example("anything", []) is None
