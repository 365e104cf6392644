"""A task's scenario: who asks (a persona), when (`now`), and the entities its calls share.

The planner draws the scenario before any value, and every entity-bound parameter (`x-entity:
"city.airport"`, see pipeline.sampler) takes its value from it, so the calls of one task, its
chain steps and its turns describe one situation: the user's own e-mail is the persona's, a
hotel search and the flight to it name the same city, a guest's name and e-mail belong to one
person, both ends of a walk lie in one city.

Entity keys: `x-entity-key` names which entity of a kind a parameter means ("origin",
"destination", "guest"); without one, the kind's one entity of the task. "user" is the
persona (their name, e-mail, phone, home city and address).
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pipeline.seeds.entities import Tables

_SCENE_KINDS = ("address", "place")  # rows that sit in a city: drawn in the task's city when they can be
_GEO_KINDS = ("city", *_SCENE_KINDS)  # places, where one country's many rows would crowd out the world


class Scenario:
    """Persona, `now` and the entities drawn so far for one task (deterministic for its rng)."""

    def __init__(self, rng: random.Random, now: datetime, tables: Tables):
        self.rng, self.now, self.tables = rng, now, tables
        personas = tables.get("persona") or []
        weights = _persona_weights(personas, tables.get("city") or [])
        self.persona: dict[str, Any] | None = rng.choices(personas, weights)[0] if personas else None
        self.chosen: dict[tuple[str, str], dict[str, Any]] = {}

    def value(self, kind: str, key: str, field: str, hint: str = "", avoid: Iterable[Any] = ()) -> Any:
        """The `field` of entity (`kind`, `key`), drawing the entity on first use; None when the
        tables have no such kind or no row with that field. `hint` (the parameter's description)
        picks among typed rows: "ID of the thermostat" takes a row whose `type` is thermostat, and
        that is its own entity, apart from the task's lights or locks. A value in `avoid` (the other
        side's currency of a conversion) is None: a row drawn now is one without it."""
        key, types = self.typed(kind, key, hint)
        avoid = list(avoid)
        entity = self.entity(kind, key, [field], types=types, avoid={field: avoid} if avoid else None)
        value = None if entity is None else entity.get(field)
        return None if value in avoid else value

    def prepare(self, kind: str, key: str, fields: Iterable[str], types: set[str] | None = None) -> None:
        """Draw entity (`kind`, `key`: a key from `typed`) now, as a row that has every one of
        `fields`: the call about to be drawn takes all of them from it (a country code and a
        region of one place)."""
        self.entity(kind, key, list(fields), types=types)

    def typed(self, kind: str, key: str, hint: str) -> tuple[str, set[str]]:
        """(entity key, row types) for a parameter whose description (`hint`) names a row type."""
        types = {str(r["type"]) for r in self.tables.get(kind) or [] if isinstance(r.get("type"), str)}
        words = _stems(
            re.split(r"\be\.g\.", hint.casefold())[0]
        )  # "e.g. dining_room_lights" is one value, not the kind
        named = sorted(t for t in types if _stems(t.casefold()) & words)
        return (f"{key}:{'|'.join(named)}" if named else key), set(named)

    def entity(
        self,
        kind: str,
        key: str,
        needs: Iterable[str] = (),
        types: set[str] | None = None,
        avoid: dict[str, list[Any]] | None = None,
    ) -> dict[str, Any] | None:
        """Entity (`kind`, `key`): the same row for every call of the task once drawn (of one of
        `types` when given; when drawn now, one whose fields take none of the values in `avoid`)."""
        needs = list(needs)
        if (kind, key) in self.chosen:
            row = self.chosen[(kind, key)]
            return row if all(row.get(f) is not None for f in needs) else None
        row = self._draw(kind, key, needs, types or set(), avoid or {})
        if row is not None:
            self.chosen[(kind, key)] = row
        return row

    def _draw(
        self, kind: str, key: str, needs: list[str], types: set[str], avoid: dict[str, list[Any]]
    ) -> dict[str, Any] | None:
        rows = [
            r
            for r in self.tables.get(kind) or []
            if all(r.get(f) is not None for f in needs) and not any(r.get(f) in v for f, v in avoid.items())
        ]
        if types:
            rows = [r for r in rows if r.get("type") in types]
        base = key.split("#", 1)[0]
        if key == "user":  # "user#1", a further call's, is someone or somewhere else
            own = self._own(kind, rows)
            if own is not None:
                return own
        if not rows:
            return None
        used = [r for (k, _), r in self.chosen.items() if k == kind]
        fresh = [r for r in rows if r not in used] or rows
        if kind == "city":
            home = self.home_city()
            if base in ("origin", "city", "home") and home in fresh and self.rng.random() < 0.6:
                return home
            if base != "origin" and home in fresh and len(fresh) > 1:
                fresh = [r for r in fresh if r is not home]  # away from home: a destination
        if kind in _SCENE_KINDS:
            city = self._scene_city(kind, key)
            local = [r for r in fresh if city is not None and _same_city(r, city)]
            if not local and city is not None:  # the city's rows are all drawn (a third route in a city of
                # four places): one of them again, not its own call's other end, rather than another country's
                suffix = key.partition("#")[2]
                ends = [r for (k, other), r in self.chosen.items() if k == kind and other.partition("#")[2] == suffix]
                local = [r for r in rows if _same_city(r, city) and r not in ends]
            if local:
                fresh = local
        return self.rng.choices(fresh, _balanced(fresh, needs, 0.5 if kind in _GEO_KINDS else 0))[0]

    def _own(self, kind: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
        """The persona's own entity of `kind`: themselves, their home city, an address there."""
        persona = self.persona
        if persona is None:
            return None
        if kind in ("person", "persona"):
            return persona
        if kind == "city":
            return self.home_city()
        if kind == "address":
            home = self.home_city()
            local = [r for r in rows if home is not None and _same_city(r, home)]
            return self.rng.choice(local) if local else None
        return None

    def home_city(self) -> dict[str, Any] | None:
        """The persona's home city row (None without personas or when the table lacks it)."""
        if self.persona is None:
            return None
        name, country = self.persona.get("home_city"), self.persona.get("country_code")
        return next(
            (r for r in self.tables.get("city") or [] if r.get("name") == name and r.get("country_code") == country),
            None,
        )

    def _scene_city(self, kind: str, key: str) -> dict[str, Any] | None:
        """The city a place or address of this task lies in: the other end's, else the task's city."""
        for (other_kind, _), row in self.chosen.items():
            if other_kind == kind:
                return {"name": row.get("city"), "country_code": row.get("country_code")}
        for other in ("city", "destination"):
            if ("city", other) in self.chosen:
                return self.chosen[("city", other)]
        return self.home_city()

    def describe(self) -> dict[str, Any]:
        """The scenario as `meta.scenario` keeps it: persona, now, and each entity's label."""
        persona = self.persona or {}
        return {
            "persona": {k: persona[k] for k in ("id", "name", "about", "home_city") if k in persona},
            "now": self.now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "entities": {f"{kind}:{key}": _label(row) for (kind, key), row in self.chosen.items()},
        }


def _persona_weights(personas: list[dict[str, Any]], cities: list[dict[str, Any]]) -> list[float]:
    """Draw weights for personas: each country as likely as another (6 of the 81 personas live in the
    US), and a currency many countries share by the square root of their number (the 7 euro
    countries: 7% of personas, not 16%, so "from euros" is not every sixth conversion)."""
    currency = {row.get("country_code"): row.get("currency") for row in cities}
    weights = _balanced(personas, ["country_code"], 0)
    sharing = Counter(currency.get(c) for c in {p.get("country_code") for p in personas})
    return [w / math.sqrt(sharing[currency.get(p.get("country_code"))]) for w, p in zip(weights, personas)]


def _balanced(rows: list[dict[str, Any]], fields: Iterable[str], country_power: float) -> list[float]:
    """Draw weights for `rows` so that no value dominates: each value of a wanted field that rows
    share (a currency 45 cities use, a room five devices sit in, a project) is as likely as any
    other, and a country with n rows counts by n ** (1 - `country_power`) (0.5 for places: the US
    has 44 of 206 cities, 7% rather than 21% of the draws). A value one row has leaves the weights."""
    countries = Counter(row.get("country_code") for row in rows)
    weights = [countries[row.get("country_code")] ** -country_power for row in rows]
    for field in sorted(set(fields)):  # one order in every process (the fields may come from a set)
        values = [row.get(field) for row in rows]
        if not all(isinstance(v, str) for v in values):
            continue  # a count, a list or a range per row (doses a day, subtasks, a workout's distances)
        if len(set(values)) == len(values):
            continue
        totals: dict[Any, float] = defaultdict(float)
        for value, weight in zip(values, weights):
            totals[value] += weight
        weights = [weight / totals[value] for value, weight in zip(values, weights)]
    return weights


def _stems(text: str) -> set[str]:
    """The words of `text` without a plural s ("Light identifier" names the lights)."""
    return {word.removesuffix("s") for word in re.findall(r"[a-z]+", text)}


def _same_city(row: dict[str, Any], city: dict[str, Any]) -> bool:
    return row.get("city") == city.get("name") and row.get("country_code") == city.get("country_code")


def _label(row: dict[str, Any]) -> str:
    for field in ("full", "display", "name", "id", "sku", "ticker", "title", "subject"):
        if isinstance(row.get(field), str):
            return row[field]
    return next((str(v) for v in row.values() if isinstance(v, str)), "")
