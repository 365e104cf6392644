"""Value mistakes strong models make (issue 17): a relative date resolved wrong, a unit or
currency swapped for its sibling, the user's surface form where the tool wants the canonical id,
a parallel turn with one item replaced by a plausible substitute, and an answer that reads a
number or a status off the wrong item of the result. Each yields candidate rejected turns, most
plausible first (pipeline.pairs.build verifies them and keeps the first that fails with exactly
its type's code)."""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from filters.answers import item_groups, item_names
from filters.base import decoded
from filters.mentions import reference_moment, relative_dates
from pipeline.pairs.base import Decision, Turn, _fits, _properties, _replace, _with_calls

# -- dates ----------------------------------------------------------------------------------------

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_WEEK_WORD = re.compile(r"\b(?:next|this|coming)\s+(?:week|\w+day)\b|\bweek\b", re.IGNORECASE)


def _said(decision: Decision) -> str:
    """What the user and system said before the decision turn."""
    return "\n".join(
        m.content or "" for m in decision.record.messages[: decision.index] if m.role in ("user", "system")
    )


def _shifted(value: str, day: date) -> str:
    return day.isoformat() + value[10:]


def _date_variants(value: str, said: str, relative: set[date]) -> list[str]:
    """Dates a model plausibly writes instead of `value` when the wording gave it relatively (a
    written-out date is copied, not resolved: no slip), the likeliest slip first: a week off for
    "next/this <weekday>" or a week, the day before or after for a bare weekday or a day count
    ("the day after tomorrow" -> tomorrow). The year end is wrong_year's."""
    match = _ISO_DAY.match(value)
    if not match:
        return []
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return []
    if day not in relative:
        return []
    week = [day + timedelta(days=7), day - timedelta(days=7)]
    weekday = [day - timedelta(days=1), day + timedelta(days=1)]
    ordered = week + weekday if _WEEK_WORD.search(said) else weekday + week
    return [_shifted(value, other) for other in ordered if other != day]


