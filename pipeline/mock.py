"""Mocked tool results: a deterministic stand-in drawn from a tool's result_schema.

Same seed and arguments, same result. It agrees with the call as filters.results checks it: a
property named like an argument (case, `_` and `-` aside) echoes the argument's value; dates fall inside the window the
arguments give (start/end, check-in/out, one `date`); numbers respect the call's bounds
(`max_price`, `min_rating`, `radius_meters`) and lists its limit (`limit`, `days`); addresses
are put in the city the call names; a route's distance comes from the gazetteer; bars keep high
>= open, close >= low and totals count at least what is listed. A draw that still contradicts
the call is drawn again (a few times). Mocked results are for tests and dry runs: records made
with them say `mocked` in meta.tool_results, and the Hub folder leaves them out by default.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from filters.gazetteer import fold, gazetteer
from filters.plausibility import _city_candidates, _km, _likely
from filters.results import LIMITS, WINDOWS, result_problems, same_name
from filters.schema import strip_extensions
from pipeline import patterns
from pipeline.policy import name_words
from pipeline.schema_safety import Validator
from pipeline.seeds import SeedTool

ANCHOR_DAY = date(2026, 3, 2)  # mocked dates fall near a date argument, else near this day
EMAILS = ["maria.lopez@fastmail.com", "daniel.okafor@gmail.com", "priya.raman@outlook.com", "chen.wei@brightpath.io"]
DRAWS = 6  # draws tried before the one with the fewest contradictions is kept
_PLACE_KEYS = {"city", "location", "address", "near", "place", "destination", "origin", "area", "town"}
_COUNTS = {"unread", "count", "total", "notified", "attendees", "wake", "results"}
ROAD_FACTOR = 1.25  # road length / straight line


def mock_result(
    tool: SeedTool, arguments: dict[str, Any], seed: int, needed: Sequence[str] = (), home: str | None = None
) -> Any:
    """A deterministic result drawn from the tool's result_schema; `{"status": "ok"}` without one.
    Every field named on a `needed` path (`offers[*].offer_id`) is present, optional or not.
    `home`: the user's city, where places go when the call names none."""
    if tool.result_schema is None:
        return {"status": "ok"}
    best, fewest = None, math.inf
    for draw in range(DRAWS):
        key = [seed, tool.name, arguments] + ([draw] if draw else [])  # the first draw is the one it always was
        rng = random.Random(hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).digest())
        mock = _Mock(tool.result_schema, arguments, rng)
        mock.city = mock.city or home
        mock.needed = {name for path in needed for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path)}
        result = mock.value(tool.result_schema)
        problems = len(list(result_problems(arguments, result))) if isinstance(result, dict) else 0
        if problems < fewest:
            best, fewest = result, problems
        if not problems:
            break
    return best


