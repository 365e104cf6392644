"""Draw argument values from a tool's JSON Schema for blueprint mode.

Sources, in order: enum/const, the seed's value pool (`x-pool`), formats (dates relative to
the sample's `now`), numeric ranges, `examples`. A free-form string with none of these cannot
be drawn without inventing a placeholder, so it raises NotDrawable instead.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any


class NotDrawable(Exception):
    """The schema gives nothing to draw a realistic value from."""


class ArgumentSampler:
    """Draws a schema-valid arguments object; deterministic for a given rng."""

    def __init__(self, rng: random.Random, now: datetime, optional_rate: float = 0.4):
        self.rng, self.now, self.optional_rate = rng, now, optional_rate

    def arguments(self, parameters: dict[str, Any]) -> dict[str, Any]:
        """A full arguments object: every required key, each optional one at `optional_rate`."""
        return self._object(parameters, parameters.get("$defs") or parameters.get("definitions") or {}, "")

    def _resolve(self, schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            ref = schema["$ref"]
            name = ref.rsplit("/", 1)[-1]
            if not (ref.startswith("#/$defs/") or ref.startswith("#/definitions/")) or name not in defs:
                raise NotDrawable(f"unsupported $ref {ref!r}")
            schema = {**defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
        return schema

    def value(self, schema: dict[str, Any], defs: dict[str, Any], where: str) -> Any:
        """One value for `schema` (`where` names it in errors)."""
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
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0 if kind == "integer" else 0.0))
        high = schema.get("maximum", schema.get("exclusiveMaximum", low + 100))
        if kind == "integer":
            low = int(low) + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
            high = int(high) - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
            step = int(schema.get("multipleOf", 1))
            value = self.rng.randint(low, max(low, high))
            return max(low, value - value % step) if step > 1 else value
        value = round(self.rng.uniform(float(low), float(high)), 2)
        return min(max(value, float(low)), float(high))

    def _string(self, schema: dict[str, Any], where: str) -> str:
        fmt = schema.get("format")
        if fmt == "date" and "birth" in where:
            return f"{self.rng.randint(1948, 2006)}-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}"
        if fmt == "date":
            return (self.now + timedelta(days=self.rng.randint(-20, 60))).date().isoformat()
        if fmt == "date-time":
            moment = self.now + timedelta(days=self.rng.randint(-10, 45), hours=self.rng.randint(0, 23))
            return moment.replace(minute=self.rng.choice([0, 15, 30, 45]), second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        if fmt == "time":
            return f"{self.rng.randint(6, 21):02d}:{self.rng.choice([0, 15, 30, 45]):02d}"
        if schema.get("examples"):
            return self.rng.choice(schema["examples"])
        raise NotDrawable(f"{where or 'value'}: free-form string without x-pool, enum, format or examples")


def _ordered_dates(values: dict[str, Any]) -> dict[str, Any]:
    """Dates of one object rise in declaration order (check_in before check_out, start before end)."""
    keys = [k for k, v in values.items() if isinstance(v, str) and len(v) >= 10 and v[4:5] == "-" and v[7:8] == "-"
            and v[:4].isdigit() and "birth" not in k]
    for size in {len(values[k]) for k in keys}:  # dates with dates, date-times with date-times
        group = [k for k in keys if len(values[k]) == size]
        for key, value in zip(group, sorted(values[k] for k in group)):
            values[key] = value
    return values
