"""Strict parsing of the JSON and YAML users give us: tools, few-shot examples, job files, records.

Python's json module and PyYAML accept more than JSON: NaN, Infinity and -Infinity (and numbers
such as 1e999 that overflow to them), and duplicate keys, of which they silently keep the last.
Here each is a StrictError naming where it is, and so is nesting deeper than MAX_DEPTH levels
(the recursive code that reads the data later would crash with RecursionError on it).
Depends on nothing else in the project.
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

import yaml

MAX_DEPTH = 128  # objects and arrays inside each other in one input document


def json_path(parts) -> str:
    """Render a jsonschema/pydantic location like ('tools', 3, 'name') as tools[3].name."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class StrictError(ValueError):
    """Input that parses but is not strict JSON: `message` at `parts` (a JSON path) or on `line`."""

    def __init__(self, message: str, parts: tuple = (), line: int | None = None):
        super().__init__(message)
        self.message, self.parts, self.line = message, tuple(parts), line

    @property
    def path(self) -> str | None:
        """Where: a JSON path like tools[0].parameters, `line N`, or None for the whole document."""
        return json_path(self.parts) or (f"line {self.line}" if self.line else None)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class _Duplicated(dict):
    """An object that had a key twice (`duplicate`); check() reports it with its path."""

    duplicate: str = ""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) == len(pairs):
        return data
    seen: set[str] = set()
    marked = _Duplicated(data)
    marked.duplicate = next(key for key, _ in pairs if key in seen or seen.add(key))
    return marked


def loads(text: str | bytes) -> Any:
    """Parse JSON text strictly: json.JSONDecodeError on bad syntax, StrictError on NaN/Infinity,
    a duplicate key, nesting deeper than MAX_DEPTH or an integer too long to convert."""
    try:
        data = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise StrictError(f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # e.g. an integer of more than sys.get_int_max_str_digits() digits
        raise StrictError(str(error)) from None
    check(data)
    return data


class _StrictYAMLLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing a key given twice in one mapping (merge keys `<<` excepted)."""

    def construct_mapping(self, node, deep=False):
        keys: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            if key in keys:
                raise StrictError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
            keys.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    """Parse YAML with PyYAML's safe loader, strictly: yaml.YAMLError on bad syntax, StrictError on
    a duplicate key (with its line), .nan/.inf, or nesting deeper than MAX_DEPTH."""
    try:
        data = yaml.load(text, Loader=_StrictYAMLLoader)
    except RecursionError:
        raise StrictError(f"nested deeper than {MAX_DEPTH} levels") from None
    check(data)
    return data


MAX_YAML_VALUES = 2_000_000  # values a YAML document may expand to through its aliases


def _key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)  # true, false, null
    return key.isoformat() if isinstance(key, (datetime.date, datetime.datetime)) else str(key)


def json_types(data: Any, budget: list[int] | None = None, depth: int = 0) -> Any:
    """A YAML document's data in JSON's types: dates and times as ISO strings, keys as strings
    (YAML reads `200:` as an integer); StrictError for a value JSON has not (bytes, a set) and for
    aliases that expand past MAX_YAML_VALUES values (a "billion laughs" file). Call after check()."""
    budget = budget if budget is not None else [MAX_YAML_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise StrictError(f"its aliases expand to more than {MAX_YAML_VALUES} values")
    if depth > MAX_DEPTH:  # a value that contains itself through an alias
        raise StrictError(f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if _key(key) in out:  # `200:` and `"200":` are one key in JSON
                raise StrictError(f"duplicate key {_key(key)!r} (one written as a number, one as a string)")
            out[_key(key)] = json_types(value, budget, depth + 1)
        return out
    if isinstance(data, list):
        return [json_types(value, budget, depth + 1) for value in data]
    if isinstance(data, (datetime.date, datetime.datetime)):
        return data.isoformat()
    if data is None or isinstance(data, (str, int, float, bool)):
        return data
    raise StrictError(f"a {type(data).__name__} value is not JSON (quote it)")


def check(data: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise StrictError at the first (in document order) non-finite number, object with a
    duplicate key, or object/array nested deeper than `max_depth`. Iterative: any depth is safe."""
    stack: list[tuple[Any, tuple]] = [(data, ())]
    seen: set[int] = set()  # YAML aliases share (even cyclic) nodes: visit each once
    while stack:
        value, parts = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            shown = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
            raise StrictError(f"{shown} is not a JSON number (use a finite number or null)", parts)
        if not isinstance(value, (dict, list)) or id(value) in seen:
            continue
        seen.add(id(value))
        if len(parts) >= max_depth:
            raise StrictError(f"nested deeper than {max_depth} levels", parts)
        if isinstance(value, _Duplicated):
            raise StrictError(f"duplicate key {value.duplicate!r}", parts)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        stack.extend(reversed([(child, (*parts, key)) for key, child in items]))
