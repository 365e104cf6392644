"""Schema check: every call names a known function and its arguments fit the JSON Schema.

One compiled validator per parameters schema, cached and reused. The fast path is
fastjsonschema; only a call that fails it goes through jsonschema, which lists every error
with its path; both agree, since formats (date, date-time, email, uri, ...) are checked by
jsonschema's format checker on both paths, and `pattern`s are matched by RE2 on both paths
(pipeline.schema_safety: linear time; fastjsonschema's compiled patterns are swapped for RE2's,
and a schema where that is not possible has no fast path). Parameters are closed: objects that declare
`properties` and say nothing of `additionalProperties` get `additionalProperties: false`.
A tool schema that is itself broken (unknown type, dangling or cyclic $ref) is reported as
format/invalid_record at its path under `tools[i].function.parameters`.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

import fastjsonschema
from jsonschema.exceptions import SchemaError, ValidationError, best_match

from filters.base import Check, Issue, call_path
from pipeline.record import Conversation, append_path, json_path
from pipeline.schema_safety import Validator, compile_pattern, schema_limits_problem, schema_patterns

_CODE_BY_KEYWORD = {
    "required": "missing_required",
    "additionalProperties": "unexpected_argument",
    "unevaluatedProperties": "unexpected_argument",
    "type": "wrong_type",
    "enum": "enum_violation",
    "const": "enum_violation",
}
_COMPOSITES = ("anyOf", "oneOf", "allOf")
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else")  # apply to the same value
DATA_KEYS = ("enum", "const", "default", "examples")  # values, not schemas: no $ref inside
_FORMAT_CHECKER = Validator.FORMAT_CHECKER
# fastjsonschema's own format regexes are looser (uri); defer to jsonschema's so both paths agree
_FORMATS = {name: (lambda value, name=name: _FORMAT_CHECKER.conforms(value, name)) for name in _FORMAT_CHECKER.checkers}


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


def iter_refs(schema: Any, where: tuple = ()):
    """Yield (path inside the schema, ref) for every `$ref` string of a schema."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from iter_refs(item, where + (index,))
    elif isinstance(schema, dict):
        if isinstance(schema.get("$ref"), str):
            yield where + ("$ref",), schema["$ref"]
        for key, value in schema.items():
            if key not in DATA_KEYS and not str(key).startswith("x-"):
                yield from iter_refs(value, where + (key,))


def resolve_ref(root: Any, ref: str) -> Any:
    """The target of a local `#/...` JSON-pointer ref inside `root`; LookupError if there is none."""
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        raise LookupError(f"cannot resolve {ref!r}: only local '#/...' refs are supported")
    target = root
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            raise LookupError(f"cannot resolve {ref!r}")
    return target


def followed_ref(schema: Any, root: Any) -> dict[str, Any]:
    """`schema` with its local `$ref` followed, its own keys kept on top ({} for a non-object; an
    unresolvable ref is left as it is)."""
    if not isinstance(schema, dict):
        return {}
    if isinstance(schema.get("$ref"), str) and isinstance(root, dict):
        try:
            target = resolve_ref(root, schema["$ref"])
        except LookupError:
            return schema
        if isinstance(target, dict):
            return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def schema_problem(parameters: Any) -> tuple[str, str] | None:
    """(path inside the schema, message) when `parameters` is not a usable JSON Schema (or breaks a
    limit of pipeline.schema_safety), else None."""
    limits = schema_limits_problem(parameters)  # first: the checks below recurse
    if limits is not None:
        return json_path(list(limits[0])), limits[1]
    try:
        Validator.check_schema(parameters, format_checker=_FORMAT_CHECKER)
    except SchemaError as error:
        return json_path(list(error.path)), _schema_message(error)
    done: set[int] = set()
    for where, ref in iter_refs(parameters):
        try:
            target = resolve_ref(parameters, ref)
        except LookupError as error:
            return json_path(list(where)), str(error)
        if _loops(parameters, target, [], done):
            return json_path(list(where)), f"{ref!r} refers back to itself without going deeper"
    return None


