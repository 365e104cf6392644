"""Schema check: every call names a known function and its arguments fit the JSON Schema.

One compiled validator per parameters schema, cached and reused. The fast path is
fastjsonschema; only a call that fails it goes through jsonschema, which lists every error
with its path. Formats (date, date-time, email, uri, ...) are really checked. Parameters are
closed: objects that declare `properties` and say nothing of `additionalProperties` get
`additionalProperties: false`.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from typing import Any, Callable

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from pipeline.record import Conversation

from filters.base import Check, Issue, call_path

_CODE_BY_KEYWORD = {
    "required": "missing_required",
    "additionalProperties": "unexpected_argument",
    "unevaluatedProperties": "unexpected_argument",
    "type": "wrong_type",
    "enum": "enum_violation",
    "const": "enum_violation",
}
_COMPOSITES = ("anyOf", "oneOf", "allOf")


def close_schema(schema: Any, inside_all_of: bool = False) -> Any:
    """Return a copy where objects with `properties` default to `additionalProperties: false`."""
    if isinstance(schema, list):
        return [close_schema(item, inside_all_of) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: close_schema(value, inside_all_of or key == "allOf") for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema and not inside_all_of:
        closed["additionalProperties"] = False
    return closed


def strip_extensions(schema: Any) -> Any:
    """Drop seed-only `x-*` keys everywhere in a schema (they never reach a record)."""
    if isinstance(schema, list):
        return [strip_extensions(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: strip_extensions(value) for key, value in schema.items() if not str(key).startswith("x-")}


class ArgumentValidator:
    """Validates argument objects against one parameters schema; lists errors as (code, path, message)."""

    def __init__(self, parameters: dict[str, Any]):
        schema = close_schema(copy.deepcopy(parameters or {"type": "object"}))
        self._full = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        self._fast: Callable[[Any], Any] | None
        try:
            self._fast = fastjsonschema.compile(schema, use_default=False)  # never write defaults into records
        except Exception:  # a construct fastjsonschema does not know: jsonschema alone
            self._fast = None

    def is_valid(self, arguments: Any) -> bool:
        """True when the arguments fit the schema (fast path)."""
        if self._fast is None:
            return self._full.is_valid(arguments)
        try:
            self._fast(arguments)
            return True
        except fastjsonschema.JsonSchemaException:
            return False

    def errors(self, arguments: Any) -> list[tuple[str, str, str]]:
        """Every error as (code, JSON path inside the arguments, message); [] when valid."""
        if self.is_valid(arguments):
            return []
        found = []
        for error in sorted(self._full.iter_errors(arguments), key=lambda e: list(map(str, e.path))):
            leaf = _leaf(error)
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in leaf.absolute_path)
            found.append((_CODE_BY_KEYWORD.get(str(leaf.validator), "constraint_violation"), where, leaf.message))
        return found


def _leaf(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf failures, descend to the most relevant sub-error."""
    while error.validator in _COMPOSITES and error.context:
        # prefer the branch whose type fitted the value and failed deeper (nullable date -> bad date)
        deeper = [sub for sub in error.context if sub.validator != "type"]
        error = best_match(deeper or error.context)
    return error


@lru_cache(maxsize=4096)
def _validator_for(schema_json: str) -> ArgumentValidator:
    return ArgumentValidator(json.loads(schema_json))


def validator_for(parameters: dict[str, Any]) -> ArgumentValidator:
    """The cached compiled validator of a parameters schema."""
    return _validator_for(json.dumps(parameters, sort_keys=True))


class SchemaCheck(Check):
    """Function names exist in the record's tools and arguments validate against them."""

    name = "schema"

    def __call__(self, record: Conversation) -> list[Issue]:
        schemas = record.tool_schemas()
        issues = []
        for index, message in enumerate(record.messages):
            for call_index, call in enumerate(message.tool_calls or []):
                path = call_path(index, call_index)
                name, arguments = call.function.name, call.function.arguments
                if name not in schemas:
                    issues.append(self.issue("unknown_function", path + ".function.name", f"{name!r} is not one of the record's tools"))
                    continue
                if isinstance(arguments, str):
                    continue  # the format check reports invalid_json
                for code, where, text in validator_for(schemas[name]).errors(arguments):
                    issues.append(self.issue(code, f"{path}.function.arguments{where}", f"{name}: {text}"))
        return issues
