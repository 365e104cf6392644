"""pipeline.surface: values said the way people say them, read back exactly, and grounded."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from filters.grounding import GroundingCheck, GroundingOptions
from pipeline.record import parse_record
from pipeline.surface import read, say, surface_forms

PARAMS = {
    "type": "object",
    "properties": {
        "ticker": {"type": "string", "x-aliases": {"NVDA": ["Nvidia"], "AAPL": ["Apple"]}},
        "day": {"type": "string", "format": "date", "x-when": "future"},
        "at": {"type": "string", "format": "date-time", "x-when": "future"},
        "start_time": {"type": "string", "format": "time"},
        "duration_minutes": {"type": "integer", "minimum": 5},
        "amount": {"type": "number"},
        "currency": {"type": "string", "enum": ["USD", "EUR", "GBP"]},
        "cabin_class": {"type": "string", "enum": ["economy", "premium_economy", "business"]},
        "party_size": {"type": "integer", "minimum": 1, "maximum": 20},
    },
}
NOW = "2026-11-23T10:00:00Z"
MOMENT = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)


def _grounded(arguments, request):
    record = parse_record(
        {
            "id": "r",
            "meta": {"now": NOW},
            "tools": [{"type": "function", "function": {"name": "quote", "parameters": PARAMS}}],
            "messages": [
                {"role": "user", "content": request},
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "aB3dE5gH7", "function": {"name": "quote", "arguments": arguments}}],
                },
            ],
        }
    )
    return GroundingCheck(GroundingOptions(aliases={"nvda": ["Nvidia"], "aapl": ["Apple"]}))(record)


def _values(rng):
    day = MOMENT.date() + timedelta(days=rng.randint(0, 90))
    return {
        "ticker": rng.choice(["NVDA", "AAPL"]),
        "day": day.isoformat(),
        "at": f"{day.isoformat()}T{rng.randint(7, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}:00Z",
        "start_time": f"{rng.randint(7, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}",
        "duration_minutes": rng.choice([15, 30, 45, 60, 90, 120, 180]),
        "amount": rng.choice([12.5, 45.0, 120.0, 1250.0, 89.99, 20000.0]),
        "currency": rng.choice(["USD", "EUR", "GBP"]),
        "cabin_class": rng.choice(["economy", "premium_economy", "business"]),
        "party_size": rng.randint(1, 12),
    }


@pytest.mark.parametrize("seed", range(60))
def test_every_spoken_form_reads_back_and_grounds(seed):
    rng = random.Random(seed)
    arguments = _values(rng)
    same, surface = surface_forms(arguments, PARAMS, NOW, 1.0, rng)
    assert same == arguments
    for key, spoken in surface.items():
        schema = PARAMS["properties"][key]
        if "x-aliases" not in schema:
            assert read(spoken, schema, MOMENT, key) == arguments[key], (key, spoken)
    assert "T" not in " ".join(surface.values()) and "_" not in " ".join(surface.values())
    for key in ("day", "at", "start_time", "cabin_class"):
        assert key in surface or key == "cabin_class" and "_" not in arguments[key], key  # no ISO, no snake_case
    request = "; ".join(f"{key.split('_')[0]} {surface.get(key, value)}" for key, value in arguments.items())
    assert _grounded(arguments, request) == [], request


def test_forms_people_use():
    rng = random.Random(0)
    say_day = lambda days: say(
        (MOMENT + timedelta(days=days)).date().isoformat(), PARAMS["properties"]["day"], "day", MOMENT, rng
    )
    assert say_day(1) == "tomorrow" and say_day(0) == "today"
    assert say_day(4).split()[-1] == "Friday"  # 2026-11-27 is a Friday
    assert say("19:30", {"type": "string", "format": "time"}, "t", MOMENT, rng) in ("7:30 pm", "7:30pm")
    assert say(90, PARAMS["properties"]["duration_minutes"], "duration_minutes", MOMENT, rng) in (
        "an hour and a half",
        "90 minutes",
    )
    assert say("premium_economy", PARAMS["properties"]["cabin_class"], "cabin_class", MOMENT, rng) == "premium economy"
    assert say(1250.0, {"type": "number"}, "amount", MOMENT, rng, siblings={"currency": "EUR"}) in (
        "1,250 euros",
        "€1,250",
    )


def test_rate_zero_keeps_dates_and_aliases_but_still_speaks_tokens():
    arguments = {"ticker": "NVDA", "day": "2026-12-01", "cabin_class": "premium_economy"}
    assert surface_forms(arguments, PARAMS, NOW, 0.0, random.Random(1)) == (
        arguments,
        {"cabin_class": "premium economy"},
    )
    said = sum(
        "ticker" in surface_forms({"ticker": "AAPL"}, PARAMS, NOW, 0.5, random.Random(seed))[1] for seed in range(400)
    )
    assert 160 <= said <= 240


def test_a_value_the_user_cannot_know_is_always_said_by_its_name():
    schema = {"type": "string", "x-user-knows": False, "x-aliases": {"hallway_thermostat": ["the hallway thermostat"]}}
    for seed in range(20):
        assert (
            say("hallway_thermostat", schema, "device_id", MOMENT, random.Random(seed), 0.0) == "the hallway thermostat"
        )


NESTED = {
    "type": "object",
    "$defs": {
        "traveller": {
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "date_of_birth": {"type": "string", "format": "date", "x-when": "past"},
                "seat": {"type": "string", "enum": ["window", "aisle", "no_preference"]},
            },
        }
    },
    "properties": {
        "passengers": {"type": "array", "items": {"$ref": "#/$defs/traveller"}},
        "actions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "device_id": {"type": "string", "x-aliases": {"porch_light": ["the porch light"]}},
                    "command": {"type": "string", "enum": ["turn_on", "turn_off"]},
                    "optional": {"type": "boolean"},
                },
            },
        },
    },
}


def test_values_inside_objects_and_lists_of_objects_are_said_as_people_say_them():
    arguments = {
        "passengers": [{"name": "Ana Ruiz", "date_of_birth": "1985-03-02", "seat": "no_preference"}],
        "actions": [{"device_id": "porch_light", "command": "turn_on", "optional": True}],
    }
    _, surface = surface_forms(arguments, NESTED, NOW, 1.0, random.Random(3))
    passengers, actions = json.loads(surface["passengers"]), json.loads(surface["actions"])
    traveller = NESTED["$defs"]["traveller"]["properties"]  # reached through the $ref
    assert passengers[0]["name"] == "Ana Ruiz" and passengers[0]["seat"] == "no preference"
    assert read(passengers[0]["date_of_birth"], traveller["date_of_birth"], MOMENT) == "1985-03-02"
    assert "1985-03-02" not in surface["passengers"]
    assert actions == [{"device_id": "the porch light", "command": "turn on", "optional": True}]
    plain = {"actions": [{"device_id": "Ana", "optional": False}]}  # nothing to say otherwise: no form at all
    assert surface_forms(plain, NESTED, NOW, 1.0, random.Random(3))[1] == {}
