"""BFCL's AST check: one turn's calls against *possible answers*, the shape evaluation scores with.

A possible answer is BFCL's: one entry per expected call, `{function_name: {parameter: [allowed
values]}}`. `""` among a parameter's allowed values means it may be left out. A dict value is
allowed by a dict of `{key: [allowed values]}` (nested as deep as the value); a list value by a
list of the same length whose items are allowed one by one (a dict item by a dict of allowed
lists). `possible_answer` turns a record's reference calls into that shape, so our test split and
BFCL's files are scored by the same rules.

The rules are BFCL's `simple_function_checker` (bfcl_eval.eval_checker.ast_eval.ast_checker):
- the function name is the expected one (`wrong_function`);
- every parameter the schema requires is there (`missing_argument`);
- every given parameter is in the schema and in the possible answer (`unexpected_argument`);
- its type is the schema's (an integer where a number is expected is fine; a boolean is never a
  number) or the type of an allowed value (BFCL's "variable" answers), else `wrong_type`;
- its value is one of the allowed ones (`wrong_value`): strings compare BFCL-standardised
  (case-insensitive, without spaces and `,./-_*^`), numbers by value;
- every expected parameter left out allows `""` (`missing_argument`).
Several calls: the same count (`wrong_call_count`), then matched in any order (a full matching,
not BFCL's first-fit, which can miss one), or in order with `ordered`. With `typed=False` (BFCL's
Java and JavaScript files, whose schemas name Java types), no type is checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from filters.match import Match

OPTIONAL = ""  # BFCL's mark for "may be left out"
_NO_DEFAULT = object()
_PUNCTUATION = re.compile(r"[ ,./\-_*^]")
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}


def standardize(text: str) -> str:
    """BFCL's string normal form: lower case, no spaces or `,./-_*^`, single quotes as double."""
    return _PUNCTUATION.sub("", text).lower().replace("'", '"')


def allows(option: Any, value: Any) -> bool:
    """Whether a parameter's `value` is the allowed value `option`, as BFCL compares: a string
    standardised; a list item by item in order (its strings standardised, its dicts as below, its
    lists exactly); a dict key by key against `{key: [allowed]}` (a key may be missing only when
    `""` is allowed; its strings standardised, its lists and dicts exactly)."""
    if isinstance(option, Mapping):
        return _dict_allows(option, value)
    if isinstance(option, (list, tuple)):
        return (
            isinstance(value, (list, tuple))
            and len(value) == len(option)
            and all(_item_allows(o, v) for o, v in zip(option, value))
        )
    return _scalar(option, value)


def any_allows(allowed: Any, value: Any) -> bool:
    """Whether one of a parameter's allowed values (a list) allows `value` (`""` allows an empty
    string: BFCL's string check does not skip it)."""
    return any(allows(option, value) for option in _listed(allowed))


def _item_allows(option: Any, value: Any) -> bool:
    if isinstance(option, Mapping):
        return _dict_allows(option, value)
    return _exact(option, value) if isinstance(option, (list, tuple)) else _scalar(option, value)


