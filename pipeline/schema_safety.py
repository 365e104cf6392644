"""What every JSON Schema we read must respect, and a validator that matches `pattern` safely.

`schema_limits_problem` is run before anything walks a schema recursively: at most
MAX_SCHEMA_DEPTH nested objects/arrays; every `pattern` and `patternProperties` key must compile
in RE2, a regex engine that matches in linear time (no catastrophic backtracking on `(a+)+$`;
it has no lookarounds or backreferences, so patterns using them are refused); no contradiction
that no value can satisfy (`minimum` > `maximum` and the length/items/properties/contains
pairs, an empty `enum`).

`Validator` is jsonschema's Draft 2020-12 validator with `pattern`, `patternProperties` and
`additionalProperties` matched by RE2; use it (and `search`) wherever a schema's patterns are
matched. (`unevaluatedProperties` would still match `patternProperties` with Python's `re`, so
a schema that has both is refused.)
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import re2
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from pipeline.parse import StrictError, check

MAX_SCHEMA_DEPTH = 64  # objects and arrays inside each other in one schema
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")  # name -> schema
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "propertyNames",
    "contains",
    "not",
    "if",
    "then",
    "else",
)
_RANGES = (  # (low, high, a value needs low < high rather than low <= high)
    ("minimum", "maximum", False),
    ("exclusiveMinimum", "maximum", True),
    ("minimum", "exclusiveMaximum", True),
    ("exclusiveMinimum", "exclusiveMaximum", True),
    ("minLength", "maxLength", False),
    ("minItems", "maxItems", False),
    ("minProperties", "maxProperties", False),
    ("minContains", "maxContains", False),
)
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str):
    """`pattern` compiled by RE2 (linear-time matching); ValueError when RE2 cannot run it."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as error:
        detail = error.args[0].decode(errors="replace") if error.args and isinstance(error.args[0], bytes) else error
        raise ValueError(
            f"{pattern!r} is not a regex RE2 can match ({detail}); patterns are matched by RE2, "
            "in linear time: no lookarounds, backreferences or possessive repeats"
        ) from None


def search(pattern: str, text: str) -> bool:
    """True when `pattern` matches somewhere in `text` (JSON Schema `pattern` semantics), by RE2."""
    return compile_pattern(pattern).search(text) is not None


def schema_limits_problem(schema: Any) -> tuple[tuple, str] | None:
    """(path inside the schema, message) for the first limit `schema` breaks, else None."""
    try:
        check(schema, MAX_SCHEMA_DEPTH)
    except StrictError as error:
        return error.parts, f"{error.message} (the limit for a JSON Schema)"
    unevaluated = None
    has_pattern_properties = False
    for node, parts in subschemas(schema):
        problem = _node_problem(node)
        if problem is not None:
            return (*parts, problem[0]), problem[1]
        has_pattern_properties = has_pattern_properties or isinstance(node.get("patternProperties"), dict)
        unevaluated = unevaluated or ((*parts, "unevaluatedProperties") if "unevaluatedProperties" in node else None)
    if unevaluated and has_pattern_properties:
        return unevaluated, "unevaluatedProperties together with patternProperties is not supported"
    return None


def schema_patterns(schema: Any) -> set[str]:
    """Every `pattern` and `patternProperties` key of `schema` and its sub-schemas."""
    found: set[str] = set()
    for node, _ in subschemas(schema):
        found.update([node["pattern"]] if isinstance(node.get("pattern"), str) else [])
        found.update(node["patternProperties"] if isinstance(node.get("patternProperties"), dict) else [])
    return found


def subschemas(schema: Any) -> Iterator[tuple[dict[str, Any], tuple]]:
    """Every schema object inside `schema` (itself included) with its path, in document order.
    Iterative, so any depth is safe; values (enum, examples, default, x-*) are not entered."""
    stack: list[tuple[Any, tuple]] = [(schema, ())]
    while stack:
        node, parts = stack.pop()
        if not isinstance(node, dict):
            continue
        yield node, parts
        children: list[tuple[Any, tuple]] = []
        for key, value in node.items():
            if key in SCHEMA_MAPS and isinstance(value, dict):
                children += [(sub, (*parts, key, name)) for name, sub in value.items()]
            elif key in _SCHEMA_LISTS and isinstance(value, list):
                children += [(sub, (*parts, key, index)) for index, sub in enumerate(value)]
            elif key in _SCHEMA_VALUES:
                children.append((value, (*parts, key)))
        stack.extend(reversed(children))


def _node_problem(node: dict[str, Any]) -> tuple[str, str] | None:
    """(keyword, message) for a limit one schema object breaks by itself."""
    if isinstance(node.get("pattern"), str):
        try:
            compile_pattern(node["pattern"])
        except ValueError as error:
            return "pattern", str(error)
    patterns = node.get("patternProperties")
    for key in patterns if isinstance(patterns, dict) else ():
        try:
            compile_pattern(key)
        except ValueError as error:
            return "patternProperties", str(error)
    for low, high, strict in _RANGES:
        a, b = node.get(low), node.get(high)
        if _is_number(a) and _is_number(b) and (a >= b if strict else a > b):
            return low, f"{low} {a} {'is not below' if strict else 'is above'} {high} {b}: no value fits"
    if node.get("enum") == []:
        return "enum", "enum is empty: no value fits"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


_ADDITIONAL = Draft202012Validator.VALIDATORS["additionalProperties"]


def _additional_properties(validator, additional, instance, schema):
    """jsonschema's additionalProperties, with the keys patternProperties covers found by RE2."""
    patterns = schema.get("patternProperties")
    if not isinstance(patterns, dict) or not validator.is_type(instance, "object"):
        yield from _ADDITIONAL(validator, additional, instance, schema)
        return
    rest = {key: value for key, value in instance.items() if not any(search(p, key) for p in patterns)}
    unpatterned = {key: value for key, value in schema.items() if key != "patternProperties"}
    yield from _ADDITIONAL(validator, additional, rest, unpatterned)


Validator = validators.extend(
    Draft202012Validator,
    {"pattern": _pattern, "patternProperties": _pattern_properties, "additionalProperties": _additional_properties},
)
