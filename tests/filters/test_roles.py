"""filters.roles: declared x-* roles, what is inferred from names, and refused annotations."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from filters.roles import NO_DEFAULT, annotations_of, role_problems, roles_of, span_minutes

DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
NUMBER = {"type": "number"}
TEXT = {"type": "string"}


def _schema(**properties):
    return {"type": "object", "properties": properties, "required": list(properties)[:1]}


def test_declared_roles_are_read_and_not_marked_inferred():
    params = _schema(
        first={**DATE, "x-when": "future", "x-horizon": [1, 120]},
        last={
            "anyOf": [{**DATE}, {"type": "null"}],
            "default": None,
            "x-when": "future",
            "x-after": "first",
            "x-max-span": "30d",
        },
        budget={**NUMBER, "x-typical": [50, 400]},
        town={**TEXT, "x-entity": "city.name", "x-entity-key": "destination"},
    )
    roles = roles_of(params, "plan_trip")
    assert (roles["first"].when, roles["first"].horizon, roles["first"].inferred) == (
        "future",
        (1.0, 120.0),
        frozenset(),
    )
    last = roles["last"]
    assert (last.kind, last.when, last.after, last.max_span, last.strict) == ("date", "future", "first", "30d", True)
    assert last.nullable and last.default is None and not last.required
    assert roles["budget"].typical == (50.0, 400.0) and not roles["budget"].inferred
    assert (roles["town"].entity, roles["town"].entity_key) == ("city.name", "destination")
    assert roles["first"].required and roles["budget"].default is NO_DEFAULT


def test_a_declared_role_wins_over_the_inferred_one():
    role = roles_of(_schema(check_in={**DATE, "x-when": "any"}), "book_hotel")["check_in"]
    assert role.when == "any" and "when" not in role.inferred


def test_check_in_and_check_out_are_future_ordered_and_capped():
    roles = roles_of(_schema(check_in=DATE, check_out=DATE), "search_hotels")
    out = roles["check_out"]
    assert (roles["check_in"].when, out.when, out.after, out.strict, out.max_span) == (
        "future",
        "future",
        "check_in",
        True,
        "30d",
    )
    assert {"when", "after", "max_span"} <= out.inferred


@pytest.mark.parametrize(
    ("tool", "description", "when"),
    [
        ("get_stock_history", "Historical prices.", "past"),
        ("get_sleep_summary", "", "past"),
        ("log_workout", "", "past"),
        ("set_medication_reminder", "", "future"),
        ("book_doctor_appointment", "", "future"),
        ("list_events", "Lists events between two dates.", None),  # a listing may ask about any date
        ("get_energy_usage", "Electricity use over a date range.", None),
    ],
)
def test_date_time_roles_come_from_the_tool_words(tool, description, when):
    roles = roles_of(_schema(start_date=DATE, end_date=DATE), tool, description)
    assert roles["start_date"].when == roles["end_date"].when == when
    assert (roles["end_date"].after, roles["end_date"].strict) == ("start_date", False)  # an inclusive range


def test_name_words_decide_before_tool_words():
    roles = roles_of(
        _schema(deliver_at=DATETIME, scheduled_date=DATE, date_of_birth=DATE, open_at=DATETIME), "search_things"
    )
    assert roles["deliver_at"].when == "future" and roles["scheduled_date"].when == "future"
    assert roles["date_of_birth"].when == "past" and roles["date_of_birth"].horizon
    assert roles["open_at"].when is None


def test_start_end_date_times_are_strict_with_a_two_week_cap():
    roles = roles_of(_schema(new_start=DATETIME, new_end=DATETIME), "reschedule_event")
    end = roles["new_end"]
    assert (end.when, end.after, end.strict, end.max_span) == ("future", "new_start", True, "14d")


def test_departure_return_and_min_max_pairs():
    roles = roles_of(
        _schema(departure_date=DATE, return_date=DATE, min_price=NUMBER, max_price=NUMBER, max_stops=NUMBER),
        "search_flights",
    )
    assert (roles["return_date"].after, roles["return_date"].strict) == ("departure_date", False)
    assert (roles["max_price"].after, roles["max_price"].strict) == ("min_price", False)
    assert roles["max_stops"].after is None  # no min_stops sibling


def test_entities_from_names_top_level_nested_and_airports():
    address = {
        "type": "object",
        "properties": {"city": TEXT, "postal_code": TEXT, "country_code": TEXT, "street": TEXT},
    }
    params = {
        "type": "object",
        "$defs": {"address": address},
        "properties": {
            "origin": {**TEXT, "pattern": "^[A-Z]{3}$"},
            "destination": {**TEXT, "description": "IATA code of the arrival airport."},
            "city": TEXT,
            "region": TEXT,
            "email": TEXT,
            "shipping": {"anyOf": [{"$ref": "#/$defs/address"}, {"type": "null"}]},
            "count": {"type": "integer"},
        },
    }
    roles = roles_of(params, "anything")
    assert (roles["origin"].entity, roles["origin"].entity_key) == ("city.airport", "origin")
    assert (roles["destination"].entity, roles["destination"].entity_key) == ("city.airport", "destination")
    assert roles["city"].entity == "city.name" and roles["region"].entity == "city.state"
    assert roles["email"].entity == "person.email" and roles["count"].entity is None
    assert roles["shipping.city"].entity == "address.city"
    assert roles["shipping.postal_code"].entity == "address.postal_code"
    assert roles["shipping.country_code"].entity == "address.country_code"
    walk = roles_of(_schema(origin=TEXT, destination=TEXT), "get_directions")
    assert (walk["destination"].entity, walk["destination"].entity_key) == ("address.full", "destination")


def test_typical_ranges_of_well_known_amounts():
    assert roles_of(_schema(amount=NUMBER), "transfer_money").get("amount").typical == (10.0, 3000.0)
    assert roles_of(_schema(amount=NUMBER), "convert_currency")["amount"].typical is None
    assert roles_of(_schema(duration_minutes=NUMBER), "log_workout")["duration_minutes"].typical == (15.0, 100.0)
    assert roles_of(_schema(duration_minutes=NUMBER), "find_free_slots")["duration_minutes"].typical is None
    items = {"type": "array", "items": {"type": "object", "properties": {"quantity": {"type": "integer"}}}}
    assert roles_of(_schema(items=items), "place_order")["items[].quantity"].typical == (1.0, 5.0)
    assert roles_of(_schema(quantity=NUMBER), "place_stock_order")["quantity"].typical is None


def test_hh_mm_times_are_their_own_kind():
    clock = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
    roles = roles_of(_schema(start_time=clock, end_time={**clock, "x-after": "start_time", "x-max-span": "12h"}))
    assert roles["end_time"].kind == "time" and roles["end_time"].after == "start_time"
    assert span_minutes("12h") == 720 and span_minutes("90m") == 90 and span_minutes("soon") is None


@pytest.mark.parametrize(
    ("properties", "path", "words"),
    [
        ({"n": {**NUMBER, "x-when": "future"}}, "properties.n.x-when", "only a date"),
        ({"d": {**DATE, "x-when": "tomorrow"}}, "properties.d.x-when", "must be one of"),
        ({"d": {**DATE, "x-horizon": [10, 1]}}, "properties.d.x-horizon", "low <= high"),
        ({"d": {**DATE, "x-after": "start"}}, "properties.d.x-after", "not a sibling"),
        ({"s": NUMBER, "d": {**DATE, "x-after": "s"}}, "properties.d.x-after", "a number parameter"),
        ({"s": DATE, "d": {**DATE, "x-after": "s", "x-max-span": "a month"}}, "properties.d.x-max-span", '"30d"'),
        ({"s": NUMBER, "d": {**NUMBER, "x-after": "s", "x-max-span": "5d"}}, "properties.d.x-max-span", "number"),
        ({"d": {**DATE, "x-max-span": "3d"}}, "properties.d.x-max-span", "needs x-after"),
        ({"n": {**NUMBER, "x-typical": [5]}}, "properties.n.x-typical", "low <= high"),
        ({"n": {**NUMBER, "x-typical": ["1", "2"]}}, "properties.n.x-typical", "two numbers"),
        ({"t": {**TEXT, "x-typical": [1, 2]}}, "properties.t.x-typical", "only a number"),
        ({"t": {**TEXT, "x-entity": "city"}}, "properties.t.x-entity", "<kind>.<field>"),
        ({"t": {**TEXT, "x-entity-key": "origin"}}, "properties.t.x-entity-key", "beside an x-entity"),
        ({"t": {**TEXT, "x-count": "medication.times_per_day"}}, "properties.t.x-count", "only a list"),
        ({"l": {"type": "array", "x-count": "medication"}}, "properties.l.x-count", "<kind>.<field>"),
    ],
)
def test_role_problems_refuse_bad_annotations(properties, path, words):
    problems = role_problems({"type": "object", "properties": properties})
    assert [where for where, _ in problems] == [path]
    assert words in problems[0][1]


def test_role_problems_inside_nested_objects_and_nullable_branches():
    params = _schema(
        stay={
            "type": "object",
            "properties": {"a": DATE, "b": {"anyOf": [DATE, {"type": "null"}], "x-after": "c"}},
        }
    )
    assert role_problems(params) == [
        ("properties.stay.properties.b.x-after", "names 'c', which is not a sibling parameter")
    ]


def test_good_annotations_have_no_problems_and_are_collected():
    params = _schema(
        a={**DATE, "x-when": "past", "x-horizon": [-90, -1]},
        b={**DATE, "x-after": "a", "x-max-span": "30d"},
        lo=NUMBER,
        hi={**NUMBER, "x-after": "lo", "x-max-span": 500, "x-typical": [1, 10]},
        city={**TEXT, "x-entity": "city.name", "x-entity-key": "origin"},
    )
    assert role_problems(params) == []
    tools = [SimpleNamespace(name="a", parameters=params), SimpleNamespace(name="b", parameters=_schema(x=DATE))]
    assert annotations_of(tools) == {"a": params}


def test_annotations_inside_the_non_null_branch_of_a_nullable_any_of():
    params = _schema(due={"anyOf": [{**DATE, "x-when": "future", "x-horizon": [0, 30]}, {"type": "null"}]})
    role = roles_of(params)["due"]
    assert (role.kind, role.when, role.horizon, role.nullable, role.inferred) == (
        "date",
        "future",
        (0.0, 30.0),
        True,
        frozenset(),
    )
    bad = _schema(due={"anyOf": [{"type": "integer", "x-when": "past"}, {"type": "null"}]})
    assert [where for where, _ in role_problems(bad)] == ["properties.due.x-when"]
