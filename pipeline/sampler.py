"""Draw argument values from a tool's JSON Schema for blueprint mode.

Sources, in order: the task's scenario for a parameter bound to an entity (`x-entity`, see
pipeline.scenario), enum/const, the seed's value pool (`x-pool`), formats (dates relative to
the sample's `now`), numeric ranges, `examples`. A free-form string with none of these cannot
be drawn without inventing a placeholder, so it raises NotDrawable instead.

What a parameter declares about its values (seed-only keys; filters.roles reads the same ones):
- `x-when`: future | past | any, with `x-horizon: [low_days, high_days]` from `now`: a booking
  lies ahead, a history behind; draws lean towards the near end of the horizon;
- `x-after: SIBLING` and `x-max-span` ("21d", "8h", "90m", or a number): a value later than
  (a number at least) its sibling's, at most the span past it, short spans likelier; `x-span:
  [low, high]` the typical span, drawn log-uniformly ("30m" to "2h" for a meeting); `x-min-span:
  "0d"` lets a date range end on its start day;
- `x-swap: SIBLING`: the two parameters trade their `x-entity-key`s at even odds (which side of a
  conversion is the user's own currency);
- `x-typical: [low, high]`: where a real request's number falls; drawn log-uniformly inside it
  when it spans a factor of 4 or more, and rounded the way people write amounts, or to a multiple
  of `x-step` when the parameter says how its values are written (1 for a watch's heart rate,
  0.5 for a thermostat, 5 for a result limit);
- `x-count: "<kind>.<field>"` on a list: its length is that field of the task's entity of that
  kind (a reminder has as many times as its medication's doses a day).

A list of clock times ("HH:MM") is one day's schedule: its times rise, evenly spaced over the
waking day (twice a day ~12 hours apart, four times ~4 hours apart), not independent draws.
"""

from __future__ import annotations

import math
import operator
import os
import random
import re
import string
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from filters.plausibility import contradictions
from filters.roles import value_kind
from filters.schema import strip_extensions, validator_for
from pipeline import patterns
from pipeline.seeds.entities import json_types

_MISSING = object()
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhm])\s*$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_HORIZONS = {"future": (1, 60), "past": (-60, -1), "any": (-20, 45)}
_DEFAULT_SPANS = {"date": timedelta(days=14), "date-time": timedelta(hours=4), "time": timedelta(hours=3)}
_STEPS = {"date": timedelta(days=1), "date-time": timedelta(minutes=15), "time": timedelta(minutes=15)}


class NotDrawable(Exception):
    """The schema gives nothing to draw a realistic value from."""


