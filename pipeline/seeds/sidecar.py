"""Value sidecars: realistic values for a tools file's string parameters, kept beside it.

`finance.json` -> `finance.values.json`, shaped `{"get_stock_price": {"ticker": ["AAPL", ...]}}`;
a nested object's member is `recipient.name`, an array's items `tags[]`. `python -m pipeline.seeds
enrich` writes it (merging, never deleting); load_tools puts each list into its parameter's schema
as `x-pool` when the parameter has none, so blueprint mode can draw values it could not before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from filters.schema import strip_extensions
from pipeline import parse
from pipeline.errors import InputError
from pipeline.schema_safety import Validator
from pipeline.writer import write_json

DRAWN_FORMATS = ("date", "date-time", "time")  # what ArgumentSampler._string draws without a pool
SUFFIX = ".values.json"


def sidecar_path(path: Path) -> Path:
    """finance.json -> finance.values.json (bfcl.jsonl -> bfcl.values.json)."""
    return path.with_name(path.stem + SUFFIX)


def parameter_nodes(parameters: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(key, schema) for every parameter: `name`, nested object members `obj.name`, array items `name[]`."""
    for name, node in (parameters.get("properties") or {}).items():
        if isinstance(node, dict):  # in declaration order, members right after their object
            yield name, node
            yield from ((f"{name}.{key}", sub) for key, sub in parameter_nodes(node))
            if isinstance(node.get("items"), dict):
                yield f"{name}[]", node["items"]
                yield from ((f"{name}[].{key}", sub) for key, sub in parameter_nodes(node["items"]))


def defs_of(parameters: dict[str, Any]) -> dict[str, Any]:
    return {key: parameters[key] for key in ("$defs", "definitions") if isinstance(parameters.get(key), dict)}


def resolved(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with its local $ref merged in and a nullable anyOf/oneOf unwrapped."""
    ref = node.get("$ref", "")
    key, _, name = ref[2:].partition("/") if isinstance(ref, str) and ref.startswith("#/") else ("", "", "")
    if name in (defs.get(key) or {}):
        return resolved({**defs[key][name], **{k: v for k, v in node.items() if k != "$ref"}}, defs)
    options = [option for option in node.get("anyOf", node.get("oneOf", [])) if option.get("type") != "null"]
    if len(options) == 1 and "type" not in node:
        return resolved({**options[0], **{k: v for k, v in node.items() if k not in ("anyOf", "oneOf")}}, defs)
    return node


def free_form(node: dict[str, Any], defs: dict[str, Any]) -> bool:
    """A string blueprint mode cannot draw: no enum, const or x-pool, and no format the sampler
    draws itself (date, date-time, time). Nullable strings count; $refs are followed."""
    node = resolved(node, defs)
    kind = node.get("type")
    kinds = [k for k in kind if k != "null"] if isinstance(kind, list) else [kind]
    return (
        kinds == ["string"]
        and node.get("format") not in DRAWN_FORMATS
        and not any(k in node for k in ("enum", "const", "x-pool"))
    )


def value_validator(node: dict[str, Any], defs: dict[str, Any]) -> Validator:
    """Validates one value against a parameter's schema, formats included (patterns matched by RE2)."""
    return Validator({**strip_extensions(node), **defs}, format_checker=Validator.FORMAT_CHECKER)


def read_sidecar(path: Path, shown: str) -> dict[str, dict[str, list[Any]]]:
    """The sidecar's content ({} when there is none); InputError when it is not {tool: {key: [values]}}."""
    if not path.is_file():
        return {}
    try:
        data = parse.loads(path.read_text(encoding="utf-8"))
    except parse.StrictError as error:
        raise InputError(error.message, shown, error.path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"invalid JSON: {getattr(error, 'msg', None) or error}", shown) from None
    if not isinstance(data, dict):
        raise InputError('expected {"tool": {"parameter": [values]}}', shown)
    for tool, params in data.items():
        if not isinstance(params, dict):
            raise InputError('expected {"parameter": [values]}', shown, tool)
        for key, values in params.items():
            if not isinstance(values, list):
                raise InputError("expected a list of values", shown, f"{tool}.{key}")
    return data


def apply_sidecar(path: Path, shown: str, tools: list[Any]) -> None:
    """Give each parameter without an x-pool the sidecar's values for it (each checked first)."""
    data = read_sidecar(path, shown)
    by_name = {tool.name: tool for tool in tools}
    for name, params in data.items():
        if name not in by_name:
            raise InputError(f"no tool {name!r} in the tools file beside it", shown, name)
        parameters = by_name[name].parameters
        nodes, defs = dict(parameter_nodes(parameters)), defs_of(parameters)
        for key, values in params.items():
            if key not in nodes:
                raise InputError(f"{name} has no parameter {key!r}", shown, f"{name}.{key}")
            validator = value_validator(nodes[key], defs)
            for i, value in enumerate(values):
                error = next(iter(validator.iter_errors(value)), None)
                if error is not None:
                    raise InputError(f"value {value!r}: {error.message}", shown, f"{name}.{key}[{i}]")
            examples = nodes[key].get("examples") or []  # a pool stays disjoint from the examples the prompts show
            pool = [value for i, value in enumerate(values) if value not in values[:i] and value not in examples]
            if pool and "x-pool" not in nodes[key]:
                nodes[key]["x-pool"] = pool


def merge_sidecar(path: Path, shown: str, new: dict[str, dict[str, list[Any]]]) -> int:
    """Add `new` values to the sidecar (existing keys and values stay); returns how many were added."""

    data, added = read_sidecar(path, shown), 0
    for tool, params in new.items():
        for key, values in params.items():
            known = data.setdefault(tool, {}).setdefault(key, [])
            fresh = [value for value in values if value not in known]
            known.extend(fresh)
            added += len(fresh)
    if added:
        write_json(path, data)
    return added
