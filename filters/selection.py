"""Selection rules: how a user picks one item of a tool result for the next call of a chain.

A rule is a dict (as in `meta.links[i].select`):
- `{"rule": "first"}`: the first item;
- `{"rule": "cheapest", "field": "total_price"}`, `{"rule": "nearest", "field": "distance_meters"}`:
  the item with the lowest value of the field;
- `{"rule": "highest_rated", "field": "guest_rating"}`: the item with the highest value;
- `{"rule": "where", "field": "device_type", "value": "thermostat"}`: the item whose field is that value;
- `{"rule": "matching", "field": "name", "value": "Front door"}`: the item the user names (case and
  spacing aside).
Seeds write them as text: `first`, `cheapest:FIELD`, `highest_rated:FIELD`, `nearest:FIELD`,
`where:FIELD=VALUE`, `matching:FIELD` (the planner draws the name). `pick` replays a rule; a rule
picks an item only when exactly one item qualifies (no tie for the lowest price, one thermostat).
"""

from __future__ import annotations

import re
from typing import Any

RULES = ("first", "cheapest", "highest_rated", "nearest", "where", "matching")
_LOWEST, _HIGHEST = ("cheapest", "nearest"), ("highest_rated",)


def parse_rule(text: str) -> dict[str, Any]:
    """A seed's rule text (`cheapest:total_price`) as a rule dict; ValueError when malformed."""
    name, _, rest = text.partition(":")
    if name not in RULES:
        raise ValueError(f"unknown selection rule {name!r}")
    if name == "first":
        if rest:
            raise ValueError("'first' takes no field")
        return {"rule": "first"}
    if name == "where":
        field, equals, value = rest.partition("=")
        if not field or not equals or not value:
            raise ValueError("'where' is written where:FIELD=VALUE")
        return {"rule": "where", "field": field, "value": value}
    if not rest or "=" in rest:
        raise ValueError(f"{name!r} is written {name}:FIELD")
    return {"rule": name, "field": rest}


def rule_problem(rule: Any) -> str | None:
    """Why `rule` is not a rule dict of the documented shape, or None."""
    if not isinstance(rule, dict) or rule.get("rule") not in RULES:
        return f"select must be a rule object with rule one of {', '.join(RULES)}"
    if rule["rule"] != "first" and not isinstance(rule.get("field"), str):
        return f"a {rule['rule']} rule needs a field"
    if rule["rule"] in ("where", "matching") and not isinstance(rule.get("value"), (str, int, float, bool)):
        return f"a {rule['rule']} rule needs a value"
    return None


def rule_words(rule: dict[str, Any]) -> str:
    """How a person says the rule: "the cheapest one", "the thermostat", "the one named Front door"."""
    kind, field = rule["rule"], str(rule.get("field", "")).replace("_", " ")
    if kind == "first":
        return "the first one"
    if kind == "cheapest":
        return "the cheapest one"
    if kind == "nearest":
        return "the closest one"
    if kind == "highest_rated":
        return "the best-rated one"
    if kind == "where":
        return f"the one whose {field} is {rule['value']}"
    return f"the one named {rule['value']}"


def _norm(value: Any) -> Any:
    return re.sub(r"\s+", " ", value).strip().casefold() if isinstance(value, str) else value


def pick(items: list[Any], rule: dict[str, Any]) -> tuple[int | None, str]:
    """(index of the item `rule` picks, "") or (None, why no single item qualifies)."""
    if not items:
        return None, "there is nothing to choose from"
    kind = rule["rule"]
    if kind == "first":
        return 0, ""
    field = rule["field"]
    if kind in ("where", "matching"):
        hits = [
            i
            for i, item in enumerate(items)
            if isinstance(item, dict) and _norm(item.get(field)) == _norm(rule["value"])
        ]
        if len(hits) == 1:
            return hits[0], ""
        return None, f"{len(hits)} items have {field} {rule['value']!r}"
    values = [
        (item.get(field), i)
        for i, item in enumerate(items)
        if isinstance(item, dict)
        and isinstance(item.get(field), (int, float))
        and not isinstance(item.get(field), bool)
    ]
    if not values:
        return None, f"no item has a numeric {field}"
    best = (min if kind in _LOWEST else max)(value for value, _ in values)
    hits = [i for value, i in values if value == best]
    if len(hits) > 1:
        return None, f"{len(hits)} items tie at {field} {best}"
    return hits[0], ""
