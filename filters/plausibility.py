"""Plausibility: values that are well-typed and said in the conversation, but cannot be right.

Every rule reads the parameter roles of filters.roles: the seeds' x-* annotations when the
options carry them (`PlausibilityOptions.annotations`, tool name -> raw parameters), else what
roles_of infers from the names, descriptions and defaults of the record's own tools. So it works
on any dataset. Codes (each with the JSON path of the argument):

- `implausible_date`: a future-role date (a booking, a reminder, a reschedule, a departure)
  before `meta.now`'s day, or a past-role date (history, a log, a summary, a birth) after it;
  date-times get an hour of slack. Skipped when the record has no `meta.now`.
- `range_order`: a value not later than the one it must follow (check-out on or before check-in,
  an end before its start, a max below its min; dates of an inclusive range and numbers may be
  equal), or further from it than its largest span (a 33-day "team lunch", a 94-night stay).
- `inconsistent_entity`: within one call (and one object of it), by the shipped gazetteer
  (filters.gazetteer): a city not in the given country; a state/region of another country
  (Florida with ES); a postal code the country's pattern refuses; an address string naming a
  city of another country than the country argument; an airport not in the given city or
  country; a walking or cycling route whose two ends name cities more than `route_km` apart.
  A name the gazetteer does not know is never a defect.
- `implausible_magnitude`: a number far outside its typical range [low, high]: above 3 x high,
  or below low / 3 when low is positive (a 26,139 transfer, a 355-minute workout).
- `ungrounded_flag`: a boolean that differs from its schema default (or is true with no
  default), or an explicit null where the default is not null, that nothing before the call
  asks for: no word of the parameter's name (or, for a name of generic words only, of its
  description), or a known synonym (hourly -> "hour-by-hour", notify -> "email", reviews ->
  "ratings"...), appears in the system, user or assistant turns, the earlier tool results, or
  the tool's own name. A required boolean needs a mention too.
- `contradictory_arguments`: one object of a call switches its device off (an argument named
  power, mode, state, status, switch... is "off", or power is false) and sets a level for it
  beside (a brightness, a colour, a target temperature, a volume or a fan speed): a light
  turned off at 30%, a thermostat off with a target of 21. Other settings (a fade, a hold time)
  may go with off.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from filters.base import Check, Issue, call_path
from filters.gazetteer import City, fold, gazetteer
from filters.mentions import reference_moment
from filters.roles import NO_DEFAULT, Role, join_path, roles_of, span_minutes
from pipeline.record import Conversation, Message
from pipeline.schema_safety import compile_pattern

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::\d{2})?$")
_TOKEN = re.compile(r"[a-z0-9]+")
_AIR_MODES = {"flight", "flying", "plane", "air", "fly"}
_SLOW_MODES = {"walking", "walk", "foot", "on_foot", "cycling", "bicycling", "bike", "bicycle", "cycle"}
_GENERIC = {
    "include",
    "includes",
    "only",
    "is",
    "has",
    "show",
    "use",
    "allow",
    "with",
    "get",
    "all",
    "now",
    "in",
    "on",
    "the",
    "of",
    "to",
    "by",
    "for",
    "flag",
    "should",
    "do",
    "send",
    "return",
    "also",
    "whether",
    "items",
    "results",
    "first",
    "instead",
}
_SYNONYMS = {
    "hourly": ("hour", "hours", "hourly"),
    "reviews": ("review", "rating", "ratings", "opinion", "opinions", "saying", "feedback"),
    "notify": ("notify", "notification", "email", "tell", "inform", "alert", "ping", "update"),
    "public": ("public", "publicly", "everyone", "visible", "private"),
    "shuffle": ("shuffle", "shuffled", "random", "randomize"),
    "financials": ("financial", "financials", "revenue", "earnings", "income", "eps", "quarters", "quarterly"),
    "stages": ("stage", "stages", "deep", "rem"),
    "stock": ("stock", "available", "availability", "sold"),
    "refundable": ("refundable", "refund", "cancellable", "flexible"),
    "adjusted": ("adjusted", "unadjusted", "adjust", "split", "splits", "dividend", "dividends", "raw"),
    "pickup": ("pickup", "pick", "collect", "courier"),
    "archived": ("archived", "archive"),
    "enabled": ("enable", "enabled", "disable", "disabled", "active", "activate", "inactive", "pause", "paused"),
    "open": ("open", "opened", "closed"),
    "optional": ("optional",),
    "unread": ("unread",),
}


@dataclass
class PlausibilityOptions:
    """Tuning of the plausibility check: the seeds' annotated parameters and the route limit."""

    annotations: Mapping[str, dict] = field(default_factory=dict)  # tool name -> parameters with x-* keys
    route_km: float = 50.0  # a walking/cycling route between cities further apart is inconsistent
    ground_km: float = 5000.0  # a drive or a train ride (a travel tool's other modes) further: an ocean between
    slack_minutes: float = 60.0  # a future date-time this much before meta.now still passes (and the reverse)


