"""How a blueprint request names its values: as given, by an alias, or as a relative date.

At `rate`, a string value with seed aliases (`x-aliases`, e.g. NVDA -> "Nvidia") is phrased by
an alias, and a call's only `date` value is moved to a date near `now` and phrased relative to
it ("tomorrow", "two weeks ago"), so the data teaches mapping what users say to what tools
take, not copying. Grounding accepts both (filters.grounding: aliases, relative dates).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

RELATIVE_DATES = [
    (0, "today"),
    (1, "tomorrow"),
    (2, "the day after tomorrow"),
    (3, "in 3 days"),
    (5, "in five days"),
    (7, "a week from today"),
    (14, "in two weeks"),
    (-1, "yesterday"),
    (-7, "a week ago"),
    (-14, "two weeks ago"),
]


def surface_forms(
    arguments: dict[str, Any], parameters: dict[str, Any], now: str, rate: float, rng: random.Random
) -> tuple[dict[str, Any], dict[str, str]]:
    """(arguments, {argument: how the request should say it}); a relative date changes the value."""
    properties = parameters.get("properties") or {}
    arguments, surface = dict(arguments), {}
    for key, value in arguments.items():
        aliases = (properties.get(key) or {}).get("x-aliases") or {}
        names = aliases.get(value) if isinstance(value, str) else None
        if names and rng.random() < rate:
            surface[key] = rng.choice(names)
    dates = [
        key
        for key, value in arguments.items()
        if (properties.get(key) or {}).get("format") == "date" and isinstance(value, str)
    ]
    if len(dates) == 1 and rng.random() < rate:  # one date only: ranges keep their order
        offset, phrase = rng.choice(RELATIVE_DATES)
        today = datetime.fromisoformat(now.replace("Z", "+00:00")).date()
        arguments[dates[0]] = (today + timedelta(days=offset)).isoformat()
        surface[dates[0]] = phrase
    return arguments, surface
