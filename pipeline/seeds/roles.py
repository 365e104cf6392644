"""Roles a tool does not declare, inferred where its names make them safe (filters.roles) and
written into its seed schema as the `x-*` keys the planner draws by (check_out after check_in, a
booking date in the future, a transfer amount in its typical range, a `city` bound to the city
table). Each tool keeps what was inferred in `extras["inferred_roles"]`; the manifest lists it.
"""

from __future__ import annotations

from typing import Any

from filters.roles import roles_of
from pipeline.seeds.entities import Tables

WORLD_KINDS = ("city", "address", "person", "place")  # entities any tool's world shares


def infer_roles(parameters: dict[str, Any], name: str, description: str, tables: Tables) -> dict[str, dict]:
    """Write the inferred role keys into `parameters` (never over a declared one) and return
    {argument path: {key: value}} of what was written."""
    written: dict[str, dict] = {}
    for path, role in roles_of(parameters, name, description).items():
        schema = _property(parameters, path)
        if not role.inferred or schema is None:
            continue
        keys: dict[str, Any] = {}
        if "when" in role.inferred and role.when:
            keys["x-when"] = role.when
        if "horizon" in role.inferred and role.horizon:
            keys["x-horizon"] = list(role.horizon)
        if "after" in role.inferred and role.after:
            keys["x-after"] = role.after.rsplit(".", 1)[-1]
        if "max_span" in role.inferred and role.max_span is not None:
            keys["x-max-span"] = role.max_span
        if "typical" in role.inferred and role.typical:
            keys["x-typical"] = list(role.typical)
        if "entity" in role.inferred and _bindable(schema, role.entity, tables):
            keys["x-entity"] = role.entity
            if role.entity_key:
                keys["x-entity-key"] = role.entity_key
        keys = {key: value for key, value in keys.items() if key not in schema}
        if keys:
            schema.update(keys)
            written[path] = keys
    return written


def _property(parameters: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The property schema at an argument path ("guest.email", "items[].quantity"), or None."""
    schema: Any = parameters
    for part in path.split("."):
        name, listed = (part[:-2], True) if part.endswith("[]") else (part, False)
        schema = ((schema or {}).get("properties") or {}).get(name) if isinstance(schema, dict) else None
        if listed and isinstance(schema, dict):
            schema = schema.get("items")
    return schema if isinstance(schema, dict) and "$ref" not in schema else None


def _bindable(schema: dict[str, Any], entity: str | None, tables: Tables) -> bool:
    """Bind an inferred entity only to the shared world (cities, addresses, people, places), where
    the tables have that field and the tool brings no values of its own (a pool, an enum or
    examples win)."""
    if not entity or "." not in entity or {"x-pool", "enum", "examples", "const"} & set(schema):
        return False
    kind, field = entity.split(".", 1)
    if kind not in WORLD_KINDS:  # a SKU, a device or a ticker of the user's own system is not ours to name
        return False
    return any(row.get(field) is not None for row in tables.get(kind) or [])
