"""Parameter roles: the one place that reads the seed annotations (`x-when`, `x-horizon`,
`x-after`, `x-max-span`, `x-typical`, `x-entity`, `x-entity-key`) and infers them where a tool
has none. The planner draws values from these roles and filters.plausibility checks them.

- `x-when`: "future" | "past" | "any" on a date or date-time parameter, relative to `meta.now`;
  `x-horizon`: [low_days, high_days], the typical offset from now (for the planner).
- `x-after`: a sibling this parameter must be later than (dates, date-times, "HH:MM" times) or
  at least (numbers); `x-max-span`: the largest distance from it ("30d", "12h", "90m", or a number);
  `x-min-span: "0d"`: an inclusive range (a date range may end on its start day); `x-span`:
  [low, high], the typical distance (for the planner: a meeting lasts ["30m", "2h"] though the
  cap lets a conference run for days).
- `x-typical`: [low, high], the typical range of a number.
- `x-entity`: "<kind>.<field>" binding a parameter to a field of a row of an entity table
  (seeds/entities/<kind>.json; the loader checks the kind, the field and the type);
  `x-entity-key` names which entity when a call has two of a kind ("origin", "destination").
- `x-count`: "<kind>.<field>" on a list, its length from that entity field (for the planner: a
  reminder's times, as many as its medication's doses a day).

Inference, only where the names make it safe: check_in/check_out (future, out after in, at most
30 days); start*/end*, new_start/new_end, departure_date/return_date, from_date/to_date pairs;
a date named `*_date`, `*_at`, `date`, start*/end* is "future" or "past" by the words of its name,
then of the tool's name, then of the descriptions (book, reserve, schedule, reminder, due,
deliver, depart, arrive, upcoming... / history, past, log, summary, last, completed...), and
"any" when they disagree or the tool only searches, lists or reports a status; birth dates are
past; min_*/max_* number pairs; typical ranges for a few well-known amounts (a money transfer,
an order total, a workout's minutes); entity fields from names (city, country_code, country,
state/region, postal_code/zip, street, address, IATA origin/destination, email, phone...).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from filters.schema import resolve_ref
from pipeline.record import append_path

WHEN = ("future", "past", "any")
NO_DEFAULT = object()  # Role.default when the schema gives none
SPAN = re.compile(r"^(\d+(?:\.\d+)?)\s*([dhm])$")
_SPAN_MINUTES = {"d": 1440, "h": 60, "m": 1}
_CLOCK_PATTERN = re.compile(r"HH:MM|\[01\]\[0-9\]\|2\[0-3\]|\\d\{1,2\}:\\d\{2\}|\\d\{2\}:\\d\{2\}")
_WORD = re.compile(r"[a-z]+")

_FUTURE = {
    "book",
    "books",
    "booking",
    "reserve",
    "reserves",
    "reservation",
    "schedule",
    "schedules",
    "scheduled",
    "reschedule",
    "reminder",
    "reminders",
    "remind",
    "due",
    "deliver",
    "delivery",
    "depart",
    "departure",
    "arrive",
    "arrival",
    "future",
    "upcoming",
}
_PAST = {
    "history",
    "historical",
    "past",
    "logged",
    "log",
    "summary",
    "last",
    "previous",
    "completed",
    "recorded",
    "birth",
}
_NEUTRAL = {"search", "list", "lists", "find", "finds", "status", "filter", "query"}  # tools that look things up
_DATE_NAME = re.compile(r"(^|_)(date|at|by|start|end|begin|from|to|check_in|check_out|birth)($|_)|^date|birth")
_TYPICAL: tuple[tuple[re.Pattern, re.Pattern | None, re.Pattern | None, tuple[float, float]], ...] = (
    # (parameter name, tool words that must appear, tool words that must not, typical range)
    (re.compile(r"^amount$"), re.compile(r"transfer|send|pay|wire"), re.compile(r"convert"), (10.0, 3000.0)),
    (re.compile(r"^total(_amount)?$"), re.compile(r"food|restaurant|meal"), None, (10.0, 150.0)),
    (
        re.compile(r"^total(_amount)?$"),
        re.compile(r"order|purchase|checkout"),
        re.compile(r"food|restaurant|stock"),
        (10.0, 1500.0),
    ),
    (re.compile(r"^tip(_amount)?$"), None, None, (1.0, 30.0)),
    (re.compile(r"^duration(_minutes)?$"), re.compile(r"workout|exercise|fitness"), None, (15.0, 100.0)),
    (re.compile(r"^distance(_km)?$"), re.compile(r"workout|exercise|fitness"), None, (1.0, 40.0)),
    (re.compile(r"^calories(_burned)?$"), re.compile(r"workout|exercise|fitness"), None, (100.0, 1200.0)),
    (re.compile(r"^quantity$"), re.compile(r"order|cart|purchase"), re.compile(r"stock|return|share"), (1.0, 5.0)),
    (re.compile(r"^(max_)?price_per_night$"), None, None, (50.0, 500.0)),
)
_IATA = re.compile(r"\biata\b|airport", re.IGNORECASE)


@dataclass(frozen=True)
class Role:
    """What a parameter is, for the planner and the plausibility check. `inferred` names the fields
    that come from names and descriptions rather than x-* annotations."""

    path: str = ""  # argument path: "check_in", "shipping_address.city", "items[].quantity"
    kind: str = ""  # date, date-time, time, number, string, boolean, object, array, null
    when: str | None = None
    horizon: tuple[float, float] | None = None
    after: str | None = None  # argument path of the parameter this one must follow
    strict: bool = True  # after: strictly later (dates of an inclusive range and numbers may be equal)
    max_span: str | float | None = None
    typical: tuple[float, float] | None = None
    entity: str | None = None
    entity_key: str | None = None
    default: Any = NO_DEFAULT
    required: bool = False
    nullable: bool = False
    description: str = ""
    inferred: frozenset[str] = field(default_factory=frozenset)

    @property
    def name(self) -> str:
        """The parameter's own name (the last step of its path)."""
        return self.path.rsplit(".", 1)[-1].removesuffix("[]")


