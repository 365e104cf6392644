"""The bundled seeds plan coherent calls: values of one call that must agree with each other do
(a thermostat's mode and its target, a saved place and its list, a reminder's times and its dose
frequency)."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from pipeline.config import RunConfig, TeacherConfig
from pipeline.plan import Planner
from pipeline.scenario import Scenario
from pipeline.seeds import load_tools
from pipeline.seeds.entities import bundled_entities

NOW = datetime(2026, 5, 14, 9, 30, tzinfo=timezone.utc)
TABLES = bundled_entities()


@pytest.fixture(scope="module")
def planner():
    config = RunConfig(mode="blueprint", optional_rate=1.0, teacher=TeacherConfig(base_url="http://x", model="m"))
    return Planner(config, load_tools(), [], [])


def _draws(planner, name: str, count: int = 300):
    """`count` planned calls of `name`, each in its own scenario."""
    for index in range(count):
        scenario = Scenario(random.Random(index), NOW, TABLES)
        yield scenario, planner.draw(name, scenario, random.Random(10_000 + index))["arguments"]


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def test_a_thermostat_is_never_set_off_with_a_target_and_its_target_fits_the_mode(planner):
    fits = {"heat": (18, 24), "cool": (20, 27), "auto": (18, 25), "eco": (15, 20)}
    modes = set()
    for _, arguments in _draws(planner, "set_thermostat"):
        mode = arguments.get("mode", "auto")
        modes.add(mode)
        assert mode != "off", arguments  # target_celsius is required: "off" with a target is no request
        low, high = fits[mode]
        assert low <= arguments["target_celsius"] <= high, arguments
    assert {"heat", "cool", "auto"} <= modes


def test_a_place_is_saved_to_a_list_that_fits_it(planner):
    rows = {row["name"]: row for row in TABLES["address"] if row.get("name")}
    food = {"Sushi", "Ramen", "Tacos", "Bakeries", "Coffee spots", "Brunch", "Cheap eats", "Libraries", "Bookshops"}
    for _, arguments in _draws(planner, "save_place"):
        row = rows[arguments["name"]]
        assert arguments["list_name"] in row["lists"], arguments
        if any(word in row["name"] for word in ("Museum", "Palace", "Castle", "Cathedral", "Tower", "Temple")):
            assert arguments["list_name"] not in food, arguments
    neutral = {"Want to go", "Favorites", "Been there", "Must revisit", "Recommended by friends", "Starred places"}
    for row in rows.values():  # a neutral list fits every place, beside (more of) the ones of its kind
        assert 1 <= len(neutral & set(row["lists"])) < len(set(row["lists"]) - neutral), row["name"]


def test_a_medication_reminder_has_its_dose_frequency_of_times_in_order_and_spaced(planner):
    per_day = {row["name"]: row["times_per_day"] for row in TABLES["medication"]}
    sizes = set()
    for _, arguments in _draws(planner, "set_medication_reminder"):
        times = [_minutes(t) for t in arguments["times"]]
        assert len(times) == per_day[arguments["medication_name"]], arguments
        sizes.add(len(times))
        assert times == sorted(times), arguments
        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        assert all(gap >= min(9 * 60, 15 * 60 // len(times)) for gap in gaps), arguments
    assert sizes >= {1, 2, 3, 4}


def test_a_follow_up_that_changes_the_mode_moves_the_target_with_it(planner):
    """ "Same as before, but cool": the target comes from the new mode's row too (16 C on cool was
    kept from an eco draw, since only arguments of the same entity field moved along)."""
    fits = {"heat": (18, 24), "cool": (20, 27), "auto": (18, 25), "eco": (15, 20)}
    parameters = planner.catalog["set_thermostat"].parameters
    for scenario, arguments in _draws(planner, "set_thermostat", 100):
        sampler = planner.sampler(scenario, random.Random(7))
        changed, keys = sampler.redraw(parameters, arguments, ["mode"])
        low, high = fits[changed["mode"]]
        assert low <= changed["target_celsius"] <= high, (arguments, changed)


def test_a_light_turned_off_takes_no_brightness_or_colour(planner):
    offs = 0
    for _, arguments in _draws(planner, "set_light_state"):
        if arguments["power"] == "off":
            offs += 1
            assert arguments.get("brightness") is None and arguments.get("color_hex") is None, arguments
    assert offs > 50
