"""Results: a tool result that contradicts its own call or the world (`inconsistent_result`).

Each rule reads one tool message whose content is a JSON object and the call it answers (by
`tool_call_id`); the path points into the tool message's content. Only the record is read, so
it works on any dataset:

- echo: a top-level field named like an argument (case, `_` and `-` aside: `ServiceSid` and
  `service_sid`) gives the argument back (the city, dates, ids, statuses and modes asked for).
  Strings agree when one's words hold the other's ("Oslo" and "Oslo, Norway"), when they name
  the same city (NYC, New York) or the same moment (a date and a date-time of that day; one
  instant in two offsets); numbers within rounding.
- filter: an item of a result list with a field named like a string argument, or a true boolean
  one, agrees with it (a `status: open` search returns open tasks; `open_now` returns open places).
- window: items' position dates (date, start, sent_at...) lie inside the window the arguments
  give (start/end, check_in/check_out, after/before, one `date` with a day of slack either side);
  a weekly or monthly interval lets a bar start that much before the window.
- bounds: a `max_price`/`min_rating`/`radius_meters` argument bounds the items' price, rating,
  distance; a `limit`/`max_results` (or an integer argument named like a result list, `days`)
  bounds the number of items.
- place: an address, city or location field of the result names a city further than `place_km`
  from every city (or coordinate) the arguments name (theatres in London for a Reykjavik search).
- numbers: a bar's or a day's high below its low, open or close (OHLC), a max below its min; a
  percentage outside 0-100 (changes excepted); a total below the items listed; an unread count
  beyond a person's (`unread_max`); a route's distance shorter than the straight line between
  its two cities, or more than three times it; a route's duration at a speed its mode cannot
  have (a walk over 10 km/h, a drive over 150, any trip under 1 km/h) or a step longer than the
  route; a `subtask_count` other than the number of `subtasks` the call gave.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from filters.base import Check, Issue, decoded
from filters.gazetteer import City, fold
from filters.plausibility import _city_candidates, _km, _likely
from pipeline.record import Conversation, append_path

_TOKEN = re.compile(r"[a-z0-9]+")
_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::\d{2})?$")
_NO_FILTER = {"all", "any", "both", "everything", "none"}
LIMITS = {"limit", "max_results", "max_items", "top_k", "top_n", "num_results", "page_size", "count"}
_POSITION = {"date", "day", "start", "start_time", "start_date", "starts_at", "timestamp", "sent_at", "datetime"}
WINDOWS = (  # (lower bound, upper bound) argument names; either may be missing
    ("start_date", "end_date"),
    ("start", "end"),
    ("check_in", "check_out"),
    ("from_date", "to_date"),
    ("date_from", "date_to"),
    ("after", "before"),
    ("since", "until"),
)
_PLACE_ARG = {"city", "location", "address", "near", "place", "origin", "destination", "area", "town"}
_PLACE_RESULT = {"address", "city", "location", "town"}
_CHANGE = {"change", "growth", "return", "delta", "diff", "gain", "loss", "yield", "chance"}
_TOP_SPEED = {"walk": 10.0, "foot": 10.0, "cycl": 45.0, "bik": 45.0, "driv": 150.0, "transit": 320.0}  # km/h
_LOW_HIGH = (("low", "high"), ("min", "max"), ("lowest", "highest"), ("minimum", "maximum"))


@dataclass
class ResultOptions:
    """Tuning of the result check."""

    place_km: float = 100.0  # a result place further than this from every place the call names is elsewhere
    unread_max: int = 2000  # more unread messages than one person has
    route_factor: float = 3.0  # a route longer than this many times the straight line (+ route_slack_km)
    route_slack_km: float = 80.0


class ResultCheck(Check):
    """Tool results that give back what the call asked for and numbers that can be true."""

    name = "results"
    Options = ResultOptions

    def __init__(self, options: ResultOptions | None = None):
        self.options = options or ResultOptions()

    def __call__(self, record: Conversation) -> list[Issue]:
        calls: dict[str, Any] = {}
        issues: list[Issue] = []
        for i, message in enumerate(record.messages):
            for call in message.tool_calls or []:
                calls[call.id] = call
            call = calls.get(message.tool_call_id or "") if message.role == "tool" else None
            result = decoded(message.content) if call is not None and isinstance(message.content, str) else None
            if not isinstance(result, dict) or not isinstance(call.function.arguments, dict):
                continue
            seen: set[str] = set()
            for path, problem in result_problems(call.function.arguments, result, self.options):
                if path not in seen:
                    seen.add(path)
                    issues.append(
                        self.issue("inconsistent_result", append_path(f"messages[{i}].content", path), problem)
                    )
        return issues


def result_problems(arguments: dict, result: dict, options: ResultOptions | None = None) -> Iterator[tuple[str, str]]:
    """(path in the result, why) for every way `result` contradicts the call's `arguments` or the world."""
    options = options or ResultOptions()
    yield from _echo(arguments, result)
    yield from _filters(arguments, result)
    yield from _window(arguments, result)
    yield from _bounds(arguments, result)
    yield from _places(arguments, result, options.place_km)
    yield from _numbers(result, "", options)
    yield from _route(arguments, result, options)
    yield from _counted(arguments, result)
    yield from _pace(arguments, result)