class _Mock:
    def __init__(self, root: dict[str, Any], arguments: dict[str, Any], rng: random.Random):
        self.root, self.arguments, self.rng, self.clock = root, arguments, rng, None
        self.spelled = {same_name(key): key for key in arguments}  # ServiceSid is the result's service_sid
        self.needed: set[str] = set()
        dates = [
            v[:10] for v in arguments.values() if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", v)
        ]
        try:
            self.day = date.fromisoformat(dates[0]) if dates else ANCHOR_DAY + timedelta(days=rng.randint(0, 20))
        except ValueError:
            self.day = ANCHOR_DAY
        self.window = _window(arguments)  # (first day, days after it) the dates must fall in, or None
        if self.window:
            self.day = self.window[0]
        self.city = _call_city(arguments)

    def _resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            key, _, name = schema["$ref"][2:].partition("/")
            schema = (self.root.get(key) or {}).get(name, {})
        return schema if isinstance(schema, dict) else {}

    def _fits(self, schema: dict[str, Any], value: Any) -> bool:
        defs = {key: self.root[key] for key in ("$defs", "definitions") if key in self.root}
        return Validator({**strip_extensions(schema), **defs}, format_checker=Validator.FORMAT_CHECKER).is_valid(value)

    def value(self, schema: Any, name: str | None = None) -> Any:
        schema, rng = self._resolve(schema), self.rng
        asked = name if name in self.arguments else self.spelled.get(same_name(name)) if name else None
        if asked is not None and self._fits(schema, self.arguments[asked]):
            return copy.deepcopy(self.arguments[asked])  # `sid` gives back the `Sid` asked for
        if "const" in schema:
            return schema["const"]
        for key in ("enum", "x-pool", "examples"):
            allowed = [v for v in schema.get(key) or [] if self._within_bounds(v, name)] if key != "enum" else None
            if allowed:
                return self._placed(copy.deepcopy(rng.choice(allowed)), name, schema)
            if key == "enum" and schema.get("enum"):
                return copy.deepcopy(rng.choice(schema["enum"]))
        branches = [self._resolve(b) for b in schema.get("anyOf", []) + schema.get("oneOf", [])]
        if branches:
            typed = [b for b in branches if b.get("type") != "null"] or branches
            return self.value(
                {**{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}, **rng.choice(typed)}, name
            )
        if "default" in schema and rng.random() < 0.5:
            return copy.deepcopy(schema["default"])
        kind = schema.get("type")
        kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
        kind = kind or ("object" if "properties" in schema else "array" if "items" in schema else "string")
        if kind in ("boolean", "null", "integer"):
            return (
                rng.random() < 0.5
                if kind == "boolean"
                else None
                if kind == "null"
                else int(self._number(schema, name, True))
            )
        return getattr(self, f"_{kind}")(schema, name)

    def _object(self, schema: dict[str, Any], name: str | None) -> dict[str, Any]:
        saved, self.clock, out = self.clock, None, {}
        required = set(schema.get("required", []))
        for key, sub in (schema.get("properties") or {}).items():
            if key in required or key in self.needed or self.rng.random() < 0.8:
                out[key] = self.value(sub, key)
        self.clock = saved
        return _consistent(out, self.arguments)

    def _array(self, schema: dict[str, Any], name: str | None) -> list[Any]:
        low = schema.get("minItems", 0)
        count = max(low, self.rng.randint(1, max(1, min(3, schema.get("maxItems", 3)))))
        limits = [
            bound
            for key, bound in self.arguments.items()
            if isinstance(bound, int) and not isinstance(bound, bool) and (key in LIMITS or key == name)
        ]
        count = max(low, min([count, *limits]))
        items: list[Any] = []
        for _ in range(count * 10):  # scalars (and anything under uniqueItems) are not repeated
            item = self.value(schema.get("items", {}))
            items += (
                [item] if item not in items or isinstance(item, (dict, list)) and not schema.get("uniqueItems") else []
            )
            if len(items) == count:
                break
        return _in_time_order(items)

    def _string(self, schema: dict[str, Any], name: str | None) -> str:
        rng, form = self.rng, schema.get("format")
        if form == "date-time":
            start = datetime(
                self.day.year, self.day.month, self.day.day, rng.randint(8, 19), rng.choice([0, 15, 30, 45])
            )
            self.clock = (
                start + timedelta(days=rng.randint(0, self.window[1] if self.window else 7))
                if self.clock is None
                else self.clock + timedelta(minutes=rng.choice([30, 45, 60, 90, 120, 180]))
            )  # later fields come later
        text = {
            "date": lambda: (
                self.day + timedelta(days=rng.randint(0, self.window[1] if self.window else 14))
            ).isoformat(),
            "date-time": lambda: self.clock.strftime("%Y-%m-%dT%H:%M:00Z"),
            "time": lambda: f"{rng.randint(7, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}:00",
            "email": lambda: rng.choice(EMAILS),
            "uri": lambda: f"https://www.northwind-{rng.randint(10, 99)}.com/{(name or 'item').replace('_', '-')}",
            "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        }.get(form, lambda: patterns.draw(schema["pattern"], rng) if "pattern" in schema else None)()
        text = f"{name_words(name or 'value')} {rng.randint(1, 99)}" if text is None else text
        text = text[: schema.get("maxLength", len(text))]
        return self._placed(text + "x" * max(0, schema.get("minLength", 0) - len(text)), name, schema)

    def _within_bounds(self, value: Any, name: str | None) -> bool:
        """Whether a pool value keeps to the call's bounds on its field (a price under max_price)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        words = set((name or "").split("_"))
        for key, bound in self.arguments.items():
            side, stem = _bound_of(key)
            numeric = isinstance(bound, (int, float)) and not isinstance(bound, bool)
            if stem and stem <= words and numeric and (value > bound if side == "max" else value < bound):
                return False
        return True

    def _placed(self, value: Any, name: str | None, schema: dict[str, Any]) -> Any:
        """An address, city or location string put in the city the call names (relocated); other
        values as they are."""
        words = set((name or "").split("_"))
        if not isinstance(value, str) or self.city is None or not words & {"address", "city", "location", "town"}:
            return value
        if "current" in words:
            return value  # a parcel in transit is wherever it is
        placed = relocated(value, self.city) if ", " in value else self.city if "city" in words else value
        return placed if self._fits(schema, placed) else value

    def _route_km(self, name: str | None) -> float | None:
        """The road distance (straight line x ROAD_FACTOR) between the call's origin and destination
        cities, in the unit `name` ends with; None when it is no distance or they are unknown."""
        scale = {"distance_km": 1.0, "distance_meters": 1000.0, "distance_miles": 1 / 1.609}.get(name or "")
        ends = [self.arguments.get("origin"), self.arguments.get("destination")]
        if scale is None or not all(isinstance(end, str) for end in ends):
            return None
        starts, stops = (_likely(_city_candidates(end)) for end in ends)
        if not starts or not stops:
            return None
        line = min(_km(a, b) for a in starts for b in stops)
        return (line * ROAD_FACTOR if line > 3 else 1.5 + 10 * self.rng.random()) * scale

    def _number(self, schema: dict[str, Any], name: str | None, integer: bool = False) -> float | int:
        low, high = (
            schema.get("minimum", schema.get("exclusiveMinimum")),
            schema.get("maximum", schema.get("exclusiveMaximum")),
        )
        low = low if low is not None else (0 if high is None or high > 0 else high - 1000)
        high = high if high is not None else low + 1000
        words = set((name or "").split("_"))
        if words & _COUNTS and high - low > 20:
            high = low + 12  # a person's unread messages, the attendees told: a dozen, not thousands
        for key, bound in self.arguments.items():
            side, stem = _bound_of(key)
            if stem and stem <= words and isinstance(bound, (int, float)) and not isinstance(bound, bool):
                low, high = (low, min(high, bound)) if side == "max" else (max(low, bound), high)
        route = self._route_km(name)
        if route is not None and low <= route <= high:
            return int(round(route)) if integer else round(route, 1)
        open_low = "minimum" not in schema and "exclusiveMinimum" in schema
        open_high = "maximum" not in schema and "exclusiveMaximum" in schema
        if integer:
            low, high = (
                math.floor(low) + 1 if open_low else math.ceil(low),
                math.ceil(high) - 1 if open_high else math.floor(high),
            )
            value = self.rng.randint(low, max(low, high))
        else:
            value = min(max(round(self.rng.uniform(low, high), 2), low), high)
            value = (low + high) / 2 if value == low and open_low or value == high and open_high else value
        step = schema.get("multipleOf")  # the next multiple up, or down when that is out of range
        if step:
            value = (
                math.ceil(value / step) if math.ceil(value / step) * step <= high else math.floor(high / step)
            ) * step
        return int(value) if integer else value


DISTRICTS = ("City centre", "Old town", "Central station area", "Business district", "Riverside", "University quarter")


def relocated(address: str, city: str) -> str:
    """`address` moved to `city`: as it is when it is there already; else a district of `city`,
    since a street belongs to its own city ("24 Leicester Square, London" for a Lisbon search
    becomes "Old town, Lisbon", not "24 Leicester Square, Lisbon")."""
    street, _, town = address.rpartition(", ")
    if fold(town) == fold(city) or fold(city) in fold(address):
        return address
    pick = int(hashlib.sha256(address.encode()).hexdigest(), 16) % len(DISTRICTS)
    return f"{DISTRICTS[pick]}, {city}"


def _window(arguments: dict[str, Any]) -> tuple[date, int] | None:
    """(first day, days after it) of the date window the arguments give, or None."""

    def day(value: Any) -> date | None:
        try:
            return date.fromisoformat(value[:10]) if isinstance(value, str) else None
        except ValueError:
            return None

    for first, last in WINDOWS:
        low, high = day(arguments.get(first)), day(arguments.get(last))
        if low and high and high >= low:
            return low, (high - low).days
    single = day(arguments.get("date"))
    return (single, 0) if single else None


def _bound_of(name: str) -> tuple[str | None, set[str] | None]:
    """("max", {"price"}) for max_price, ("min", {"rating"}) for min_rating, ("max", {"distance",
    "meters"}) for radius_meters; (None, None) for an argument that bounds nothing."""
    if name.startswith("radius"):
        return "max", {"distance", *name.split("_")[1:]}
    found = re.fullmatch(r"(min|max)_(.+)|(.+)_(min|max)", name)
    if not found or name in LIMITS:
        return None, None
    return found[1] or found[4], set((found[2] or found[3]).split("_"))


def _call_city(arguments: dict[str, Any]) -> str | None:
    """The city the call names, as it writes it (a city, location or address argument), or the
    nearest to its coordinates."""
    for key, value in arguments.items():
        if set(key.split("_")) & _PLACE_KEYS and isinstance(value, str):
            for part in [value, *reversed(value.split(","))]:  # the city as the call writes it
                if part.strip() and _likely(_city_candidates(part.strip())):
                    return part.strip()
        if isinstance(value, dict):
            lat, lon = value.get("latitude", value.get("lat")), value.get("longitude", value.get("lon"))
            if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
                return min(gazetteer().cities, key=lambda c: (c.lat - lat) ** 2 + (c.lon - lon) ** 2).name
    return None


SPEED_KMH = {"walk": 4.8, "foot": 4.8, "cycl": 16.0, "bik": 16.0, "transit": 25.0}  # else driving, 40


def _consistent(out: dict[str, Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """High >= open, close >= low; a max not below its min; a total not below the items listed;
    a `<thing>_count` counting the call's list; a route's duration at its mode's speed and steps
    adding up to it."""
    for key in [k for k in out if k.endswith("_count") and isinstance(out[k], int)]:
        stem = key[: -len("_count")]
        given = next((arguments[k] for k in (stem + "s", stem + "es", stem + "_ids") if k in arguments), None)
        if isinstance(given, list):
            out[key] = len(given)
    if isinstance(out.get("distance_km"), (int, float)) and isinstance(out.get("duration_minutes"), int):
        mode = str(out.get("mode") or arguments.get("mode") or "driving").casefold()
        speed = next((v for k, v in SPEED_KMH.items() if k in mode), 40.0)
        minutes = max(1, math.ceil(out["distance_km"] / speed * 60))
        out["duration_minutes"] = minutes if minutes <= 20000 else out["duration_minutes"]  # the seeds' maximum
        steps = [s for s in out.get("steps") or [] if isinstance(s, dict) and isinstance(s.get("distance_m"), int)]
        total = sum(step["distance_m"] for step in steps)
        for step in steps if total > out["distance_km"] * 1000 else ():  # steps shrunk to fit the route
            step["distance_m"] = int(step["distance_m"] * out["distance_km"] * 1000 / total)
    numbers = {k: v for k, v in out.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if "high" in numbers and "low" in numbers:
        prices = [numbers[k] for k in ("open", "high", "low", "close") if k in numbers]
        out["high"], out["low"] = max(prices), min(prices)
    for key in numbers:
        for small, big in (("min", "max"), ("low", "high")):
            other = "_".join(big if w == small else w for w in key.split("_"))
            if small in key.split("_") and key != "low" and other in out and out[other] < out[key]:
                out[key], out[other] = out[other], out[key]
    for key, parts in out.items():  # a breakdown (by_channel) adds up to its total (unread)
        total = next((out[k] for k in ("unread", "total", "count") if isinstance(out.get(k), int)), None)
        if key.startswith("by_") and isinstance(parts, dict) and total is not None and parts:
            names = [name for name, part in parts.items() if isinstance(part, int) and not isinstance(part, bool)]
            for n, name in enumerate(names):
                parts[name] = total // len(names) + (1 if n < total % len(names) else 0)
    lists = [v for v in out.values() if isinstance(v, list)]
    for key in ("total", "total_results", "total_count", "count"):
        if key in numbers and len(lists) == 1 and out[key] < len(lists[0]):
            out[key] = len(lists[0])
    return out


def _in_time_order(items: list[Any]) -> list[Any]:
    """Objects with a date (date, start, sent_at...) oldest first, as lists of bars, events and
    messages come; anything else as drawn."""
    key = next(
        (
            k
            for k in ("date", "start", "sent_at", "timestamp", "published")
            if items and all(isinstance(item, dict) and isinstance(item.get(k), str) for item in items)
        ),
        None,
    )
    return sorted(items, key=lambda item: item[key]) if key else items
