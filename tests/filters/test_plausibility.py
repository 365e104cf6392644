"""filters.plausibility: the five codes, on inferred roles and on the seeds' annotations."""

from __future__ import annotations

import pytest

from filters.plausibility import PlausibilityCheck, PlausibilityOptions, _postal_matches
from pipeline.record import parse_record

NOW = "2026-11-23T10:00:00Z"
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
TEXT = {"type": "string"}
NUMBER = {"type": "number"}


def _tool(name, properties, description="", required=()):
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {"type": "object", "properties": properties, "required": list(required)},
        },
    }


HOTELS = _tool("search_hotels", {"city": TEXT, "check_in": DATE, "check_out": DATE})
HISTORY = _tool("get_stock_history", {"ticker": TEXT, "start_date": DATE, "end_date": DATE})
EVENT = _tool("create_event", {"title": TEXT, "start": DATETIME, "end": DATETIME})
ALERTS = _tool("get_weather_alerts", {"country_code": TEXT, "region": TEXT})
ADDRESS = {
    "type": "object",
    "properties": {"street": TEXT, "city": TEXT, "postal_code": TEXT, "country_code": TEXT},
}
ORDER = _tool(
    "place_order",
    {"shipping_address": ADDRESS, "total_amount": NUMBER},
    "Places an order for the items and ships it.",
)
TRANSFER = _tool("transfer_money", {"amount": NUMBER}, "Sends money to a bank account.")
ROUTE = _tool(
    "get_directions",
    {"origin": TEXT, "destination": TEXT, "mode": {"type": "string", "enum": ["driving", "walking", "cycling"]}},
)
FORECAST = _tool(
    "get_weather_forecast",
    {
        "location": TEXT,
        "include_hourly": {"type": "boolean", "default": False, "description": "Also return an hourly breakdown."},
        "units": {"anyOf": [TEXT, {"type": "null"}], "default": "metric"},
    },
)


def _record(tool, arguments, request="Please do it.", now=NOW):
    record = {
        "id": "r1",
        "category": "single",
        "tools": [tool],
        "messages": [
            {"role": "user", "content": request},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "abcdefgh1",
                        "type": "function",
                        "function": {"name": tool["function"]["name"], "arguments": arguments},
                    }
                ],
            },
        ],
        "meta": {"now": now} if now else {},
    }
    return parse_record(record)


def _issues(record, options=None):
    return [
        (i.code, i.path.removeprefix("messages[1].tool_calls[0].function.arguments."))
        for i in PlausibilityCheck(options)(record)
    ]


def test_hotel_next_month_passes_and_last_month_is_implausible():
    assert _issues(_record(HOTELS, {"city": "Lisbon", "check_in": "2026-12-14", "check_out": "2026-12-17"})) == []
    past = _record(HOTELS, {"city": "Lisbon", "check_in": "2026-10-14", "check_out": "2026-10-17"})
    assert _issues(past) == [("implausible_date", "check_in"), ("implausible_date", "check_out")]
    issue = PlausibilityCheck()(past)[0]
    assert issue.check == "plausibility" and "future date" in issue.message


def test_history_in_the_future_is_implausible_and_today_is_fine():
    assert _issues(_record(HISTORY, {"ticker": "NVDA", "start_date": "2026-10-01", "end_date": "2026-11-23"})) == []
    future = _record(HISTORY, {"ticker": "NVDA", "start_date": "2026-11-01", "end_date": "2026-12-31"})
    assert _issues(future) == [("implausible_date", "end_date")]


def test_time_rules_skip_without_meta_now():
    record = _record(HOTELS, {"city": "Lisbon", "check_in": "2020-10-14", "check_out": "2020-10-17"}, now=None)
    assert _issues(record) == []


def test_range_order_end_before_start_zero_nights_and_spans():
    assert _issues(_record(HOTELS, {"city": "Rome", "check_in": "2026-12-14", "check_out": "2026-12-11"})) == [
        ("range_order", "check_out")
    ]
    assert _issues(_record(HOTELS, {"city": "Rome", "check_in": "2026-12-14", "check_out": "2026-12-14"})) == [
        ("range_order", "check_out")
    ]
    assert _issues(_record(HOTELS, {"city": "Rome", "check_in": "2026-12-14", "check_out": "2027-03-14"})) == [
        ("range_order", "check_out")
    ]
    conference = {"title": "Summit", "start": "2026-12-02T09:00:00Z", "end": "2026-12-04T17:00:00Z"}
    assert _issues(_record(EVENT, conference)) == []  # a 3-day conference
    lunch = {"title": "Team lunch", "start": "2026-11-27T12:30:00Z", "end": "2026-12-30T13:30:00Z"}
    [issue] = PlausibilityCheck()(_record(EVENT, lunch))
    assert issue.code == "range_order" and "33" in issue.message and "14d" in issue.message
    # an inclusive date range may start and end on one day
    assert _issues(_record(HISTORY, {"ticker": "KO", "start_date": "2026-11-02", "end_date": "2026-11-02"})) == []


