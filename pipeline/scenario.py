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

import random
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pipeline.seeds.entities import Tables

_SCENE_KINDS = ("address", "place")  # rows that sit in a city: drawn in the task's city when they can be


class Scenario:
    """Persona, `now` and the entities drawn so far for one task (deterministic for its rng)."""

    def __init__(self, rng: random.Random, now: datetime, tables: Tables):
        self.rng, self.now, self.tables = rng, now, tables
        personas = tables.get("persona") or []
        self.persona: dict[str, Any] | None = rng.choice(personas) if personas else None
        self.chosen: dict[tuple[str, str], dict[str, Any]] = {}

    def value(self, kind: str, key: str, field: str, hint: str = "") -> Any:
        """The `field` of entity (`kind`, `key`), drawing the entity on first use; None when the
        tables have no such kind or no row with that field. `hint` (the parameter's description)
        picks among typed rows: "ID of the thermostat" takes a row whose `type` is thermostat, and
        that is its own entity, apart from the task's lights or locks."""
        key, types = self.typed(kind, key, hint)
        entity = self.entity(kind, key, [field], types=types)
        return None if entity is None else entity.get(field)

    def prepare(self, kind: str, key: str, fields: Iterable[str], types: set[str] | None = None) -> None:
        """Draw entity (`kind`, `key`: a key from `typed`) now, as a row that has every one of
        `fields`: the call about to be drawn takes all of them from it (a country code and a
        region of one place)."""
        self.entity(kind, key, list(fields), types=types)

    def typed(self, kind: str, key: str, hint: str) -> tuple[str, set[str]]:
        """(entity key, row types) for a parameter whose description (`hint`) names a row type."""
        types = {str(r["type"]) for r in self.tables.get(kind) or [] if isinstance(r.get("type"), str)}
        words = set(re.findall(r"[a-z]+", hint.casefold()))
        named = sorted(t for t in types if set(re.findall(r"[a-z]+", t.casefold())) & words)
        return (f"{key}:{'|'.join(named)}" if named else key), set(named)

    def entity(
        self, kind: str, key: str, needs: Iterable[str] = (), types: set[str] | None = None
    ) -> dict[str, Any] | None:
        """Entity (`kind`, `key`): the same row for every call of the task once drawn (of one of
        `types` when given)."""
        needs = list(needs)
        if (kind, key) in self.chosen:
            row = self.chosen[(kind, key)]
            return row if all(row.get(f) is not None for f in needs) else None
        row = self._draw(kind, key, needs, types or set())
        if row is not None:
            self.chosen[(kind, key)] = row
        return row

    def _draw(self, kind: str, key: str, needs: list[str], types: set[str]) -> dict[str, Any] | None:
        rows = [r for r in self.tables.get(kind) or [] if all(r.get(f) is not None for f in needs)]
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
        return self.rng.choice(fresh)

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


def _same_city(row: dict[str, Any], city: dict[str, Any]) -> bool:
    return row.get("city") == city.get("name") and row.get("country_code") == city.get("country_code")


def _label(row: dict[str, Any]) -> str:
    for field in ("full", "display", "name", "id", "sku", "ticker", "title", "subject"):
        if isinstance(row.get(field), str):
            return row[field]
    return next((str(v) for v in row.values() if isinstance(v, str)), "")