# ---------------------------------------------------------------- agreement of two values


def agree(asked: Any, given: Any) -> bool:
    """Whether a result value `given` says the same as the argument value `asked`."""
    if isinstance(asked, bool) or isinstance(given, bool):
        return not (isinstance(asked, bool) and isinstance(given, bool)) or asked == given
    if isinstance(asked, (int, float)) and isinstance(given, (int, float)):
        return abs(asked - given) <= max(0.01, 0.005 * abs(asked))
    if isinstance(asked, list) or isinstance(given, list):
        asked_items, given_items = (v if isinstance(v, list) else [v] for v in (asked, given))
        if not asked_items or not given_items:
            return True
        return all(any(agree(a, g) for g in given_items) for a in asked_items) or all(
            any(agree(a, g) for a in asked_items) for g in given_items
        )
    if isinstance(asked, str) and isinstance(given, str):
        return _same_text(asked, given)
    return True  # objects, or a number against a string: not judged


def _same_text(asked: str, given: str) -> bool:
    if fold(asked) == fold(given):
        return True
    a, b = _moment(asked), _moment(given)
    if a is not None or b is not None:
        return a is not None and b is not None and _same_moment(a, b)
    ca, cb = _CLOCK.match(asked.strip()), _CLOCK.match(given.strip())
    if ca or cb:
        return bool(ca and cb) and (int(ca[1]), ca[2]) == (int(cb[1]), cb[2])
    words_a, words_b = set(_TOKEN.findall(fold(asked))), set(_TOKEN.findall(fold(given)))
    if words_a and words_b and (words_a <= words_b or words_b <= words_a):
        return True
    cities_a, cities_b = _city_candidates(asked), _city_candidates(given)
    return bool(set(cities_a) & set(cities_b))


def _moment(text: str) -> tuple[date, datetime | None] | None:
    """(day, the instant when the text has a time with an offset) of an ISO date or date-time."""
    found = _MOMENT.match(text.strip()) if isinstance(text, str) else None
    if not found:
        return None
    try:
        day = date.fromisoformat(found[1])
        instant = datetime.fromisoformat(text.strip().replace("Z", "+00:00")) if found[3] else None
    except ValueError:
        return None
    return day, instant


def _same_moment(a: tuple[date, datetime | None], b: tuple[date, datetime | None]) -> bool:
    if a[1] is not None and b[1] is not None:
        return a[1] == b[1]
    return abs((a[0] - b[0]).days) <= (1 if a[1] is not None or b[1] is not None else 0)  # an offset may move the day


# ---------------------------------------------------------------- the call's values come back


def same_name(name: str) -> str:
    """A field name without case, `_` and `-`: an API's `ServiceSid` argument comes back as `service_sid`."""
    return re.sub(r"[_-]", "", name).casefold()


