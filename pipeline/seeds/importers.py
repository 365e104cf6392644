"""Import BFCL and xLAM tool files into our function schemas.

BFCL: `{"name", "description", "parameters": {"type": "dict", ...}}` with types dict/float/tuple/any,
alone or in data files (JSON Lines, even named .json, of `{"id", "question", "function": [...]}`).
xLAM (xlam-function-calling-60k): `parameters` is a flat `{param: {"description", "type": "str,
optional", "default"}}`, alone or in rows `{"query", "tools": "<JSON string>", "answers"}`. Rows
give the union of their functions. Invalid names are mapped (math.factorial -> math_factorial).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pipeline import parse
from pipeline.errors import InputError
from pipeline.record import TOOL_NAME_RE
from pipeline.schema_safety import Validator

# one table for both: BFCL types (with its Java/JavaScript spellings) and Python's, casefolded
TYPES = {
    "dict": "object",
    "object": "object",
    "hashmap": "object",
    "mapping": "object",
    "float": "number",
    "double": "number",
    "decimal": "number",
    "number": "number",
    "string": "string",
    "str": "string",
    "char": "string",
    "integer": "integer",
    "int": "integer",
    "long": "integer",
    "short": "integer",
    "byte": "integer",
    "boolean": "boolean",
    "bool": "boolean",
    "null": "null",
    "none": "null",
    "nonetype": "null",
    "any": None,
    "": None,  # BFCL's JavaScript file leaves some types empty
    "callable": None,
    "function": None,
    **dict.fromkeys(("array", "list", "arraylist", "tuple", "set", "frozenset", "sequence", "iterable"), "array"),
}
ARRAYS = {name for name, kind in TYPES.items() if kind == "array"}


@dataclass
class Imported:
    """One converted function: `body` is {"name", "description", "parameters"} in our format."""

    body: dict[str, Any]
    label: str  # the file as errors name it ("bfcl.jsonl line 3" for JSON Lines)
    path: str  # JSON path of the function inside `label`
    original: str | None  # the name before mapping, when it changed


def name_map(tools) -> dict[str, str]:
    """Original name -> mapped name, for every imported tool whose name had to change."""
    return {tool.original_name: tool.name for tool in tools if getattr(tool, "original_name", None)}


def read_jsonl(text: str, shown: str) -> list[tuple[str, Any]]:
    """(label, row) per non-blank line; InputError on a line that is not JSON."""
    rows, number = [], 0
    try:
        for number, line in enumerate(text.splitlines(), start=1):
            rows.extend([(f"{shown} line {number}", parse.loads(line))] if line.strip() else [])
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error.msg} (column {error.colno})", shown, f"line {number}") from None
    except parse.StrictError as error:
        raise InputError(error.message, shown, " ".join(filter(None, [f"line {number}", error.path]))) from None
    return rows


def convert(data: Any, shown: str, jsonl: bool = False) -> list[Imported] | None:
    """The functions of a BFCL or xLAM file, converted; None when `data` is in none of their shapes.
    With `jsonl`, `data` is read_jsonl's [(label, row)]."""
    items = data if isinstance(data, list) else [data]
    if jsonl or (items and all(_is_row(item) for item in items)):
        rows = (
            [(label, "", row) for label, row in data]
            if jsonl
            else [(shown, f"[{i}]" if isinstance(data, list) else "", row) for i, row in enumerate(items)]
        )
        bad = next((label for label, _, row in rows if not _is_row(row)), None)
        if bad:
            raise InputError(
                'expected a BFCL row {"id", "question", "function": [...]} or an xLAM row {"query", "tools"}', bad
            )
        return _named(_from_rows(rows, shown))
    if any(_style(item) for item in items):
        return _named([_function(item, shown, f"[{i}]") for i, item in enumerate(items)])
    return None


def convert_functions(functions: Any, shown: str, path: str = "function") -> list[Imported]:
    """A list of BFCL (or plain JSON Schema) functions, converted and named, whatever their types."""
    if not isinstance(functions, list):
        raise InputError("expected a list of functions", shown, path)
    return _named([_function(item, shown, f"{path}[{i}]") for i, item in enumerate(functions)])


def _is_row(row: Any) -> bool:
    return isinstance(row, dict) and (
        isinstance(row.get("function"), list) or ("tools" in row and ("query" in row or "answers" in row))
    )


