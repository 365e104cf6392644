"""What a parameter holds and what a value looks like, so a negative moves a value only where a
model could plausibly put it (a date into a date, a city into a city or a place, an order id into
an order id) and a pair counts as semantic only when its values fit their parameters.

A parameter's kind is its meaning: the structure filters.roles reads (date, date-time, time,
number, boolean) and, for strings, the entity it is bound to (the seed annotations' `x-entity`,
declared or inferred by filters.roles: city.name -> city, person.name -> person,
medication.name -> medication), an id's literal prefix (`^ORD-` -> id:ORD-), a format (email),
then the words of its name (query, title, text...). Records carry their tools without the seed
annotations, so a record tool that is a bundled seed tool (same name, same parameters) is read
with the seed's annotations (`catalog()`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from filters.roles import roles_of

# --- the bundled catalog -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def bundled_tools() -> list[Any]:
    """The bundled seed tools (pipeline.seeds.load_tools), loaded once per process."""
    from pipeline.seeds import load_tools  # the seeds read files: load them on first use

    return load_tools()


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, Any]]:
    """The bundled seed tools by name: {"domain", "description", "parameters"} with their x-*
    annotations."""
    return {
        tool.name: {"domain": tool.domain, "description": tool.description, "parameters": tool.parameters}
        for tool in bundled_tools()
    }


def annotated(name: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """A record tool's parameters with the seed annotations when it is the bundled tool of that
    name (same parameter names), else as given."""
    seed = catalog().get(name)
    if seed and set(seed["parameters"].get("properties") or {}) == set(parameters.get("properties") or {}):
        return seed["parameters"]
    return dict(parameters)


# --- parameter kinds -----------------------------------------------------------------------------

_ENTITY_KINDS = {
    "city.name": "city",
    "address.city": "city",
    "place.full": "place",
    "address.full": "place",
    "event.location": "place",
    "address.street": "street",
    "address.postal_code": "postal_code",
    "city.country_code": "country_code",
    "address.country_code": "country_code",
    "city.country": "country",
    "city.state": "region",
    "city.airport": "airport",
    "city.timezone": "timezone",
    "city.currency": "currency",
    "person.name": "person",
    "person.first_name": "person",
    "person.last_name": "person",
    "person.email": "email",
    "person.phone": "phone",
    "company.ticker": "ticker",
    "product.sku": "id:sku",
    "device.id": "id:device",
    "device_action.id": "id:device",
    "device.room": "room",
    "medication.name": "medication",
    "medication.dosage": "dose",
    "event.title": "title:event",
    "task.title": "title:task",
    "task.subtasks": "title:task",
    "playlist.name": "title:playlist",
    "address.name": "title:place",
    "address.lists": "title:list",
    "task.project": "title:project",
    "email_topic.subject": "title:subject",
    "message.text": "text",
    "email_topic.body": "text",
    "playlist.description": "text",
    "workout.note": "text",
    "visit.reason": "text",
    "music_query.query": "query:music",
    "product.query": "query:product",
    "recipe_query.ingredients": "food",
}
_NUMBER_WORDS = (
    ("money", {"amount", "price", "total", "cost", "fee", "tip", "budget", "balance", "salary", "rent", "fare"}),
    (
        "count",
        {"quantity", "qty", "count", "size", "passengers", "guests", "rooms", "limit", "results", "days", "stops"},
    ),
    ("duration", {"minutes", "seconds", "hours", "duration", "mins"}),
    ("percent", {"brightness", "volume", "percent", "percentage"}),
)
_STRING_WORDS = (
    ("query", {"query", "keywords", "keyword", "search", "q"}),
    ("city", {"city", "town"}),
    ("place", {"location", "address", "place", "origin", "destination", "venue", "near"}),
    ("person", {"recipient", "contact", "sender", "attendee", "guest", "patient", "owner", "assignee", "author"}),
    ("medication", {"drug", "medication", "medicine"}),
    ("dose", {"dosage", "dose"}),
    ("food", {"food", "dish", "meal", "ingredient", "ingredients", "menu"}),
    ("timezone", {"timezone", "tz"}),
    ("currency", {"currency"}),
    ("country_code", {"country"}),
    ("language", {"language", "lang", "locale"}),
    ("title", {"title", "subject", "project", "podcast", "movie", "playlist", "album", "artist", "song", "name"}),
    ("text", {"text", "body", "message", "note", "notes", "memo", "comment", "description", "requests", "reason"}),
)
_PREFIX = re.compile(r"^\^\(?([A-Za-z]{2,}[-_:]|[A-Za-z]+(?:\|[A-Za-z]+)+\)?:)")
_E164 = re.compile(r"\\\+")


def parameter_kinds(name: str, parameters: Mapping[str, Any], description: str = "") -> dict[str, str]:
    """Kind of every parameter of a tool (nested ones too), by argument path ("contact.name")."""
    return dict(_parameter_kinds(name, json.dumps(annotated(name, parameters), sort_keys=True), description))


@lru_cache(maxsize=2048)
def _parameter_kinds(name: str, parameters: str, description: str) -> tuple[tuple[str, str], ...]:
    schema = json.loads(parameters)
    out = []
    for path, role in roles_of(schema, name, description).items():
        out.append((path, _kind(role.name, role.kind, role.entity, _property(schema, path), name)))
    return tuple(out)


def _property(schema: dict[str, Any], path: str) -> dict[str, Any]:
    """The (nullable-resolved) schema of an argument path."""
    node: Any = schema
    for step in path.split("."):
        key, many = step.removesuffix("[]"), step.endswith("[]")
        node = ((node or {}).get("properties") or {}).get(key) or {}
        node = _plain(node)
        if many:
            node = _plain(node.get("items") or {})
    return node if isinstance(node, dict) else {}


def _plain(node: Any) -> dict[str, Any]:
    if not isinstance(node, dict):
        return {}
    for key in ("anyOf", "oneOf"):
        branches = [b for b in node.get(key) or [] if isinstance(b, dict) and b.get("type") != "null"]
        if len(branches) == 1:
            return {**branches[0], **{k: v for k, v in node.items() if k != key}}
    return node


def _words(name: str) -> set[str]:
    return set(re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower().replace("-", "_").split("_")) - {""}


def _kind(name: str, structure: str, entity: str | None, schema: dict[str, Any], tool: str = "") -> str:
    words = _words(name)
    if structure in ("date", "date-time", "time"):
        return {"date-time": "datetime"}.get(structure, structure)
    if structure == "boolean":
        return f"flag:{name}"
    if structure in ("object", "array", "null", ""):
        return f"{structure or 'any'}:{name}"
    if structure == "number":
        if words & {"level", "rating", "stars"}:
            return f"number:{name}"
        return next((kind for kind, cue in _NUMBER_WORDS if words & cue), f"number:{name}")
    if isinstance(schema.get("enum"), list):
        return "enum"
    if schema.get("format") == "email":
        return "email"
    if schema.get("format") in ("uri", "url"):
        return "url"
    if entity in _ENTITY_KINDS:
        return _ENTITY_KINDS[entity]
    pattern = schema.get("pattern") if isinstance(schema.get("pattern"), str) else ""
    if _E164.search(pattern):
        return "phone"
    prefix = _PREFIX.match(pattern)
    if prefix:
        return "id:" + prefix.group(1).strip("()")
    if pattern and (words & {"id", "reference", "code", "number"}):
        return f"id:{pattern}"
    if "id" in words:
        return f"id:{name}"
    kind = next((kind for kind, cue in _STRING_WORDS if words & cue), f"string:{name}")
    if kind == "title":  # what is titled: a podcast's name is no task's title
        return "title:" + next((word for word in sorted(words) if word not in ("title", "name")), "name")
    return f"query:{tool}" if kind == "query" else kind


# which parameter kinds a value of one kind may also go to (besides its own)
_MOVES = {
    "title:podcast": {"query:music"},
    "title:playlist": {"query:music"},
    "city": {"place"},
}
# kinds that qualify a request (when, how many, which option) rather than name what it is about
QUALIFIERS = ("date", "datetime", "time", "enum", "count", "money", "duration", "percent", "flag:", "number:")


def can_move(source: str, target: str) -> bool:
    """Whether a value of a `source` parameter plausibly goes into a `target` one (a city into a
    place, a title into a search query); enums move only where the target's enum has the value
    (the schema says so), flags, objects and lists only to a parameter of the same name."""
    if source == target:
        return not source.startswith(("flag:", "object:", "array:", "any:", "string:", "number:"))
    return target in _MOVES.get(source, set())


# --- value shapes --------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}")
_CLOCK = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?(\s*[ap]\.?m\.?)?$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")
_URL = re.compile(r"^[a-z]+://", re.IGNORECASE)
_UNITS = (
    "mg|mcg|µg|g|kg|ml|l|iu|units?|tablets?|tabs?|capsules?|caps?|pills?|puffs?|drops?|sprays?|patch(?:es)?|"
    "km|m|mi|miles?|cm|mm|lbs?|oz|%|percent|°[cf]?|degrees?|minutes?|mins?|hours?|hrs?|h|days?|nights?|"
    "teaspoons?|tsp|tablespoons?|tbsp|cups?|servings?|doses?|applications?|sachets?|softgels?|gummies|gummy|"
    "lozenges?|injections?|inhalations?|vials?|scoops?|suppositor(?:y|ies)|ampoules?|chewables?|pieces?"
)
_QUANTITY = re.compile(rf"^(\d+(?:[.,]\d+)?|one|two|three|half|a|an)\s*(?:{_UNITS})\.?(\s+\w+)?$", re.IGNORECASE)
_CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9]+([-_:./][A-Za-z0-9]+)*$|^[a-z0-9]+(_[a-z0-9]+)+$|^[A-Z]{2,4}$")


def value_shape(value: Any) -> str:
    """What a value looks like: bool, number, null, list, object, or for a string date, datetime,
    time, email, phone, url, quantity ("20 mg"), code (ORD-123, evt_a1, storm_door_lock, EUR),
    words (a name, a title, a short phrase) or text (a sentence)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    text = str(value).strip()
    for shape, pattern in (
        ("date", _ISO_DATE),
        ("datetime", _ISO_DATETIME),
        ("time", _CLOCK),
        ("email", _EMAIL),
        ("url", _URL),
        ("quantity", _QUANTITY),
        ("phone", _PHONE),
        ("code", _CODE),
    ):
        if pattern.match(text):
            return shape
    return "text" if len(text.split()) >= 6 else "words"


