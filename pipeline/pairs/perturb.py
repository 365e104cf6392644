"""The original typed mistakes: each yields candidate rejected turns for a decision, most
plausible first (pipeline.pairs.build verifies them)."""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from typing import Any

from filters.gazetteer import gazetteer
from filters.grounding import GroundingCheck
from filters.lexicon import synonyms
from filters.match import canonical_calls, same_value
from filters.mentions import dates_in, loose, numbers_in, reference_moment
from filters.schema import validator_for
from pipeline.pairs.base import Decision, Turn, _fits, _json_type, _properties, _replace, _with_calls
from pipeline.pairs.kinds import QUALIFIERS, can_move, catalog, fits, leaves, parameter_kinds


def _tool_kinds(decision: Decision, name: str) -> dict[str, str]:
    """The parameter kinds of an offered tool (pipeline.pairs.kinds), by argument path."""
    tool = next((tool for tool in decision.record.tools if tool.function.name == name), None)
    if tool is None:
        return {}
    return parameter_kinds(name, tool.function.parameters, tool.function.description or "")


def _domain(decision: Decision, name: str) -> str | None:
    return decision.domains.get(name) or (catalog().get(name) or {}).get("domain")


def _movable(source: str, target: str, value: Any, same_name: bool = False) -> bool:
    """Whether a value of a `source`-kind parameter plausibly goes into a `target`-kind one."""
    if same_name and source == target:
        return fits(value, target)
    return can_move(source, target) and fits(value, target)


def _moved(decision: Decision, call: dict[str, Any], name: str) -> tuple[dict[str, Any], set[str]] | None:
    """The call's values in tool `name`'s parameters, and the call's keys they came from: a
    same-named argument of the same kind keeps its value, a required one takes another of the
    values whose kind moves there; None when a required parameter stays empty or the arguments
    are not schema-valid."""
    schema = decision.schema(name) or {}
    properties = _properties(schema)
    source, target = _tool_kinds(decision, call["name"]), _tool_kinds(decision, name)
    arguments: dict[str, Any] = {}
    carried: set[str] = set()
    spare = []
    for key, value in call["arguments"].items():
        if key in properties and _movable(source.get(key, ""), target.get(key, ""), value, same_name=True):
            arguments[key] = value
            carried.add(key)
        else:
            spare.append((key, value))
    required = schema.get("required") or []
    for key in required:
        if key in arguments or not isinstance(properties.get(key), dict):
            continue
        for item in spare:
            if _movable(source.get(item[0], ""), target.get(key, ""), item[1]) and _fits(schema, key, item[1]):
                arguments[key] = item[1]
                carried.add(item[0])
                spare.remove(item)
                break
    if all(key in arguments for key in required) and validator_for(schema).is_valid(arguments):
        return arguments, carried
    return None


def _subjects(decision: Decision, call: dict[str, Any]) -> set[str]:
    """The call's arguments that say what it is about (an id, a name, a place, a ticker, a message
    body...), not how (dates, counts, amounts, options, flags, optional notes)."""
    kinds = _tool_kinds(decision, call["name"])
    required = set((decision.schema(call["name"]) or {}).get("required") or [])
    return {
        key
        for key in call["arguments"]
        if not kinds.get(key, "").startswith(QUALIFIERS) and (key in required or kinds.get(key) != "text")
    }


def _siblings(decision: Decision, call: dict[str, Any], rng: random.Random) -> list[tuple[str, dict[str, Any]]]:
    """(tool, arguments) of every other offered tool of the call's domain that holds all the values
    saying what the call is about, by kind (`_moved`): the status of the lock it was to unlock,
    the message sent now that was to be scheduled (a call whose values only qualify it, dates and
    options, must keep at least half of them). Those keeping the most values first."""
    domain = _domain(decision, call["name"])
    subjects = _subjects(decision, call)
    found = []
    for tool in decision.record.tools:
        name = tool.function.name
        other = _domain(decision, name)
        if name == call["name"] or (domain and other and other != domain):
            continue
        moved = _moved(decision, call, name)
        if moved is None or not subjects <= moved[1] or (call["arguments"] and not moved[1]):
            continue
        kept = len(moved[1]) / max(1, len(call["arguments"]))
        if not subjects and kept < 0.5:  # a call about nothing named: keep most of what it asks
            continue
        found.append((kept, rng.random(), name, moved[0]))
    return [(name, arguments) for _, _, name, arguments in sorted(found, key=lambda f: (f[0], f[1]), reverse=True)]


