"""Grounding: every argument value of every call is supported by the conversation before it.

A value is grounded when one of these holds (checked in this order; the first that holds is its
kind, see `GroundingCheck.kinds`):
- implied: a boolean or null (a request implies those rather than writing them);
- default: the schema's default, the default the description states ("Default is 10",
  "defaults to en"), or a paged list's starting point (0 for an offset/skip/start, 1 for a
  page, or what the description says: "starting from 1", "zero-based");
- result: returned by an earlier tool result (any leaf of its JSON, or its text);
- number: one the text states, in any of the readings `filters.mentions` derives (5k, "two",
  20% -> 0.2, "2 hours" -> 120 minutes); date: a year the text means ("this year", "last year",
  or `meta.now`'s when it states none) in a parameter named for a year; constant: a
  common-sense number the text implies, for a parameter about it ("two dice" -> 6 sides,
  "compounded monthly" -> 12, "dropped" -> 9.81; `filters/data/lexicon.json`);
- a string: said (its loose form: case, punctuation, "St."/"Saint"...), alias (`aliases`, e.g.
  NVDA -> "Nvidia", from the seeds' `x-aliases`);
- date: a date or date-time in any common written form (ISO, 12/03/2026 in the order the
  description gives, "Dec 3, 2026", with a time) that the text means (absolute, relative to
  `meta.now`, a holiday, the year from `meta.now`); with a time of day, that time when the text
  states any; time: a time of day ("15:00", "3 PM") the text states;
- enum / synonym: an enum option the request clearly selects (its words, a stem, or a synonym:
  "daily" -> 1d), or any value a synonym selects ("kilometres" -> km, "yen" -> JPY, "Spanish" ->
  es, "Monday" -> Mon; `filters/data/lexicon.json`);
- gazetteer: what a place the text names carries (`filters.gazetteer`), only in a parameter whose
  name or description is about it: "Paris" grounds "Paris, France" and "Paris, FR" anywhere,
  CDG/ORY for an airport or station, Europe/Paris for a time zone, EUR for a currency, FR for a
  country; "Seattle" grounds "Seattle, WA" but fails "Seattle, OR" outright; "Tokyo Narita"
  grounds NRT and not HND; an airport's own name ("Heathrow") grounds its code;
- fuzzy: for a purely alphabetic value of 6+ letters, a window of the text is a close spelling
  (rapidfuzz partial ratio >= `fuzzy`, 85); values with digits must match exactly;
- text: a long free-text value (a message body, a note): most of its content words were said.
The text is every system, user and assistant message before the call. Origin/destination pairs
are also checked for a swap ("from Paris to Oslo" with origin=Oslo, or origin=OSL). In a `nested`
record a call turn that follows tool results but uses nothing they returned is
`unused_tool_result`; when the record's `meta.links` names the planned dependencies,
filters.chain replays them exactly instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import Any

from rapidfuzz import fuzz

from filters.base import Check, Issue, call_path, decoded, leaves
from filters.chain import chain_issues
from filters.gazetteer import City, Places, fold, gazetteer
from filters.lexicon import constants, synonyms
from filters.match import same_value
from filters.mentions import (
    clock_of,
    dates_in,
    durations_in,
    loose,
    moment_readings,
    numbers_in,
    reference_moment,
    times_in,
    years_in,
)
from filters.schema import followed_ref
from filters.unmet import unmet_requests
from pipeline.record import Conversation, Message

_ISO_PARTS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_DOCUMENTED_DEFAULT = re.compile(
    r"\bdefault(?:s)?(?:\s+value)?(?:\s+(?:is|to|of))?\s*[:=]?\s*[`'\"]?([\w./+-]+?)[`'\"]?(?=[\s,;.)]|$)",
    re.IGNORECASE,
)
_STARTS_AT = re.compile(
    r"\b(?:start(?:s|ing)?\s+(?:from|at|with)|begins?\s+at)\s+(\d+)|\b(\d+|zero|one)-based\b", re.IGNORECASE
)
_OFFSET_WORDS = {"offset", "skip", "start", "from", "startindex", "begin"}
_PAGE_WORDS = {"page", "pagenumber", "pageno", "pagenum", "pg"}
_YEAR_WORDS = {"year", "yr"}
# what a parameter is about: (words of its name, words of its description) that say so
_MEANINGS = {
    meaning: (set(name.split()), set(description.split()))
    for meaning, name, description in (
        (
            "airport",
            "airport iata station origin destination departure arrival from to depart arrive src dst dest"
            " source target",
            "airport airports iata station stations",
        ),
        ("timezone", "timezone tz zone", "timezone timezones tz zone"),
        ("currency", "currency currencies base quote", "currency currencies 4217"),
        ("country", "country nation", "country countries nation 3166"),
        ("region", "state region province territory county", "state region province territory county prefecture"),
    )
}
_NOT_A_PLACE = object()  # a "City, Qualifier" value whose qualifier belongs to no city said: final
_STOPWORDS = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "to",
    "of",
    "in",
    "on",
    "for",
    "at",
    "is",
    "it",
    "be",
    "me",
    "my",
    "you",
    "your",
    "i",
    "we",
    "our",
    "that",
    "this",
    "with",
    "from",
    "by",
    "as",
    "are",
    "was",
    "will",
    "can",
    "please",
    "hi",
    "hey",
}
_ORIGIN = re.compile(r"(^|_)(origin|from|source|departure|depart|start)(_|$)")
_DESTINATION = re.compile(r"(^|_)(destination|to|target|arrival|arrive|dest|end)(_|$)")


@dataclass
class GroundingOptions:
    """Tuning of the grounding check (the pipeline's config maps onto it)."""

    fuzzy: float = 85.0
    min_fuzzy_letters: int = 6
    free_text_words: int = 4
    free_text_overlap: float = 0.6
    aliases: Mapping[str, list[str]] = field(default_factory=dict)  # value -> the names users give it

    def __post_init__(self) -> None:
        folded: dict[str, list[str]] = {}
        for value, names in self.aliases.items():  # looked up case-insensitively
            folded.setdefault(str(value).casefold(), []).extend(names)
        self.aliases = folded


class _Context:
    """What the conversation said before one assistant turn, in the forms the rules compare."""

    def __init__(self, messages: list[Message], now: str | None):
        self.raw = "\n".join(m.content for m in messages if m.role in ("system", "user", "assistant") and m.content)
        self.loose = f" {loose(self.raw)} "
        self.words = set(self.loose.split())
        self.now = reference_moment(now)
        self.results = [m.content for m in messages if m.role == "tool" and m.content]
        self.results_loose = [f" {loose(content)} " for content in self.results]
        self.result_leaves = [leaf for content in self.results for _, leaf in leaves(decoded(content))]

    @cached_property
    def numbers(self) -> set[float]:
        return numbers_in("\n".join([self.raw, *self.results]))

    @cached_property
    def dates(self) -> set[date]:
        return dates_in(self.raw, self.now)

    @cached_property
    def durations(self) -> set[int]:
        return durations_in(self.raw)

    @cached_property
    def times(self) -> set[tuple[int, int]]:
        return times_in(self.raw)

    @cached_property
    def years(self) -> set[int]:
        return years_in(self.raw, self.now)

    @cached_property
    def years_said(self) -> set[int]:
        return years_in(self.raw, self.now, implied=False)

    def year_meant(self, value: float, schema: dict[str, Any]) -> bool:
        """A year the text means: said in words ("last year"), or `now`'s when it says none and the
        parameter is required (an optional year nobody asked for stays unsupported)."""
        return value == int(value) and int(value) in (self.years_said if schema.get("x-optional") else self.years)

    @cached_property
    def places(self) -> Places:
        return gazetteer().places_in(self.raw)

    @cached_property
    def place_facts(self) -> _PlaceFacts:
        return _PlaceFacts(self.places, self.words, self.raw)

    def says(self, phrase: str) -> bool:
        """Whether the loose form of `phrase` occurs in the text as whole words."""
        form = loose(phrase)
        return bool(form) and f" {form} " in self.loose


class GroundingCheck(Check):
    """`ungrounded_value` for each argument nobody supported; `unused_tool_result` in nested chains;
    `unmet_request` for a named option of the tool the call leaves out (filters.unmet)."""

    name = "grounding"
    Options = GroundingOptions

    def __init__(self, options: GroundingOptions | None = None):
        self.options = options or GroundingOptions()

    def __call__(self, record: Conversation) -> list[Issue]:
        issues: list[Issue] = []
        for index, context, calls in self._turns(record):
            for path, arguments, judged in calls:
                issues.extend(self._call_issues(context, arguments, judged, path))
            if record.category == "nested" and not record.meta.get("links"):  # planned links get the exact replay below
                issues.extend(self._unused_results(record.messages, index))
        return issues + chain_issues(record) + unmet_requests(record)

    def kinds(self, record: Conversation) -> dict[str, str]:
        """The kind of grounding of every argument of every call, by JSON path of the leaf
        ("messages[2].tool_calls[0].function.arguments.city" -> "gazetteer"); an argument nobody
        grounds is absent. Kinds: implied (a boolean or null), default (the schema's or the
        description's default, or a starting point: offset 0, page 1), result (an earlier tool
        result), said, alias, fuzzy (a close spelling), text (a free-text value whose words were
        said), enum, synonym, date, time, number, constant (common sense: two dice -> 6 sides),
        gazetteer (a city's country, state, airport, timezone or currency)."""
        return {
            where: kind
            for _, _, calls in self._turns(record)
            for _, _, judged in calls
            for where, (_, kind) in judged.items()
            if kind
        }

    def _turns(self, record: Conversation):
        """(message index, context, [(call path, arguments, {leaf path: (leaf, kind or None)})]) per call turn."""
        schemas = record.tool_schemas()
        now = record.meta.get("now") if isinstance(record.meta, dict) else None
        for index, message in enumerate(record.messages):
            if message.role != "assistant" or not message.tool_calls:
                continue
            context = _Context(record.messages[:index], now)
            calls = []
            for number, call in enumerate(message.tool_calls):
                arguments = call.function.arguments
                if not isinstance(arguments, dict):
                    continue  # format reports it
                path = call_path(index, number)
                parameters = schemas.get(call.function.name) or {}
                judged = {
                    where: (leaf, self._kind(leaf, schema, context, _parameter_name(where)))
                    for where, leaf, schema in _leaf_items(
                        arguments, parameters, f"{path}.function.arguments", parameters
                    )
                }
                calls.append((path, arguments, judged))
            yield index, context, calls

    def _call_issues(
        self, context: _Context, arguments: dict[str, Any], judged: dict[str, tuple[Any, str | None]], path: str
    ) -> list[Issue]:
        issues = []
        for where, (leaf, kind) in judged.items():
            if kind is None:
                name = where.split(".function.arguments.", 1)[-1]
                issues.append(
                    self.issue(
                        "ungrounded_value",
                        where,
                        f"{name}={json.dumps(leaf, ensure_ascii=False)} is not stated before the call",
                    )
                )
        if issues:
            return issues
        return [
            self.issue("ungrounded_value", f"{path}.function.arguments.{key}", message)
            for key, message in self._swapped(context, arguments)
        ]

    def ungrounded_keys(
        self, arguments: dict[str, Any], parameters: dict[str, Any], request: str, now: str | None
    ) -> list[str]:
        """Top-level argument names of a call that `request` alone does not ground (a value it
        never states, or one it states as the other end of a trip), in argument order."""
        context = _Context([Message(role="user", content=request)], now)
        keys = {
            where.split(".", 2)[1].split("[")[0]
            for where, leaf, schema in _leaf_items(arguments, parameters, "$", parameters)
            if not self._grounded(leaf, schema, context, _parameter_name(where))
        }
        keys |= {key for key, _ in self._swapped(context, arguments)}
        return [key for key in arguments if key in keys]

    def _grounded(self, value: Any, schema: dict[str, Any], context: _Context, name: str = "") -> bool:
        return self._kind(value, schema, context, name) is not None

    def _kind(self, value: Any, schema: dict[str, Any], context: _Context, name: str = "") -> str | None:
        """How `value` (of parameter `name`) is grounded, or None when nothing supports it."""
        if isinstance(value, bool) or value is None:
            return "implied"
        if "default" in schema and same_value(schema["default"], value):
            return "default"
        if any(same_value(value, leaf) for leaf in context.result_leaves):
            return "result"
        name_words, description_words = _parameter_words(name, schema)
        words = name_words | description_words
        if _documented_default(value, schema, name_words):
            return "default"
        if isinstance(value, (int, float)):
            return _number_kind(float(value), schema, name_words, words, context)
        if not isinstance(value, str):
            return None
        form = loose(value)
        if form and any(f" {form} " in content for content in context.results_loose):
            return "result"
        return self._string_kind(value, schema, context, name_words, _meanings(name_words, description_words))

    def _string_kind(
        self, value: str, schema: dict[str, Any], context: _Context, name_words: set[str], meanings: set[str]
    ) -> str | None:
        if context.says(value):
            return "said"
        if any(context.says(alias) for alias in self.options.aliases.get(value.casefold(), ())):
            return "alias"
        moment = moment_readings(value, context.now, _day_first(schema))
        if moment:
            return "date" if _moment_stated(value, *moment, context) else None
        clock = clock_of(value)
        if clock:
            return "time" if _time_stated(*clock, context) else None
        if isinstance(schema.get("enum"), list) and value in schema["enum"]:
            return _enum_kind(value, schema, context)
        if _synonym_said(value, context):
            return "synonym"
        if value.isdigit() and len(value) == 4 and name_words & _YEAR_WORDS and context.year_meant(int(value), schema):
            return "date"
        place = _place_grounded(value, meanings, context)
        if place is _NOT_A_PLACE:
            return None
        if place:
            return "gazetteer"
        letters = re.sub(r"[^a-z]", "", loose(value))
        if (
            re.fullmatch(r"[^\d@/:]+", value)  # words, not ids or addresses
            and len(letters) >= self.options.min_fuzzy_letters
            and fuzz.partial_ratio(loose(value), context.loose) >= self.options.fuzzy
        ):
            return "fuzzy"
        content = [w for w in loose(value).split() if w not in _STOPWORDS]
        if len(value.split()) >= self.options.free_text_words and content:
            said = sum(1 for w in content if w in context.words)
            return "text" if said / len(content) >= self.options.free_text_overlap else None
        return None

    def _swapped(self, context: _Context, arguments: dict[str, Any]) -> list[tuple[str, str]]:
        """(key, message) for an origin the text introduces with "to", or a destination with "from"."""
        found = []
        for key, value in arguments.items():
            if not isinstance(value, str):
                continue
            if _ORIGIN.search(key.casefold()):
                wrong, right = ("to", "into"), ("from",)
            elif _DESTINATION.search(key.casefold()):
                wrong, right = ("from",), ("to", "into")
            else:
                continue
            forms = [value, *self.options.aliases.get(value.casefold(), ()), *_place_names(value)]
            if _introduced(context, wrong, forms) and not _introduced(context, right, forms):
                found.append((key, f'{key}={value!r} is stated as the other end ("{wrong[0]} {value}")'))
        return found

    def _unused_results(self, messages: list[Message], index: int) -> list[Issue]:
        """A call turn after tool results of the same user turn must take at least one value
        from them that the text alone does not give; else those results were ignored."""
        earlier = []
        for message in reversed(messages[:index]):
            if message.role == "user":
                break
            if message.role == "tool" and message.content:
                earlier.append(message.content)
        if not earlier:
            return []
        said = _Context([m for m in messages[:index] if m.role != "tool"], None)
        returned = _Context([m for m in messages[:index] if m.role == "tool" and m.content in earlier], None)
        for call in messages[index].tool_calls or []:
            if not isinstance(call.function.arguments, dict):
                return []
            for _, value, _ in _leaf_items(call.function.arguments, {}, ""):
                if isinstance(value, bool) or value is None:
                    continue
                if self._grounded(value, {}, returned) and not self._grounded(value, {}, said):
                    return []
        return [
            self.issue(
                "unused_tool_result",
                f"messages[{index}].tool_calls",
                "this call turn follows tool results but takes none of its values from them",
            )
        ]


def record_grounding(record: Conversation, checks: Iterable[Check]) -> None:
    """Store in `record.meta["grounding"]` the kind of grounding of each argument (a mapping from
    the argument's JSON path to its kind, see `GroundingCheck.kinds`), when `checks` has the
    grounding check; call it on a record every check accepted."""
    check = next((c for c in checks if isinstance(c, GroundingCheck)), None)
    if check is not None and isinstance(record.meta, dict):
        record.meta["grounding"] = check.kinds(record)


class _PlaceFacts:
    """What the places a text names carry: their countries, states, airports, zones, currencies."""

    def __init__(self, places: Places, words: set[str], raw: str):
        table = gazetteer()
        self.places = places
        self.cities: list[City] = places.cities
        self.countries = places.countries | {city.country for city in places.cities} | {c for c, _ in places.regions}
        self.regions = places.regions | {(city.country, city.state) for city in places.cities if city.state}
        self.codes: set[str] = set()
        tokens = set(re.findall(r"\w+", raw))
        for city in places.cities:  # "Tokyo Narita" grounds NRT, not every airport of Tokyo
            named = [code for code in city.airports if code in tokens or _airport_word(code) in words]
            self.codes.update(named or city.codes)
        self.timezones = {city.timezone.casefold() for city in places.cities}
        self.currencies = {table.countries[code].currency for code in self.countries if code in table.countries} - {
            None
        }
        self.capitals = {  # "the capital of France" -> Paris
            fold(table.countries[code].capital or "")
            for code in places.countries
            if "capital" in words and code in table.countries
        }


_AIRPORT_GENERIC = {"international", "intl", "ntl", "airport", "regional", "municipal", "city", "field", "airfield"}


@lru_cache(maxsize=2048)
def _airport_word(code: str) -> str | None:
    """The word that names an airport beside its city's name: the last word of its own name
    ("Narita", "Heathrow", "Kennedy", "Gaulle"; not "John"), or None."""
    table = gazetteer()
    airport = table.airport(code)
    if airport is None:
        return None
    names = [airport.city, *(n for city in table.cities_with_code(code) for n in (city.name, *city.aliases))]
    common = _AIRPORT_GENERIC | {word for name in names for word in loose(name).split()}
    own = [word for word in loose(airport.name).split() if len(word) >= 4 and word not in common]
    return own[-1] if own else None


def _place_grounded(value: str, meanings: set[str], context: _Context) -> Any:
    """True when `value` is what a place the text names carries, in a parameter about that
    ("Paris" grounds "Paris, France" anywhere, "CDG" for an airport, "Europe/Paris" for a time
    zone, "EUR" for a currency, "FR" for a country); `_NOT_A_PLACE` for a "City, Qualifier"
    whose qualifier belongs to none of the cities said; else False."""
    if "," in value:
        return _composite_place(value, context)
    places = context.places
    if not places.cities and not places.countries and not places.regions:
        return "airport" in meanings and _airport_word(value.upper()) in context.words
    table = gazetteer()
    facts = context.place_facts
    if any(city in facts.cities for city in table.cities_named(value)) or fold(value) in facts.capitals:
        return True
    if "airport" in meanings and (value.upper() in facts.codes or _airport_word(value.upper()) in context.words):
        return True
    if "timezone" in meanings and value.casefold() in facts.timezones:
        return True
    if "currency" in meanings and value.upper() in facts.currencies:
        return True
    country = table.country(value) if "country" in meanings else None
    if country and country.code in facts.countries:
        return True
    return "region" in meanings and bool(table.regions_named(value) & facts.regions)


def _composite_place(value: str, context: _Context) -> Any:
    """ "City, State", "City, Country", "City, State, Country": the city said (or named another
    way), each qualifier its own or one the text states. A short value whose qualifiers are all
    places is decided here (`_NOT_A_PLACE` when the city is a known one but a qualifier is not
    its own, or the city is one nobody said); anything else is left to the other rules (False)."""
    table = gazetteer()
    head, *tail = [part.strip() for part in value.split(",") if part.strip()]
    if not tail or len(tail) > 3 or any(len(part.split()) > 4 for part in (head, *tail)):
        return False
    known = table.cities_named(head)
    heads = [city for city in known if city in context.place_facts.cities]
    said = bool(heads) or context.says(head)
    verdicts = []
    for part in tail:
        country, regions = table.country(part), table.regions_named(part)
        if not country and not regions:
            return False
        verdicts.append(
            any((country and country.code == city.country) or (city.country, city.state) in regions for city in heads)
            or bool(country and country.code in context.places.countries)
            or bool(regions & context.places.regions)
        )
    if said and all(verdicts):
        return True
    return _NOT_A_PLACE if said or known else False


def _place_names(value: str) -> list[str]:
    """The names of the city an airport/station code or a "City, Country" value stands for."""
    if "," in value:
        return [value.split(",", 1)[0].strip()]
    return [name for city in gazetteer().cities_with_code(value) for name in (city.name, *city.aliases)]


def _meanings(name_words: set[str], description_words: set[str]) -> set[str]:
    """What a parameter is about (airport, timezone, currency, country, region), from its words."""
    return {
        meaning
        for meaning, (by_name, by_description) in _MEANINGS.items()
        if name_words & by_name or description_words & by_description
    }


def _parameter_name(path: str) -> str:
    """The parameter a leaf belongs to: the last key of its path ("...arguments.legs[0].origin" -> origin)."""
    return re.sub(r"\[\d+\]$", "", path.rsplit(".", 1)[-1])


def _parameter_words(name: str, schema: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a parameter's name (snake or camel case, and joined: "page_number" -> pagenumber)
    and of its description."""
    description = schema.get("description") if isinstance(schema.get("description"), str) else ""
    return _words_of(name, description)


@lru_cache(maxsize=4096)
def _words_of(name: str, description: str) -> tuple[frozenset[str], frozenset[str]]:
    split = fold(re.sub(r"([a-z])([A-Z])", r"\1 \2", name))
    return frozenset(split.split()) | {split.replace(" ", "")}, frozenset(fold(description).split())


def _documented_default(value: Any, schema: dict[str, Any], name_words: set[str]) -> bool:
    """A value the description gives as the default ("Default is 10", "defaults to en"), or the
    starting point of a paged list: 0 for an offset, 1 for a page (by the parameter's name), or
    what the description says ("starting from 1", "zero-based")."""
    description = schema.get("description") if isinstance(schema.get("description"), str) else ""
    for match in _DOCUMENTED_DEFAULT.finditer(description):
        if str(value).casefold() == match.group(1).casefold() or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and _same_number(value, match.group(1))
        ):
            return True
    if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1):
        return False
    stated = _STARTS_AT.search(description)
    if stated:
        start = stated.group(1) or {"zero": "0", "one": "1"}.get(stated.group(2).casefold(), stated.group(2))
        return value == int(start)
    return (value == 0 and bool(name_words & _OFFSET_WORDS)) or (value == 1 and bool(name_words & _PAGE_WORDS))


def _same_number(value: float, text: str) -> bool:
    try:
        return abs(float(text) - value) <= 1e-9 * max(1.0, abs(value))
    except ValueError:
        return False


def _number_kind(
    value: float, schema: dict[str, Any], name_words: set[str], words: set[str], context: _Context
) -> str | None:
    """number (stated in some reading), date (a year the text means), constant (common sense)."""
    if _number_stated(value, context):
        return "number"
    if name_words & _YEAR_WORDS and context.year_meant(value, schema):
        return "date"
    for constant in constants(value):
        if constant.parameter & words and any(context.says(phrase) for phrase in constant.said):
            return "constant"
    return None


def _synonym_said(value: str, context: _Context) -> bool:
    """The text says a phrase that selects `value` ("kilometres" -> km, "yen" -> JPY)."""
    return any(context.says(phrase) or (phrase in "$€£¥₹" and phrase in context.raw) for phrase in synonyms(value))


def _day_first(schema: dict[str, Any]) -> bool | None:
    """Whether the parameter's description orders dates day first (DD/MM/YYYY), month first, or says nothing."""
    description = str(schema.get("description") or "").casefold()
    if re.search(r"\bdd[-/. ]mm", description):
        return True
    if re.search(r"\bmm[-/. ]dd", description):
        return False
    return None


def _introduced(context: _Context, words: tuple[str, ...], forms: list[str]) -> bool:
    """Whether the text puts one of `words` (optionally + "the") right before one of `forms`."""
    said = [loose(form) for form in forms]
    return any(
        f" {word} {form} " in context.loose or f" {word} the {form} " in context.loose
        for form in said
        if form
        for word in words
    )


def _number_stated(value: float, context: _Context) -> bool:
    return any(abs(value - stated) <= 1e-9 * max(1.0, abs(value)) for stated in context.numbers)


def _moment_stated(value: str, days: set[date], clock: tuple[int, int] | None, context: _Context) -> bool:
    """A date the text can mean (or an ISO date it writes, or a stated date plus a stated span:
    check-in + 3 nights); with a time of day, also that time when the text states any."""
    iso = _ISO_PARTS.match(value)
    if not (
        days & context.dates
        or (iso and context.says("-".join(iso.groups())))
        or any(day - timedelta(days=span) in context.dates for day in days for span in context.durations)
    ):
        return False
    return clock is None or not context.times or _time_stated(*clock, context)


def _time_stated(hour: int, minute: int, context: _Context) -> bool:
    """A stated time, or a stated time plus a stated number of minutes (4pm, "half an hour" -> 16:30)."""
    if (hour, minute) in context.times:
        return True
    target = hour * 60 + minute
    return any(
        h * 60 + m + n == target for h, m in context.times for n in context.numbers if 0 < n <= 720 and n == int(n)
    )


def _enum_kind(value: str, schema: dict[str, Any], context: _Context) -> str | None:
    """An enum option is a closed choice: grounded when the text selects it (its words: enum; a
    known synonym: synonym); when the text selects none, a required option the request implies
    ("dim the lights" -> power "on") passes unless the schema has another default; an optional
    one nobody asked for does not; an option is wrong when the text names another one."""
    selected = _enum_selected(value, context)
    if selected:
        return selected
    options = [option for option in schema["enum"] if isinstance(option, str) and option != value]
    if any(_enum_selected(option, context) for option in options):
        return None
    return "enum" if "default" not in schema and not schema.get("x-optional") else None


def _enum_selected(value: str, context: _Context) -> str | None:
    """enum: the option's words or a word stem ("walk" -> walking); synonym: a known synonym
    ("daily" -> 1d); None when the text does not select it."""
    words = loose(value.replace("_", " "))
    if words and f" {words} " in context.loose:
        return "enum"
    tokens = [value.casefold(), *(t for t in words.split() if len(t) >= 3)]
    if any(_synonym_said(token, context) for token in tokens):
        return "synonym"
    if any(_same_stem(token, word) for token in tokens[1:] for word in context.words if len(word) >= 3):
        return "enum"
    return None


def _same_stem(left: str, right: str) -> bool:
    shorter = min(len(left), len(right))
    common = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), shorter)
    return common >= min(shorter - 2, 5) and common >= 3


def _leaf_items(value: Any, schema: Any, path: str, root: Any = None) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(path, leaf, its schema) for a value and every scalar inside it; local $refs resolved
    against `root`; an optional leaf's schema is marked `x-optional`."""
    schema = followed_ref(schema, root)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        for key, item in value.items():
            sub = followed_ref(properties.get(key), root)
            yield from _leaf_items(item, sub if key in required else {**sub, "x-optional": True}, f"{path}.{key}", root)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _leaf_items(item, schema.get("items"), f"{path}[{number}]", root)
    else:
        yield path, value, schema