def _style(item: Any) -> str | None:
    """ "xlam" for a flat parameter dict, "bfcl" for BFCL-only types, None for a plain JSON Schema function."""
    if (
        not isinstance(item, dict)
        or not isinstance(item.get("name"), str)
        or not isinstance(params := item.get("parameters"), dict)
    ):
        return None
    if (
        params
        and not isinstance(params.get("type"), str)
        and "properties" not in params
        and all(isinstance(v, dict) for v in params.values())
    ):
        return "xlam"
    kinds = re.findall(r'"type": "(\w+)"', json.dumps(params))
    return "bfcl" if any(kind.casefold() in TYPES and TYPES[kind.casefold()] != kind for kind in kinds) else None


def _from_rows(rows: list[tuple[str, str, dict]], shown: str) -> list[Imported]:
    """Every function of every row once; two different functions of one name is an error."""
    seen: dict[str, tuple[str, dict]] = {}
    out = []
    for label, prefix, row in rows:
        key = "function" if "function" in row else "tools"
        path, functions = f"{prefix}.{key}" if prefix else key, row[key]
        if isinstance(functions, str):  # xLAM stores the list as a JSON string
            try:
                functions = parse.loads(functions)
            except json.JSONDecodeError as error:
                raise InputError(f"{key} is not a JSON list: {error.msg}", label, path) from None
            except parse.StrictError as error:
                raise InputError(f"{key}: {error}", label, path) from None
        if not isinstance(functions, list):
            raise InputError(f"{key} must be a list of functions", label, path)
        for i, function in enumerate(functions):
            where = f"{path}[{i}]"
            name = function.get("name") if isinstance(function, dict) else None
            if name in seen:
                if seen[name][1] != function:
                    raise InputError(
                        f"function {name!r} differs from the one of that name at {seen[name][0]}", label, where
                    )
                continue
            if isinstance(name, str):
                seen[name] = (f"{label.removeprefix(shown).strip()} {where}".strip(), function)
            out.append(_function(function, label, where))
    return out


def _function(item: Any, label: str, path: str) -> Imported:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise InputError("expected a function object with a non-empty string name", label, path)
    params, where = item.get("parameters", {"type": "object", "properties": {}}), f"{path}.parameters"
    converted = _xlam_parameters(params, label, where) if _style(item) == "xlam" else _bfcl(params, label, where)
    return Imported(
        {"name": item["name"], "description": item.get("description", ""), "parameters": converted}, label, path, None
    )


def _bfcl(schema: Any, label: str, path: str) -> Any:
    """A BFCL schema as JSON Schema: dict -> object, float -> number, tuple -> array, any -> no type."""
    if not isinstance(schema, dict):
        raise InputError("expected a schema object", label, path)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            kinds = [
                TYPES.get(kind.casefold(), "?") if isinstance(kind, str) else "?"
                for kind in (value if isinstance(value, list) else [value])
            ]
            if "?" in kinds:
                raise InputError(f"unknown type {value!r}", label, f"{path}.type")
            if None not in kinds:
                out["type"] = kinds if isinstance(value, list) else kinds[0]
        elif key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: _bfcl(sub, label, f"{path}.{key}.{name}") for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _bfcl(value, label, f"{path}.{key}")
        elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            out[key] = [_bfcl(sub, label, f"{path}.{key}[{i}]") for i, sub in enumerate(value)]
        else:
            out[key] = value
    return out


def _xlam_parameters(params: Any, label: str, path: str) -> dict[str, Any]:
    """xLAM's flat {param: {description, type, default}} as an object schema. Required unless the
    type says ", optional" (or Optional[...]) or the default is "" / None; a non-empty default on a
    required parameter is xLAM's example value and becomes `examples`."""
    if not isinstance(params, dict):
        raise InputError("parameters must be an object of {name: {description, type, default}}", label, path)
    properties, required = {}, []
    for name, spec in params.items():
        where = f"{path}.{name}"
        if not isinstance(spec, dict):
            raise InputError("expected {description, type, default}", label, where)
        try:
            schema, optional = python_type(spec.get("type", ""))
        except ValueError as error:  # the detail only when the type is more than one name
            detail = "" if re.fullmatch(r"[\w.]+(, *optional)?", str(spec.get("type")).strip()) else f" ({error})"
            raise InputError(f"unknown type {spec.get('type')!r}{detail}", label, f"{where}.type") from None
        schema = {"description": spec["description"], **schema} if isinstance(spec.get("description"), str) else schema
        default = spec.get("default")
        optional = optional or ("default" in spec and default in ("", None))
        if default not in ("", None):
            value = _coerce(default, schema)
            if Validator(schema).is_valid(value):
                schema["default" if optional else "examples"] = value if optional else [value]
        if not optional:
            required.append(name)
        properties[name] = schema
    return {"type": "object", "properties": properties, "required": required}