def _dict_allows(option: Mapping[str, Any], value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    member = lambda allowed, item: (  # noqa: E731
        _exact(allowed, item) if isinstance(allowed, (Mapping, list, tuple)) else _scalar(allowed, item)
    )
    if any(key not in option or not any(member(a, item) for a in _listed(option[key])) for key, item in value.items()):
        return False
    return all(key in value or OPTIONAL in _listed(allowed) for key, allowed in option.items())


def _scalar(option: Any, value: Any) -> bool:
    """Two scalars: strings standardised, numbers by value (exactly: 10**30 is no float), a boolean
    only a boolean."""
    if isinstance(option, str) and isinstance(value, str):
        return standardize(option) == standardize(value)
    return _exact(option, value)


def _exact(option: Any, value: Any) -> bool:
    """Equal as JSON values, nothing standardised (BFCL compares nested containers so)."""
    if isinstance(option, bool) or isinstance(value, bool):
        return type(option) is type(value) and option == value
    if isinstance(option, Mapping) and isinstance(value, Mapping):
        return option.keys() == value.keys() and all(_exact(option[k], value[k]) for k in option)
    if isinstance(option, (list, tuple)) and isinstance(value, (list, tuple)):
        return len(option) == len(value) and all(_exact(o, v) for o, v in zip(option, value))
    if isinstance(option, (int, float)) and isinstance(value, (int, float)):
        return option == value  # Python compares int and float exactly, without overflow
    return type(option) is type(value) and option == value


def _listed(allowed: Any) -> list[Any]:
    return list(allowed) if isinstance(allowed, list) else [allowed]


def _is_optional_mark(option: Any) -> bool:
    return isinstance(option, str) and option == OPTIONAL


def _fits(value: Any, kind: str, exact: bool = False) -> bool:
    """Whether a value is of a JSON Schema type (`exact`: an integer is no number, as BFCL checks
    list items)."""
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    if exact and kind == "number":
        return isinstance(value, float)
    return isinstance(value, _TYPES.get(kind, object))


def _type_ok(value: Any, schema: Any, allowed: list[Any]) -> bool:
    """BFCL's type check: the schema's type (an integer is a number), each list item of the schema's
    item type (exactly), or else the type of the first allowed value (BFCL's "variables")."""
    kinds = schema.get("type") if isinstance(schema, Mapping) else None
    names = kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []
    if not names:
        return True  # `any`, or a schema without a type
    if any(_fits(value, kind) for kind in names):
        items = schema.get("items") if isinstance(schema.get("items"), Mapping) else {}
        kind = items.get("type")
        if isinstance(value, (list, tuple)) and isinstance(kind, str) and kind in _TYPES:
            # each item of the item type, or of the type of the allowed list's first item, for one
            # allowed value at least (a value that is no list, like "", lets any list pass: BFCL's)
            return any(
                not isinstance(option, list)
                or all(_fits(item, kind, exact=True) or _same_type(item, option) for item in value)
                for option in allowed
            )
        return True
    return _same_type(value, allowed)


def _same_type(value: Any, allowed: list[Any]) -> bool:
    """Whether `value` has the type of the first allowed value other than `""`."""
    first = next((option for option in allowed if not _is_optional_mark(option)), _NO_DEFAULT)
    return first is not _NO_DEFAULT and type(first) is type(value)


def check_call(
    call: Mapping[str, Any], expected: Mapping[str, Any], parameters: Mapping[str, Any] | None, typed: bool = True
) -> Match:
    """One call ({"name", "arguments"}) against one possible answer ({name: {param: [allowed]}})."""
    ((name, answer),) = expected.items()
    if call.get("name") != name:
        return Match(False, "wrong_function", f"expected {name}, got {call.get('name')}")
    arguments = call.get("arguments")
    if not isinstance(arguments, Mapping):
        return Match(False, "wrong_type", f"{name}: the arguments are not an object")
    properties = (parameters or {}).get("properties") or {}
    for key in (parameters or {}).get("required") or []:
        if key not in arguments:
            return Match(False, "missing_argument", f"{name}: required {key!r} is missing")
    for key, value in arguments.items():
        if key not in properties or key not in answer:
            return Match(False, "unexpected_argument", f"{name}: {key!r} was not expected")
        allowed = _listed(answer[key])
        if typed and not _type_ok(value, properties[key], allowed):
            return Match(False, "wrong_type", f"{name}: {key}={value!r} is not of the schema's type")
        if not any_allows(allowed, value):
            shown = [option for option in allowed if not _is_optional_mark(option)]
            wanted = f"expected one of {shown}" if shown else "expected it left out"
            return Match(False, "wrong_value", f"{name}: {key}={value!r}, {wanted}")
    for key, allowed in answer.items():
        if key not in arguments and OPTIONAL not in _listed(allowed):
            return Match(False, "missing_argument", f"{name}: {key!r} is missing")
    return Match(True)


def check_calls(
    calls: Sequence[Mapping[str, Any]],
    expected: Sequence[Mapping[str, Any]],
    schemas: Mapping[str, Mapping[str, Any]],
    ordered: bool = False,
    typed: bool = True,
) -> Match:
    """A turn's calls against its possible answers (`schemas`: name -> parameters): the count, then
    each call in order (`ordered`) or the best one-to-one matching in any order."""
    if len(calls) != len(expected):
        return Match(False, "wrong_call_count", f"expected {len(expected)} call(s), got {len(calls)}")
    verdicts = [
        [check_call(call, answer, schemas.get(next(iter(answer))), typed) for call in calls] for answer in expected
    ]
    if ordered:
        return next((row[i] for i, row in enumerate(verdicts) if not row[i].ok), Match(True))
    if _matching(verdicts):
        return Match(True)
    return _closest(verdicts, calls, expected)


def _matching(verdicts: list[list[Match]]) -> bool:
    """Whether every answer can take a distinct call that matches it (augmenting paths: a bipartite
    matching in polynomial time, however many calls alike)."""
    owner: dict[int, int] = {}  # call -> the answer it is given to

    def place(answer: int, seen: set[int]) -> bool:
        for call, verdict in enumerate(verdicts[answer]):
            if verdict.ok and call not in seen:
                seen.add(call)
                if call not in owner or place(owner[call], seen):
                    owner[call] = answer
                    return True
        return False

    return all(place(answer, set()) for answer in range(len(verdicts)))


def _closest(
    verdicts: list[list[Match]], calls: Sequence[Mapping[str, Any]], expected: Sequence[Mapping[str, Any]]
) -> Match:
    """What is wrong, said of the first answer no call matches, by the call closest to it: the one
    with the most allowed argument values, then the same name (the same values under another name
    is a wrong function; the same name with other values a wrong value)."""
    for row, answer in zip(verdicts, expected):
        if not any(verdict.ok for verdict in row):
            ((name, allowed),) = answer.items()
            return row[max(range(len(row)), key=lambda column: _closeness(calls[column], name, allowed))]
    return Match(False, "wrong_value", "each expected call matches some call, but no call matches only one")


def _closeness(call: Mapping[str, Any], name: str, allowed: Mapping[str, Any]) -> tuple[int, bool]:
    """How near a call is to one possible answer: its allowed argument values, then its name."""
    arguments = call.get("arguments")
    agreed = sum(
        key in allowed and any_allows(allowed[key], value)
        for key, value in (arguments.items() if isinstance(arguments, Mapping) else ())
    )
    return agreed, call.get("name") == name


def possible_answer(
    calls: Sequence[Mapping[str, Any]], schemas: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, dict[str, list[Any]]]]:
    """Reference calls ({"name", "arguments"}) as possible answers: each given value is allowed (an
    optional parameter given its default, or null, may also be left out); each optional parameter
    the reference leaves out may be left out or given its default."""
    out = []
    for call in calls:
        name, arguments = call["name"], call.get("arguments") or {}
        parameters = schemas.get(name) or {}
        properties, required = parameters.get("properties") or {}, set(parameters.get("required") or [])
        answer: dict[str, list[Any]] = {}
        for key, value in arguments.items():
            default = (properties.get(key) or {}).get("default", _NO_DEFAULT)
            same_as_absent = value is None or (default is not _NO_DEFAULT and allows(_nested(default), value))
            optional = key not in required and same_as_absent
            answer[key] = [_nested(value), *([OPTIONAL] if optional else [])]
        for key, schema in properties.items():
            if key not in arguments and key not in required:
                default = schema.get("default", _NO_DEFAULT) if isinstance(schema, Mapping) else _NO_DEFAULT
                answer[key] = [OPTIONAL] if default is _NO_DEFAULT else [OPTIONAL, _nested(default)]
        out.append({name: answer})
    return out