def wrong_function(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call to a sibling tool of the same domain that can hold the call's values by type and
    meaning (pipeline.pairs.kinds: a date into a date, a city into a city or a place, an id into an
    id of its kind, a title into a search query): a same-named argument keeps its value, a
    required one takes another of the call's values of a kind that moves there; the sibling that
    keeps the most values first, one that keeps none is no candidate. Still grounded, still
    schema-valid: only the reference tells it apart."""
    for number, call in enumerate(decision.calls):
        for name, arguments in _siblings(decision, call, rng):
            yield _replace(decision, number, name, arguments)


def wrong_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Two values of one kind swapped (inside a call: origin and destination, two counts; or
    between two calls of one function), or a value the conversation gave for the same kind of
    argument in another turn. Kinds by pipeline.pairs.kinds: a dose never trades places with a
    medication name, a message body never with a contact."""
    calls = decision.calls
    for number, call in enumerate(calls):
        kinds = _tool_kinds(decision, call["name"])
        keys = list(call["arguments"])
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                left, right = call["arguments"][keys[a]], call["arguments"][keys[b]]
                kind = kinds.get(keys[a], "")
                if (
                    kind == kinds.get(keys[b])
                    and can_move(kind, kind)
                    and _json_type(left) == _json_type(right)
                    and not same_value(left, right)
                    and fits(left, kind)
                    and fits(right, kind)
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], keys[a]: right, keys[b]: left})
    for a in range(len(calls)):
        for b in range(a + 1, len(calls)):
            if calls[a]["name"] != calls[b]["name"]:
                continue
            for key in calls[a]["arguments"]:
                left, right = calls[a]["arguments"][key], calls[b]["arguments"].get(key)
                if key in calls[b]["arguments"] and not same_value(left, right):
                    swapped = copy.deepcopy(calls)
                    swapped[a]["arguments"][key], swapped[b]["arguments"][key] = right, left
                    if not all(same_value(x, y) for x, y in zip(swapped, calls)) and swapped != [calls[b], calls[a]]:
                        yield _with_calls(decision, swapped)
    for number, call in enumerate(calls):
        kinds = _tool_kinds(decision, call["name"])
        for other in _earlier_calls(decision):
            theirs = kinds if other["name"] == call["name"] else _tool_kinds(decision, other["name"])
            for key, value in other["arguments"].items():
                if (
                    key in call["arguments"]
                    and theirs.get(key) == kinds.get(key)
                    and not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                    and fits(value, kinds.get(key, ""))
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: value})


def _earlier_calls(decision: Decision) -> list[dict[str, Any]]:
    """The calls of the turns before the decision, as {"name", "arguments"} (dict arguments only)."""
    return [
        {"name": call.function.name, "arguments": call.function.arguments}
        for message in decision.record.messages[: decision.index]
        for call in message.tool_calls or []
        if isinstance(call.function.arguments, dict)
    ]


def invented_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A value nobody said: the schema's own example copied in, or a number off by one."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        properties = _properties(schema)
        for key, value in call["arguments"].items():
            spec = properties.get(key) if isinstance(properties.get(key), dict) else {}
            for example in spec.get("examples") or []:
                if (
                    _json_type(example) == _json_type(value)
                    and not same_value(example, value)
                    and _fits(schema, key, example)
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: example})
            if isinstance(value, (int, float)) and not isinstance(value, bool) and _fits(schema, key, value + 1):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: value + 1})


