"""Entity tables: values that belong together (a city and its country, airports and currency; a
person's name, e-mail and phone; an address's street, city and postal code), one row each.

A table is `seeds/entities/<kind>.json`: `{"kind": "<kind>", "rows": [{field: value, ...}]}`.
City rows name a city and its country; the shipped gazetteer (filters.gazetteer) adds what
belongs to it: `state` (code), `state_name`, `timezone`, `airport` (the main one), `airports`,
`currency`, `country` (name), `display` ("Austin, TX" for US cities unless the row says); a
place row gains `full` ("King's Cross Station, London"). The
planner (pipeline.scenario) draws whole rows, so a task's values agree with each other.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from filters.gazetteer import gazetteer
from pipeline import parse
from pipeline.errors import InputError
from pipeline.resources import data_dir, display_path

Tables = dict[str, list[dict[str, Any]]]


def load_entities(folder: Path | None = None) -> Tables:
    """Kind -> rows, from every `*.json` in `folder` (default: the bundled seeds/entities)."""
    folder = folder or data_dir("seeds") / "entities"
    tables: Tables = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        shown = display_path(path)
        try:
            data = parse.loads(path.read_text(encoding="utf-8"))
        except parse.StrictError as error:
            raise InputError(error.message, shown, error.path) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise InputError(f"invalid JSON: {error}", shown) from None
        kind, rows = (data.get("kind"), data.get("rows")) if isinstance(data, dict) else (None, None)
        if not isinstance(kind, str) or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InputError('expected {"kind": NAME, "rows": [objects]}', shown)
        tables.setdefault(kind, []).extend(rows)
    if "city" in tables:
        tables["city"] = [_with_gazetteer(row, folder, i) for i, row in enumerate(tables["city"])]
    for row in tables.get("place") or []:  # "King's Cross Station, London": where a route tool needs the city
        if isinstance(row.get("name"), str) and isinstance(row.get("city"), str):
            row.setdefault("full", f"{row['name']}, {row['city']}")
    return tables


def _with_gazetteer(row: dict[str, Any], folder: Path, index: int) -> dict[str, Any]:
    """A city row with what the gazetteer knows of it; a city it does not know is an InputError."""
    places = gazetteer()
    name, country = row.get("name"), row.get("country_code")
    match = next((c for c in places.cities_named(name or "") if c.country == country), None)
    if match is None:
        raise InputError(
            f"{name!r} in {country!r} is not in the gazetteer", display_path(folder / "city.json"), f"rows[{index}]"
        )
    nation = places.countries.get(country)
    state_name = (places.region_names(country, match.state) or (None,))[0] if match.state else None
    display = f"{name}, {match.state}" if country == "US" and match.state else name
    return {
        "display": display,
        "country": nation.name if nation else country,
        "state": state_name,
        "state_code": match.state,
        "timezone": match.timezone,
        "airport": match.airports[0] if match.airports else None,
        "airports": list(match.airports),
        "currency": nation.currency if nation else None,
        "lat": match.lat,
        "lon": match.lon,
        **row,
    }


_JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array", dict: "object"}
# said as they are: words already, or a code the user holds as it is (a SKU from the product page:
# no one can derive PHN-60215 from "Google Pixel 8a", so a call made from the name would be a guess)
SAID_BY_NAME = ("id", "ticker")  # codes a person names rather than types: "the porch light", "Nvidia"
_SAID_AS_IT_IS = {"name", "first_name", "full", "display", "email", "phone", "query", "title", "subject", "body", "sku"}


@lru_cache(maxsize=4)
def bundled_entities() -> Tables:
    """The bundled tables, loaded once per process."""
    return load_entities()


def bind_entities(parameters: dict[str, Any], tables: Tables, file: str, where: str) -> None:
    """Check every `x-entity` binding of a tool's parameters against the tables (an unknown kind or
    field, or a field whose values do not fit the parameter's type, is an InputError naming the JSON
    path) and give an identifying field its spoken names: a device id, a ticker or an airport
    code gains `x-aliases` value -> the row's `name` ("living_room_lights" -> "the living room
    lights"), so phrasing, grounding and the solver all know what people call it."""
    for path, schema in _bound(parameters, f"{where}.parameters", "x-count"):  # a list's length from a row
        kind, _, field = str(schema["x-count"]).partition(".")
        if not any(isinstance(row.get(field), int) for row in tables.get(kind) or []):
            raise InputError(f"x-count {schema['x-count']!r}: no {kind} row has a whole number {field!r}", file, path)
    for path, schema in _bound(parameters, f"{where}.parameters"):
        bound = schema["x-entity"]
        kind, _, field = bound.partition(".") if isinstance(bound, str) else ("", "", "")
        rows = tables.get(kind)
        if not rows or not field:
            known = ", ".join(sorted(tables)) or "none"
            raise InputError(f"x-entity {bound!r}: no entity table of kind {kind!r} (kinds: {known})", file, path)
        values = [row[field] for row in rows if row.get(field) not in (None, [])]
        if not values:
            fields = ", ".join(sorted({f for row in rows for f in row}))
            raise InputError(f"x-entity {bound!r}: {kind} rows have no field {field!r} (fields: {fields})", file, path)
        wanted = json_types(schema)
        found = {_shape(value, wanted) for value in values}
        if wanted and not found <= wanted | ({"integer"} if "number" in wanted else set()):
            raise InputError(
                f"x-entity {bound!r} gives {'/'.join(sorted(found))} values to a {'/'.join(sorted(wanted))} parameter",
                file,
                path,
            )
        named: dict[str, set[str]] = {}  # value -> its rows' names: one name per value identifies it
        for row in rows:
            if isinstance(row.get(field), str):
                named.setdefault(row[field], set()).add(str(row.get("name")))
        unique = all(len(names) == 1 for names in named.values())  # a device's id on each of its commands' rows
        if unique and field not in _SAID_AS_IT_IS and all(isinstance(v, str) for v in values):
            aliases = schema.setdefault("x-aliases", {})
            for row in rows:
                names = [n for n in (row.get("name"), *(row.get("aliases") or [])) if isinstance(n, str)]
                value = row.get(field)
                if isinstance(value, str) and names:
                    known = aliases.setdefault(value, [])
                    known.extend(n for n in names if n not in known and n != value)


def _shape(value: Any, wanted: set[str]) -> str:
    """The JSON type a row's value gives the parameter: a [low, high] pair of numbers is a number
    drawn in that range, a list of strings offers one string (pipeline.sampler reads them so)."""
    if isinstance(value, list) and value and not wanted & {"array"}:
        if len(value) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            return "number" if "number" in wanted or not wanted & {"integer"} else "integer"
        if all(isinstance(v, str) for v in value):
            return "string"
    return _JSON_TYPES.get(type(value), "string")


def _bound(schema: Any, path: str, key: str = "x-entity"):
    """(JSON path, schema) of every sub-schema with `key` (an `x-entity`), depth first."""
    if not isinstance(schema, dict):
        return
    if key in schema:
        yield f"{path}.{key}", schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from _bound(sub, f"{path}.properties.{name}", key)
    if isinstance(schema.get("items"), dict):
        yield from _bound(schema["items"], f"{path}.items", key)
    for word in ("anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(word) or []):
            yield from _bound(sub, f"{path}.{word}[{i}]", key)


def json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a parameter takes (a nullable anyOf's non-null options), empty when it does not say."""
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if isinstance(kind, str) else set()
    for key in ("anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            if isinstance(sub, dict) and isinstance(sub.get("type"), str):
                kinds.add(sub["type"])
    return kinds - {"null"}