class PlausibilityCheck(Check):
    """Dates on the right side of now, ranges in order, places that agree, sane magnitudes, asked-for flags."""

    name = "plausibility"
    Options = PlausibilityOptions

    def __init__(self, options: PlausibilityOptions | None = None):
        self.options = options or PlausibilityOptions()

    def __call__(self, record: Conversation) -> list[Issue]:
        meta = record.meta if isinstance(record.meta, dict) else {}
        now = reference_moment(meta.get("now"))
        specs = {tool.function.name: tool.function for tool in record.tools}
        issues: list[Issue] = []
        for i, message in enumerate(record.messages):
            for j, call in enumerate(message.tool_calls or []):
                spec, arguments = specs.get(call.function.name), call.function.arguments
                if spec is None or not isinstance(arguments, dict):
                    continue  # schema/format report those
                parameters = self.options.annotations.get(spec.name, spec.parameters)
                roles = _roles(json.dumps(parameters, sort_keys=True, default=str), spec.name, spec.description)
                where = f"{call_path(i, j)}.function.arguments"
                travel = any("mode" in key or "profile" in key for key in parameters.get("properties") or {})
                issues.extend(self._call_issues(roles, arguments, where, now, spec.name, record.messages[:i], travel))
                for path, message in contradictions(arguments):
                    issues.append(self.issue("contradictory_arguments", join_path(where, path), message))
        return issues

    def _call_issues(
        self,
        roles: dict[str, Role],
        arguments: dict,
        where: str,
        now: datetime | None,
        tool: str,
        before: list,
        travel: bool = False,
    ) -> Iterator[Issue]:
        slack = timedelta(minutes=self.options.slack_minutes)
        mentioned = _Mentions(before, tool)
        for role in roles.values():
            for path, value, siblings in _values(arguments, role.path):
                at = join_path(where, path)
                if role.when in ("future", "past") and now is not None:
                    problem = _date_problem(role, value, now, slack)
                    if problem:
                        yield self.issue("implausible_date", at, problem)
                if role.after:
                    problem = _order_problem(role, value, siblings.get(role.after.rsplit(".", 1)[-1]))
                    if problem:
                        yield self.issue("range_order", at, problem)
                if role.typical:
                    problem = _magnitude_problem(role, value)
                    if problem:
                        yield self.issue("implausible_magnitude", at, problem)
                problem = _flag_problem(role, value, mentioned)
                if problem:
                    yield self.issue("ungrounded_flag", at, problem)
        seen: set[str] = set()  # a value shared by both ends of a call is checked with each: report it once
        ground_km = self.options.ground_km if travel else None
        for path, message in _entity_problems(roles, arguments, self.options.route_km, ground_km):
            if path not in seen:
                seen.add(path)
                yield self.issue("inconsistent_entity", join_path(where, path), message)


@lru_cache(maxsize=1024)
def _roles(parameters: str, tool: str, description: str) -> dict[str, Role]:
    return roles_of(json.loads(parameters), tool, description)


def _values(arguments: dict, path: str) -> Iterator[tuple[str, Any, dict]]:
    """(rendered path, value, the object holding it) for an argument path ("items[].quantity")."""
    steps = path.split(".")
    objects: list[tuple[str, Any]] = [("", arguments)]
    for step in steps[:-1]:
        key, many = step.removesuffix("[]"), step.endswith("[]")
        found = []
        for rendered, obj in objects:
            inner = obj.get(key) if isinstance(obj, dict) else None
            here = join_path(rendered, key)
            if many and isinstance(inner, list):
                found.extend((f"{here}[{n}]", item) for n, item in enumerate(inner))
            elif not many and isinstance(inner, dict):
                found.append((here, inner))
        objects = found
    last = steps[-1]
    for rendered, obj in objects:
        if isinstance(obj, dict) and last in obj:
            yield join_path(rendered, last), obj[last], obj


