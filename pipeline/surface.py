"""How a blueprint request says its values: the way people say them, never a raw ISO timestamp
or a snake_case token.

`surface_forms` gives each planned value a spoken form ("next Friday" style dates, "7:30 pm",
"an hour and a half", "$1,200", "premium economy", a device's name instead of its id) that the
phrasing prompt shows instead of the raw value. `read` is its exact inverse for the forms made
here (what a good solver does); every form is checked by it before use, and grounding
(filters.mentions) reads the same forms, so the round trip still verifies every value.
"""

from __future__ import annotations

import json
import random
import re
from datetime import date, datetime
from typing import Any

from filters.mentions import dates_in, times_in
from filters.schema import followed_ref
from pipeline.seeds.entities import SAID_BY_NAME

_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_MONEY = re.compile(r"(^|_)(amount|price|total|tip|budget|cost|fee|balance)(_|$)")
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
_CURRENCY_WORDS = {"USD": "dollars", "EUR": "euros", "GBP": "pounds", "JPY": "yen", "CAD": "Canadian dollars"}
_TOKEN = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)+$")  # an enum value a person says in words (non-stop, 3d_imax)
ENUM_WORDS = re.compile(r"[a-z]+(?:_[a-z]+)+")  # snake_case words (premium_economy), not an id or file name with digits
_HOURS = re.compile(r"\b(\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+hours?\b")
_MINUTES = re.compile(r"\b(\d+)\s+minutes?\b")
_AM_PM = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b", re.IGNORECASE)
_FIRST_NUMBER = re.compile(r"(?<![\w.])[-+]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")


