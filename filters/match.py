"""The one matcher: do two sets of calls say the same thing?

Used by the blueprint round trip, the reference check, pairs and dedup. Evaluation scores a
model by BFCL's published rules instead (filters.possible: possible answers, BFCL's string
standardisation), so its numbers compare with BFCL's.
Strings compare case-, space- and Unicode-normalised; 3 equals 3.0 (but 1 never equals True); an
omitted optional argument equals its schema default; independent calls match in any order.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_MISSING = object()


@dataclass(frozen=True)
class Match:
    """Outcome of a comparison: ok, else a reference/category code and a message."""

    ok: bool
    code: str = ""
    message: str = ""


def normalize_value(value: Any) -> Any:
    """A comparable form of a JSON value (strings casefolded, whitespace collapsed, numbers as float)."""
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFKC", value).casefold().split())
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [normalize_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): normalize_value(item) for key, item in value.items()}
    return value


def same_value(left: Any, right: Any) -> bool:
    """Equality of normalised values where a bool never equals a number (Python's True == 1.0)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_value(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_value(a, b) for a, b in zip(left, right))
    return left == right


def _same_call(left: tuple[str, Any], right: tuple[str, Any]) -> bool:
    return left[0] == right[0] and same_value(left[1], right[1])


def with_defaults(arguments: Mapping[str, Any], parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Arguments with each omitted top-level optional filled from its schema default."""
    filled = dict(arguments)
    properties = parameters.get("properties") if isinstance(parameters, Mapping) else None
    for key, schema in properties.items() if isinstance(properties, Mapping) else ():
        if key not in filled and isinstance(schema, dict) and "default" in schema:
            filled[key] = schema["default"]
    return filled


def _as_pair(call: Any) -> tuple[str, Any]:
    """(name, arguments) from a FunctionCall, a ToolCall, or a dict of either shape."""
    if isinstance(call, Mapping):
        inner = call.get("function", call)
        return inner.get("name", ""), inner.get("arguments", {})
    inner = getattr(call, "function", call)
    return inner.name, inner.arguments


def call_key(call: Any, schemas: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[str, Any]:
    """Normalised (name, arguments) of a call, defaults filled in."""
    name, arguments = _as_pair(call)
    if isinstance(arguments, Mapping):
        arguments = with_defaults(arguments, (schemas or {}).get(name))
    return name, normalize_value(arguments)


def canonical_calls(calls: Iterable[Any], schemas: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """One turn's calls as one string, equal for equal calls in any order (dedup and split keys)."""
    keys = [
        json.dumps(call_key(call, schemas), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        for call in calls
    ]
    return "\x1f".join(sorted(keys))


def match_calls(
    expected: Iterable[Any],
    actual: Iterable[Any],
    schemas: Mapping[str, Mapping[str, Any]] | None = None,
    ordered: bool = False,
) -> Match:
    """Compare two call lists; `ordered` for dependent calls whose order matters."""
    want = [call_key(call, schemas) for call in expected]
    got = [call_key(call, schemas) for call in actual]
    if len(want) != len(got):
        return Match(False, "wrong_call_count", f"expected {len(want)} call(s), got {len(got)}")
    if sorted(name for name, _ in want) != sorted(name for name, _ in got):
        return Match(False, "wrong_function", f"expected {sorted(n for n, _ in want)}, got {sorted(n for n, _ in got)}")
    if ordered:
        if all(_same_call(w, g) for w, g in zip(want, got)):
            return Match(True)
        unordered = match_calls(expected, actual, schemas, ordered=False)
        return Match(False, "wrong_order", "same calls in another order") if unordered.ok else unordered
    remaining = list(got)
    for name, arguments in want:
        found = next((i for i, other in enumerate(remaining) if _same_call((name, arguments), other)), None)
        if found is None:
            return Match(False, "wrong_value", f"no call matches {name} with {arguments}")
        remaining.pop(found)
    return Match(True)