# ---------------------------------------------------------------- dates and ranges


def _moment(value: Any, kind: str, tz) -> date | datetime | int | None:
    """A date, an aware date-time, minutes of a clock time, or a number, by the role's kind."""
    if kind == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if kind == "time":
        match = _CLOCK.match(text)
        return int(match.group(1)) * 60 + int(match.group(2)) if match else None
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _date_problem(role: Role, value: Any, now: datetime, slack: timedelta) -> str | None:
    moment = _moment(value, role.kind, now.tzinfo)
    if isinstance(moment, datetime):
        late, early = moment < now - slack, moment > now + slack
    elif isinstance(moment, date):
        late, early = moment < now.date(), moment > now.date()
    else:
        return None
    if role.when == "future" and late:
        return f"{role.name}={value!r} is before now ({now.isoformat()}) but the parameter takes a future date"
    if role.when == "past" and early:
        return f"{role.name}={value!r} is after now ({now.isoformat()}) but the parameter takes a past date"
    return None


def _order_problem(role: Role, value: Any, earlier_value: Any) -> str | None:
    later = _moment(value, role.kind, None)
    earlier = _moment(earlier_value, role.kind, None)
    if later is None or earlier is None:
        return None
    later, earlier = _comparable(later, earlier)
    if later is None:
        return None
    first = role.after.rsplit(".", 1)[-1] if role.after else ""
    if later < earlier or (role.strict and later == earlier):
        relation = "after" if role.strict else "on or after"
        return f"{role.name}={value!r} must be {relation} {first}={earlier_value!r}"
    if role.max_span is None:
        return None
    if role.kind == "number":
        limit, distance, unit = float(role.max_span), later - earlier, ""
    else:
        limit, unit = span_minutes(role.max_span), ""
        distance = _minutes(later - earlier)
        if limit is None:
            return None
    if distance > limit:
        shown = f"{distance / 1440:g} days" if role.kind != "number" and distance >= 1440 else f"{distance:g}{unit}"
        return f"{role.name} is {shown} after {first}, more than the span of {role.max_span}"
    return None


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Two moments of one kind (a date and a date-time compare as dates; naive/aware as naive)."""
    if isinstance(a, datetime) != isinstance(b, datetime):
        a = a.date() if isinstance(a, datetime) else a
        b = b.date() if isinstance(b, datetime) else b
    elif isinstance(a, datetime) and (a.tzinfo is None) != (b.tzinfo is None):
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    return a, b


def _minutes(delta: Any) -> float:
    if isinstance(delta, timedelta):
        return delta.total_seconds() / 60
    return float(delta)


def _magnitude_problem(role: Role, value: Any) -> str | None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value == role.default or not role.typical:
        return None
    low, high = role.typical
    if value > 3 * high:
        return f"{role.name}={value:g} is more than 3 x the typical high of {high:g}"
    if low > 0 and value < low / 3:
        return f"{role.name}={value:g} is less than a third of the typical low of {low:g}"
    return None


# ---------------------------------------------------------------- flags


class _Mentions:
    """The words said before a call (system, user, assistant turns and tool results) and the tool's name."""

    def __init__(self, before: list[Message], tool: str):
        text = " ".join(m.content for m in before if m.content)
        self.words = set(_TOKEN.findall(text.casefold()))
        self.tool = set(_TOKEN.findall(tool.casefold().replace("_", " ")))

    def any_of(self, cues: set[str]) -> bool:
        """True when a cue, or a word that starts like it, was said (or is in the tool's name)."""
        for cue in cues:
            for words in (self.words, self.tool):
                if cue in words or (len(cue) >= 5 and any(_close(cue, word) for word in words)):
                    return True
        return False


def _close(cue: str, word: str) -> bool:
    """Same word up to an ending: hourly/hour, stages/stage, archived/archive, notify/notification."""
    return (len(word) >= 4 and cue.startswith(word)) or word.startswith(cue[:5])


def _cues(role: Role) -> set[str]:
    tokens = {t for t in _TOKEN.findall(role.name.casefold().replace("_", " ")) if t not in _GENERIC}
    if not tokens:  # a name of generic words only: the description says what it is about
        tokens = {t for t in _TOKEN.findall(role.description.casefold()) if len(t) >= 5 and t not in _GENERIC}
    cues = set(tokens)
    for token in tokens:
        for key, synonyms in _SYNONYMS.items():
            if token == key or token in synonyms:
                cues.update(synonyms)
                cues.add(key)
    return cues