def _loops(root: Any, schema: Any, stack: list[int], done: set[int]) -> bool:
    """True when in-place keywords ($ref, allOf, anyOf, ...) lead from `schema` back onto `stack`."""
    if not isinstance(schema, dict) or id(schema) in done:
        return False
    if id(schema) in stack:
        return True
    children = []
    if isinstance(schema.get("$ref"), str):
        with contextlib.suppress(LookupError):  # reported on its own
            children.append(resolve_ref(root, schema["$ref"]))
    for key in _IN_PLACE:
        value = schema.get(key)
        children += value if isinstance(value, list) else [value]
    stack.append(id(schema))
    if any(_loops(root, child, stack, done) for child in children):
        return True
    stack.pop()
    done.add(id(schema))
    return False


def _schema_message(error: SchemaError) -> str:
    """jsonschema's message, except a precise one for an unknown `type` name."""
    if isinstance(error.instance, str) and "type" in list(error.path)[-2:] and error.validator in ("anyOf", "enum"):
        return f"{error.instance!r} is not a valid type"
    return error.message


class ArgumentValidator:
    """Validates argument objects against one parameters schema; lists errors as (code, path, message).

    A broken schema (see schema_problem) sets `problem`; validating against it raises ValueError.
    """

    def __init__(self, parameters: dict[str, Any]):
        limits = schema_limits_problem(parameters)  # before close_schema and deepcopy, which recurse
        schema = close_schema(copy.deepcopy(parameters or {"type": "object"})) if limits is None else {}
        self.problem = (json_path(list(limits[0])), limits[1]) if limits is not None else schema_problem(schema)
        self._full = Validator(schema, format_checker=_FORMAT_CHECKER)
        self._fast: Callable[[Any], Any] | None = None
        if self.problem is None:
            try:
                fast = fastjsonschema.compile(schema, formats=_FORMATS, use_default=False)  # never write defaults
            except Exception:  # a construct fastjsonschema does not know: jsonschema alone
                fast = None
            self._fast = _matching_by_re2(fast, schema_patterns(schema)) if fast is not None else None

    def _fast_error(self, arguments: Any) -> fastjsonschema.JsonSchemaValueException | None:
        """The fast path's first error, None when it accepts (or there is no fast path)."""
        if self.problem is not None:
            raise ValueError(f"invalid schema at {self.problem[0] or 'its root'}: {self.problem[1]}")
        if self._fast is not None:
            try:
                self._fast(arguments)
            except fastjsonschema.JsonSchemaValueException as error:
                return error
        return None

    def is_valid(self, arguments: Any) -> bool:
        """True when the arguments fit the schema (fast path)."""
        fast = self._fast_error(arguments)
        return self._full.is_valid(arguments) if self._fast is None else fast is None

    def errors(self, arguments: Any) -> list[tuple[str, str, str]]:
        """Every error as (code, JSON path inside the arguments, message); [] exactly when is_valid."""
        fast = self._fast_error(arguments)
        if self._fast is None:
            return self._full_errors(arguments)
        return [] if fast is None else self._full_errors(arguments) or [_from_fast(fast)]

    def _full_errors(self, arguments: Any) -> list[tuple[str, str, str]]:
        found = []
        for error in sorted(self._full.iter_errors(arguments), key=lambda e: list(map(str, e.path))):
            leaf = _leaf(error)
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in leaf.absolute_path)
            found.append((_CODE_BY_KEYWORD.get(str(leaf.validator), "constraint_violation"), where, leaf.message))
        return found


def _matching_by_re2(fast: Callable[[Any], Any], patterns: set[str]) -> Callable[[Any], Any] | None:
    """`fast` with the schema's patterns matched by RE2 instead of Python's backtracking `re` (its
    compiled patterns live in the REGEX_PATTERNS dict of its globals, keyed by pattern; `fast` is a
    functools.partial of that function); None when they are not found there (another fastjsonschema
    version): then jsonschema alone validates."""
    if not patterns:
        return fast
    compiled = getattr(getattr(fast, "func", fast), "__globals__", {}).get("REGEX_PATTERNS")
    if not isinstance(compiled, dict) or not patterns <= compiled.keys():
        return None
    compiled.update({pattern: compile_pattern(pattern) for pattern in patterns})
    return fast