def span_minutes(span: Any) -> float | None:
    """A date/time x-max-span ("30d", "12h", "90m") in minutes, else None."""
    match = SPAN.match(span.strip()) if isinstance(span, str) else None
    return float(match.group(1)) * _SPAN_MINUTES[match.group(2)] if match else None


def roles_of(parameters: dict, tool_name: str = "", description: str = "") -> dict[str, Role]:
    """Role of every parameter of a tool (nested objects and arrays of objects too), keyed by its
    argument path: declared x-* keys first, then what the names and descriptions make safe to infer."""
    nodes = list(_nodes(parameters))
    kinds = {node.path: node.kind for node in nodes}
    return {node.path: _role(node, kinds, tool_name, description) for node in nodes}


def role_problems(parameters: dict) -> list[tuple[str, str]]:
    """(JSON path inside the parameters schema, message) for every malformed annotation: x-when on a
    non-date, x-after naming a missing sibling or one of another type, x-max-span unparseable,
    x-typical not [low <= high] numbers, x-entity not of the form "<kind>.<field>"."""
    problems: list[tuple[str, str]] = []
    nodes = list(_nodes(parameters))
    kinds = {node.path: node.kind for node in nodes}
    for node in nodes:
        problems.extend((join_path(node.where, key), message) for key, message in _node_problems(node, kinds))
    return problems


# ---------------------------------------------------------------- walking the schema


@dataclass
class _Node:
    path: str  # argument path
    parent: str  # argument path of the enclosing object ("" at the top)
    name: str
    where: str  # JSON path of the property inside the parameters schema
    schema: dict  # the property with $ref and a nullable anyOf resolved (outer keys win)
    kind: str
    required: bool
    nullable: bool


def _nodes(parameters: Any) -> Iterator[_Node]:
    yield from _object_nodes(parameters, parameters, "", "", 0)


def _object_nodes(root: Any, schema: Any, prefix: str, where: str, depth: int) -> Iterator[_Node]:
    schema, _ = _resolved(root, schema)
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict) or depth > 6:
        return
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    for name, raw in properties.items():
        if not isinstance(raw, dict):
            continue
        resolved, nullable = _resolved(root, raw)
        path = f"{prefix}.{name}" if prefix else name
        place = join_path(where, f"properties.{name}")
        kind = value_kind(resolved)
        yield _Node(path, prefix, name, place, resolved, kind, name in required, nullable)
        if kind == "object":
            yield from _object_nodes(root, resolved, path, place, depth + 1)
        elif kind == "array" and isinstance(resolved.get("items"), dict):
            items, _ = _resolved(root, resolved["items"])
            if value_kind(items) == "object":
                yield from _object_nodes(root, items, f"{path}[]", join_path(place, "items"), depth + 1)


def join_path(base: str, rest: str) -> str:
    """A JSON path joined to a sub-path, where an empty base means the top ("" + "a" -> "a")."""
    return append_path(base, rest) if base else rest