def wrong_order(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Dependent calls of one turn (an ordered reference) in another order."""
    calls = decision.calls
    if len(calls) >= 2:
        yield _with_calls(decision, list(reversed(calls)))


def missing_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One of the parallel calls left out."""
    calls = decision.calls
    if len(calls) >= 2:
        for number in rng.sample(range(len(calls)), len(calls)):
            yield _with_calls(decision, calls[:number] + calls[number + 1 :])


def extra_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One call too many, of the kinds models make, in a random order: a sibling tool on the same
    values (the forecast besides the current weather), the same function with one value taken
    from another call of the conversation (an item named earlier but not asked for now, or the
    other lock's action applied to this one too), or the same call without one of its optional
    arguments (a broader retry). A call made twice only where none of these exists."""
    calls = decision.calls
    schemas = decision.record.tool_schemas()
    made = {canonical_calls([call], schemas) for call in calls + _earlier_calls(decision)}
    found: list[tuple[int, dict[str, Any]]] = []
    for number, call in enumerate(calls):
        found += [
            (number, {"name": name, "arguments": arguments}) for name, arguments in _siblings(decision, call, rng)
        ]
        kinds = _tool_kinds(decision, call["name"])
        for other in _earlier_calls(decision) + calls:
            theirs = kinds if other["name"] == call["name"] else _tool_kinds(decision, other["name"])
            for key, value in other["arguments"].items():
                if key in call["arguments"] and theirs.get(key) == kinds.get(key) and fits(value, kinds.get(key, "")):
                    found.append((number, {"name": call["name"], "arguments": {**call["arguments"], key: value}}))
        required = (decision.schema(call["name"]) or {}).get("required") or []
        for key in call["arguments"]:
            if key not in required:
                arguments = {k: v for k, v in call["arguments"].items() if k != key}
                found.append((number, {"name": call["name"], "arguments": arguments}))
    rng.shuffle(found)
    for number, extra in found:
        key = canonical_calls([extra], schemas)
        if key not in made:
            made.add(key)
            yield _with_calls(decision, calls[: number + 1] + [copy.deepcopy(extra)] + calls[number + 1 :])
    for number in range(len(calls)):
        yield _with_calls(decision, calls[: number + 1] + [copy.deepcopy(calls[number])] + calls[number + 1 :])


def missing_required(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A required argument left out."""
    for number, call in enumerate(decision.calls):
        for key in (decision.schema(call["name"]) or {}).get("required") or []:
            if key in call["arguments"]:
                yield _replace(decision, number, call["name"], {k: v for k, v in call["arguments"].items() if k != key})


# argument names APIs commonly have, that models add where a tool has none
READ_FLAGS = (
    "verbose",
    "detailed",
    "expand",
    "include_details",
    "include_metadata",
    "include_history",
    "include_all",
    "full_response",
    "pretty",
)
WRITE_FLAGS = ("dry_run", "force", "confirm", "notify", "async", "send_confirmation", "validate_only")
COMMON_FLAGS = READ_FLAGS + WRITE_FLAGS
COMMON_PAGING = ("page", "offset", "limit", "max_results", "page_size", "sort", "order", "sort_order")  # lookups only
COMMON_LOCALE = ("timezone", "tz", "currency", "country_code", "country", "language", "lang", "locale", "units")
_COMMON_KINDS = {"timezone": "timezone", "tz": "timezone", "currency": "currency", "country": "country_code"}
_LOOKUP = re.compile(r"^(?:search|list|find|get|lookup|browse|query|track|check)_")  # a count may qualify these
_LISTING = re.compile(r"^(?:search|list|find|browse|query)_")  # these return pages
# names one API calls what another calls differently: a model writes the one it knows
RENAMES = (
    ("limit", "max_results", "page_size", "count", "num_results"),
    ("sort", "sort_by", "order_by", "sort_order"),
    ("location", "city", "place"),
    ("notes", "note", "comment", "description", "memo"),
    ("message", "note", "comment", "text"),
    ("days", "num_days", "forecast_days"),
    ("after", "since", "from_date", "start_date"),
    ("due_before", "before", "until", "to_date"),
    ("party_size", "guests", "num_people", "people"),
    ("guests", "adults", "num_guests"),
    ("passengers", "adults", "travelers"),
    ("rooms", "num_rooms"),
    ("max_stops", "stops"),
    ("cabin_class", "cabin", "travel_class"),
    ("radius_meters", "radius"),
    ("mode", "travel_mode"),
    ("seat_preference", "seat"),
    ("time_of_day", "preferred_time"),
    ("visit_type", "appointment_type"),
    ("search_type", "type"),
    ("file_type", "type", "format"),
    ("shipping_speed", "shipping_method", "delivery_speed"),
    ("importance", "priority"),
    ("priority", "importance"),
    ("channel", "platform", "app"),
    ("units", "unit_system", "unit"),
    ("interval", "frequency", "granularity"),
    ("granularity", "interval", "resolution"),
    ("color_hex", "color", "colour"),
    ("transition_seconds", "transition", "fade_seconds"),
    ("volume", "volume_percent"),
    ("brightness", "brightness_percent", "level"),
    ("include_hourly", "hourly"),
    ("min_rating", "rating"),
    ("price_level", "price_range", "budget"),
    ("open_now", "is_open"),
    ("currency", "currency_code"),
    ("serving_grams", "serving_size", "grams"),
    ("max_prep_minutes", "max_time", "cook_time"),
    ("cuisine", "cuisine_type"),
    ("diet", "dietary_restriction"),
    ("info_type", "section"),
    ("scope", "occurrences"),
    ("refund_method", "refund_to"),
    ("refund_to", "refund_method"),
    ("time_in_force", "duration"),
    ("order_type", "type"),
)
_SORT_WORDS = {
    "asc": ("ascending", "lowest", "cheapest", "oldest", "earliest"),
    "desc": ("descending", "highest", "newest", "latest"),
}
_GROUNDING = GroundingCheck()


def _said(decision: Decision) -> str:
    """What the conversation said before the decision (system, user and assistant text)."""
    return "\n".join(
        message.content
        for message in decision.record.messages[: decision.index]
        if message.role in ("system", "user", "assistant") and message.content
    )


def _grounded(decision: Decision, name: str, arguments: dict[str, Any]) -> bool:
    """Whether the text alone grounds every argument (filters.grounding; results not counted)."""
    now = decision.record.meta.get("now") if isinstance(decision.record.meta, dict) else None
    return not _GROUNDING.ungrounded_keys(arguments, decision.schema(name) or {}, _said(decision), now)


class _Said:
    """What the conversation said before a decision, in the forms invented values are drawn from."""

    def __init__(self, decision: Decision):
        self.text = _said(decision)
        self.loose = f" {loose(self.text)} "
        meta = decision.record.meta if isinstance(decision.record.meta, dict) else {}
        self.now = reference_moment(meta.get("now"))
        calls = _earlier_calls(decision) + decision.calls
        self.written = {str(value)[:10] for call in calls for _, value in leaves(call["arguments"])}

    def says(self, phrase: str) -> bool:
        return f" {loose(phrase)} " in self.loose

    @cached_property
    def numbers(self) -> list[int]:
        return sorted(int(n) for n in numbers_in(self.text) if n == int(n) and 1 <= n <= 50)[:3]

    @cached_property
    def dates(self) -> list[str]:
        """Dates the conversation states that the calls so far (this turn's too) write."""
        stated = {day.isoformat() for day in dates_in(self.text, self.now)}
        return sorted(stated & self.written)[:3]

    @cached_property
    def cities(self) -> list[Any]:
        return gazetteer().places_in(self.text).cities[:2]


def _invented_values(name: str, kind: str, said: _Said) -> list[Any]:
    """Values an invented argument `name` of `kind` would plausibly take that the conversation
    grounds: a flag is true, a page 1, an offset 0, a count a number said, a date a date said, a
    time zone, currency or country the city said has, a sort order, language or unit system the
    words select."""
    if kind.startswith("flag:") or name in COMMON_FLAGS:
        return [True]
    if name == "page":
        return [1]
    if name == "offset":
        return [0]
    if kind == "count" or name in ("limit", "max_results", "page_size", "count", "num_results"):
        return said.numbers
    if kind == "date":
        return said.dates
    if name in ("sort", "order", "sort_order"):
        return [order for order, words in _SORT_WORDS.items() if any(map(said.says, words))]
    if kind == "timezone" or name in ("timezone", "tz"):
        return [city.timezone for city in said.cities if city.timezone]
    if kind == "currency" or name == "currency":
        countries = [gazetteer().countries.get(city.country) for city in said.cities]
        return [country.currency for country in countries if country and country.currency]
    if kind == "country_code" or name in ("country_code", "country"):
        return [city.country for city in said.cities]
    if name in ("language", "lang", "locale"):
        return [code for code in ("en", "es", "fr", "de", "it", "pt", "ja") if any(map(said.says, synonyms(code)))]
    if name == "units":
        return [unit for unit in ("metric", "imperial") if any(map(said.says, synonyms(unit)))]
    return []


@lru_cache(maxsize=1)
def _catalog_names() -> dict[str, tuple[str, frozenset[tuple[str, bool]]]]:
    """Top-level parameter name -> (its kind, the (domain, is a lookup) of the tools that use it)
    over the bundled catalog."""
    kinds: dict[str, str] = {}
    users: dict[str, set[tuple[str, bool]]] = {}
    for tool, entry in catalog().items():
        for path, kind in parameter_kinds(tool, entry["parameters"], entry["description"]).items():
            if "." not in path and "[" not in path:
                kinds.setdefault(path, kind)
                users.setdefault(path, set()).add((entry["domain"], bool(_LOOKUP.match(tool))))
    return {name: (kind, frozenset(users[name])) for name, kind in kinds.items()}


def hallucinated_argument(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An argument the tool does not have, named as real tools name theirs: another catalog tool's
    parameter (its own domain's first: include_hourly on the current weather, a date on a lookup
    that takes none), a common API flag (page, limit, sort, timezone, currency, include_*...),
    or an optional argument under the name another API gives it (max_results -> limit). Its value
    fits the name and the conversation grounds it (a limit is a number said, a date a date said,
    a currency the currency of the city said, a flag true), so the unknown name is the one fault."""
    said = _Said(decision)
    names = _catalog_names()
    found: list[tuple[float, int, str, dict[str, Any]]] = []
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        properties = _properties(schema)
        if schema.get("additionalProperties", False) is not False:
            continue
        domain = _domain(decision, call["name"])
        have = set(_tool_kinds(decision, call["name"]).values())
        pool: dict[str, tuple[str, float]] = {}
        lookup = bool(_LOOKUP.match(call["name"]))
        for name, (kind, users) in names.items():
            # a name a tool of its domain and of its sort uses (a lookup's include_* on a lookup)
            if (domain, lookup) not in users or kind.startswith(("object:", "array:", "enum")):
                continue
            if kind in have and not kind.startswith("flag:"):
                continue
            if kind.startswith(("count", "money", "duration", "percent", "number:")) and not _LISTING.match(
                call["name"]
            ):
                continue  # no party size on a cancellation or a flight status
            pool[name] = (kind, 1.0 if kind.startswith("flag:") else 3.0)
        paging = COMMON_PAGING if _LISTING.match(call["name"]) else ()
        for name in (READ_FLAGS if lookup else WRITE_FLAGS) + paging + COMMON_LOCALE:
            kind = names.get(name, (_COMMON_KINDS.get(name, ""), frozenset()))[0]
            if kind not in have or not kind:
                pool.setdefault(name, (kind, 0.3 if name in COMMON_FLAGS else 1.5))
        for name, (kind, weight) in pool.items():
            if name in properties:
                continue
            for value in _invented_values(name, kind, said)[:1]:
                found.append((rng.random() ** (1.0 / weight), number, call["name"], {**call["arguments"], name: value}))
        required = schema.get("required") or []
        for group in RENAMES:
            old = group[0]
            if old in call["arguments"] and old not in required:
                for new in group[1:]:
                    if new not in properties:
                        renamed = {(new if k == old else k): v for k, v in call["arguments"].items()}
                        found.append((rng.random() ** (1.0 / 3.0), number, call["name"], renamed))
    found.sort(key=lambda item: item[0], reverse=True)
    for _, number, name, arguments in found:
        if _grounded(decision, name, arguments):
            yield _replace(decision, number, name, arguments)


def wrong_type(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A number or boolean written as a string ("5" for 5)."""
    for number, call in enumerate(decision.calls):
        for key, value in call["arguments"].items():
            if isinstance(value, bool):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: str(value).lower()})
            elif isinstance(value, (int, float)):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: json.dumps(value)})


