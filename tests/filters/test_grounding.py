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


def _tool(name, **properties):
    """A tool whose parameters are (type, description) pairs."""
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {
                "type": "object",
                "properties": {key: {"type": kind, "description": text} for key, (kind, text) in properties.items()},
            },
        },
    }


TRIP = _tool(
    "plan_trip",
    origin=("string", "IATA code of the departure airport"),
    destination=("string", "IATA code of the arrival airport"),
    location=("string", "City and state, e.g. Austin, TX"),
    timezone=("string", "IANA time zone"),
    currency=("string", "ISO 4217 currency code"),
    country=("string", "ISO 3166-1 alpha-2 country code"),
    language=("string", "ISO 639-1 language code"),
    note=("string", "Anything else"),
    day=("string", "Date as MM/DD/YYYY"),
    year=("integer", "Calendar year"),
    sides=("integer", "Number of sides on each die"),
    offset=("integer", "Number of items to skip"),
    page=("integer", "Page number"),
    count=("integer", "How many results. Default is 10."),
)


@pytest.mark.parametrize(
    "user, arguments, kind",
    [
        ("Fly me from New York to London", {"origin": "JFK", "destination": "LHR"}, "gazetteer"),
        ("Fly me from New York to London", {"origin": "EWR", "destination": "LGW"}, "gazetteer"),
        ("From Gatwick to Paris", {"origin": "LGW", "destination": "CDG"}, "gazetteer"),  # an airport by name
        ("weather in Seattle", {"location": "Seattle, WA"}, "gazetteer"),
        ("weather in Paris", {"location": "Paris, France"}, "gazetteer"),
        ("what time is it in Paris", {"timezone": "Europe/Paris"}, "gazetteer"),
        ("prices in Tokyo", {"currency": "JPY"}, "gazetteer"),
        ("holidays in Germany", {"country": "DE"}, "gazetteer"),
        ("news from Rome", {"country": "it"}, "gazetteer"),
        ("something in Spanish", {"language": "es"}, "synonym"),
        ("pay in yen", {"currency": "JPY"}, "synonym"),
        ("on May 12", {"day": "05/12/2027"}, "date"),
        ("the 3rd of December", {"day": "12/03/2026"}, "date"),
        ("on Christmas Eve", {"day": "12/24/2026"}, "date"),
        ("holidays this year", {"year": 2026}, "date"),
        ("roll two dice", {"sides": 6}, "constant"),
        ("show the first 50 items", {"offset": 0}, "default"),
        ("show items", {"page": 1}, "default"),
        ("show items", {"count": 10}, "default"),
    ],
)
def test_what_people_know_grounds_a_value_in_a_parameter_it_fits(user, arguments, kind):
    record = _record(user, "plan_trip", arguments, [TRIP])
    assert _issues(record) == []
    assert set(GroundingCheck(ALIASES).kinds(record).values()) == {kind}


@pytest.mark.parametrize(
    "user, arguments, key",
    [
        ("Fly me from New York to London", {"origin": "JFK", "destination": "CDG"}, "destination"),  # Paris's
        ("Fly me from Paris to New York", {"origin": "JFK", "destination": "CDG"}, "origin"),  # swapped
        ("Fly from Los Angeles to Tokyo Narita", {"origin": "LAX", "destination": "HND"}, "destination"),
        ("Fly John to London", {"origin": "JFK", "destination": "LHR"}, "origin"),  # John is no airport
        ("weather in Seattle", {"location": "Seattle, OR"}, "location"),  # not its state
        ("weather in Paris", {"location": "Lyon, France"}, "location"),  # a city nobody said
        ("what time is it in Paris", {"timezone": "Europe/Berlin"}, "timezone"),
        ("prices in Tokyo", {"currency": "CNY"}, "currency"),
        ("prices in Tokyo", {"note": "JPY"}, "note"),  # a currency, but not in a currency parameter
        ("trip to Paris", {"language": "fr"}, "language"),  # a country is not its language
        ("trip to Paris", {"country": "BE"}, "country"),
        ("on May 12", {"day": "05/13/2027"}, "day"),
        ("holidays", {"year": 2024}, "year"),
        ("roll two dice", {"sides": 8}, "sides"),
        ("toss a ball", {"sides": 6}, "sides"),  # no die said
        ("show the first 50 items", {"offset": 10}, "offset"),
        ("show items", {"count": 15}, "count"),
    ],
)
def test_what_people_know_does_not_ground_anything_else(user, arguments, key):
    issues = _issues(_record(user, "plan_trip", arguments, [TRIP]))
    assert issues and {i.code for i in issues} == {"ungrounded_value"}
    assert any(i.path.endswith(f"arguments.{key}") for i in issues)


def test_kinds_name_every_grounded_argument_by_its_path():
    record = _record(
        "Nvidia's price in euros please", "get_stock_price", {"ticker": "NVDA", "currency": "EUR"}, [PRICE]
    )
    path = "messages[1].tool_calls[0].function.arguments"
    assert GroundingCheck(ALIASES).kinds(record) == {f"{path}.ticker": "alias", f"{path}.currency": "synonym"}
    bad = _record("Apple's price", "get_stock_price", {"ticker": "MSFT"}, [PRICE])
    assert GroundingCheck(ALIASES).kinds(bad) == {}  # an argument nobody grounds has no kind


def test_an_optional_year_nobody_asked_for_is_not_implied():
    optional = _tool("get_gdp", country=("string", "Country name"), year=("integer", "Year of the figure"))
    required = {
        **optional,
        "function": {
            **optional["function"],
            "parameters": {**optional["function"]["parameters"], "required": ["year"]},
        },
    }
    assert _issues(_record("GDP of France", "get_gdp", {"country": "France", "year": 2026}, [required])) == []
    assert _issues(_record("GDP of France this year", "get_gdp", {"country": "France", "year": 2026}, [optional])) == []
    issues = _issues(_record("GDP of France", "get_gdp", {"country": "France", "year": 2026}, [optional]))
    assert [i.path.rsplit(".", 1)[-1] for i in issues] == ["year"]