def _coerce(value: Any, schema: dict[str, Any]) -> Any:
    """xLAM often writes a number's or boolean's default as a string ("10", "true")."""
    kind = schema.get("type")
    if isinstance(value, str) and kind in ("integer", "number") and re.fullmatch(r"-?\d+(\.\d+)?", value.strip()):
        return float(value) if kind == "number" or "." in value else int(value)
    return (
        value.casefold() == "true"
        if isinstance(value, str) and kind == "boolean" and value.casefold() in ("true", "false")
        else value
    )


def python_type(text: Any) -> tuple[dict[str, Any], bool]:
    """A Python annotation ("List[str]", "int, optional", "Dict[str, Any]") as (JSON Schema, optional)."""
    if not isinstance(text, str):
        raise ValueError("not a string")
    text, optional = re.subn(r",\s*optional\s*$", "", text.strip(), flags=re.I)
    marked = re.fullmatch(r"\s*(?:typing\.)?Optional\s*\[(.*)\]\s*", text, re.S)
    return (_py(marked.group(1) if marked else text) if text.strip() else {}), bool(optional or marked)


def _py(text: str) -> dict[str, Any]:
    options = _split(text, "|")
    if len(options) > 1:
        return _any_of([_py(option) for option in options])
    match = re.fullmatch(r"\s*([A-Za-z_][\w.]*)\s*(?:\[(.*)\])?\s*", text, re.S)
    if not match:
        raise ValueError(f"cannot read {text.strip()!r}")
    name, inner = match.group(1).rsplit(".", 1)[-1].casefold(), match.group(2)
    if name in TYPES and TYPES[name] is None:  # Any, Callable[[float], float]: no type to give
        return {}
    parts = [part.strip() for part in _split(inner, ",")] if inner is not None else []
    args = [{} if part == "..." else _py(part) for part in parts]
    if name in ("optional", "union"):
        return _any_of(args + ([{"type": "null"}] if name == "optional" else []))
    if name in ARRAYS:
        schema: dict[str, Any] = {"type": "array"}
        if name == "tuple" and len(parts) > 1 and "..." not in parts:  # Tuple[int, int]: exactly two
            schema.update(items=_any_of(args), minItems=len(args), maxItems=len(args))
        elif args and args[0]:
            schema["items"] = args[0]
        return {**schema, "uniqueItems": True} if name in ("set", "frozenset") else schema
    if name not in TYPES:
        raise ValueError(f"no type named {name!r}")
    schema = {"type": TYPES[name]} if TYPES[name] else {}
    if TYPES[name] == "object" and len(args) == 2 and args[1]:
        schema["additionalProperties"] = args[1]
    return schema


def _split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` outside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "[(") - (char in "])")
        if char == separator and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _any_of(options: list[dict[str, Any]]) -> dict[str, Any]:
    unique = [option for i, option in enumerate(options) if option not in options[:i]]
    return {} if {} in unique else unique[0] if len(unique) == 1 else {"anyOf": unique}


def _named(items: list[Imported]) -> list[Imported]:
    """Map names outside ^[a-zA-Z0-9_-]{1,64}$; valid names are kept, collisions get _2, _3, ..."""
    used = {item.body["name"] for item in items if TOOL_NAME_RE.match(item.body["name"])}
    for item in (item for item in items if not TOOL_NAME_RE.match(item.body["name"])):
        base = mapped = re.sub(r"[^A-Za-z0-9_-]", "_", item.body["name"].strip())[:64] or "tool"
        number = 1
        while mapped in used:
            number += 1
            mapped = f"{base[: 63 - len(str(number))]}_{number}"
        used.add(mapped)
        item.body["name"], item.original = mapped, item.body["name"]
    return items