def _resolved(root: Any, schema: Any) -> tuple[dict, bool]:
    """The schema with a local $ref followed and a nullable anyOf/oneOf reduced to its one
    non-null branch (the outer keys win); and whether null is allowed."""
    if not isinstance(schema, dict):
        return {}, False
    merged = dict(schema)
    for _ in range(8):
        ref = merged.get("$ref")
        if not isinstance(ref, str):
            break
        try:
            target = resolve_ref(root, ref)
        except LookupError:
            break
        merged = {**(target if isinstance(target, dict) else {}), **{k: v for k, v in merged.items() if k != "$ref"}}
    nullable = merged.get("type") == "null" or (isinstance(merged.get("type"), list) and "null" in merged["type"])
    for key in ("anyOf", "oneOf"):
        branches = merged.get(key)
        if not isinstance(branches, list):
            continue
        others = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
        if len(others) < len(branches):
            nullable = True
        if len(others) == 1:
            branch, _ = _resolved(root, others[0])
            merged = {**branch, **{k: v for k, v in merged.items() if k != key}}
    return merged, nullable


def value_kind(schema: dict) -> str:
    """What a parameter's values are: date, date-time, time (an HH:MM clock), number, string, or its JSON type."""
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared in ("integer", "number"):
        return "number"
    if declared == "string" or (declared is None and ("format" in schema or "pattern" in schema)):
        form = schema.get("format")
        if form in ("date", "date-time"):
            return form
        text = f"{schema.get('pattern', '')} {schema.get('description', '')}"
        return "time" if _CLOCK_PATTERN.search(text) else "string"
    return declared if isinstance(declared, str) else ""


# ---------------------------------------------------------------- declared and inferred


def _role(node: _Node, kinds: dict[str, str], tool_name: str, tool_description: str) -> Role:
    schema, inferred = node.schema, set()
    values: dict[str, Any] = {}
    when = schema.get("x-when")
    if when in WHEN and node.kind in ("date", "date-time"):
        values["when"] = when
    else:
        guessed = _infer_when(node, tool_name, tool_description)
        if guessed:
            values["when"], values["horizon"] = guessed
            inferred.update(("when", "horizon") if guessed[1] else ("when",))
    horizon = _pair(schema.get("x-horizon"))
    if horizon:
        values["horizon"] = horizon
        inferred.discard("horizon")
    after = schema.get("x-after")
    sibling = f"{node.parent}.{after}" if node.parent and isinstance(after, str) else after
    if isinstance(sibling, str) and _same_kind(kinds.get(sibling), node.kind):
        inclusive = span_minutes(schema.get("x-min-span")) == 0  # "0d": an end on the start's own day
        values["after"], values["strict"] = sibling, node.kind != "number" and not inclusive
        if _valid_span(schema.get("x-max-span"), node.kind):
            values["max_span"] = schema["x-max-span"]
    else:
        guessed_after = _infer_after(node, kinds)
        if guessed_after:
            values["after"], values["strict"], span = guessed_after
            inferred.update(("after", "strict"))
            if span is not None:
                values["max_span"] = span
                inferred.add("max_span")
    typical = _pair(schema.get("x-typical")) if node.kind == "number" else None
    if typical:
        values["typical"] = typical
    elif node.kind == "number":
        guessed_typical = _infer_typical(node, tool_name, tool_description)
        if guessed_typical:
            values["typical"] = guessed_typical
            inferred.add("typical")
    entity = schema.get("x-entity")
    if _entity_problem(entity, node.kind) is None:
        values["entity"] = entity
        if isinstance(schema.get("x-entity-key"), str):
            values["entity_key"] = schema["x-entity-key"]
    else:
        guessed_entity = _infer_entity(node)
        if guessed_entity:
            values["entity"], key = guessed_entity
            inferred.add("entity")
            if key:
                values["entity_key"] = key
                inferred.add("entity_key")
    return Role(
        path=node.path,
        kind=node.kind,
        default=schema.get("default", NO_DEFAULT),
        required=node.required,
        nullable=node.nullable,
        description=schema.get("description", "") if isinstance(schema.get("description"), str) else "",
        inferred=frozenset(inferred),
        **values,
    )


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower().replace("_", " ")))


def _decide(words: set[str]) -> str | None:
    future, past = bool(words & _FUTURE), bool(words & _PAST)
    if future != past:
        return "future" if future else "past"
    return "any" if future else None  # both kinds of words: undecided, stop looking