def test_min_max_numbers_may_be_equal_but_not_reversed():
    tool = _tool("search_products", {"min_price": NUMBER, "max_price": NUMBER})
    assert _issues(_record(tool, {"min_price": 50, "max_price": 50})) == []
    assert _issues(_record(tool, {"min_price": 120, "max_price": 50})) == [("range_order", "max_price")]


def test_inconsistent_region_city_postal_and_address():
    assert _issues(_record(ALERTS, {"country_code": "US", "region": "Florida"})) == []
    assert _issues(_record(ALERTS, {"country_code": "ES", "region": "Florida"})) == [("inconsistent_entity", "region")]
    paris = {"street": "15 Rue de Rivoli", "city": "Paris", "postal_code": "75001", "country_code": "FR"}
    assert _issues(_record(ORDER, {"shipping_address": paris, "total_amount": 64.9})) == []
    mumbai = {**paris, "city": "Mumbai", "postal_code": "D02 X285", "country_code": "IN"}
    assert _issues(_record(ORDER, {"shipping_address": mumbai, "total_amount": 64.9})) == [
        ("inconsistent_entity", "shipping_address.postal_code")
    ]
    cape_town = {"street": "1 Harbour St", "city": "Cape Town", "postal_code": "8001", "country_code": "JP"}
    codes = _issues(_record(ORDER, {"shipping_address": cape_town, "total_amount": 20}))
    assert ("inconsistent_entity", "shipping_address.city") in codes
    geocode = _tool("geocode_address", {"address": TEXT, "country_code": TEXT})
    assert _issues(_record(geocode, {"address": "Union Station, Chicago", "country_code": "US"})) == []
    assert _issues(_record(geocode, {"address": "Union Station, Chicago", "country_code": "GB"})) == [
        ("inconsistent_entity", "address")
    ]


def test_unknown_places_are_not_defects():
    town = {"street": "3 Mill Lane", "city": "Little Snoring", "postal_code": "NR21 0AA", "country_code": "GB"}
    assert _issues(_record(ORDER, {"shipping_address": town, "total_amount": 30})) == []
    assert _issues(_record(ALERTS, {"country_code": "ZZ", "region": "Florida"})) == []


def test_walking_between_cities_is_inconsistent_driving_only_across_an_ocean_flying_never():
    walk = {"origin": "King's Cross Station, London", "destination": "British Museum, London", "mode": "walking"}
    assert _issues(_record(ROUTE, walk)) == []
    far = {**walk, "destination": "Union Station, Chicago"}
    assert _issues(_record(ROUTE, far)) == [("inconsistent_entity", "destination")]
    # London said alone is London, England (not London, Ontario): no drive reaches Chicago from there
    assert _issues(_record(ROUTE, {**far, "mode": "driving"})) == [("inconsistent_entity", "destination")]
    assert _issues(_record(ROUTE, {**far, "origin": "London, Ontario", "mode": "driving"})) == []
    assert _issues(_record(ROUTE, {**far, "origin": "Milwaukee", "mode": "driving"})) == []
    flights = _tool("search_flights", {"origin": {**TEXT, "pattern": "^[A-Z]{3}$"}, "destination": TEXT})
    assert _issues(_record(flights, {"origin": "LHR", "destination": "JFK"})) == []


def test_airport_against_city_and_country():
    tool = _tool("book_transfer", {"airport": TEXT, "city": TEXT, "country_code": TEXT})
    assert _issues(_record(tool, {"airport": "LHR", "city": "London", "country_code": "GB"})) == []
    assert _issues(_record(tool, {"airport": "LHR", "city": "Chicago"})) == [("inconsistent_entity", "airport")]
    assert _issues(_record(tool, {"airport": "ORD", "country_code": "GB"})) == [("inconsistent_entity", "airport")]


def test_magnitude_far_outside_the_typical_range():
    assert _issues(_record(TRANSFER, {"amount": 400})) == []
    assert _issues(_record(TRANSFER, {"amount": 8999})) == []  # under 3 x 3000
    [issue] = PlausibilityCheck()(_record(TRANSFER, {"amount": 26139}))
    assert issue.code == "implausible_magnitude" and "3 x the typical high" in issue.message
    workout = _tool("log_workout", {"duration_minutes": NUMBER}, "Records a completed workout.")
    assert _issues(_record(workout, {"duration_minutes": 355})) == [("implausible_magnitude", "duration_minutes")]
    assert _issues(_record(workout, {"duration_minutes": 2})) == [("implausible_magnitude", "duration_minutes")]