# spellings models write for an enum option: British/American forms and common misspellings
SPELLINGS = {
    "celsius": ("celcius", "centigrade"),
    "fahrenheit": ("farenheit", "fahrenhiet"),
    "pediatrics": ("paediatrics",),
    "orthopedics": ("orthopaedics",),
    "gynecology": ("gynaecology",),
    "ophthalmology": ("opthalmology", "ophthalmic"),
    "dermatology": ("dermatologist",),
    "cardiology": ("cardiologist",),
    "dentistry": ("dentist", "dental"),
    "general_practice": ("general_practitioner", "general-practice"),
    "mediterranean": ("mediteranean",),
    "vietnamese": ("vietnam",),
    "ethiopian": ("ethiopean",),
    "japanese": ("japan",),
    "cancelled": ("canceled",),
    "theatre": ("theater",),
    "colour": ("color",),
    "telehealth": ("telemedicine", "tele-health"),
    "in_person": ("in-person", "inperson"),
    "whatsapp": ("whats_app",),
    "apple_pay": ("applepay", "apple-pay"),
    "paypal": ("pay_pal",),
    "gift_card": ("giftcard",),
    "saved_card": ("credit_card",),
    "premium_economy": ("premium",),
    "strength_training": ("weight_training", "strength"),
    "overnight": ("next_day",),
    "gluten_free": ("gluten-free", "glutenfree"),
    "dairy_free": ("dairy-free", "lactose_free"),
    "vegetarian": ("veggie",),
    "supermarket": ("grocery",),
    "gas_station": ("petrol_station",),
    "ev_charger": ("charging_station",),
    "thunderstorm": ("storm",),
}


