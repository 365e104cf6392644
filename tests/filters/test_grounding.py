"""filters.grounding: values said, returned, aliased, dated or computed pass; invented ones fail."""

from __future__ import annotations

import pytest

from filters.grounding import GroundingCheck, GroundingOptions
from pipeline.record import parse_record

NOW = "2026-11-23T10:00:00Z"  # a Monday
PRICE = {
    "type": "function",
    "function": {
        "name": "get_stock_price",
        "parameters": {
            "type": "object",
            "required": ["ticker"],
            "properties": {
                "ticker": {"type": "string"},
                "currency": {"type": "string", "enum": ["USD", "EUR"], "default": "USD"},
            },
        },
    },
}
LOOKUP = {
    "type": "function",
    "function": {
        "name": "lookup_ticker",
        "parameters": {"type": "object", "required": ["company"], "properties": {"company": {"type": "string"}}},
    },
}
FLIGHTS = {
    "type": "function",
    "function": {
        "name": "search_flights",
        "parameters": {
            "type": "object",
            "properties": {
                "origin": {"type": "string"},
                "destination": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "adults": {"type": "integer"},
                "max_price": {"type": "number"},
                "cabin": {"type": "string", "enum": ["economy", "business"]},
                "nonstop": {"type": "boolean"},
            },
        },
    },
}
EVENT = {
    "type": "function",
    "function": {
        "name": "create_event",
        "parameters": {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "start": {"type": "string", "format": "date-time"},
                "duration_minutes": {"type": "integer"},
                "attendees": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}
HISTORY = {
    "type": "function",
    "function": {
        "name": "get_stock_history",
        "parameters": {
            "type": "object",
            "properties": {"ticker": {"type": "string"}, "interval": {"type": "string", "enum": ["1d", "1wk", "1mo"]}},
        },
    },
}
MESSAGE = {
    "type": "function",
    "function": {
        "name": "send_message",
        "parameters": {"type": "object", "properties": {"recipient": {"type": "string"}, "text": {"type": "string"}}},
    },
}
ALIASES = GroundingOptions(
    aliases={"nvda": ["Nvidia"], "aapl": ["Apple"], "jfk": ["New York JFK", "Kennedy"], "lhr": ["Heathrow"]}
)


def _record(user, name, arguments, tools, category="single", before=(), after=(), now=NOW):
    messages = [
        *before,
        {"role": "user", "content": user},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "aB3dE5gH7", "type": "function", "function": {"name": name, "arguments": arguments}}],
        },
        *after,
    ]
    return parse_record({"id": "r", "category": category, "tools": tools, "messages": messages, "meta": {"now": now}})


def _issues(record, options=ALIASES):
    return GroundingCheck(options)(record)


@pytest.mark.parametrize(
    "user, name, arguments, tools",
    [
        ("What is NVDA trading at?", "get_stock_price", {"ticker": "NVDA"}, [PRICE]),
        ("what is nvda trading at", "get_stock_price", {"ticker": "NVDA", "currency": "USD"}, [PRICE]),  # default
        ("What's Nvidia trading at?", "get_stock_price", {"ticker": "NVDA"}, [PRICE]),  # alias
        (
            "Nvidia's price in euros please",
            "get_stock_price",
            {"ticker": "NVDA", "currency": "EUR"},
            [PRICE],
        ),  # enum synonym
        (
            "Flights from Heathrow to New York JFK for two adults",
            "search_flights",
            {"origin": "LHR", "destination": "JFK", "adults": 2},
            [FLIGHTS],
        ),
        (
            "fly Oslo to Berlin next Friday, under 5k, business class, nonstop",
            "search_flights",
            {
                "origin": "Oslo",
                "destination": "Berlin",
                "date": "2026-11-27",
                "max_price": 5000,
                "cabin": "business",
                "nonstop": True,
            },
            [FLIGHTS],
        ),
        (
            "Flights from St. Petersburg to Barcelona on Dec 3",
            "search_flights",
            {"origin": "Saint Petersburg", "destination": "Barcelona", "date": "2026-12-03"},
            [FLIGHTS],
        ),
        (
            "Flights from Oslo to Barcelonna two weeks ago",
            "search_flights",
            {"origin": "Oslo", "destination": "Barcelona", "date": "2026-11-09"},
            [FLIGHTS],
        ),
        (
            "Set up 'Design review' tomorrow at 3pm for 2 hours with Ana and Ben",
            "create_event",
            {
                "title": "Design review",
                "start": "2026-11-24T15:00:00",
                "duration_minutes": 120,
                "attendees": ["Ana", "Ben"],
            },
            [EVENT],
        ),
        ("Daily prices for AAPL please", "get_stock_history", {"ticker": "AAPL", "interval": "1d"}, [HISTORY]),
        (
            "Text Maria that I'm running ten minutes late for dinner",
            "send_message",
            {"recipient": "Maria", "text": "Running 10 minutes late for dinner"},
            [MESSAGE],
        ),
    ],
)
def test_grounded_values_pass(user, name, arguments, tools):
    assert _issues(_record(user, name, arguments, tools)) == []