def _from_fast(error: fastjsonschema.JsonSchemaValueException) -> tuple[str, str, str]:
    """An error only the fast path sees (ECMA-262 regex: `$` does not match before a final newline)."""
    name = str(error.name or "data")
    where = name[len("data") :] if name.startswith("data") else ""
    text = (
        "arguments" + str(error.message)[len("data") :] if str(error.message).startswith("data") else str(error.message)
    )
    message = f"{error.value!r} breaks {error.rule}: {text} (JSON Schema's ECMA-262 regex rules)"
    return _CODE_BY_KEYWORD.get(str(error.rule), "constraint_violation"), where, message


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


_SEEN: dict[tuple, list[tuple[Any, ArgumentValidator]]] = {}  # shape -> (a copy of the schema, its validator)


def validator_for(parameters: dict[str, Any]) -> ArgumentValidator:
    """The cached compiled validator of a parameters schema.

    Every record repeats its tools' schemas, so the lookup is on the hot path: a schema equal
    (==) to one seen before under the same shape (its keys and property names) reuses that
    validator without serialising it; only a new schema pays for the canonical JSON key.
    (Python's == takes 1 for True; a schema differing from a seen one only there would share its
    validator.)
    """
    shape = _shape(parameters)
    for seen, validator in _SEEN.get(shape, ()):
        if seen == parameters:
            return validator
    validator = _validator_for(json.dumps(parameters, sort_keys=True))
    if len(_SEEN) > 4096:
        _SEEN.clear()
    _SEEN.setdefault(shape, []).append((copy.deepcopy(parameters), validator))
    return validator


def fits_parameter(value: Any, parameters: dict[str, Any], name: str) -> bool:
    """Whether `value` is valid for parameter `name` of a tool's `parameters` ($defs kept)."""
    defs = {key: parameters[key] for key in ("$defs", "definitions") if key in parameters}
    schema = {"type": "object", "properties": {name: (parameters.get("properties") or {}).get(name, {})}, **defs}
    return not validator_for(schema).errors({name: value})


def _shape(parameters: Any) -> tuple:
    if not isinstance(parameters, dict):
        return (type(parameters).__name__,)
    properties = parameters.get("properties")
    return tuple(parameters), tuple(properties) if isinstance(properties, dict) else ()


class SchemaCheck(Check):
    """Function names exist in the record's tools and arguments validate against them."""

    name = "schema"

    def __call__(self, record: Conversation) -> list[Issue]:
        validators = {tool.function.name: validator_for(tool.function.parameters) for tool in record.tools}
        issues = self._broken_tools(record, validators)
        for index, message in enumerate(record.messages):
            for call_index, call in enumerate(message.tool_calls or []):
                path = call_path(index, call_index)
                name, arguments = call.function.name, call.function.arguments
                if name not in validators:
                    issues.append(
                        self.issue(
                            "unknown_function", path + ".function.name", f"{name!r} is not one of the record's tools"
                        )
                    )
                    continue
                if isinstance(arguments, str) or validators[name].problem is not None:
                    continue  # the format check reports invalid_json; a broken schema is reported once
                for code, where, text in validators[name].errors(arguments):
                    issues.append(self.issue(code, f"{path}.function.arguments{where}", f"{name}: {text}"))
        return issues

    @staticmethod
    def _broken_tools(record: Conversation, validators: dict[str, ArgumentValidator]) -> list[Issue]:
        """A format/invalid_record issue per tool whose parameters are not a usable JSON Schema."""
        issues = []
        for index, tool in enumerate(record.tools):
            problem = validators[tool.function.name].problem
            if problem is not None:
                where, text = problem
                issues.append(
                    Issue(
                        "format",
                        "invalid_record",
                        append_path(f"tools[{index}].function.parameters", where),
                        f"{tool.function.name}: not a valid JSON Schema: {text}",
                    )
                )
        return issues
