"""Draw argument values from a tool's JSON Schema for blueprint mode.

Sources, in order: enum/const, the seed's value pool (`x-pool`), formats (dates relative to
the sample's `now`), numeric ranges, `examples`. A free-form string with none of these cannot
be drawn without inventing a placeholder, so it raises NotDrawable instead.
"""

from __future__ import annotations

import math
import operator
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any


class NotDrawable(Exception):
    """The schema gives nothing to draw a realistic value from."""


class ArgumentSampler:
    """Draws a schema-valid arguments object; deterministic for a given rng."""

    def __init__(self, rng: random.Random, now: datetime, optional_rate: float = 0.4):
        self.rng, self.now, self.optional_rate = rng, now, optional_rate

    def arguments(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """A full arguments object: every required key, each optional one at `optional_rate`."""
        return self._object(parameters, {key: parameters.get(key) or {} for key in ("$defs", "definitions")}, "")

    def _resolve(self, schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            key, _, name = ref[2:].partition("/") if ref.startswith("#/") else ("", "", "")
            if name not in (defs.get(key) or {}):
                raise NotDrawable(f"unsupported $ref {ref!r}")
            schema = {**defs[key][name], **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> Any:
        """One value for `schema`; `defs` maps "$defs"/"definitions" to their entries, `where` names it in errors."""
        schema = self._resolve(schema, defs)
        rng = self.rng
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return rng.choice(schema["enum"])
        if "x-pool" in schema:  # may sit on a nullable anyOf's outer property
            nullable = any(s.get("type") == "null" for s in schema.get("anyOf", []) + schema.get("oneOf", []))
            return None if nullable and rng.random() < 0.15 else rng.choice(schema["x-pool"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if s.get("type") != "null"]
                if len(options) < len(schema[key]) and rng.random() < 0.15 or not options:
                    return None
                return self.value(rng.choice(options), defs, where)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "string":
            return self._string(schema, where)
        if kind in ("integer", "number"):
            return self._number(schema, kind)
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "array":
            return self._array(schema, defs, where)
        if kind == "object" or "properties" in schema:
            return self._object(schema, defs, where)
        if kind == "null":
            return None
        raise NotDrawable(f"{where or 'value'}: no type to draw from")

    def _object(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> dict[str, Any]:
        required = set(schema.get("required") or [])
        out = {}
        for name, sub in (schema.get("properties") or {}).items():
            if name in required or self.rng.random() < self.optional_rate:
                out[name] = self.value(sub, defs, f"{where}.{name}" if where else name)
        return _ordered_dates(out)

    def _array(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> list[Any]:
        low = max(1, schema.get("minItems", 1))
        high = max(low, min(schema.get("maxItems", 3), low + 2))
        items = schema.get("items") or {"type": "string"}
        out: list[Any] = []
        for _ in range(self.rng.randint(low, high) * 3):
            if len(out) >= high:
                break
            item = self.value(items, defs, f"{where}[]")
            if item not in out or not schema.get("uniqueItems"):
                out.append(item)
        return out[:high]

    def _number(self, schema: dict[str, Any], kind: str) -> int | float:
        """A number inside every bound and a multiple of `multipleOf`, as both validators read them."""
        low, high = _bounds(schema)
        step = schema.get("multipleOf")
        for _ in range(50):
            value = self._candidate(low, high, step, kind)
            if value is not None and _fits(value, schema, kind):
                return value
        raise NotDrawable(f"no {kind} fits {schema}")

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

    def _string(self, schema: dict[str, Any], where: str) -> str:
        fmt = schema.get("format")
        if fmt == "date" and "birth" in where:
            return f"{self.rng.randint(1948, 2006)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if fmt == "date":
            return (self.now + timedelta(days=self.rng.randint(-20, 60))).date().isoformat()
        if fmt == "date-time":
            moment = self.now + timedelta(days=self.rng.randint(-10, 45), hours=self.rng.randint(0, 23))
            return moment.replace(minute=self.rng.choice([0, 15, 30, 45]), second=0, microsecond=0).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
        if fmt == "time":
            return f"{self.rng.randint(6, 21):02d}:{self.rng.choice([0, 15, 30, 45]):02d}"
        if schema.get("examples"):
            return self.rng.choice(schema["examples"])
        raise NotDrawable(f"{where or 'value'}: free-form string without x-pool, enum, format or examples")


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


def _ordered_dates(values: dict[str, Any]) -> dict[str, Any]:
    """Dates of one object rise in declaration order (check_in before check_out, start before end)."""
    keys = [
        k
        for k, v in values.items()
        if isinstance(v, str)
        and len(v) >= 10
        and v[4:5] == "-"
        and v[7:8] == "-"
        and v[:4].isdigit()
        and "birth" not in k
    ]
    for size in {len(values[k]) for k in keys}:  # dates with dates, date-times with date-times
        group = [k for k in keys if len(values[k]) == size]
        for key, value in zip(group, sorted(values[k] for k in group)):
            values[key] = value
    return values