def _nested(value: Any, top: bool = True) -> Any:
    """A parameter's value as an allowed one, in BFCL's shape: a dict's values (its own, or those of
    the dicts in its list) become one-item lists; anything deeper stays as it is."""
    if isinstance(value, Mapping):
        return {key: [item] for key, item in value.items()}
    if top and isinstance(value, (list, tuple)):
        return [_nested(item, top=False) if isinstance(item, Mapping) else item for item in value]
    return value


def first_calls(
    expected: Sequence[Mapping[str, Any]], schemas: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One concrete call per possible answer ({"name", "arguments"}): a parameter that may be left
    out (`""` allowed) is, unless its schema (`schemas`: name -> parameters) requires it; the others
    take their first allowed value other than `""`, dicts and lists item by item."""
    out = []
    for answer in expected:
        ((name, parameters),) = answer.items()
        required = set(((schemas or {}).get(name) or {}).get("required") or [])
        arguments = {key: _first(allowed, key in required) for key, allowed in parameters.items()}
        out.append({"name": name, "arguments": {k: v for k, v in arguments.items() if v is not _LEFT_OUT}})
    return out


_LEFT_OUT = object()


def _first(allowed: Any, required: bool = False, raw: bool = False) -> Any:
    options = _listed(allowed)
    given = [option for option in options if not _is_optional_mark(option)]
    if not given:
        return OPTIONAL if required and options else _LEFT_OUT  # a required value that is ""
    if len(given) < len(options) and not required:
        return _LEFT_OUT
    return given[0] if raw else _concrete(given[0])


def _concrete(option: Any, top: bool = True) -> Any:
    """An allowed value as a concrete one: the inverse of _nested."""
    if isinstance(option, Mapping):
        values = {key: _first(allowed, raw=True) for key, allowed in option.items()}
        return {key: value for key, value in values.items() if value is not _LEFT_OUT}
    if top and isinstance(option, (list, tuple)):
        return [_concrete(item, top=False) if isinstance(item, Mapping) else item for item in option]
    return option