_FITS = {
    "date": {"date"},
    "datetime": {"datetime"},
    "time": {"time"},
    "email": {"email"},
    "phone": {"phone"},
    "url": {"url"},
    "dose": {"quantity", "words"},  # "400 mg", "pea-sized amount"; never a date or a code
    "text": {"words", "text", "quantity"},
}
_NAMES = {"words", "text"}  # a name, a title, a place: words, never a date, an id, a dose


def fits(value: Any, kind: str) -> bool:
    """Whether `value` is plausible for a parameter of `kind` by its shape (numbers and
    booleans are the schema's business; a string of the wrong shape is not: a date as a drug
    name, an order id as a city, "20 mg" as a medication)."""
    shape = value_shape(value)
    if shape in ("bool", "number", "null", "list", "object"):
        return True
    if kind in _FITS:
        return shape in _FITS[kind]
    if kind.startswith("query:"):
        return shape in ("words", "text", "code")
    if kind.startswith(("id:", "string:")) or kind in ("ticker", "airport", "currency", "country_code", "enum"):
        return shape not in ("date", "datetime", "time", "email", "url") or kind.startswith("string:")
    if kind in ("postal_code", "street"):
        return shape in _NAMES | {"code", "quantity", "phone"}  # 6133201 and 612-0882 are postal codes
    if kind.startswith("title:") or kind == "place":
        return shape in _NAMES or shape == "code"
    if kind in ("city", "person", "medication", "food", "region", "country", "room", "language"):
        return shape in _NAMES
    return True


def leaves(arguments: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(argument path as parameter_kinds keys it, scalar value) for every leaf of a call's arguments."""
    if isinstance(arguments, dict):
        for key, value in arguments.items():
            yield from leaves(value, f"{path}.{key}" if path else key)
    elif isinstance(arguments, list) and arguments and all(isinstance(item, dict) for item in arguments):
        for item in arguments:
            yield from leaves(item, f"{path}[]")
    elif isinstance(arguments, list):
        for item in arguments:
            yield path, item
    else:
        yield path, arguments


def implausible(name: str, parameters: Mapping[str, Any], arguments: Any) -> list[str]:
    """The argument paths of a call whose values do not fit their parameters' kinds."""
    kinds = parameter_kinds(name, parameters)
    return [path for path, value in leaves(arguments) if path in kinds and not fits(value, kinds[path])]