def _infer_when(node: _Node, tool_name: str, tool_description: str) -> tuple[str, tuple[float, float] | None] | None:
    if node.kind not in ("date", "date-time") or not _DATE_NAME.search(node.name):
        return None
    name = node.name.lower()
    if "birth" in name:
        return "past", (-43830.0, 0.0)
    if name in ("check_in", "check_out", "checkin", "checkout"):
        return "future", None
    description = node.schema.get("description", "") if isinstance(node.schema.get("description"), str) else ""
    tool_words = _words(tool_name)
    levels = (
        _words(name),
        tool_words,
        (_words(description) - {"last", "first"}) | _words(tool_description),  # "last day of the range"
    )
    for number, words in enumerate(levels):
        if number and tool_words & _NEUTRAL:
            return None  # a search, a listing, a status: any date may be asked about
        decided = _decide(words)
        if decided:
            return (decided, None) if decided != "any" else None
    return None


_PAIRS = (  # (this name, the name it comes after, strict for dates, span for dates, span for date-times)
    (re.compile(r"^check_?out$"), lambda m: ("check_in", "checkin"), True, "30d"),
    (re.compile(r"^return_date$"), lambda m: ("departure_date", "depart_date", "outbound_date"), False, None),
    (re.compile(r"^to_date$"), lambda m: ("from_date",), False, None),
    (re.compile(r"^end$"), lambda m: ("start", "begin"), False, None),
    (re.compile(r"^end_(.+)$"), lambda m: (f"start_{m.group(1)}", f"begin_{m.group(1)}"), False, None),
    (re.compile(r"^(.+)_end$"), lambda m: (f"{m.group(1)}_start",), False, None),
    (re.compile(r"^max_(.+)$"), lambda m: (f"min_{m.group(1)}",), False, None),
)
_DATETIME_SPAN = "14d"  # an event or a booked slot given as date-times rarely runs over two weeks


def _infer_after(node: _Node, kinds: dict[str, str]) -> tuple[str, bool, str | None] | None:
    if node.kind not in ("date", "date-time", "number"):
        return None
    for pattern, partners, strict_dates, span in _PAIRS:
        match = pattern.match(node.name.lower())
        if not match:
            continue
        for partner in partners(match):
            sibling = f"{node.parent}.{partner}" if node.parent else partner
            if not _same_kind(kinds.get(sibling), node.kind):
                continue
            is_number = node.kind == "number"
            if is_number != partner.startswith("min_"):
                continue  # min/max only for numbers; start/end only for dates
            if node.kind == "date-time":
                return sibling, True, span or _DATETIME_SPAN
            return sibling, strict_dates and not is_number, span if node.kind == "date" else None
    return None


def _infer_typical(node: _Node, tool_name: str, tool_description: str) -> tuple[float, float] | None:
    context = f"{tool_name} {tool_description}".lower()
    for name, needs, refuses, typical in _TYPICAL:
        if name.match(node.name.lower()) and (not needs or needs.search(context)):
            if refuses and refuses.search(tool_name.lower()):
                continue
            return typical
    return None


def _infer_entity(node: _Node) -> tuple[str, str | None] | None:
    if node.kind != "string":
        return None
    name, nested = node.name.lower(), bool(node.parent)
    description = str(node.schema.get("description", ""))
    if name in ("origin", "destination", "from", "to", "source", "departure", "arrival"):
        key = "origin" if name in ("origin", "from", "source", "departure") else "destination"
        if node.schema.get("pattern") == "^[A-Z]{3}$" or _IATA.search(description):
            return "city.airport", key
        return "address.full", key
    table = {
        "city": "address.city" if nested else "city.name",
        "country_code": "address.country_code" if nested else "city.country_code",
        "country": "city.country",
        "state": "city.state",
        "region": "city.state",
        "province": "city.state",
        "postal_code": "address.postal_code",
        "postcode": "address.postal_code",
        "zip": "address.postal_code",
        "zip_code": "address.postal_code",
        "street": "address.street",
        "address": "address.full",
        "airport": "city.airport",
        "email": "person.email",
        "phone": "person.phone",
        "timezone": "city.timezone",
        "ticker": "company.ticker",
        "sku": "product.sku",
    }
    if name in table:
        return table[name], None
    if name.endswith("_address") and "email" not in name:
        return "address.full", None
    if name.endswith("_email"):
        return "person.email", None
    return None


# ---------------------------------------------------------------- checking annotations


def _same_kind(a: str | None, b: str) -> bool:
    return a is not None and (a == b or {a, b} == {"date", "date-time"})


def _pair(value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
        and value[0] <= value[1]
    ):
        return float(value[0]), float(value[1])
    return None


def _valid_span(span: Any, kind: str) -> bool:
    if kind == "number":
        return isinstance(span, (int, float)) and not isinstance(span, bool) and span >= 0
    return span_minutes(span) is not None