def _echo(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    fields = {}
    for field in result:
        fields.setdefault(same_name(field), field)  # an exact spelling is preferred below
    for key, asked in arguments.items():
        field = key if key in result else fields.get(same_name(key))
        if field is None or asked is None or result[field] is None:
            continue
        if not agree(asked, result[field]):
            yield field, f"{field} {result[field]!r} is not the {asked!r} the call asked for"


def _items(value: Any, path: str = "", inside: bool = False) -> Iterator[tuple[str, dict]]:
    """(path, object) for every object inside a list of the result, at any depth."""
    if isinstance(value, dict):
        if inside:
            yield path, value
        for key, item in value.items():
            yield from _items(item, _join(path, key), inside)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _items(item, f"{path}[{n}]", True)


def _filters(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    for path, item in _items(result):
        for key, asked in arguments.items():
            if key not in item or item[key] is None:
                continue
            given = item[key]
            if isinstance(asked, str) and fold(asked) not in _NO_FILTER and isinstance(given, (str, list)):
                wrong = not agree(asked, given)
            elif asked is True and isinstance(given, bool):
                wrong = not given
            elif isinstance(asked, list) and isinstance(given, list) and asked and given:
                wrong = not any(agree(a, g) for a in asked for g in given)  # shares at least one
            else:
                continue
            if wrong:
                yield _join(path, key), f"{key} {given!r} in a result filtered by {key} {asked!r}"


def _window(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    low = high = None
    for first, last in WINDOWS:
        low = low or _day(arguments.get(first))
        high = high or _day(arguments.get(last))
    slack = 0
    if low is None and high is None and _day(arguments.get("date")):
        low = high = _day(arguments["date"])
        slack = 1
    if low is None and high is None:
        return
    interval = " ".join(str(arguments.get(k, "")) for k in ("interval", "granularity", "period")).casefold()
    early = 31 if re.search(r"mo|month", interval) else 6 if re.search(r"w", interval) else slack
    for path, item in _items(result):
        for key in _POSITION & set(item):
            day = _day(item[key])
            if day is None:
                continue
            if (
                low is not None
                and day < low - timedelta(days=early)
                or high is not None
                and day > high + timedelta(days=slack)
            ):
                shown = f"{low or '...'} to {high or '...'}"
                yield _join(path, key), f"{key} {item[key]} outside the asked {shown}"


def _day(value: Any) -> date | None:
    found = _moment(value) if isinstance(value, str) else None
    return found[0] if found else None


def _bounds(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    for name, bound in arguments.items():
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            continue
        if name in LIMITS or isinstance(result.get(name), list) and isinstance(bound, int):
            for key, value in result.items():
                if isinstance(value, list) and (name in LIMITS or key == name) and len(value) > bound:
                    yield key, f"{len(value)} {key} for {name} {bound}"
            continue
        found = re.fullmatch(r"(min|max)_(.+)|(.+)_(min|max)", name)
        side, stem = (found[1] or found[4], found[2] or found[3]) if found else (None, None)
        if name.startswith("radius"):
            side, stem = "max", "distance" + name[len("radius") :]
        if stem is None:
            continue
        wanted = set(stem.split("_"))
        for path, item in _items(result):
            for key, value in item.items():
                words = set(key.split("_"))
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not wanted <= words:
                    continue
                tolerance = max(0.01, 0.01 * abs(bound))
                if side == "max" and value > bound + tolerance or side == "min" and value < bound - tolerance:
                    yield _join(path, key), f"{key} {value} in a result asked for {name} {bound}"


# ---------------------------------------------------------------- places


def _places(arguments: dict, result: dict, place_km: float) -> Iterator[tuple[str, str]]:
    asked = [
        city
        for key, value in arguments.items()
        if set(key.split("_")) & _PLACE_ARG and isinstance(value, str)
        for city in _city_candidates(value)
    ]
    points = [(c.lat, c.lon) for c in asked] + [p for p in map(_point, arguments.values()) if p]
    if not points:
        return
    for path, value in _strings(result):
        key = path.rsplit(".", 1)[-1].split("[")[0]
        if not set(key.split("_")) & _PLACE_RESULT or key == "current_location" or re.fullmatch(r"[A-Z]{3}", value):
            continue
        found = _city_candidates(value)
        nearest = min((_distance((c.lat, c.lon), p) for c in found for p in points), default=0.0)
        if nearest > place_km:
            yield path, f"{value!r} is {nearest:.0f} km from the place the call asked about"


def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, _join(path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{path}[{n}]")
    elif isinstance(value, str):
        yield path, value


def _point(value: Any) -> tuple[float, float] | None:
    if not isinstance(value, dict):
        return None
    lat = next((value[k] for k in ("latitude", "lat") if isinstance(value.get(k), (int, float))), None)
    lon = next((value[k] for k in ("longitude", "lon", "lng") if isinstance(value.get(k), (int, float))), None)
    return (float(lat), float(lon)) if lat is not None and lon is not None else None


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return _km(City("a", "", None, "", a[0], a[1], 0), City("b", "", None, "", b[0], b[1], 0))


def _route(arguments: dict, result: dict, options: ResultOptions) -> Iterator[tuple[str, str]]:
    ends = [arguments.get("origin"), arguments.get("destination")]
    if not all(isinstance(end, str) for end in ends):
        return
    starts, stops = (_likely(_city_candidates(end)) for end in ends)
    if not starts or not stops:
        return
    line = min(_km(a, b) for a in starts for b in stops)
    for key, scale in (("distance_km", 1.0), ("distance_meters", 0.001), ("distance_miles", 1.609)):
        value = result.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        km = value * scale
        if km < 0.8 * line - 5 or km > options.route_factor * line + options.route_slack_km:
            yield key, f"{key} {value} for {ends[0]} -> {ends[1]}, {line:.0f} km apart as the crow flies"


def _counted(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    """A `<thing>_count` of the result counts the call's `<thing>s` / `<thing>_ids` list."""
    for key, number in result.items():
        if not key.endswith("_count") or isinstance(number, bool) or not isinstance(number, int):
            continue
        stem = key[: -len("_count")]
        given = next((arguments[k] for k in (stem + "s", stem + "es", stem + "_ids") if k in arguments), None)
        if isinstance(given, list) and number != len(given):
            yield key, f"{key} {number} for the {len(given)} the call gave"


def _pace(arguments: dict, result: dict) -> Iterator[tuple[str, str]]:
    """A route's duration at a speed its mode cannot have, and a step longer than the route."""
    km = _kilometres(result)
    minutes = result.get("duration_minutes")
    mode = str(result.get("mode") or arguments.get("mode") or "driving").casefold()
    fastest = next((v for k, v in _TOP_SPEED.items() if k in mode), 150.0)
    if km is not None and km >= 1 and isinstance(minutes, (int, float)) and not isinstance(minutes, bool):
        speed = km / max(minutes, 0.5) * 60
        if speed > fastest or speed < 1:
            yield "duration_minutes", f"{minutes} minutes for {km:g} km {mode}: {speed:.1f} km/h"
    for path, item in _items(result):
        step = _kilometres(item)
        if km is not None and step is not None and step > km * 1.05 + 0.1:
            key = next(k for k in ("distance_km", "distance_m", "distance_meters", "distance_miles") if k in item)
            yield _join(path, key), f"a step of {step:g} km in a route of {km:g} km"


def _kilometres(value: dict) -> float | None:
    for key, scale in (
        ("distance_km", 1.0),
        ("distance_m", 0.001),
        ("distance_meters", 0.001),
        ("distance_miles", 1.609),
    ):
        number = value.get(key)
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            return number * scale
    return None


# ---------------------------------------------------------------- numbers that cannot be true


def _numbers(value: Any, path: str, options: ResultOptions) -> Iterator[tuple[str, str]]:
    if isinstance(value, list):
        for n, item in enumerate(value):
            yield from _numbers(item, f"{path}[{n}]", options)
        return
    if not isinstance(value, dict):
        return
    numbers = {k: v for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    yield from _order(numbers, path)
    for key, number in numbers.items():
        words = set(key.split("_"))
        percent = (words & {"percent", "percentage", "pct"} or key == "humidity") and not words & _CHANGE
        if percent and not 0 <= number <= 100:
            yield _join(path, key), f"{key} {number} is not a percentage"
        if "unread" in words and number > options.unread_max:
            yield _join(path, key), f"{key} {number}: more unread messages than a person has"
        if key in ("total", "total_results", "total_count", "count"):
            lists = [v for v in value.values() if isinstance(v, list)]
            if len(lists) == 1 and number < len(lists[0]):
                yield _join(path, key), f"{key} {number} while {len(lists[0])} items are listed"
    for key, item in value.items():
        yield from _numbers(item, _join(path, key), options)


def _order(numbers: dict[str, float], path: str) -> Iterator[tuple[str, str]]:
    if "high" in numbers and "low" in numbers:  # a bar or a day: high >= open, close >= low
        for key in ("open", "close", "low"):
            if key in numbers and numbers["high"] < numbers[key]:
                yield _join(path, "high"), f"high {numbers['high']} below {key} {numbers[key]}"
                return
        for key in ("open", "close"):
            if key in numbers and numbers["low"] > numbers[key]:
                yield _join(path, "low"), f"low {numbers['low']} above {key} {numbers[key]}"
                return
    for key, number in numbers.items():
        words = key.split("_")
        for small, big in _LOW_HIGH:
            other = "_".join(big if word == small else word for word in words)
            if small in words and key != "low" and other in numbers and numbers[other] < number:
                yield _join(path, other), f"{other} {numbers[other]} below {key} {number}"


def _join(path: str, key: str) -> str:
    """A result path and a key: "events[0]" + "start" -> "events[0].start"; "" + "total" -> "total"."""
    return append_path(path, key) if path else key