def wrong_date(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A date the user gave relatively resolved wrong: a week off, the day before or after the
    named weekday or day count (the time of day, if any, kept)."""
    said = _said(decision)
    relative = relative_dates(said, reference_moment(decision.record.meta.get("now")))
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        for key, value in call["arguments"].items():
            if not isinstance(value, str):
                continue
            for other in _date_variants(value, said, relative):
                if _fits(schema, key, other):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: other})


def wrong_year(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Dates past the year end read in the current year ("January 3rd" said on December 20 written
    as this January, already past): every such date of a call together (a range stays a range),
    then each alone."""
    now = reference_moment(decision.record.meta.get("now"))
    if now is None:
        return
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        moved = {
            key: f"{now.year}{value[4:]}"
            for key, value in call["arguments"].items()
            if isinstance(value, str) and _ISO_DAY.match(value) and int(value[:4]) != now.year
        }
        moved = {key: value for key, value in moved.items() if _valid_day(value) and _fits(schema, key, value)}
        if moved:
            yield _replace(decision, number, call["name"], {**call["arguments"], **moved})
        if len(moved) > 1:
            for key, value in moved.items():
                yield _replace(decision, number, call["name"], {**call["arguments"], key: value})


def _valid_day(value: str) -> bool:
    try:
        date(int(value[:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return True


# -- units and currencies -------------------------------------------------------------------------

_UNIT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("celsius", "fahrenheit"),
    ("c", "f"),
    ("metric", "imperial"),
    ("km", "mi"),
    ("km", "miles"),
    ("kilometers", "miles"),
    ("kilometres", "miles"),
    ("kg", "lb"),
    ("kg", "lbs"),
    ("kph", "mph"),
    ("km/h", "mph"),
    ("ml", "oz"),
    ("cm", "in"),
    ("m", "ft"),
    ("meters", "feet"),
    ("usd", "eur", "gbp", "cad", "aud", "jpy", "chf"),
)
_UNIT_KEY = re.compile(r"unit|currency|scale|system|measure", re.IGNORECASE)


def _unit_siblings(value: str, schema: dict[str, Any], key: str) -> list[str]:
    """The other units of `value`'s group, in the tool's own vocabulary: the enum's options when
    it has one (in its order), else the group's spellings in the value's case."""
    folded = value.casefold()
    groups = [group for group in _UNIT_GROUPS if folded in group]
    if not groups:
        return []
    spec = _properties(schema).get(key)
    options = spec.get("enum") if isinstance(spec, dict) else None
    others = [other for group in groups for other in group if other != folded]
    if isinstance(options, list):
        folded_options = {str(option).casefold(): option for option in options if isinstance(option, str)}
        return [folded_options[other] for other in dict.fromkeys(others) if other in folded_options]
    if len(folded) <= 1 and not _UNIT_KEY.search(key):
        return []  # a bare "c" or "m" means a unit only under a unit-named argument
    shaped = [other.upper() if value.isupper() else other.title() if value.istitle() else other for other in others]
    return list(dict.fromkeys(shaped))


def wrong_unit(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A unit or currency argument swapped for another unit of the same quantity the tool accepts
    (fahrenheit for celsius, imperial for metric, EUR for USD, miles for km)."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        for key, value in call["arguments"].items():
            if not isinstance(value, str):
                continue
            taken = [v for k, v in call["arguments"].items() if k != key]  # never EUR -> EUR
            for other in _unit_siblings(value, schema, key):
                if _fits(schema, key, other) and other not in taken:
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: other})


# -- aliases --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _aliases() -> dict[str, tuple[str, ...]]:
    """Canonical value -> the names users give it: the bundled seeds' `x-aliases`."""
    from pipeline.pairs.kinds import bundled_tools
    from pipeline.seeds import alias_table

    return {value: tuple(names) for value, names in alias_table(bundled_tools()).items()}


def _surface_forms(value: str, said: str) -> list[str]:
    """The names the user gave `value` in `said`, as written there (and upper-cased, the way a
    model "normalises" a ticker: Nvidia -> NVIDIA), longest first."""
    out: list[str] = []
    taken: list[tuple[int, int]] = []
    for name in sorted(_aliases().get(value, ()), key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", said, re.IGNORECASE):
            if any(start <= match.start() and match.end() <= end for start, end in taken):
                continue  # "upstairs" inside "upstairs thermostat": the user said the longer name
            taken.append(match.span())
            written = match.group(0)
            for form in (written, written.upper(), written.replace(" ", "_").lower()):
                if form != value and form not in out:
                    out.append(form)
    return out


def wrong_alias(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """The name the user said copied into an argument that wants the canonical id (NVIDIA or
    Nvidia for NVDA, Heathrow for LHR, "upstairs thermostat" for upstairs_thermostat)."""
    said = _said(decision)
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        for key, value in call["arguments"].items():
            if not isinstance(value, str):
                continue
            for form in _surface_forms(value, said):
                if _fits(schema, key, form):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: form})


# -- partial parallel coverage --------------------------------------------------------------------

_NAME_WORDS = re.compile(r"[a-z]+")


_READ_VERBS = frozenset({"get", "list", "search", "find", "lookup", "check", "track", "read", "fetch", "query", "show"})


def _stem_words(name: str) -> set[str]:
    return {word for word in _NAME_WORDS.findall(name.casefold()) if word not in _READ_VERBS}


def _reads(name: str) -> bool:
    """Whether a tool's name says it only reads (get_..., search_..., track_...)."""
    words = _NAME_WORDS.findall(name.casefold())
    return bool(words) and words[0] in _READ_VERBS


def partial_parallel(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """In a parallel turn, one item's call replaced by a sibling tool for the same item (the
    forecast instead of the current weather: same domain, both readers or both writers with a name
    word in common, the item's arguments carried over by name): the turn keeps its count and
    misses the item."""
    calls = decision.calls
    if len(calls) < 2:
        return
    offered = [tool.function.name for tool in decision.record.tools]
    for number in rng.sample(range(len(calls)), len(calls)):
        call = calls[number]
        domain = decision.domains.get(call["name"])
        words = _stem_words(call["name"])
        siblings = sorted(
            (name for name in offered if name != call["name"]),
            key=lambda name: (-len(_stem_words(name) & words), decision.domains.get(name) != domain, name),
        )
        for name in siblings:
            # a sibling: same domain, a reader for a reader (never a cancel_order for a
            # track_order), and a writer only for a writer with a name word in common (never a
            # cancel_order for a request_return); those sharing a name word come first
            if domain is None or decision.domains.get(name) != domain or _reads(name) != _reads(call["name"]):
                continue
            if not _reads(name) and not _stem_words(name) & words:
                continue
            schema = decision.schema(name) or {}
            properties = _properties(schema)
            arguments = {key: value for key, value in call["arguments"].items() if key in properties}
            required = schema.get("required") or []
            # the item itself must carry over: every required argument filled from the call, by name
            if not arguments or any(key not in arguments for key in required):
                continue
            if all(_fits(schema, key, value) for key, value in arguments.items()):
                yield _replace(decision, number, name, arguments)


def repeated_item(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """In a parallel turn of one function, one item's call replaced by another item's call with
    this one's other settings (Paris twice, once in each unit; London missing)."""
    calls = decision.calls
    if len(calls) < 2:
        return
    for number in rng.sample(range(len(calls)), len(calls)):
        call = calls[number]
        for other in calls:
            if other is call or other["name"] != call["name"]:
                continue
            differing = [key for key in other["arguments"] if other["arguments"][key] != call["arguments"].get(key)]
            if len(differing) != 1:
                continue
            # the item key is the one argument the two calls differ in: this call takes the other's item
            arguments = {**call["arguments"], differing[0]: other["arguments"][differing[0]]}
            replaced = copy.deepcopy(calls)
            replaced[number] = {"name": call["name"], "arguments": arguments}
            yield _with_calls(decision, replaced)


# -- answers that misread the result --------------------------------------------------------------

_QUOTED_NUMBER = re.compile(r"(?<![\w.])([$€£¥]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d/:-])")
_FIELD_PAIRS = ({"high", "low"}, {"min", "max"}, {"minimum", "maximum"}, {"open", "close"}, {"bid", "ask"})
_FIELD_SAID = re.compile(r"\b(?:the|a|an|its|with)\s+((?:[a-z]+\s){0,2}[a-z]+)\s+(?:is|was|of|at|:)\s*$", re.I)


def misread_result(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """The answer with one item's number or status read off another item of the result (the
    second hotel's price said of the first), else one field's number read off its sibling field
    of the same object (the low said as the high), written in the answer's own number format."""
    answer = decision.chosen.get("content")
    if decision.calls or not isinstance(answer, str):
        return
    results = [m.content for m in decision.record.messages[: decision.index] if m.role == "tool" and m.content]
    for siblings in item_groups(results):
        for item in siblings:
            spans = [
                m
                for name in item_names(item, siblings)
                for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", answer, re.IGNORECASE)
            ]
            if not spans:
                continue
            for key, value in item.items():
                others = [other.get(key) for other in siblings if other is not item]
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    yield from _swap_number(decision, answer, spans, float(value), others)
                elif isinstance(value, str) and (key == "status" or key.endswith("_status")):
                    yield from _swap_status(decision, answer, spans, value, others)
    yield from _swap_field(decision, answer, results)


def _near(span: re.Match, start: int, answer: str) -> bool:
    """Whether `start` follows the item's name in the same sentence, within 80 characters."""
    between = answer[span.end() : start]
    return 0 <= start - span.end() <= 80 and not re.search(r"[.;\n]\s", between)


_CONVERTED = re.compile(r"(\s*°\s*([CF])\s*\(about\s+)(-?\d+)(\s*°\s*[CF]\))")


def _rewritten(answer: str, match: re.Match, value: float) -> str | None:
    """`answer` with the number `match` found replaced by `value`, at the same precision and
    grouping (and its conversion that follows, "18.0 °C (about 64 °F)", redone); None when it
    reads the same."""
    fraction = match.group(3) or ""
    text = f"{value:,.{len(fraction)}f}" if "," in match.group(2) else f"{value:.{len(fraction)}f}"
    if text == match.group(0)[len(match.group(1)) :]:
        return None
    rest = answer[match.end() :]
    converted = _CONVERTED.match(rest)
    if converted:
        other = value * 1.8 + 32 if converted.group(2) == "C" else (value - 32) / 1.8
        rest = f"{converted.group(1)}{round(other)}{converted.group(4)}{rest[converted.end() :]}"
    return answer[: match.start(2)] + text + rest


def _swap_number(
    decision: Decision, answer: str, spans: list[re.Match], value: float, others: list[Any]
) -> Iterator[Turn]:
    for match in _QUOTED_NUMBER.finditer(answer):
        whole, fraction = match.group(2).replace(",", ""), match.group(3) or ""
        shown = float(f"{whole}.{fraction}" if fraction else whole)
        if abs(shown - value) > (10 ** -len(fraction) if fraction else 1) / 2 + 1e-9:
            continue
        if not any(_near(span, match.start(), answer) for span in spans):
            continue
        for other in others:
            if isinstance(other, (int, float)) and not isinstance(other, bool):
                content = _rewritten(answer, match, float(other))
                if content:
                    yield _answer(decision, content)


def _swap_status(
    decision: Decision, answer: str, spans: list[re.Match], value: str, others: list[Any]
) -> Iterator[Turn]:
    written = value.replace("_", " ")
    for match in re.finditer(rf"(?<!\w){re.escape(written)}(?!\w)", answer, re.IGNORECASE):
        if not any(_near(span, match.start(), answer) for span in spans):
            continue
        for other in others:
            if isinstance(other, str) and other.casefold() != value.casefold():
                yield _answer(decision, answer[: match.start()] + other.replace("_", " ") + answer[match.end() :])


def _related(key: str, other: str) -> bool:
    """Two fields a reader mixes up: a pair like high/low, or one quantity in one unit (*_km, *_price)."""
    left, right = key.casefold().split("_"), other.casefold().split("_")
    if any({left[0], right[0]} == pair or {left[-1], right[-1]} == pair for pair in _FIELD_PAIRS):
        return True
    return len(left) > 1 and len(right) > 1 and left[-1] == right[-1]


def _swap_field(decision: Decision, answer: str, results: list[str]) -> Iterator[Turn]:
    """ "the high is 24.5" -> the same object's low: the number of a related field of the object
    whose field the answer names with its value."""
    objects = [value for value in map(decoded, results) if isinstance(value, dict)]
    stack: list[Any] = list(objects)
    while stack:
        value = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, dict):
                objects.append(child)
            if isinstance(child, (dict, list)):
                stack.append(child)
    for match in _QUOTED_NUMBER.finditer(answer):
        said = _FIELD_SAID.search(answer[max(0, match.start() - 60) : match.start()])
        if not said:
            continue
        field = said.group(1).casefold().replace(" ", "_")
        whole, fraction = match.group(2).replace(",", ""), match.group(3) or ""
        shown = float(f"{whole}.{fraction}" if fraction else whole)
        for item in objects:
            key = next((k for k in item if k.casefold() == field or k.casefold().startswith(field + "_")), None)
            number = item.get(key) if key else None
            if not isinstance(number, (int, float)) or isinstance(number, bool) or abs(number - shown) > 1e-6:
                continue
            for other, value in item.items():
                if other != key and _related(key, other) and isinstance(value, (int, float)):
                    content = _rewritten(answer, match, float(value))
                    if content and not isinstance(value, bool):
                        yield _answer(decision, content)


def _answer(decision: Decision, content: str) -> Turn:
    turn: Turn = {"role": "assistant", "content": content}
    if decision.chosen.get("reasoning_content"):
        turn["reasoning_content"] = decision.chosen["reasoning_content"]
    return turn
