"""The fake teacher's simulator (tests/echo_categories.py): where it puts the places of a result."""

from __future__ import annotations

import json

from tests import echo_categories


def _simulate(tool: str, arguments: dict, home: str) -> dict:
    """The fake's simulated result of `tool(arguments)` for a user who lives in `home`."""
    body = {
        "messages": [
            {"role": "system", "content": f"You simulate the tool. The user lives in {home}: a place the ..."},
            {"role": "user", "content": f"Tool: {tool}\nArguments: {json.dumps(arguments)}"},
        ],
        "seed": 3,
    }
    return json.loads(echo_categories.answer(body))


def _cities(result: dict) -> set[str]:
    return {place["address"].rsplit(", ", 1)[1] for place in result["places"] if ", " in place["address"]}


def test_places_around_coordinates_are_not_moved_to_the_home_city():
    seoul = {"location": {"latitude": 37.5796, "longitude": 126.977}, "category": "cafe"}
    result = _simulate("search_nearby_places", seoul, "Lisbon")
    assert result["places"] and "Lisbon" not in _cities(result)
    assert _cities(result) <= {"Seoul"}


def test_places_the_call_does_not_locate_are_near_home():
    result = _simulate("search_nearby_places", {"category": "cafe"}, "Lisbon")
    assert _cities(result) <= {"Lisbon"}