CASE_SHARE = 0.4  # where only a case change grounds, the share of decisions that still get one
_NOUN_KEYS = ("type", "types", "category", "categories", "format", "cuisine", "metrics", "pollutants", "amenities")
# how often a model writes each kind of near miss, relative to one another (a case change comes last)
_WEIGHTS = {"spelling": 4.0, "synonym": 4.0, "neighbour": 4.0, "separator": 3.0, "number": 2.0, "typo": 1.0}


def _variants(key: str, value: str) -> list[tuple[str, str]]:
    """(group, variant) near misses of an enum option: a known other spelling, another separator or
    camelCase, the singular of a plural (or the plural of a noun option), a doubled letter
    dropped (busines, opthalmology), a case change."""
    out = [("spelling", v) for v in SPELLINGS.get(value.casefold(), ())]
    if "_" in value:
        parts = value.split("_")
        out += [("separator", "-".join(parts)), ("separator", " ".join(parts)), ("separator", "".join(parts))]
        out.append(("separator", parts[0] + "".join(p.title() for p in parts[1:])))
    if value.endswith("ies"):
        out.append(("number", value[:-3] + "y"))
    elif value.endswith("s") and not value.endswith("ss"):
        out.append(("number", value[:-1]))
    elif value.replace("_", "").isalpha() and key.split("_")[-1] in _NOUN_KEYS and not value.endswith("ing"):
        out.append(("number", value + ("es" if value.endswith(("s", "x", "ch", "sh")) else "s")))
    if value.isalpha() and len(value) >= 6:
        doubled = next((i for i in range(1, len(value)) if value[i] == value[i - 1]), None)
        if doubled is not None:
            out.append(("typo", value[:doubled] + value[doubled + 1 :]))
    out += [("case", value.upper()), ("case", value.title())]
    return out


