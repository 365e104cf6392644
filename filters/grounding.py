"""Grounding: every argument value of every call is supported by the conversation before it.

A value is grounded when one of these holds (checked in this order):
- it equals the parameter's schema default, or it is a boolean or null (a request implies
  those rather than writing them);
- it was returned by an earlier tool result (any leaf of its JSON, or its text);
- a string: its loose form (case, punctuation, "St."/"Saint"...) is in the text before the call,
  or one of its aliases is (`aliases`, e.g. NVDA -> "Nvidia", from the seeds' `x-aliases`), or,
  for a purely alphabetic value of 6+ letters, a window of the text is a close spelling
  (rapidfuzz partial ratio >= `fuzzy`, 85); values with digits must match exactly;
- an enum value the request clearly selects: its words, or a known synonym ("daily" -> 1d);
- a long free-text value (a message body, a note): most of its content words were said;
- a date: one of the dates the text can mean (absolute or relative to `meta.now`); a date-time
  also needs its time of day when the text states any time;
- a number: one the text states, in any of the readings `filters.mentions` derives
  (5k, "two", 20% -> 0.2, "2 hours" -> 120 minutes).
The text is every system, user and assistant message before the call. Origin/destination pairs
are also checked for a swap ("from Paris to Oslo" with origin=Oslo). In a `nested` record a call
turn that follows tool results but uses nothing they returned is `unused_tool_result`; when the
record's `meta.links` names the planned dependencies, filters.chain replays them exactly instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz

from filters.base import Check, Issue, call_path, decoded, leaves
from filters.chain import chain_issues
from filters.match import same_value
from filters.mentions import dates_in, durations_in, loose, numbers_in, reference_moment, times_in
from filters.schema import resolve_ref
from pipeline.record import Conversation, Message

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2})?$")
_ENUM_SYNONYMS = {
    "1d": ("daily", "day", "days"),
    "1h": ("hourly", "hour"),
    "1wk": ("weekly", "week"),
    "1w": ("weekly", "week"),
    "1mo": ("monthly", "month"),
    "1m": ("monthly", "month", "minute"),
    "1y": ("yearly", "year", "annual"),
    "asc": ("ascending", "lowest", "cheapest", "oldest", "earliest"),
    "desc": ("descending", "highest", "newest", "latest", "most"),
    "c": ("celsius",),
    "f": ("fahrenheit",),
    "metric": ("celsius", "km", "kilometers", "metres", "meters"),
    "imperial": ("fahrenheit", "miles", "feet"),
    "high": ("urgent", "important", "asap"),
    "on": ("turn on", "switch on"),
    "off": ("turn off", "switch off"),
    "gtc": ("good till cancelled", "good til canceled", "good till canceled", "until cancelled"),
    "transit": ("train", "bus", "subway", "metro", "tram", "public transport"),
    "cycling": ("bike", "bicycle", "cycle"),
    "bicycling": ("bike", "bicycle", "cycle"),
    "driving": ("drive", "car"),
    "rating": ("best rated", "top rated", "highest rated"),
    "usd": ("dollar", "dollars", "$"),
    "eur": ("euro", "euros", "€"),
    "gbp": ("pound", "pounds", "£"),
}
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

    def says(self, phrase: str) -> bool:
        """Whether the loose form of `phrase` occurs in the text as whole words."""
        form = loose(phrase)
        return bool(form) and f" {form} " in self.loose


class GroundingCheck(Check):
    """`ungrounded_value` for each argument nobody supported; `unused_tool_result` in nested chains."""

    name = "grounding"
    Options = GroundingOptions

    def __init__(self, options: GroundingOptions | None = None):
        self.options = options or GroundingOptions()

    def __call__(self, record: Conversation) -> list[Issue]:
        issues: list[Issue] = []
        schemas = record.tool_schemas()
        now = record.meta.get("now") if isinstance(record.meta, dict) else None
        for index, message in enumerate(record.messages):
            if message.role != "assistant" or not message.tool_calls:
                continue
            context = _Context(record.messages[:index], now)
            for number, call in enumerate(message.tool_calls):
                arguments = call.function.arguments
                if not isinstance(arguments, dict):
                    continue  # format reports it
                issues.extend(
                    self._call_issues(
                        context, arguments, schemas.get(call.function.name) or {}, call_path(index, number)
                    )
                )
            if record.category == "nested" and not record.meta.get("links"):  # planned links get the exact replay below
                issues.extend(self._unused_results(record.messages, index))
        return issues + chain_issues(record)

    def _call_issues(
        self, context: _Context, arguments: dict[str, Any], parameters: dict[str, Any], path: str
    ) -> list[Issue]:
        issues = []
        for where, leaf, schema in _leaf_items(arguments, parameters, f"{path}.function.arguments", parameters):
            if not self._grounded(leaf, schema, context):
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
            if not self._grounded(leaf, schema, context)
        }
        keys |= {key for key, _ in self._swapped(context, arguments)}
        return [key for key in arguments if key in keys]

    def _grounded(self, value: Any, schema: dict[str, Any], context: _Context) -> bool:
        if isinstance(value, bool) or value is None:
            return True
        if "default" in schema and same_value(schema["default"], value):
            return True
        if any(same_value(value, leaf) for leaf in context.result_leaves):
            return True
        if isinstance(value, (int, float)):
            return _number_stated(float(value), context)
        if not isinstance(value, str):
            return False
        form = loose(value)
        if form and any(f" {form} " in content for content in context.results_loose):
            return True
        return self._string_grounded(value, schema, context)

    def _string_grounded(self, value: str, schema: dict[str, Any], context: _Context) -> bool:
        if context.says(value):
            return True
        if any(context.says(alias) for alias in self.options.aliases.get(value.casefold(), ())):
            return True
        moment = _ISO_DATETIME.match(value) or _ISO_DATE.match(value)
        if moment:
            return _date_stated(moment.groups(), context)
        clock = _CLOCK.match(value)
        if clock:
            return _time_stated(int(clock.group(1)), int(clock.group(2)), context)
        if isinstance(schema.get("enum"), list) and value in schema["enum"]:
            return _enum_grounded(value, schema, context)
        letters = re.sub(r"[^a-z]", "", loose(value))
        if (
            re.fullmatch(r"[^\d@/:]+", value)  # words, not ids or addresses
            and len(letters) >= self.options.min_fuzzy_letters
            and fuzz.partial_ratio(loose(value), context.loose) >= self.options.fuzzy
        ):
            return True
        content = [w for w in loose(value).split() if w not in _STOPWORDS]
        if len(value.split()) >= self.options.free_text_words and content:
            said = sum(1 for w in content if w in context.words)
            return said / len(content) >= self.options.free_text_overlap
        return False

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
            forms = [value, *self.options.aliases.get(value.casefold(), ())]
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


def _introduced(context: _Context, words: tuple[str, ...], forms: list[str]) -> bool:
    """Whether the text puts one of `words` (optionally + "the") right before one of `forms`."""
    return any(context.says(f"{word} {form}") or context.says(f"{word} the {form}") for form in forms for word in words)


def _number_stated(value: float, context: _Context) -> bool:
    return any(abs(value - stated) <= 1e-9 * max(1.0, abs(value)) for stated in context.numbers)


def _date_stated(parts: tuple[str, ...], context: _Context) -> bool:
    try:
        day = date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return False
    if (
        day not in context.dates
        and not context.says(f"{parts[0]}-{parts[1]}-{parts[2]}")
        and not any(day - timedelta(days=span) in context.dates for span in context.durations)
    ):
        return False
    if len(parts) > 3 and context.times:
        return _time_stated(int(parts[3]), int(parts[4]), context)
    return True


def _time_stated(hour: int, minute: int, context: _Context) -> bool:
    """A stated time, or a stated time plus a stated number of minutes (4pm, "half an hour" -> 16:30)."""
    if (hour, minute) in context.times:
        return True
    target = hour * 60 + minute
    return any(
        h * 60 + m + n == target for h, m in context.times for n in context.numbers if 0 < n <= 720 and n == int(n)
    )


def _enum_grounded(value: str, schema: dict[str, Any], context: _Context) -> bool:
    """An enum option is a closed choice: grounded when the text selects it; when the text
    selects none, a required option the request implies ("dim the lights" -> power "on") passes
    unless the schema has another default; an optional one nobody asked for does not; an option
    is wrong when the text names another one."""
    if _enum_selected(value, context):
        return True
    options = [option for option in schema["enum"] if isinstance(option, str) and option != value]
    if any(_enum_selected(option, context) for option in options):
        return False
    return "default" not in schema and not schema.get("x-optional")


def _enum_selected(value: str, context: _Context) -> bool:
    """The option's words, a word stem ("walk" -> walking), or a known synonym ("daily" -> 1d)."""
    words = loose(value.replace("_", " "))
    if words and f" {words} " in context.loose:
        return True
    tokens = [value.casefold(), *(t for t in words.split() if len(t) >= 3)]
    synonyms = [synonym for token in tokens for synonym in _ENUM_SYNONYMS.get(token, ())]
    if any(context.says(synonym) or (synonym in "$€£" and synonym in context.raw) for synonym in synonyms):
        return True
    return any(_same_stem(token, word) for token in tokens[1:] for word in context.words if len(word) >= 3)


def _same_stem(left: str, right: str) -> bool:
    shorter = min(len(left), len(right))
    common = next((i for i, (a, b) in enumerate(zip(left, right)) if a != b), shorter)
    return common >= min(shorter - 2, 5) and common >= 3


def _leaf_items(value: Any, schema: Any, path: str, root: Any = None) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(path, leaf, its schema) for a value and every scalar inside it; local $refs resolved
    against `root`; an optional leaf's schema is marked `x-optional`."""
    schema = _resolve(schema, root)
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        for key, item in value.items():
            sub = _resolve(properties.get(key), root)
            yield from _leaf_items(item, sub if key in required else {**sub, "x-optional": True}, f"{path}.{key}", root)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from _leaf_items(item, schema.get("items"), f"{path}[{number}]", root)
    else:
        yield path, value, schema


def _resolve(schema: Any, root: Any) -> dict[str, Any]:
    """A schema with its local `$ref` followed (an unresolvable one is left as it is)."""
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