def _flag_problem(role: Role, value: Any, mentioned: _Mentions) -> str | None:
    default = role.default
    if isinstance(value, bool):
        if default is NO_DEFAULT:
            suspicious = value is True
        else:
            suspicious = isinstance(default, bool) and value != default
    elif value is None:
        suspicious = default is not NO_DEFAULT and default is not None
    else:
        return None
    if not suspicious or mentioned.any_of(_cues(role)):
        return None
    if value is None:
        return f"{role.name}=null overrides the default {default!r}, and nothing before the call asks for that"
    wanted = "required, and" if role.required else "not the default, and"
    return f"{role.name}={json.dumps(value)} is {wanted} nothing before the call asks for it"


# ---------------------------------------------------------------- off with a level

_SWITCHES = {"power", "mode", "state", "status", "switch", "on_off", "power_state", "power_mode", "hvac_mode"}
_LEVEL = re.compile(
    r"bright|dim|colou?r|hue|saturation|kelvin|target|temperature|celsius|fahrenheit|setpoint|volume|speed|level"
)


def contradictions(arguments: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, message) of each level set in an object whose switch argument is off, at any depth."""
    if isinstance(arguments, list):
        for n, item in enumerate(arguments):
            yield from contradictions(item, f"{path}[{n}]")
        return
    if not isinstance(arguments, dict):
        return
    switch = next(
        (
            (key, value)
            for key, value in arguments.items()
            if key.casefold() in _SWITCHES
            and (
                (isinstance(value, str) and value.strip().casefold() == "off")
                or (value is False and key.casefold() in ("power", "switch", "on_off"))
            )
        ),
        None,
    )
    for key, value in arguments.items():
        if switch and key != switch[0] and value is not None and _LEVEL.search(key.casefold()):
            yield join_path(path, key), f"{key}={json.dumps(value)} is set while {switch[0]}={json.dumps(switch[1])}"
        elif isinstance(value, (dict, list)):
            yield from contradictions(value, join_path(path, key))


# ---------------------------------------------------------------- places


@dataclass
class _Place:
    """The entity-bound values of one object of a call, for one entity key."""

    cities: list[tuple[str, str]] = field(default_factory=list)  # (path, value)
    countries: list[tuple[str, str]] = field(default_factory=list)
    regions: list[tuple[str, str]] = field(default_factory=list)
    postals: list[tuple[str, str]] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)
    airports: list[tuple[str, str]] = field(default_factory=list)


_SLOTS = {
    "city.name": "cities",
    "address.city": "cities",
    "city.country_code": "countries",
    "address.country_code": "countries",
    "city.country": "countries",
    "city.state": "regions",
    "address.postal_code": "postals",
    "address.full": "addresses",
    "place.full": "addresses",
    "city.airport": "airports",
}


def _places(roles: dict[str, Role], arguments: dict) -> dict[tuple[str, str | None], _Place]:
    """(object path, entity key) -> the places named there; unkeyed values join every key of their object."""
    places: dict[tuple[str, str | None], _Place] = {}
    for role in roles.values():
        slot = _SLOTS.get(role.entity or "")
        if not slot:
            continue
        for path, value, _ in _values(arguments, role.path):
            if isinstance(value, str) and value.strip():
                parent = path.rsplit(".", 1)[0] if "." in path else ""
                getattr(places.setdefault((parent, role.entity_key), _Place()), slot).append((path, value))
    for (parent, key), place in places.items():
        shared = places.get((parent, None))
        if key is not None and shared is not None:
            for slot in set(_SLOTS.values()):
                getattr(place, slot).extend(getattr(shared, slot))
    return places


def _city_candidates(text: str) -> list[City]:
    """The cities a value names: the whole value, else its last comma-separated part that is a city
    ("Union Station, Chicago"), else the first part ("Austin, TX"); no city is an empty list. A part
    naming a country or region narrows them ("London, Ontario")."""
    g = gazetteer()
    found = g.cities_named(text)
    if found:
        return found
    parts = [part.strip() for part in text.split(",") if part.strip()]
    for part in reversed(parts):
        cleaned = re.sub(r"\s*\b[A-Z0-9]*\d[A-Z0-9 -]*$", "", part).strip()  # "Paris 75001" -> "Paris"
        found = g.cities_named(part) or (g.cities_named(cleaned) if cleaned else [])
        if found:
            countries = {c for other in parts if other != part for c in _countries_named(other)}
            return [city for city in found if city.country in countries] or found
    return []


def _countries_named(text: str) -> set[str]:
    country = gazetteer().country(text)
    return {country.code} if country else gazetteer().region_country(text)


def _likely(cities: list[City]) -> list[City]:
    """What a city name said alone means: its most populous reading when that one is ten times the
    next (London is London, England; not London, Ontario), else every reading."""
    ranked = sorted(cities, key=lambda city: -city.population)
    if len(ranked) > 1 and ranked[0].population >= 10 * max(ranked[1].population, 1):
        return ranked[:1]
    return ranked


def _entity_problems(
    roles: dict[str, Role], arguments: dict, route_km: float, ground_km: float | None = None
) -> Iterator[tuple[str, str]]:
    g = gazetteer()
    places = _places(roles, arguments)
    for place in places.values():
        codes = {country.code for _, value in place.countries if (country := g.country(value))}
        shown = "/".join(sorted(codes))
        for path, value in place.cities:
            found = _city_candidates(value)
            if codes and found and not any(city.country in codes for city in found):
                yield path, f"city {value!r} is in {found[0].country}, not in {shown}"
        for path, value in place.regions:
            countries = g.region_country(value)
            if codes and countries and not countries & codes:
                yield path, f"region {value!r} is in {'/'.join(sorted(countries))}, not in {shown}"
        for path, value in place.postals:
            for code in codes:
                pattern = (g.countries[code].postal or "").strip()
                if pattern and not _postal_matches(pattern, value.strip().upper()):
                    yield path, f"postal code {value!r} does not have {code}'s format"
        for path, value in place.addresses:
            found = _city_candidates(value)
            if codes and found and not any(city.country in codes for city in found):
                yield path, f"address {value!r} names {found[0].name} ({found[0].country}), not a city in {shown}"
        for path, value in place.airports:
            airport = g.airport(value) if re.fullmatch(r"[A-Za-z]{3}", value.strip()) else None
            if airport is None:
                continue
            if codes and airport.country not in codes:
                yield path, f"airport {value!r} is in {airport.country}, not in {shown}"
            for _, city_value in place.cities:
                found = _city_candidates(city_value)
                if found and not any(
                    airport.code in city.airports or fold(city.name) == fold(airport.city) for city in found
                ):
                    yield path, f"airport {value!r} serves {airport.city}, not {city_value!r}"
    yield from _route_problems(roles, arguments, places, route_km, ground_km)


def _postal_matches(pattern: str, value: str) -> bool:
    try:
        return compile_pattern(pattern).fullmatch(value) is not None
    except ValueError:  # a pattern RE2 refuses: Python's engine on a short postal code
        return re.fullmatch(pattern, value) is not None


def _route_problems(
    roles: dict[str, Role],
    arguments: dict,
    places: dict[tuple[str, str | None], _Place],
    route_km: float,
    ground_km: float | None = None,
) -> Iterator[tuple[str, str]]:
    """A walk or a bike ride between two ends that name cities further apart than `route_km`; with
    `ground_km` (a travel tool: it has a mode), any other mode, or none, further than that."""
    modes = [
        value.strip().casefold()
        for key, value in arguments.items()
        if isinstance(value, str) and ("mode" in key or "profile" in key)
    ]
    slow = any(mode in _SLOW_MODES for mode in modes)
    flying = any(mode in _AIR_MODES for mode in modes)
    limit = route_km if slow else None if flying else ground_km
    origin, destination = places.get(("", "origin")), places.get(("", "destination"))
    if limit is None or origin is None or destination is None:
        return
    starts = [city for _, value in origin.addresses + origin.cities for city in _likely(_city_candidates(value))]
    ends = [(path, _likely(_city_candidates(value))) for path, value in destination.addresses + destination.cities]
    for path, found in ends:
        if starts and found and min(_km(a, b) for a in starts for b in found) > limit:
            how = "walking/cycling" if slow else "ground"
            yield (
                path,
                f"a {how} route from {starts[0].name} to {found[0].name} ({_km(starts[0], found[0]):.0f} km)",
            )


def _km(a: City, b: City) -> float:
    """Great-circle distance between two cities."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371 * 2 * math.asin(min(1.0, math.sqrt(h)))