@lru_cache(maxsize=1)
def _catalog_enums() -> list[tuple[str, tuple[str, ...]]]:
    """(parameter name, options) of every top-level string enum in the bundled catalog."""
    found = []
    for entry in catalog().values():
        for name, spec in _properties(entry["parameters"]).items():
            options = spec.get("enum") if isinstance(spec, dict) else None
            if isinstance(options, list) and all(isinstance(o, str) for o in options):
                found.append((name, tuple(options)))
    return found


def _neighbours(key: str, allowed: list[str]) -> list[str]:
    """Options of similar enums elsewhere in the catalog (a name word or two options in common)
    that this enum lacks: "normal" for a priority of low/medium/high, "oldest" for a sort_by."""
    words = set(key.split("_")) - {"type", "by", "to"}
    out = []
    for name, options in _catalog_enums():
        common = set(options) & set(allowed)
        if (words & set(name.split("_")) and common) or len(common) >= 2:
            out += [option for option in options if option not in allowed and option not in out]
    return out


def enum_violation(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An enum option a model could write instead of the right one, grounded like the right one:
    a neighbouring option from a similar enum of another tool, the words the user used ("weekly"
    for 1wk), another spelling (paediatrics, celcius), separator or camelCase (in-person,
    applePay), plural or singular, a dropped doubled letter; a case change (WALKING) only after
    all of those, and only at CASE_SHARE of the decisions (most short options have no other
    grounded near miss: without the cap case changes would be most of the type). Options inside
    a list (alert types) too."""
    text = f" {loose(_said(decision))} "
    found: list[tuple[bool, float, int, str, dict[str, Any]]] = []
    for number, call in enumerate(decision.calls):
        properties = _properties(decision.schema(call["name"]))
        for key, value in call["arguments"].items():
            spec = properties.get(key) if isinstance(properties.get(key), dict) else {}
            items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
            allowed = spec.get("enum") or (items.get("enum") if isinstance(value, list) else None)
            if not isinstance(allowed, list):
                continue
            folded = {option.casefold() for option in allowed if isinstance(option, str)}
            for position, option in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(option, str):
                    continue
                candidates = _variants(key, option)
                candidates += [
                    ("synonym", phrase.replace(" ", "_")) for phrase in synonyms(option) if f" {loose(phrase)} " in text
                ]
                candidates += [("neighbour", other) for other in _neighbours(key, allowed)]
                for group, variant in candidates:
                    if variant in allowed or (group != "case" and variant.casefold() in folded):
                        continue
                    new = (
                        variant if not isinstance(value, list) else [*value[:position], variant, *value[position + 1 :]]
                    )
                    weight = rng.random() ** (1.0 / _WEIGHTS.get(group, 1.0))
                    found.append((group != "case", weight, number, call["name"], {**call["arguments"], key: new}))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    case_too = rng.random() < CASE_SHARE
    for near, _, number, name, arguments in found:
        if (near or case_too) and _grounded(decision, name, arguments):
            yield _replace(decision, number, name, arguments)


def call_in_no_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call where the right answer was words (no tool fits, or a value is missing)."""
    if decision.calls or decision.record.category != "no_call":
        return
    for tool in decision.record.tools:
        if not tool.function.parameters.get("required"):
            yield _with_calls(decision, [{"name": tool.function.name, "arguments": {}}])


def ignored_result(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A linked argument (meta.links) given a value said earlier instead of the one the result returned."""
    earlier = [
        call.function.arguments
        for message in decision.record.messages[: decision.index]
        for call in message.tool_calls or []
        if isinstance(call.function.arguments, dict)
    ]
    for link in decision.record.meta.get("links") or []:
        if not isinstance(link, dict) or link.get("message") != decision.index or not isinstance(link.get("call"), int):
            continue
        calls = decision.calls
        if link["call"] >= len(calls) or link.get("argument") not in calls[link["call"]]["arguments"]:
            continue
        call, key = calls[link["call"]], link["argument"]
        schema = decision.schema(call["name"]) or {}
        for arguments in earlier:
            for value in arguments.values():
                if (
                    not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                    and _fits(schema, key, value)
                ):
                    yield _replace(decision, link["call"], call["name"], {**call["arguments"], key: value})


PROMISES = (
    "Sure, I'll look into that for you.",
    "Let me check that and get back to you.",
    "I can help with that. One moment.",
)


def prose_instead_of_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Words where a call was right: the assistant promises to look and calls nothing."""
    if decision.calls:
        yield {"role": "assistant", "content": rng.choice(PROMISES)}