@pytest.mark.parametrize(
    "user, name, arguments, tools, key",
    [
        ("What is AAPL trading at?", "get_stock_price", {"ticker": "AAPM"}, [PRICE], "ticker"),
        ("What's Apple trading at?", "get_stock_price", {"ticker": "MSFT"}, [PRICE], "ticker"),  # wrong alias
        (
            "Apple's price please",
            "get_stock_price",
            {"ticker": "AAPL", "currency": "EUR"},
            [PRICE],
            "currency",
        ),  # unrequested
        (
            "Flights from Oslo to Berlin tomorrow",
            "search_flights",
            {"origin": "Oslo", "destination": "Berlin", "date": "2026-11-25"},
            [FLIGHTS],
            "date",
        ),
        (
            "Flights from Oslo to Berlin for two adults",
            "search_flights",
            {"origin": "Oslo", "destination": "Berlin", "adults": 3},
            [FLIGHTS],
            "adults",
        ),
        (
            "Flights from Oslo to Berlin",
            "search_flights",
            {"origin": "Oslo", "destination": "Berlin", "max_price": 200},
            [FLIGHTS],
            "max_price",
        ),
        (
            "Flights from Oslo to Berlin",
            "search_flights",
            {"origin": "Berlin", "destination": "Oslo"},
            [FLIGHTS],
            "origin",
        ),
        (
            "Flights from San Francisco to Boston",
            "search_flights",
            {"origin": "Oakland", "destination": "Boston"},
            [FLIGHTS],
            "origin",
        ),
        (
            "Meeting 'Sync' tomorrow at 3pm",
            "create_event",
            {"title": "Sync", "start": "2026-11-24T16:00:00"},
            [EVENT],
            "start",
        ),
        ("Tell order 48213 hi", "send_message", {"recipient": "order 48218", "text": "hi"}, [MESSAGE], "recipient"),
    ],
)
def test_invented_values_fail_naming_the_argument(user, name, arguments, tools, key):
    issues = _issues(_record(user, name, arguments, tools))
    assert {issue.code for issue in issues} == {"ungrounded_value"}  # a swap names both ends
    assert issues[0].path.startswith(f"messages[1].tool_calls[0].function.arguments.{key}")


def test_values_said_after_the_call_do_not_count():
    later = [
        {"role": "tool", "tool_call_id": "aB3dE5gH7", "content": '{"price": 1}'},
        {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "Thanks, and TSLA?"},
    ]
    assert [
        i.code for i in _issues(_record("Price please", "get_stock_price", {"ticker": "TSLA"}, [PRICE], after=later))
    ] == ["ungrounded_value"]


def test_value_from_an_earlier_tool_result_and_earlier_turn_pass():
    before = [
        {"role": "user", "content": "Look up the ticker of Acme Robotics"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "Zy9Xw8Vu7",
                    "type": "function",
                    "function": {"name": "lookup_ticker", "arguments": {"company": "Acme Robotics"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "Zy9Xw8Vu7", "name": "lookup_ticker", "content": '{"ticker": "ACMR"}'},
        {"role": "assistant", "content": "It is ACMR."},
    ]
    assert (
        _issues(_record("and its price?", "get_stock_price", {"ticker": "ACMR"}, [PRICE, LOOKUP], before=before)) == []
    )


def _nested(second_arguments):
    messages = [
        {"role": "user", "content": "Find the ticker for Acme Robotics (people call it ACME) and get its price"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "Zy9Xw8Vu7",
                    "type": "function",
                    "function": {"name": "lookup_ticker", "arguments": {"company": "Acme Robotics"}},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "Zy9Xw8Vu7", "name": "lookup_ticker", "content": '{"ticker": "ACMR"}'},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "aB3dE5gH7",
                    "type": "function",
                    "function": {"name": "get_stock_price", "arguments": second_arguments},
                }
            ],
        },
    ]
    return parse_record(
        {"id": "n", "category": "nested", "tools": [PRICE, LOOKUP], "messages": messages, "meta": {"now": NOW}}
    )


def test_nested_call_must_use_the_earlier_result():
    assert _issues(_nested({"ticker": "ACMR"})) == []
    issues = _issues(_nested({"ticker": "ACME"}))
    assert [(i.code, i.path) for i in issues] == [("unused_tool_result", "messages[3].tool_calls")]


def test_aliases_come_from_options_only():
    record = _record("What's Nvidia trading at?", "get_stock_price", {"ticker": "NVDA"}, [PRICE])
    assert [i.code for i in _issues(record, GroundingOptions())] == ["ungrounded_value"]


def test_odd_arguments_do_not_crash():
    record = _record("hi there", "get_stock_price", "{not json", [PRICE])
    assert _issues(record) == []  # the format check reports the broken arguments
    assert _issues(_record("hi", "nope", {"x": {"y": [1, "z"]}}, [PRICE]))[0].path.endswith("arguments.x.y[0]")


def test_ungrounded_keys_for_a_request_alone():
    check, params = GroundingCheck(ALIASES), FLIGHTS["function"]["parameters"]
    arguments = {"origin": "Berlin", "destination": "Oslo", "adults": 3, "date": "2026-11-24"}
    assert check.ungrounded_keys(arguments, params, "Flights from Oslo to Berlin tomorrow for two adults", NOW) == [
        "origin",
        "destination",
        "adults",
    ]
    assert (
        check.ungrounded_keys({"origin": "LHR", "date": "2026-11-24"}, params, "Leaving Heathrow tomorrow", NOW) == []
    )