def test_a_device_switched_off_with_a_level_is_contradictory():
    text, flag = {"type": "string"}, {"type": "boolean"}
    light = _tool("set_light", {"power": text, "brightness": NUMBER, "fade_seconds": NUMBER}, "Sets a light.")
    assert _issues(_record(light, {"power": "off", "fade_seconds": 3})) == []  # a fade is no level
    assert _issues(_record(light, {"power": "on", "brightness": 30})) == []
    assert _issues(_record(light, {"power": "OFF", "brightness": 30})) == [("contradictory_arguments", "brightness")]
    assert _issues(_record(light, {"power": "off", "brightness": None})) == []  # a null sets nothing
    plug = _tool("set_plug", {"power": flag, "level": NUMBER}, "Sets a plug.")
    assert _issues(_record(plug, {"power": False, "level": 2})) == [("contradictory_arguments", "level")]
    scene = _tool("set_scene", {"rooms": {"type": "array"}}, "Sets rooms.")
    rooms = [{"mode": "off", "target_celsius": 21}, {"mode": "heat", "target_celsius": 21}]
    assert _issues(_record(scene, {"rooms": rooms})) == [("contradictory_arguments", "rooms[0].target_celsius")]
    phone = _tool("set_phone", {"dnd_mode": text, "volume": NUMBER}, "Sets the phone.")
    assert _issues(_record(phone, {"dnd_mode": "off", "volume": 5})) == []  # not the device's own switch


def test_flags_nobody_asked_for():
    assert _issues(_record(FORECAST, {"location": "Oslo"}, "Forecast for Oslo")) == []
    assert _issues(_record(FORECAST, {"location": "Oslo", "include_hourly": True}, "Forecast for Oslo")) == [
        ("ungrounded_flag", "include_hourly")
    ]
    asked = _record(FORECAST, {"location": "Oslo", "include_hourly": True}, "Hour-by-hour forecast for Oslo")
    assert _issues(asked) == []
    assert _issues(_record(FORECAST, {"location": "Oslo", "include_hourly": False}, "Forecast for Oslo")) == []
    assert _issues(_record(FORECAST, {"location": "Oslo", "units": None}, "Forecast for Oslo")) == [
        ("ungrounded_flag", "units")
    ]


def test_required_boolean_needs_a_mention_unless_the_tool_name_implies_it():
    tool = _tool("set_mute", {"muted": {"type": "boolean"}, "notify": {"type": "boolean"}}, required=["muted"])
    [issue] = PlausibilityCheck()(_record(tool, {"muted": True, "notify": True}, "Silence the TV"))
    assert issue.code == "ungrounded_flag" and issue.path.endswith("notify") and "not the default" in issue.message
    required = _tool("share", {"public": {"type": "boolean"}}, required=["public"])
    [issue] = PlausibilityCheck()(_record(required, {"public": True}, "Share my photo album"))
    assert "required" in issue.message
    assert _issues(_record(required, {"public": True}, "Share my photo album with everyone")) == []
    implied = _tool("set_public", {"public": {"type": "boolean"}})
    assert _issues(_record(implied, {"public": True}, "Do it for album 7")) == []


def test_annotations_in_options_drive_the_rules():
    """Names that infer nothing: only the seeds' x-* keys (options) give the roles."""
    plain = {"a": DATE, "b": DATE, "n": NUMBER, "place": TEXT, "nation": TEXT}
    annotated = {name: dict(schema) for name, schema in plain.items()}
    annotated["a"]["x-when"] = "future"
    annotated["b"].update({"x-after": "a", "x-max-span": "2d"})
    annotated["n"]["x-typical"] = [1, 10]
    annotated["place"]["x-entity"] = "city.name"
    annotated["nation"]["x-entity"] = "city.country_code"
    tool = _tool("do_thing", plain)
    arguments = {"a": "2026-11-01", "b": "2026-11-09", "n": 31, "place": "Cape Town", "nation": "JP"}
    record = _record(tool, arguments)
    assert _issues(record) == []
    options = PlausibilityOptions(annotations={"do_thing": {"type": "object", "properties": annotated}})
    assert sorted(_issues(record, options)) == [
        ("implausible_date", "a"),
        ("implausible_magnitude", "n"),
        ("inconsistent_entity", "place"),
        ("range_order", "b"),
    ]


def test_malformed_arguments_and_unknown_tools_are_left_to_other_checks():
    record = _record(HOTELS, {"city": "Rome"})
    record.messages[1].tool_calls[0].function.arguments = "not json"
    assert PlausibilityCheck()(record) == []
    record.messages[1].tool_calls[0].function.name = "nope"
    assert PlausibilityCheck()(record) == []


@pytest.mark.parametrize(("pattern", "value", "ok"), [(r"^(\d{4})$", "8001", True), (r"^(?=\d)\d{4}$", "80a1", False)])
def test_postal_patterns_by_re2_with_a_fallback(pattern, value, ok):
    assert _postal_matches(pattern, value) is ok


def test_a_value_shared_by_both_ends_is_reported_once():
    tool = _tool("plan_route", {"origin": TEXT, "destination": TEXT, "country_code": TEXT, "region": TEXT})
    arguments = {"origin": "Ferry Building", "destination": "Coit Tower", "country_code": "ES", "region": "Florida"}
    assert _issues(_record(tool, arguments)) == [("inconsistent_entity", "region")]