def surface_forms(
    arguments: dict[str, Any],
    parameters: dict[str, Any],
    now: str,
    rate: float,
    rng: random.Random,
    spoken_rate: float | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """(arguments unchanged, {argument: how the request should say it}). Aliases (`x-aliases`) are
    used at `rate` (always for a value the user could not know, `x-user-knows: false`), dates and
    times spoken at `spoken_rate` (default `rate`), enums and other values always where they have
    a spoken form."""
    properties = parameters.get("properties") or {}
    moment = datetime.fromisoformat(now.replace("Z", "+00:00"))
    surface: dict[str, str] = {}
    for key, value in arguments.items():
        schema = _plain(properties.get(key) or {})
        spoken = say(value, schema, key, moment, rng, rate, arguments, spoken_rate, parameters)
        if spoken is not None and spoken != value:
            surface[key] = spoken
    return arguments, surface


def say(
    value: Any,
    schema: dict[str, Any],
    key: str,
    now: datetime,
    rng: random.Random,
    rate: float = 1.0,
    siblings: dict[str, Any] | None = None,
    spoken_rate: float | None = None,
    root: dict[str, Any] | None = None,
) -> str | None:
    """A spoken form of `value` for parameter `key`, or None when it is said as it is (an alias at
    `rate`, a date or time at `spoken_rate`, default `rate`; an object or list of objects as JSON
    with spoken leaves, its local $refs resolved against `root`, the tool's parameters)."""
    aliases = schema.get("x-aliases") or {}
    names = aliases.get(value) if isinstance(value, str) else None
    if names and (schema.get("x-user-knows") is False or rng.random() < _alias_rate(schema, rate, spoken_rate)):
        return rng.choice(names)
    if isinstance(value, bool) or value is None:
        return None
    fmt = schema.get("format")
    if (
        isinstance(value, str)
        and fmt in ("date", "date-time", "time")
        and rng.random() < (rate if spoken_rate is None else spoken_rate)
    ):
        spoken = _say_moment(value, fmt, now, rng, schema.get("x-when", "any"))
        return spoken if spoken is not None and read(spoken, schema, now) == value else None
    if isinstance(value, str) and "enum" in schema and _TOKEN.match(value):
        return re.sub(r"[_-]", " ", value)
    if isinstance(value, (int, float)):
        spoken = _say_number(value, schema, key, rng, siblings or {})
        return spoken if spoken is not None and read(spoken, schema, now, key) == value else None
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        items = schema.get("items") or {}
        parts = [say(v, items, key, now, rng, rate, None, spoken_rate) or v for v in value]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    if isinstance(value, (dict, list)) and value:
        spoken = _say_inside(value, schema, now, rng, rate, spoken_rate, root or {})
        return json.dumps(spoken, ensure_ascii=False) if spoken != value else None
    return None


def _say_inside(
    value: Any, schema: dict[str, Any], now: datetime, rng, rate: float, spoken_rate: float | None, root: dict
) -> Any:
    """An object or a list of objects with each leaf in its spoken form (a passenger's birthday as
    "March 2, 1985", an automation's device by its name); the structure stays, for the prompt."""
    schema = _followed(schema, root)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        return {
            key: _say_inside(item, properties.get(key) or {}, now, rng, rate, spoken_rate, root)
            if isinstance(item, (dict, list))
            else say(item, _followed(properties.get(key) or {}, root), key, now, rng, rate, value, spoken_rate) or item
            for key, item in value.items()
        }
    if isinstance(value, list):
        items = schema.get("items") or {}
        return [
            _say_inside(item, items, now, rng, rate, spoken_rate, root)
            if isinstance(item, (dict, list))
            else say(item, _followed(items, root), "", now, rng, rate, None, spoken_rate) or item
            for item in value
        ]
    return value


def _followed(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """`_plain(schema)` with a local $ref followed (its own keys kept on top)."""
    return _plain(followed_ref(_plain(schema), root))


def _alias_rate(schema: dict[str, Any], rate: float, spoken_rate: float | None) -> float:
    """How often a value is said by its name: an id or ticker bound to an entity row is what a
    person names, not types ("the porch light", not porch_light), so it goes at the spoken rate."""
    bound = schema.get("x-entity")
    named = isinstance(bound, str) and bound.rsplit(".", 1)[-1] in SAID_BY_NAME
    return (rate if spoken_rate is None else spoken_rate) if named else rate


def read(text: str, schema: dict[str, Any], now: datetime, key: str = "") -> Any:
    """The value a spoken form made by `say` stands for (None when it cannot tell)."""
    fmt, when = schema.get("format"), schema.get("x-when", "any")
    if fmt in ("date", "date-time"):
        day = _nearest(dates_in(text, now), now.date(), when)
        if day is None or fmt == "date":
            return day.isoformat() if day else None
        clock = _clock(text)
        return f"{day.isoformat()}T{clock[0]:02d}:{clock[1]:02d}:00Z" if clock else None
    if fmt == "time":
        clock = _clock(text)
        return f"{clock[0]:02d}:{clock[1]:02d}" if clock else None
    if schema.get("type") in ("integer", "number"):
        number = _read_minutes(text) if _is_minutes(key, schema) else _read_number(text)
        if number is None:
            return None
        return int(number) if schema.get("type") == "integer" and float(number).is_integer() else number
    if "enum" in schema:
        spoken = text.casefold().replace(" ", "_")
        return next((v for v in schema["enum"] if isinstance(v, str) and v.replace("-", "_") == spoken), None)
    return text


def _plain(schema: dict[str, Any]) -> dict[str, Any]:
    """A nullable anyOf's non-null option with the outer property's own keys (format, roles)."""
    for key in ("anyOf", "oneOf"):
        options = [s for s in schema.get(key) or [] if isinstance(s, dict) and s.get("type") != "null"]
        if len(options) == 1:
            return {**options[0], **{k: v for k, v in schema.items() if k != key}}
    return schema


def _say_moment(value: str, fmt: str, now: datetime, rng: random.Random, when: str) -> str | None:
    try:
        if fmt == "time":
            hour, minute = (int(part) for part in value.split(":")[:2])
            return _say_time(hour, minute, rng)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    day = _say_day(moment.date(), now.date(), rng)
    if fmt == "date":
        return day
    return f"{day} at {_say_time(moment.hour, moment.minute, rng)}"


def _say_day(day: date, today: date, rng: random.Random) -> str:
    """ "tomorrow", "on Friday", "last Tuesday", "December 14", "the 14th", "14 March"."""
    delta = (day - today).days
    named = {0: "today", 1: "tomorrow", -1: "yesterday", 2: "the day after tomorrow"}
    if delta in named:
        return named[delta]
    if 2 < delta < 7:
        return rng.choice(["on", "this"]) + " " + _WEEKDAYS[day.weekday()]
    if -7 < delta < -1:
        return "last " + _WEEKDAYS[day.weekday()]
    month = day.strftime("%B")
    forms = [f"{month} {day.day}", f"{month[:3]} {day.day}", f"{day.day} {month}", f"{month} {_ordinal(day.day)}"]
    if day.month == today.month and day.year == today.year and delta > 0:
        forms.append(f"the {_ordinal(day.day)}")
    if abs(delta) > 300:
        forms = [f"{month} {day.day}, {day.year}"]
    return rng.choice(forms)


def _say_time(hour: int, minute: int, rng: random.Random) -> str:
    if (hour, minute) == (12, 0):
        return "noon"
    suffix = "am" if hour < 12 else "pm"
    clock = hour % 12 or 12
    return (
        f"{clock} {suffix}"
        if minute == 0
        else rng.choice([f"{clock}:{minute:02d} {suffix}", f"{clock}:{minute:02d}{suffix}"])
    )


def _say_number(value: int | float, schema: dict[str, Any], key: str, rng: random.Random, siblings: dict) -> str | None:
    if _is_minutes(key, schema) and isinstance(value, int) and value >= 30:
        hours, rest = divmod(value, 60)
        if value == 30:
            return "half an hour"
        if value == 90:
            return rng.choice(["an hour and a half", "90 minutes"])
        if rest == 0:
            return "an hour" if hours == 1 else f"{hours} hours"
        return None
    if _MONEY.search(key) and value >= 1:
        currency = next((v for k, v in siblings.items() if "currency" in k and isinstance(v, str)), "USD")
        amount = f"{value:,.2f}".removesuffix(".00") if isinstance(value, float) else f"{value:,}"
        symbol = _SYMBOLS.get(currency.upper())
        forms = [f"{amount} {_CURRENCY_WORDS.get(currency.upper(), currency.upper())}"]
        if symbol:
            forms.append(f"{symbol}{amount}")
        return rng.choice(forms)
    if isinstance(value, int) and 1 < value <= 12 and rng.random() < 0.5:
        return "a dozen" if value == 12 else _WORDS[value]
    if isinstance(value, int) and value >= 10_000:
        return f"{value:,}"
    return None


def _is_minutes(key: str, schema: dict[str, Any]) -> bool:
    return key.endswith("minutes") or key.endswith("_min") or "in minutes" in (schema.get("description") or "")


def _read_minutes(text: str) -> float | None:
    lowered = text.casefold()
    for phrase, minutes in (("an hour and a half", 90), ("half an hour", 30)):
        if phrase in lowered:
            return minutes
    hours = _HOURS.search(lowered)
    if hours:
        word = hours.group(1)
        count = 1 if word in ("a", "an") else _WORDS.index(word) if word in _WORDS else float(word)
        return count * 60
    minutes = _MINUTES.search(lowered)
    return float(minutes.group(1)) if minutes else _read_number(text)


def _read_number(text: str) -> float | None:
    lowered = text.casefold().strip()
    if lowered == "a dozen":
        return 12
    if lowered in _WORDS:
        return _WORDS.index(lowered)
    match = _FIRST_NUMBER.search(text)
    if not match:
        return None
    whole = match.group(1).replace(",", "")
    number = float(f"{whole}.{match.group(2)}") if match.group(2) else float(whole)
    return -number if text[match.start() : match.start() + 1] == "-" else number


def _clock(text: str) -> tuple[int, int] | None:
    """The one time of day `text` states: "7:30 pm" and "noon" as said, else filters.mentions' reading."""
    said = _AM_PM.search(text)
    if said:
        hour = int(said.group(1)) % 12 + (12 if said.group(3).casefold() == "pm" else 0)
        return hour, int(said.group(2) or 0)
    times = times_in(text)
    return next(iter(times)) if len(times) == 1 else None


def _nearest(days: set[date], today: date, when: str) -> date | None:
    """The reading a person means: the nearest one ahead for a future date, behind for a past one."""
    if when == "future":
        days = {d for d in days if d >= today} or days
    elif when == "past":
        days = {d for d in days if d <= today} or days
    return min(days, key=lambda d: (abs((d - today).days), d)) if days else None


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
