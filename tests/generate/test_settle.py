"""generate/settle.py: a made-up result changed so the request's rule picks exactly one item."""

import random

from filters.chain import selected_value
from pipeline.generate.settle import settle


def _link(rule, items="devices[*]", value="device_id"):
    return {"items": items, "value": value, "select": rule, "output": f"{items}.{value}"}


DEVICES = {
    "devices": [
        {"device_id": "garage_door", "device_type": "lock", "name": "Garage door"},
        {"device_id": "porch_light", "device_type": "lights", "name": "Porch light"},
        {"device_id": "hall_lamp", "device_type": "lights", "name": "Hall lamp"},
    ]
}


def test_a_missing_thermostat_is_given_to_one_device_and_two_lights_become_one():
    thermostat = _link({"rule": "where", "field": "device_type", "value": "thermostat"})
    lights = _link({"rule": "where", "field": "device_type", "value": "lights"})
    settled = settle(DEVICES, [thermostat, lights], random.Random(1))
    assert selected_value(settled, thermostat)[0] and selected_value(settled, lights)[0]
    assert DEVICES["devices"][2]["device_type"] == "lights"  # the input is not changed in place


def test_a_tie_for_the_cheapest_is_broken_and_the_first_of_the_tie_stays_cheapest():
    offers = {"offers": [{"id": "A", "price": 500.0}, {"id": "B", "price": 450.0}, {"id": "C", "price": 450.0}]}
    link = _link({"rule": "cheapest", "field": "price"}, "offers[*]", "id")
    settled = settle(offers, [link], random.Random(0))
    assert selected_value(settled, link) == (["B"], "")
    assert settled["offers"][2]["price"] > 450.0


def test_a_result_the_rule_already_picks_from_is_unchanged():
    link = _link({"rule": "matching", "field": "name", "value": "Porch light"})
    assert settle(DEVICES, [link], random.Random(0)) == DEVICES
    first = _link({"rule": "first"})
    assert settle(DEVICES, [first], random.Random(0)) == DEVICES