def _entity_problem(entity: Any, kind: str, key: str = "x-entity") -> str | None:
    """The form of a binding (`key`: x-entity, x-count); its kind and field are checked against the
    entity tables where they live (pipeline.seeds.entities.bind_entities: the loader knows the
    tables, filters do not)."""
    if entity is None:
        return "absent"
    if not isinstance(entity, str) or entity.count(".") != 1 or not all(entity.split(".")):
        return f'{key} must be "<kind>.<field>", not {entity!r}'
    return None


def _node_problems(node: _Node, kinds: dict[str, str]) -> Iterator[tuple[str, str]]:
    schema, kind = node.schema, node.kind
    if "x-when" in schema:
        if schema["x-when"] not in WHEN:
            yield "x-when", f"must be one of {', '.join(WHEN)}, not {schema['x-when']!r}"
        elif kind not in ("date", "date-time"):
            yield "x-when", f"only a date or date-time parameter has a time role (this one is {kind or 'untyped'})"
    if "x-horizon" in schema and not _pair(schema["x-horizon"]):
        yield "x-horizon", "must be [low_days, high_days], two numbers with low <= high"
    if "x-after" in schema:
        after = schema["x-after"]
        sibling = f"{node.parent}.{after}" if node.parent and isinstance(after, str) else after
        if not isinstance(after, str):
            yield "x-after", "must be the name of a sibling parameter"
        elif kind not in ("date", "date-time", "time", "number"):
            yield "x-after", f"only dates, times and numbers are ordered (this one is {kind or 'untyped'})"
        elif sibling not in kinds:
            yield "x-after", f"names {after!r}, which is not a sibling parameter"
        elif not _same_kind(kinds[sibling], kind):
            yield "x-after", f"names {after!r}, a {kinds[sibling] or 'untyped'} parameter; this one is {kind}"
    if "x-max-span" in schema:
        if "x-after" not in schema:
            yield "x-max-span", "needs x-after (the span is measured from that parameter)"
        elif not _valid_span(schema["x-max-span"], kind):
            wanted = "a non-negative number" if kind == "number" else 'a span like "30d", "12h" or "90m"'
            yield "x-max-span", f"must be {wanted}, not {schema['x-max-span']!r}"
    if "x-min-span" in schema and (
        "x-after" not in schema or kind == "number" or span_minutes(schema["x-min-span"]) is None
    ):
        yield "x-min-span", 'needs x-after on a date or time, and a span like "0d"'
    if "x-span" in schema:
        typical = schema["x-span"]
        if (
            "x-after" not in schema
            or not isinstance(typical, list)
            or len(typical) != 2
            or any(span_minutes(v) is None for v in typical)
            or span_minutes(typical[0]) > span_minutes(typical[1])
        ):
            yield "x-span", 'needs x-after, and [low, high] spans like ["30m", "2h"]'
    if "x-typical" in schema:
        if kind != "number":
            yield "x-typical", f"only a number has a typical range (this one is {kind or 'untyped'})"
        elif not _pair(schema["x-typical"]):
            yield "x-typical", "must be [low, high], two numbers with low <= high"
    if "x-entity" in schema:
        problem = _entity_problem(schema["x-entity"], kind)
        if problem:
            yield "x-entity", problem
    if "x-count" in schema:
        problem = "only a list has a count" if kind != "array" else _entity_problem(schema["x-count"], kind, "x-count")
        if problem:
            yield "x-count", problem
    if "x-entity-key" in schema and (not isinstance(schema["x-entity-key"], str) or "x-entity" not in schema):
        yield "x-entity-key", "must be a name (origin, destination...) beside an x-entity"


ROLE_KEYS = (
    "x-when",
    "x-horizon",
    "x-after",
    "x-max-span",
    "x-min-span",
    "x-span",
    "x-typical",
    "x-entity",
    "x-entity-key",
    "x-count",
)


def annotations_of(tools: Iterable[Any]) -> dict[str, dict]:
    """Tool name -> its raw parameters, for every tool (anything with `.name` and `.parameters`, such
    as pipeline.seeds.SeedTool) whose parameters carry a role key; PlausibilityOptions reads it."""
    return {tool.name: tool.parameters for tool in tools if _has_role_key(tool.parameters)}


def _has_role_key(schema: Any) -> bool:
    if isinstance(schema, list):
        return any(_has_role_key(item) for item in schema)
    if isinstance(schema, dict):
        return any(key in ROLE_KEYS for key in schema) or any(_has_role_key(value) for value in schema.values())
    return False
