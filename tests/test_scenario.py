"""pipeline.scenario and pipeline.seeds.entities: one situation per task, whole rows, roles kept."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timezone

import pytest

from pipeline.errors import InputError
from pipeline.sampler import ArgumentSampler
from pipeline.scenario import Scenario
from pipeline.seeds.entities import load_entities

NOW = datetime(2026, 12, 3, 10, tzinfo=timezone.utc)


@pytest.fixture()
def tables(tmp_path):
    files = {
        "city": [
            {"name": "Lisbon", "country_code": "PT"},
            {"name": "Chicago", "country_code": "US"},
            {"name": "Osaka", "country_code": "JP"},
            {"name": "Toronto", "country_code": "CA"},
        ],
        "person": [
            {"name": f"Person {i}", "email": f"person{i}@example.org", "phone": f"+1555000{i:04d}"} for i in range(6)
        ],
        "persona": [
            {
                "id": "p1",
                "name": "Ana Costa",
                "first_name": "Ana",
                "email": "ana.costa@example.pt",
                "phone": "+351 912 345 678",
                "home_city": "Lisbon",
                "country_code": "PT",
                "about": "a teacher in Lisbon",
            }
        ],
        "place": [
            {"name": "Navy Pier", "city": "Chicago", "country_code": "US"},
            {"name": "Union Station", "city": "Chicago", "country_code": "US"},
            {"name": "Millennium Park", "city": "Chicago", "country_code": "US"},
            {"name": "Belem Tower", "city": "Lisbon", "country_code": "PT"},
            {"name": "Rossio Square", "city": "Lisbon", "country_code": "PT"},
        ],
    }
    for kind, rows in files.items():
        (tmp_path / f"{kind}.json").write_text(json.dumps({"kind": kind, "rows": rows}))
    return load_entities(tmp_path)


def test_city_rows_gain_what_the_gazetteer_knows(tables):
    chicago = next(row for row in tables["city"] if row["name"] == "Chicago")
    assert chicago["display"] == "Chicago, IL" and chicago["state"] == "Illinois" and chicago["currency"] == "USD"
    assert chicago["airport"] in chicago["airports"] and "ORD" in chicago["airports"]
    assert next(row for row in tables["city"] if row["name"] == "Lisbon")["timezone"] == "Europe/Lisbon"


def test_an_unknown_city_or_a_bad_table_is_a_one_line_error(tmp_path):
    (tmp_path / "city.json").write_text(
        json.dumps({"kind": "city", "rows": [{"name": "Atlantis", "country_code": "GR"}]})
    )
    with pytest.raises(InputError, match=r"city.json: rows\[0\]: 'Atlantis' in 'GR' is not in the gazetteer"):
        load_entities(tmp_path)
    (tmp_path / "city.json").write_text(json.dumps({"rows": []}))
    with pytest.raises(InputError, match="city.json: expected"):
        load_entities(tmp_path)


PARAMETERS = {
    "type": "object",
    "properties": {
        "origin": {"type": "string", "pattern": "^[A-Z]{3}$", "x-entity": "city.airport", "x-entity-key": "origin"},
        "destination": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "x-entity": "city.airport",
            "x-entity-key": "destination",
        },
        "city": {"type": "string", "x-entity": "city.name", "x-entity-key": "destination"},
        "guest": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "x-entity": "person.name", "x-entity-key": "guest"},
                "email": {"type": "string", "format": "email", "x-entity": "person.email", "x-entity-key": "guest"},
            },
            "required": ["name", "email"],
        },
        "contact_email": {"type": "string", "x-entity": "person.email", "x-entity-key": "user"},
        "check_in": {"type": "string", "format": "date", "x-when": "future", "x-horizon": [3, 90]},
        "check_out": {
            "type": "string",
            "format": "date",
            "x-when": "future",
            "x-after": "check_in",
            "x-max-span": "14d",
        },
        "history_start": {"type": "string", "format": "date", "x-when": "past", "x-horizon": [-60, -2]},
        "history_end": {
            "type": "string",
            "format": "date",
            "x-when": "past",
            "x-after": "history_start",
            "x-max-span": "30d",
        },
        "party_size": {"type": "integer", "minimum": 1, "maximum": 50, "x-typical": [1, 8]},
        "amount": {"type": "number", "minimum": 1, "maximum": 1000000, "x-typical": [20, 2000]},
    },
    "required": [
        "origin",
        "destination",
        "city",
        "guest",
        "contact_email",
        "check_in",
        "check_out",
        "history_start",
        "history_end",
        "party_size",
        "amount",
    ],
}


def _draw(tables, seed, parameters=PARAMETERS):
    scenario = Scenario(random.Random(seed), NOW, tables)
    return ArgumentSampler(random.Random(seed), NOW, 0.0, scenario).arguments(parameters), scenario


def test_values_come_from_one_scenario(tables):
    by_airport = {code: row for row in tables["city"] for code in row["airports"]}
    for seed in range(40):
        arguments, scenario = _draw(tables, seed)
        assert arguments["origin"] != arguments["destination"]
        assert by_airport[arguments["destination"]]["name"] == arguments["city"]  # the hotel is where the flight goes
        name, email = arguments["guest"]["name"], arguments["guest"]["email"]
        assert email == f"person{name.split()[-1]}@example.org"  # one person's name and e-mail
        assert arguments["contact_email"] == "ana.costa@example.pt"  # "user": the persona
        assert scenario.describe()["persona"]["name"] == "Ana Costa"


def test_time_roles_ranges_and_typical_magnitudes(tables):
    sizes, amounts = [], []
    for seed in range(200):
        arguments, _ = _draw(tables, seed)
        check_in, check_out = date.fromisoformat(arguments["check_in"]), date.fromisoformat(arguments["check_out"])
        assert 3 <= (check_in - NOW.date()).days <= 90 and 1 <= (check_out - check_in).days <= 14
        start, end = date.fromisoformat(arguments["history_start"]), date.fromisoformat(arguments["history_end"])
        assert start < end <= NOW.date()
        sizes.append(arguments["party_size"])
        amounts.append(arguments["amount"])
    assert all(1 <= s <= 8 for s in sizes) and all(20 <= a <= 2000 for a in amounts)
    assert sorted(amounts)[100] < 500  # log-uniform: the median is a few hundred, not 1,000
    assert all(a == int(a) or a * 2 == int(a * 2) for a in amounts)  # amounts as people write them


def test_a_walk_stays_in_one_city(tables):
    parameters = {
        "type": "object",
        "properties": {
            "origin": {"type": "string", "x-entity": "place.name", "x-entity-key": "origin"},
            "destination": {"type": "string", "x-entity": "place.name", "x-entity-key": "destination"},
        },
        "required": ["origin", "destination"],
    }
    city_of = {row["name"]: row["city"] for row in tables["place"]}
    for seed in range(40):
        arguments, _ = _draw(tables, seed, parameters)
        assert arguments["origin"] != arguments["destination"]
        assert city_of[arguments["origin"]] == city_of[arguments["destination"]]


def test_every_route_of_a_task_stays_in_its_city_when_the_city_has_few_places(tables):
    """Three routes in a city of two or three places: a later route takes one of its places again
    (never its own other end) rather than a place in another country."""
    city_of = {row["name"]: row["city"] for row in tables["place"]}
    for seed in range(40):
        scenario = Scenario(random.Random(seed), NOW, tables)
        ends = ("origin", "destination")
        routes = [[scenario.value("place", f"{end}{suffix}", "name") for end in ends] for suffix in ("", "#1", "#2")]
        assert len({city_of[name] for route in routes for name in route}) == 1, routes
        assert all(origin != destination for origin, destination in routes), routes


def test_a_followup_keeps_every_constraint(tables):
    for seed in range(40):
        arguments, scenario = _draw(tables, seed)
        sampler = ArgumentSampler(random.Random(seed), NOW, 0.0, scenario, "followup")
        moved, changed = sampler.redraw(PARAMETERS, arguments, ["check_in"])
        assert moved["check_in"] != arguments["check_in"] and {"check_in", "check_out"} <= set(changed)
        assert 1 <= (date.fromisoformat(moved["check_out"]) - date.fromisoformat(moved["check_in"])).days <= 14
        assert moved["origin"] == arguments["origin"]  # what did not change stays
        moved, changed = sampler.redraw(PARAMETERS, arguments, ["guest"])
        assert moved["guest"]["email"].startswith(f"person{moved['guest']['name'].split()[-1]}")


def test_the_same_seed_gives_the_same_scenario(tables):
    assert _draw(tables, 7)[0] == _draw(tables, 7)[0]
    assert len({json.dumps(_draw(tables, seed)[0], sort_keys=True) for seed in range(20)}) == 20


def test_bindings_are_checked_and_ids_learn_their_names(tables):
    from pipeline.seeds.entities import bind_entities

    tables = {**tables, "device": [{"id": "kitchen_lights", "name": "the kitchen lights", "type": "light"}]}
    parameters = {"type": "object", "properties": {"device_id": {"type": "string", "x-entity": "device.id"}}}
    bind_entities(parameters, tables, "home.json", "tools[0]")
    assert parameters["properties"]["device_id"]["x-aliases"] == {"kitchen_lights": ["the kitchen lights"]}
    for bound, kind, message in (
        ("robot.id", "string", r"no entity table of kind 'robot'"),
        ("device.serial", "string", r"device rows have no field 'serial'"),
        ("city.lat", "string", r"gives number values to a string parameter"),
    ):
        parameters = {"type": "object", "properties": {"x": {"type": kind, "x-entity": bound}}}
        with pytest.raises(InputError, match=message) as error:
            bind_entities(parameters, tables, "home.json", "tools[0]")
        assert str(error.value).startswith("home.json: tools[0].parameters.properties.x.x-entity: ")
    counted = {"type": "object", "properties": {"times": {"type": "array", "x-count": "device.doses"}}}
    with pytest.raises(InputError, match=r"x-count 'device.doses': no device row has a whole number 'doses'"):
        bind_entities(counted, tables, "home.json", "tools[0]")


def test_no_country_crowds_out_the_personas_or_the_places():
    """6 of the 81 personas and 44 of the 206 cities are in the US: persona countries are drawn
    evenly, cities with a country's weight growing as the square root of its rows."""
    from collections import Counter

    from pipeline.seeds.entities import bundled_entities

    tables = bundled_entities()
    personas, cities = Counter(), Counter()
    for seed in range(2000):
        scenario = Scenario(random.Random(seed), NOW, tables)
        personas[scenario.persona["country_code"]] += 1
        cities[scenario.entity("city", "destination", ["name"])["country_code"]] += 1
    assert max(personas.values()) / 2000 <= 0.05, personas.most_common(3)
    assert max(cities.values()) / 2000 <= 0.10, cities.most_common(3)
    assert len(cities) >= 40