class ArgumentSampler:
    """Draws a schema-valid arguments object; deterministic for a given rng.

    `scenario` (pipeline.scenario.Scenario) supplies entity-bound values; `variant` tells calls of
    the same function in one task apart (the second weather lookup asks about another city).
    """

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        optional_rate: float = 0.4,
        scenario: Any = None,
        variant: int | str = 0,
    ):
        self.rng, self.now, self.optional_rate = rng, now, optional_rate
        self.scenario, self.variant = scenario, variant
        # a further call of a function whose required values all come from entities ("weather in Paris
        # and in Oslo") moves even the user's own ones; other functions keep the user's place and vary
        # the rest (showtimes of another film in the same city)
        self.move_user = False
        self._slots: list[str] = []  # list positions on the way down: each list item its own entity

    def arguments(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """A full arguments object: every required key, each optional one at `optional_rate`."""
        return self._object(parameters, _defs(parameters), "")

    def redraw(
        self, parameters: dict[str, Any], arguments: dict[str, Any], keys: list[str]
    ) -> tuple[dict[str, Any], list[str]]:
        """`arguments` with `keys` drawn again (each until it differs), and with them what must move
        along to stay coherent: arguments later than a changed one (`x-after`) and arguments bound to
        the same entity. Returns the new arguments and every key that changed."""
        properties = parameters.get("properties") or {}
        tied = set(keys)
        for key in keys:
            bound = _binding(properties.get(key) or {})
            if bound:  # every field of that entity (a new mode brings its own target range)
                tied |= {k for k in arguments if _entity_of(properties.get(k) or {}) == (bound[0], bound[2])}
        grew = True
        while grew:
            grew = False
            for name in arguments:
                if name not in tied and (properties.get(name) or {}).get("x-after") in tied:
                    tied.add(name)
                    grew = True
        out, defs, changed = dict(arguments), _defs(parameters), []
        for attempt in range(8):
            self.variant = f"{self.variant}'"  # a fresh entity for the redrawn keys
            for name in _anchors_first([k for k in arguments if k in tied], properties):
                out[name] = self.value(properties.get(name) or {}, defs, name, out)
            changed = [k for k in arguments if out[k] != arguments[k]]
            if any(out[k] != arguments[k] for k in keys if k in arguments) or attempt == 7:
                break
        return out, changed

    def _resolve(self, schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            key, _, name = ref[2:].partition("/") if ref.startswith("#/") else ("", "", "")
            if name not in (defs.get(key) or {}):
                raise NotDrawable(f"unsupported $ref {ref!r}")
            schema = {**defs[key][name], **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(
        self, schema: dict[str, Any], defs: dict[str, Any], where: str, siblings: Mapping[str, Any] | None = None
    ) -> Any:
        """One value for `schema`; `defs` maps "$defs"/"definitions" to their entries, `where` names it
        in errors, `siblings` are the values drawn so far in the same object (for `x-after`)."""
        schema = self._resolve(schema, defs)
        rng = self.rng
        bound = self._entity(schema)
        if bound is not _MISSING:
            return bound
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return rng.choice(schema["enum"])
        if "x-pool" in schema:  # may sit on a nullable anyOf's outer property
            nullable = any(s.get("type") == "null" for s in schema.get("anyOf", []) + schema.get("oneOf", []))
            return None if nullable and rng.random() < 0.15 else self._pooled(schema)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if s.get("type") != "null"]
                if len(options) < len(schema[key]) and rng.random() < 0.15 or not options:
                    return None
                declared = {k: v for k, v in schema.items() if k.startswith("x-")}  # roles sit on the outer property
                return self.value({**declared, **rng.choice(options)}, defs, where, siblings)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "string":
            return self._string(schema, where, siblings or {})
        if kind in ("integer", "number"):
            return self._number(schema, kind, siblings or {})
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "array":
            return self._array(schema, defs, where)
        if kind == "object" or "properties" in schema:
            return self._object(schema, defs, where)
        if kind == "null":
            return None
        raise NotDrawable(f"{where or 'value'}: no type to draw from")

    def _pooled(self, schema: dict[str, Any]) -> Any:
        """A value of the parameter's `x-pool`; for a pool of opaque ids with one prefix (evt_8k2m4xq7za,
        ORD-20417735) a fresh id of a drawn one's shape, each letter and digit redrawn after the
        prefix: a dozen ids would otherwise name the same event in every tenth task."""
        pool = schema["x-pool"]
        value = self.rng.choice(pool)
        prefix = _id_prefix(pool)
        if not prefix:
            return value
        fresh = prefix + "".join(_redrawn(char, self.rng) for char in value[len(prefix) :])
        return fresh if _fits_schema(fresh, schema) else value

    def _entity(self, schema: dict[str, Any], avoid: list[Any] | None = None) -> Any:
        """The scenario's value for an entity-bound parameter, or _MISSING (unbound, no such row, a
        value in `avoid`, or a value the schema refuses: the parameter's own pool then serves)."""
        bound = _binding(schema)
        if bound is None or self.scenario is None:
            return _MISSING
        kind, field, key = bound
        value = self.scenario.value(kind, self._key(key), field, _hint(schema), avoid or ())
        kinds = json_types(schema)
        if isinstance(value, list) and "array" not in kinds:
            if len(value) == 2 and all(_is_number(v) for v in value) and kinds & {"number", "integer"}:
                kind_of = "integer" if "integer" in kinds else "number"
                return self._number({**schema, "x-typical": value}, kind_of, {})  # the row's range
            if value and all(isinstance(v, str) for v in value):
                value = self.rng.choice(value)  # one of the row's values (a task's subtasks)
        if value is None or not _fits_schema(value, schema):
            return _MISSING
        return value

    def _key(self, key: str) -> str:
        """The scenario key of entity `key` here: a list item's own, a further call's other one
        ("and in Oslo?"); the user stays the user unless a further lookup moves them."""
        if key != "user" or self.variant and self.move_user:
            return "".join([key, *self._slots, f"#{self.variant}" if self.variant else ""])
        return key

    def _count(self, schema: dict[str, Any]) -> int | None:
        """A list's length from its `x-count` entity field (None without one, or no such value)."""
        bound = schema.get("x-count")
        if self.scenario is None or not isinstance(bound, str) or "." not in bound:
            return None
        kind, field = bound.split(".", 1)
        value = self.scenario.value(kind, self._key(kind), field)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def _object(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> dict[str, Any]:
        required = set(schema.get("required") or [])
        properties = schema.get("properties") or {}
        chosen = [name for name in properties if name in required or self.rng.random() < self.optional_rate]
        properties = self._swapped(properties, chosen)
        self._prepare([self._resolve(properties[name], defs) for name in chosen])
        out: dict[str, Any] = {}
        for name in _anchors_first(chosen, properties):
            sub = self._resolve(properties[name], defs)
            twins = [out[k] for k in out if _twins(_binding(sub), _binding(self._resolve(properties[k], defs)))]
            bound = self._entity(sub, twins)  # drawn once: value() would draw it again
            if bound is not _MISSING:
                out[name] = bound
                continue
            if _binding(sub) is not None and self.scenario is not None:
                if name not in required:  # the entity has no such field (a region of Lisbon): leave it out
                    continue
                sub = {k: v for k, v in sub.items() if k not in ("x-entity", "x-entity-key")}  # its own values
            for _ in range(10):
                out[name] = self.value(sub, defs, f"{where}.{name}" if where else name, out)
                if out[name] not in twins:
                    break
        out = {name: out[name] for name in chosen if name in out}
        for name, _ in list(contradictions({k: v for k, v in out.items() if not isinstance(v, (dict, list))})):
            if name not in required:  # a light turned off takes no brightness (filters.plausibility)
                out.pop(name, None)
        return _ordered_dates(out, properties)

    def _swapped(self, properties: Mapping[str, Any], chosen: list[str]) -> Mapping[str, Any]:
        """`properties` where a parameter with `x-swap: SIBLING` has traded entity keys with that
        sibling, at even odds: either side of a conversion may be the user's own currency ("200
        euros in yen", "5,000 yen in euros")."""
        out = dict(properties)
        for name in chosen:
            other = (properties.get(name) or {}).get("x-swap")
            keyed = other in chosen and "x-entity-key" in properties[name] and "x-entity-key" in properties[other]
            if keyed and self.rng.random() < 0.5:
                one, two = properties[name]["x-entity-key"], properties[other]["x-entity-key"]
                out[name] = {**properties[name], "x-entity-key": two}
                out[other] = {**properties[other], "x-entity-key": one}
        return out

    def _prepare(self, schemas: list[dict[str, Any]]) -> None:
        """Draw each entity these parameters are bound to as a row that has all their fields, before
        any of them takes a value (a region and a country code from one city that has both)."""
        if self.scenario is None:
            return
        wanted: dict[tuple[str, str, str], set[str]] = {}  # (kind, typed key, row types) -> fields
        for schema in schemas:
            bound = _binding(schema)
            if bound is not None and (bound[2] != "user" or self.variant and self.move_user):
                kind, field, key = bound
                typed, types = self.scenario.typed(kind, self._key(key), _hint(schema))
                wanted.setdefault((kind, typed, ",".join(sorted(types))), set()).add(field)
        for (kind, key, types), fields in wanted.items():
            if len(fields) > 1:
                self.scenario.prepare(kind, key, fields, set(filter(None, types.split(","))))

    def _array(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> list[Any]:
        low = max(1, schema.get("minItems", 1))
        high = max(low, min(schema.get("maxItems", 3), low + 2))
        items = schema.get("items") or {"type": "string"}
        # most lists are short (one recipient, two items): the fewest allowed is the likeliest
        sizes = list(range(low, high + 1))
        wanted = self.rng.choices(sizes, weights=[len(sizes) - i for i in range(len(sizes))])[0]
        counted = self._count(schema)
        if counted is not None:
            wanted = max(low, min(counted, schema.get("maxItems", counted)))
        if wanted > 1 and value_kind(self._resolve(items, defs)) == "time":
            day = self._day_schedule(wanted)
            if all(_fits_schema(clock, self._resolve(items, defs)) for clock in day):
                return day
        out: list[Any] = []
        for position in range(wanted * 3):  # room for draws a uniqueItems list refuses
            if len(out) >= wanted:
                break
            self._slots.append(f"[{position}]")
            try:
                item = self.value(items, defs, f"{where}[]")
            finally:
                self._slots.pop()
            if item not in out or not schema.get("uniqueItems"):
                out.append(item)
        return out[:wanted]

    def _day_schedule(self, count: int) -> list[str]:
        """`count` rising HH:MM times spread over the waking day (06:00-22:30) in half hours: as far
        apart as the day allows, 12 hours at most (08:00 and 20:00; 07:00, 13:30 and 20:00)."""
        widest = min(24, 33 // (count - 1))  # half hours between doses: 16.5 waking hours at most
        gap = self.rng.randint(max(1, math.ceil(widest * 0.75)), widest)
        latest_start = min(19, 45 - gap * (count - 1))  # 09:30, and the last dose by 22:30
        start = self.rng.randint(min(12, latest_start), latest_start)  # from 06:00
        return [f"{(start + gap * i) // 2:02d}:{(start + gap * i) % 2 * 30:02d}" for i in range(count)]

    def _number(self, schema: dict[str, Any], kind: str, siblings: Mapping[str, Any]) -> int | float:
        """A number inside every bound and a multiple of `multipleOf`, as both validators read them;
        inside `x-typical` when declared, and not below an `x-after` sibling."""
        low, high = _bounds(schema)
        anchor = siblings.get(schema.get("x-after") or "")
        if _is_number(anchor):
            low = max(low, anchor)
            cap = schema.get("x-max-span")
            high = min(high, anchor + cap) if _is_number(cap) else high
        typical = schema.get("x-typical")
        if _is_range(typical) and not schema.get("multipleOf"):
            lo, hi = max(typical[0], low), min(typical[1], high)
            if _is_number(anchor) and lo > hi:
                lo, hi = low, max(low, min(high, anchor * 2.5 if anchor > 0 else low + 10))
            for _ in range(20):
                value = _nice(self._spread(lo, hi), kind, schema.get("x-step"))
                if lo <= value <= hi and _fits(value, schema, kind):
                    return value
        step = schema.get("multipleOf")
        for _ in range(50):
            value = self._candidate(low, high, step, kind)
            if value is not None and _fits(value, schema, kind):
                return value
        raise NotDrawable(f"no {kind} fits {schema}")

    def _spread(self, low: float, high: float) -> float:
        """A draw in [low, high]: log-uniform over a wide positive range (amounts), else uniform."""
        if low > 0 and high / low >= 4:
            return math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return self.rng.uniform(low, high)

    def _candidate(self, low: float, high: float, step: Any, kind: str) -> int | float | None:
        if step:
            first, last = math.ceil(low / step), math.floor(high / step)
            if first > last:
                return None
            value = self.rng.randint(first, last) * step
            value = (
                round(value, -min(0, Decimal(repr(step)).as_tuple().exponent)) if isinstance(value, float) else value
            )
            if kind == "integer":
                return int(value) if float(value).is_integer() else None
            return value
        if kind == "integer":
            first, last = math.ceil(low), math.floor(high)
            return self.rng.randint(first, last) if first <= last else None
        value = self.rng.uniform(float(low), float(high))
        rounded = round(value, 2)  # looks real; the raw draw when rounding hits a bound (narrow ranges)
        return rounded if low < rounded < high else value

    def _string(self, schema: dict[str, Any], where: str, siblings: Mapping[str, Any]) -> str:
        fmt = schema.get("format")
        if fmt in _STEPS and ({"x-when", "x-after", "x-horizon"} & set(schema) or fmt == "time"):
            return self._moment(schema, fmt, siblings)
        if fmt == "date" and "birth" in where:
            return f"{self.rng.randint(1948, 2006)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if fmt == "date":
            return (self.now + timedelta(days=self.rng.randint(-20, 60))).date().isoformat()
        if fmt == "date-time":
            moment = self.now + timedelta(days=self.rng.randint(-10, 45), hours=self.rng.randint(0, 23))
            return moment.replace(minute=self.rng.choice([0, 15, 30, 45]), second=0, microsecond=0).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        if schema.get("examples"):
            return self.rng.choice(schema["examples"])
        if isinstance(schema.get("pattern"), str):
            return self._patterned(schema, where)
        raise NotDrawable(f"{where or 'value'}: free-form string without x-pool, enum, format, examples or pattern")

    def _patterned(self, schema: dict[str, Any], where: str) -> str:
        """A string drawn from a `pattern` that fixes a value's shape (an id like ^VA[0-9a-f]{32}$)."""
        pattern = schema["pattern"]
        problem = patterns.loose(pattern)
        if problem:
            raise NotDrawable(f"{where or 'value'}: its pattern {pattern!r} {problem}, so it fixes no shape to draw")
        for _ in range(20):
            value = patterns.draw(pattern, self.rng)
            if value is not None and _fits_schema(value, schema):  # and min/maxLength
                return value
        raise NotDrawable(f"{where or 'value'}: no string drawn from {pattern!r} fits {schema}")

    def _moment(self, schema: dict[str, Any], fmt: str, siblings: Mapping[str, Any]) -> str:
        """A date, date-time or HH:MM time that keeps its role: after its `x-after` sibling within
        `x-max-span` (short spans likelier), else inside its horizon from `now` (near end likelier)."""
        rng, step, when = self.rng, _STEPS[fmt], schema.get("x-when", "any")
        anchor = _moment_of(siblings.get(schema.get("x-after") or ""), fmt)
        if anchor is not None:
            cap = _span(schema.get("x-max-span")) or _DEFAULT_SPANS[fmt]
            low = 0 if _span(schema.get("x-min-span")) == timedelta(0) else 1  # "0d": may end on its start day
            typical = schema.get("x-span")
            spans = [_span(v) for v in typical] if isinstance(typical, list) and len(typical) == 2 else []
            if len(spans) == 2 and all(spans) and spans[0] <= spans[1] <= cap:  # log-uniform in the typical span
                steps = round(self._spread(max(spans[0] / step, 1), max(spans[1] / step, 1)))
            else:
                steps = low + int((max(low, int(cap / step)) - low) * rng.random() ** 2)
            moment = anchor + step * max(low, steps)
            if when == "past" and fmt != "time":
                moment = max(anchor + step, min(moment, self._now_as(fmt)))
            return _format(moment, fmt)
        if fmt == "time":
            return f"{rng.randint(7, 20):02d}:{rng.choice([0, 15, 30, 45]):02d}"
        low, high = _horizon(schema.get("x-horizon"), when)
        lean = rng.random() ** 1.7  # towards the near end: most bookings are weeks, not months, away
        days = round(low + (high - low) * lean) if when != "past" else round(high - (high - low) * lean)
        day = self.now.date() + timedelta(days=days)
        if fmt == "date":
            return day.isoformat()
        moment = datetime(day.year, day.month, day.day, rng.randint(8, 20), rng.choice([0, 15, 30, 45]))
        now = self._now_as(fmt)
        if when == "future" and moment <= now:
            moment = now + timedelta(hours=rng.randint(1, 4))
        elif when == "past" and moment >= now:
            moment = now - timedelta(hours=rng.randint(1, 4))
        return _format(moment, fmt)

    def _now_as(self, fmt: str) -> datetime:
        """`now` at the precision of `fmt` (a date's day; a date-time to the quarter hour), naive UTC."""
        now = self.now.replace(tzinfo=None)
        if fmt == "date":
            return datetime(now.year, now.month, now.day)
        return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def _defs(parameters: dict[str, Any]) -> dict[str, Any]:
    return {key: parameters.get(key) or {} for key in ("$defs", "definitions")}


def _hint(schema: dict[str, Any]) -> str:
    """What a parameter says about which row fits (its description: "ID of the thermostat")."""
    return schema.get("description") or ""


def _fits_schema(value: Any, schema: dict[str, Any]) -> bool:
    """Whether `value` is valid for `schema`, through the cached validators (none compiled per call)."""
    wrapped = {"type": "object", "properties": {"v": strip_extensions(schema)}, "required": ["v"]}
    return not validator_for(wrapped).errors({"v": value})


def _binding(schema: dict[str, Any]) -> tuple[str, str, str] | None:
    """(kind, field, key) of an `x-entity` binding, or None."""
    bound = schema.get("x-entity")
    if not isinstance(bound, str) or "." not in bound:
        return None
    kind, field = bound.split(".", 1)
    return kind, field, str(schema.get("x-entity-key") or kind)


def _entity_of(schema: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, key) of the entity a parameter is bound to, whatever its field, or None."""
    bound = _binding(schema)
    return (bound[0], bound[2]) if bound else None


_ID_BODY = re.compile(r"^[A-Za-z0-9]+$")


def _id_prefix(pool: list[Any]) -> str:
    """The prefix every id of `pool` starts with, up to its separator ("evt_", "ORD-"), when each
    value is that prefix and a body of letters and digits with a digit; else "" (not ids: coupon
    codes, SKUs whose letters name a product line, IBANs with check digits)."""
    if len(pool) < 2 or not all(isinstance(v, str) for v in pool):
        return ""
    common = os.path.commonprefix(pool)
    prefix = common[: max(common.rfind("_"), common.rfind("-")) + 1]
    bodies = [v[len(prefix) :] for v in pool]
    ids = prefix and all(_ID_BODY.match(b) and any(c.isdigit() for c in b) for b in bodies)
    return prefix if ids else ""


def _redrawn(char: str, rng: random.Random) -> str:
    """A random character of `char`'s kind: a digit for a digit, a letter of its case for a letter."""
    if char.isdigit():
        return rng.choice(string.digits)
    if char.isalpha():
        return rng.choice(string.ascii_uppercase if char.isupper() else string.ascii_lowercase)
    return char


def _twins(one: tuple[str, str, str] | None, other: tuple[str, str, str] | None) -> bool:
    """Whether two bindings are one field of two entities (a conversion's two currencies, a route's
    two ends): their values differ, as no one converts euros to euros."""
    return one is not None and other is not None and one[:2] == other[:2] and one[2] != other[2]


def _anchors_first(names: list[str], properties: Mapping[str, Any]) -> list[str]:
    """`names` with each `x-after` anchor before the arguments that follow it."""
    depth = {}
    for name in names:
        seen, current = 0, name
        while seen < len(properties) and isinstance((properties.get(current) or {}).get("x-after"), str):
            current, seen = properties[current]["x-after"], seen + 1
        depth[name] = seen
    return sorted(names, key=lambda name: depth[name])


def _span(raw: Any) -> timedelta | None:
    match = _SPAN.match(raw) if isinstance(raw, str) else None
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def _horizon(raw: Any, when: str) -> tuple[int, int]:
    if _is_range(raw):
        return int(raw[0]), int(raw[1])
    return _HORIZONS.get(when, _HORIZONS["any"])


def _moment_of(value: Any, fmt: str) -> datetime | None:
    """A drawn sibling value as a naive datetime (None when it is not one of `fmt`)."""
    if not isinstance(value, str):
        return None
    try:
        if fmt == "time":
            hours, minutes = value.split(":")[:2]
            return datetime(2000, 1, 1, int(hours), int(minutes))
        if fmt == "date":
            return datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
        return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None


def _format(moment: datetime, fmt: str) -> str:
    if fmt == "date":
        return moment.date().isoformat()
    if fmt == "time":
        return f"{min(moment.hour if moment.day == 1 else 23, 23):02d}:{moment.minute if moment.day == 1 else 45:02d}"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _nice(value: float, kind: str, step: Any = None) -> int | float:
    """`value` rounded the way people write it: 1,250 and 45, not 1,247.13 and 44.87; to a multiple
    of `step` (`x-step`) when the parameter says how its values are written: a heart rate to the
    beat (a watch's 137), a temperature to half a degree, a result limit to fives."""
    if _is_number(step) and step > 0:
        places = max(0, -Decimal(repr(step)).as_tuple().exponent)
        stepped = round(round(value / step) * step, places)
        return int(stepped) if kind == "integer" else float(stepped)
    if kind == "integer":
        magnitude = 10 ** max(0, int(math.log10(abs(value))) - 1) if value >= 100 else 1
        return int(round(value / magnitude) * magnitude)
    if value >= 1000:
        return float(round(value / 50) * 50)
    if value >= 100:
        return float(round(value / 5) * 5)
    if value >= 20:
        return float(round(value))
    if value >= 1:
        return round(value * 2) / 2
    return round(value, 2)


def _is_range(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value) and value[0] <= value[1]


def _bounds(schema: dict[str, Any]) -> tuple[float, float]:
    """The tightest lower and upper bound (exclusive ones included; _fits drops the endpoint)."""
    lows = [schema[key] for key in ("minimum", "exclusiveMinimum") if _is_number(schema.get(key))]
    highs = [schema[key] for key in ("maximum", "exclusiveMaximum") if _is_number(schema.get(key))]
    low, high = (max(lows) if lows else None), (min(highs) if highs else None)
    if low is None:
        low = 0 if high is None or high > 0 else high - 100
    return low, (low + 100 if high is None else high)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fits(value: int | float, schema: dict[str, Any], kind: str) -> bool:
    """True when `value` meets every numeric keyword of `schema`."""
    if kind == "integer" and not isinstance(value, int):
        return False
    for key, holds in _BOUND_TESTS.items():
        if _is_number(schema.get(key)) and not holds(value, schema[key]):
            return False
    step = schema.get("multipleOf")
    return not step or _is_multiple(value, step)


def _is_multiple(value: int | float, step: int | float) -> bool:
    """multipleOf as jsonschema (float quotient) and fastjsonschema (Decimal quotient) both read it."""
    if isinstance(value, int) and isinstance(step, int):
        return value % step == 0
    quotient, exact = value / step, Decimal(repr(value)) / Decimal(repr(step))
    return quotient == int(quotient) and exact == int(exact)


_BOUND_TESTS = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
}


def _ordered_dates(values: dict[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """Dates of one object rise in declaration order (check_in before check_out, start before end),
    for tools that do not say which date follows which (`x-after`, `x-when`)."""
    keys = [
        k
        for k, v in values.items()
        if isinstance(v, str)
        and len(v) >= 10
        and v[4:5] == "-"
        and v[7:8] == "-"
        and v[:4].isdigit()
        and "birth" not in k
        and not {"x-after", "x-when"} & set(properties.get(k) or {})
    ]
    for size in {len(values[k]) for k in keys}:  # dates with dates, date-times with date-times
        group = [k for k in keys if len(values[k]) == size]
        for key, value in zip(group, sorted(values[k] for k in group)):
            values[key] = value
    return values