def test_a_description_example_does_not_narrow_the_kind_of_device():
    """ "Device identifier, e.g. dining_room_lights." asks about any device (it drew only lights);
    "Light identifier" still means the lights."""
    from pipeline.seeds.entities import bundled_entities

    tables = bundled_entities()
    scenario = Scenario(random.Random(0), NOW, tables)
    assert scenario.typed("device", "device", "Device identifier, e.g. dining_room_lights.") == ("device", set())
    assert scenario.typed("device", "device", "Light identifier, e.g. dining_room_lights.")[1] == {"lights"}
    assert scenario.typed("device", "device", "Lock identifier, e.g. cellar_door_lock.")[1] == {"lock"}


def test_a_row_drawn_for_several_fields_does_not_depend_on_their_order():
    """The fields of `prepare` come from a set, whose order changes with the process's hash seed:
    the draw may not (a resumed run wrote another routine than the uninterrupted one)."""
    from pipeline.seeds.entities import bundled_entities

    tables = bundled_entities()
    one, two = Scenario(random.Random(5), NOW, tables), Scenario(random.Random(5), NOW, tables)
    for seed in range(30):
        one.prepare("device_action", f"action{seed}", ["id", "command"])
        two.prepare("device_action", f"action{seed}", ["command", "id"])
    assert one.chosen == two.chosen
