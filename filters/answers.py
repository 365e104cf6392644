"""Final answers that agree with the tool results: numbers with provenance, words that do not contradict.

Numbers. A number an answer quotes ("$231.40", "12 degrees", "3 flights") is found, at the
precision shown, among:
- the known numbers: a tool result's values, its lists' lengths, its date and time parts, and the
  numbers of the user and system turns before the answer;
- numbers derived from the results, each family small and explainable:
  - a sum or difference of two returned values (two prices, a high minus a low), shown exactly
    unless the number is introduced as approximate ("about", "around", "roughly", "~"...);
  - a list's column total, mean and range (steps per day -> "9,533 a day" on average);
  - counts of list items sharing a value ("2 nonstop options": two offers with stops 0);
  - a returned rate times or divided by a known number (an amount in another currency);
  - a unit conversion, only when the unit is written after the number ("about 66 °F" for a
    returned 18.7 °C, "1.2 miles" for 1.9 km, "1.5 hours" for 90 minutes);
  - a percentage, only when "%" or "percent" follows: a value's share of a total (a returned
    total, a column total) or the change between two values returned under the same key.
  A count of what came back ("found 4 places") must come from the results alone, exactly.
Words. With a result's conditions, statuses or yes/no facts at hand, the answer may not claim the
opposite of all of them (negated or future claims - "hasn't shipped", "none of them is open",
"will be shipped", "should be delivered on" - are not claims): "dry" or "sunny" when every
condition is rain or snow (or, for sunny, none is sunny or clear), rain or snow when every
condition is sunny or clear; "shipped", "delivered", "on time", "delayed", "cancelled" or "is
confirmed" when every returned status rules it out; "is open" when every open_now/is_open is
false and "closed" when every one is true; "in stock"/"available" likewise. Anything subtler is
the LLM judge's (pipeline.judge).
Attribution. A number or status the answer says of a named item (a name or id of one object in a
list of results, or of one result among parallel ones, in the same clause; else the nearest named
before it in the sentence, else after) must be that item's, unless the item it belongs to is named
in the same clause ("from $12 (A) to $30 (B)"); a value several items share, a total, a range or a
difference is no other single item's value, so it passes. A number introduced as a field ("the
high is 6") must be among that field's returned values when it is another field's ("low").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from itertools import permutations
from typing import Any

from filters.base import decoded
from filters.mentions import numbers_in

_COUNTED = re.compile(r"\b(?:found|there (?:are|were|is)|returned|got|see|have)\s+\S?$", re.IGNORECASE)
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2})?|\b\d{1,2}:\d{2}\b")  # date and time parts
_QUOTED = re.compile(r"(?<![\w.])[-+]?[$€£¥]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d/:-]|\w*[a-z]{2}\d)")
_APPROX = re.compile(
    r"(?:about|around|roughly|nearly|almost|approximately|approx\.?|some|over|under|~)\s*[$€£¥]?$", re.IGNORECASE
)
_MOST_OPERANDS = 60  # pairs of at most this many returned values are tried

# unit written after a number -> factors (x * a + b) from the units a result may use
_UNITS: tuple[tuple[re.Pattern, tuple[tuple[float, float], ...]], ...] = (
    (re.compile(r"\s*(?:°\s*F\b|℉|degrees? (?:F\b|fahrenheit)|fahrenheit)", re.I), ((1.8, 32.0),)),
    (re.compile(r"\s*(?:°\s*C\b|℃|degrees? (?:C\b|celsius)|celsius)", re.I), ((5 / 9, -160 / 9),)),
    (re.compile(r"\s*(?:mi\b|miles?\b)", re.I), ((0.621371, 0.0),)),
    (re.compile(r"\s*(?:km\b|kilomet)", re.I), ((1.609344, 0.0), (0.001, 0.0))),
    (re.compile(r"\s*(?:mph\b|miles per hour)", re.I), ((0.621371, 0.0),)),
    (re.compile(r"\s*(?:km/h\b|kph\b|kilometres per hour|kilometers per hour)", re.I), ((1.609344, 0.0),)),
    (re.compile(r"\s*(?:lbs?\b|pounds? (?:of|in weight))", re.I), ((2.204623, 0.0),)),
    (re.compile(r"\s*(?:kg\b|kilos?\b|kilograms?\b)", re.I), ((0.453592, 0.0),)),
    (re.compile(r"\s*(?:ft\b|feet\b|foot\b)", re.I), ((3.28084, 0.0),)),
    (re.compile(r"\s*(?:m\b|met(?:re|er)s?\b)", re.I), ((0.3048, 0.0), (1000.0, 0.0))),
    (re.compile(r"\s*(?:h\b|hrs?\b|hours?\b)", re.I), ((1 / 60, 0.0),)),
    (re.compile(r"\s*(?:min\b|mins\b|minutes?\b)", re.I), ((60.0, 0.0), (1 / 60, 0.0))),
)
_PERCENT = re.compile(r"\s*(?:%|percent\b|per cent\b)", re.I)
_TOTAL_KEY = re.compile(r"total|sum|overall|budget|limit|capacity|goal|target|max", re.I)
_RATE_KEY = re.compile(r"rate|per_|_per|multiplier|factor", re.I)


class Returned:
    """What a list of tool results offers an answer: values, derived numbers, conditions, statuses, facts."""

    def __init__(self, results: list[str]):
        self.values: list[tuple[str, float]] = []  # (key, number) for every numeric leaf
        self.counts: set[float] = set()  # list lengths and counts of items sharing a value
        self.columns: list[tuple[str, list[float]]] = []  # numbers under one key across a list's items
        self.conditions: list[str] = []
        self.statuses: list[str] = []
        self.facts: dict[str, list[bool]] = {}
        self.stamps: set[float] = set()
        for content in results:
            value = decoded(content)
            self._walk(value, "")
            self.stamps |= {float(run) for stamp in _STAMP.findall(content) for run in re.findall(r"\d+", stamp)}
            self.stamps |= numbers_in(content)

    def _walk(self, value: Any, key: str) -> None:
        if isinstance(value, dict):
            for name, item in value.items():
                self._walk(item, str(name))
        elif isinstance(value, list):
            self.counts.add(float(len(value)))
            items = [item for item in value if isinstance(item, dict)]
            for name in {name for item in items for name in item}:
                column = [item.get(name) for item in items if name in item]
                numbers = [float(v) for v in column if isinstance(v, (int, float)) and not isinstance(v, bool)]
                if len(numbers) >= 2:
                    self.columns.append((name, numbers))
                hashable = [v for v in column if isinstance(v, (str, int, float, bool))]
                self.counts |= {float(n) for n in Counter(hashable).values()}
            numbers = [float(v) for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if len(numbers) >= 2:
                self.columns.append((key, numbers))
            for item in value:
                self._walk(item, key)
        elif isinstance(value, bool):
            self.facts.setdefault(key.casefold(), []).append(value)
        elif isinstance(value, (int, float)):
            self.values.append((key, float(value)))
        elif isinstance(value, str):
            folded = " ".join(value.casefold().replace("_", " ").replace("-", " ").split())
            if key.casefold() in ("summary", "condition", "conditions", "description", "weather", "sky"):
                self.conditions.append(folded)
            elif key.casefold() == "status" or key.casefold().endswith("_status"):
                self.statuses.append(folded.replace(" ", "_"))

    @property
    def numbers(self) -> set[float]:
        """The plain returned numbers: values, list lengths and date/time parts."""
        return {v for _, v in self.values} | self.counts | self.stamps

    def exact(self) -> set[float]:
        """Sums and differences of two returned values (shown exactly unless said to be approximate)."""
        values = [v for _, v in self.values][:_MOST_OPERANDS]
        out = {a + b for i, a in enumerate(values) for b in values[i + 1 :]}
        out |= {a - b for a, b in permutations(values, 2)}
        return out

    def rounded(self, known: set[float]) -> set[float]:
        """Numbers that are rounded by nature: column totals, means and ranges; rate conversions."""
        out: set[float] = set()
        for _, column in self.columns:
            out |= {sum(column), sum(column) / len(column), max(column) - min(column)}
        rates = [v for key, v in self.values if _RATE_KEY.search(key) and v]
        out |= {rate * k for rate in rates for k in known} | {k / rate for rate in rates for k in known}
        return out

    def converted(self, known: set[float], after: str) -> set[float]:
        """Known numbers converted into the unit written right after the quoted number."""
        out: set[float] = set()
        for pattern, factors in _UNITS:
            if pattern.match(after):
                out |= {k * a + b for k in known for a, b in factors}
        return out

    def percentages(self) -> set[float]:
        """Shares of a total and changes between values returned under the same key, in percent."""
        values = self.values[:_MOST_OPERANDS]
        totals = [v for key, v in values if _TOTAL_KEY.search(key) and v] + [
            sum(column) for _, column in self.columns if sum(column)
        ]
        out = {100 * v / total for total in totals for _, v in values}
        out |= {100 * (a - b) / b for (ka, a), (kb, b) in permutations(values, 2) if ka == kb and b}
        return out


def unsupported_number(answer: str, results: list[str], said: list[str]) -> str | None:
    """The first number `answer` quotes that neither the results, nor the turns `said` before it,
    nor a derivation above gives; None when every number has its provenance."""
    returned = Returned(results)
    said_numbers = numbers_in("\n".join(said)) | {float(run) for text in said for run in re.findall(r"\d+", text)}
    known = returned.numbers | said_numbers
    exact = rounded = None
    quoted = _STAMP.sub(" ", answer)  # a date or time is a value, not a quantity: grounding's business
    for match in _QUOTED.finditer(quoted):
        before, after = quoted[max(0, match.start() - 20) : match.start() + 1], quoted[match.end() : match.end() + 24]
        counted = _COUNTED.search(before)  # "found 4 places" counts what came back
        whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
        shown = float(f"{whole}.{fraction}" if fraction else whole) * (-1 if match.group(0).startswith("-") else 1)
        step = 10 ** -len(fraction) if fraction else 1
        if counted:
            if _near(shown, returned.numbers, 1e-9):
                continue
            return match.group(0).strip()
        tolerance = step / 2 + 1e-9
        if _near(shown, known, tolerance):
            continue
        if exact is None:
            exact, rounded = returned.exact(), returned.rounded(known)
        approximate = _APPROX.search(quoted[max(0, match.start() - 16) : match.start()])
        if _near(shown, exact, tolerance if approximate else 1e-6 * max(1.0, abs(shown))):
            continue
        if _near(shown, rounded | returned.converted(known, after), tolerance):
            continue
        if _PERCENT.match(after) and _near(shown, returned.percentages(), tolerance):
            continue
        return match.group(0).strip()
    return None


def _near(shown: float, candidates: set[float], tolerance: float) -> bool:
    return any(abs(value - shown) <= tolerance for value in candidates)


# -- words ------------------------------------------------------------------------------------------

_NEGATION = re.compile(
    r"\b(?:no|not|never|none|nothing|neither|nor|without|yet to|isn't|aren't|wasn't|weren't|won't|hasn't|"
    r"haven't|hadn't|didn't|doesn't|don't|can't|cannot)\b|n't\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(r"[.;:!?,()]|\bbut\b|\band\b|\bwhile\b|\bwhereas\b", re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:chance|risk|case|probability|odds|likelihood) of (?:any |some )?$", re.IGNORECASE)
_FUTURE = re.compile(  # "will be shipped", "should be delivered on", "once it has shipped": not a claim about now
    r"\b(?:will|would|should|could|might|may|once|after|when|until|before|if|expected|about to|going to|to be)\b",
    re.IGNORECASE,
)

_WET = re.compile(r"rain|shower|drizzle|thunder|storm|snow|sleet|hail|flurr")
_SUNNY = re.compile(r"sun|clear|fair")
_CLAIM_DRY = re.compile(r"\bdry\b", re.I)
_CLAIM_SUNNY = re.compile(r"\b(?:sunny|sunshine|clear skies|clear sky|blue skies?)\b", re.I)
_CLAIM_WET = re.compile(
    r"\b(?:rain(?:ing|y)?|showers?|drizzl\w*|thunderstorms?|storm(?:s|y)?|snow(?:ing|y)?|sleet)\b", re.I
)

# status claim -> statuses that rule it out
_STATUS_CLAIMS: tuple[tuple[re.Pattern, frozenset[str]], ...] = (
    (
        re.compile(r"\bshipped\b|\bin transit\b|\bout for delivery\b", re.I),
        frozenset(
            [
                "processing",
                "pending",
                "preparing",
                "placed",
                "received",
                "on_hold",
                "awaiting_shipment",
                "not_shipped",
                "cancelled",
                "canceled",
            ]
        ),
    ),
    (
        re.compile(r"\b(?:was|were|been|got|is|are) delivered\b|\bdelivered on\b|\bhas arrived\b", re.I),
        frozenset(
            [
                "processing",
                "pending",
                "preparing",
                "placed",
                "in_transit",
                "shipped",
                "out_for_delivery",
                "cancelled",
                "canceled",
            ]
        ),
    ),
    (re.compile(r"\bon time\b|\bon schedule\b", re.I), frozenset(["delayed", "cancelled", "canceled", "diverted"])),
    (re.compile(r"\bdelayed\b|\brunning late\b", re.I), frozenset(["on_time"])),
    (
        re.compile(r"\b(?:is|are|was|were|been|has been|have been) cancel+ed\b", re.I),
        frozenset(
            [
                "confirmed",
                "active",
                "shipped",
                "in_transit",
                "out_for_delivery",
                "delivered",
                "filled",
                "completed",
                "sent",
                "on_time",
            ]
        ),
    ),
    (
        re.compile(
            r"\b(?:booking|reservation|order|appointment|flight|table|room|ticket)\b[^.;]{0,40}?\bis confirmed\b", re.I
        ),
        frozenset(["cancelled", "canceled", "failed", "declined", "rejected"]),
    ),
)
# fact keys -> (claim that it is true, claim that it is false)
_FACTS: tuple[tuple[frozenset[str], re.Pattern, re.Pattern], ...] = (
    (
        frozenset({"open_now", "is_open", "open"}),
        re.compile(
            r"\b(?:is|are|it's|they're|'s|'re)\s+(?:still\s+|currently\s+|also\s+|all\s+|both\s+)?open\b"
            r"|\bopen (?:now|right now|today|at the moment)\b",
            re.I,
        ),
        re.compile(r"\bclosed\b", re.I),
    ),
    (
        frozenset({"in_stock", "available", "is_available"}),
        re.compile(r"\b(?:is|are|it's|they're|'s|'re)\s+(?:still\s+)?(?:available|in stock)\b", re.I),
        re.compile(r"\b(?:sold out|out of stock|unavailable)\b", re.I),
    ),
)


def _claims(pattern: re.Pattern, text: str) -> Iterator[re.Match]:
    """The matches of `pattern` that are asserted: not negated, future or hedged in their own clause."""
    for match in pattern.finditer(text):
        before = text[max(0, match.start() - 60) : match.start()]
        clause = _CLAUSE.split(before)[-1]
        if not _NEGATION.search(clause) and not _FUTURE.search(clause) and not _HEDGE.search(before):
            yield match


_CLAIM_NONE = re.compile(
    r"\b(?:no|zero|(?:could ?n[o']t|could not|did ?n[o']t|did not) find any)\s+"
    r"(?!other\b|more\b|further\b|longer\b|additional\b|new\b)(?:[\w-]+\s+){0,3}?"
    r"(?:events?|results?|flights?|hotels?|restaurants?|spots?|places?|options?|offers?|messages?|conversations?"
    r"|tasks?|devices?|products?|items?|appointments?|alerts?|warnings?|slots?|episodes?|showtimes?|documents?"
    r"|files?|recipes?|matches)\b",
    re.IGNORECASE,
)


def lists_of_objects(value: Any, empty: bool = False) -> list[list[Any]]:
    """The lists of objects in a JSON value, outermost first (`empty`: empty lists too)."""
    found = []
    if isinstance(value, dict):
        for item in value.values():
            found += lists_of_objects(item, empty)
    elif isinstance(value, list):
        if (empty and not value) or any(isinstance(item, dict) for item in value):
            found.append(value)
        for item in value:
            found += lists_of_objects(item, empty)
    return found


def contradiction(answer: str, results: list[str]) -> str | None:
    """What the answer claims against every returned condition, status or yes/no fact, or a claim
    that nothing was found when every returned list has items; None when nothing it says is
    ruled out by the results."""
    lists = [found for content in results for found in lists_of_objects(decoded(content), empty=True)]
    if lists and all(lists):
        match = next(_claims(_CLAIM_NONE, answer), None)
        if match:
            return (
                f"the answer says {match.group(0)!r}, the result lists {', '.join(str(len(x)) for x in lists)} item(s)"
            )
    returned = Returned(results)
    conditions = returned.conditions
    if conditions:
        wet = [bool(_WET.search(c)) for c in conditions]
        sunny = [bool(_SUNNY.search(c)) and not w for c, w in zip(conditions, wet, strict=True)]
        said = ", ".join(dict.fromkeys(conditions))
        if all(wet) and next(_claims(_CLAIM_DRY, answer), None):
            return f"the answer says dry, the result says {said}"
        for match in _claims(_CLAIM_SUNNY, answer):
            if not any(sunny):
                return f"the answer says {match.group(0)}, the result says {said}"
        for match in _claims(_CLAIM_WET, answer):
            if all(sunny):
                return f"the answer says {match.group(0)}, the result says {said}"
    if returned.statuses:
        for pattern, ruled_out in _STATUS_CLAIMS:
            match = next(_claims(pattern, answer), None)
            if match and all(status in ruled_out for status in returned.statuses):
                return f"the answer says {match.group(0)!r}, the result's status is {', '.join(returned.statuses)}"
    for keys, yes, no in _FACTS:
        values = [v for key in keys for v in returned.facts.get(key, [])]
        if not values:
            continue
        match = next(_claims(yes, answer), None)
        if match and not any(values):
            return f"the answer says {match.group(0)!r}, every {'/'.join(sorted(keys))} returned is false"
        match = next(_claims(no, answer), None)
        if match and all(values):
            return f"the answer says {match.group(0)!r}, every {'/'.join(sorted(keys))} returned is true"
    return None


# -- attribution: a number or status said of a named item (or field) is that item's -----------------

_SENTENCE_END = re.compile(r"[.;!?\n](?=\s|$)")
_CLAUSE_END = re.compile(r"[.;!?\n](?=\s|$)|,\s|\s(?:and|but|while|whereas|then|or)\s|\s[-–—]\s")
_UNNAMING_KEYS = re.compile(r"status|condition|summary|description|text|note|currency|unit|type|mode|date|time|_at$")
_UNIT_WORDS = frozenset({"c", "f", "km", "m", "mi", "minutes", "min", "mins", "hours", "seconds", "usd", "eur", "pct"})
_FIELD_BEFORE = re.compile(
    r"\b(?:the|a|an|its|their|with)\s+((?:[a-z]+\s){0,2}[a-z]+)\s+(?:is|was|are|were|of|at|:)\s*"
    r"(?:about\s+|around\s+|roughly\s+)?[$€£¥]?$",
    re.IGNORECASE,
)


def item_groups(results: list[str]) -> list[list[dict[str, Any]]]:
    """Groups of sibling items a result set offers: each list of two or more objects, and the
    results themselves when two or more are objects (one per parallel call)."""
    groups: list[list[dict[str, Any]]] = []
    tops = [value for value in map(decoded, results) if isinstance(value, dict)]
    if len(tops) >= 2:
        groups.append(tops)
    stack: list[Any] = list(tops)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            objects = [item for item in value if isinstance(item, dict)]
            if len(objects) >= 2:
                groups.append(objects)
            stack.extend(value)
    return groups


def _leaves(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _leaves(item, str(name))
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, key)
    else:
        yield key, value


def item_names(item: dict[str, Any], siblings: list[dict[str, Any]]) -> list[str]:
    """The strings that name `item` among its siblings: its own short string values (not a
    status, condition, date or unit) that no sibling has anywhere."""
    theirs = {str(value).casefold() for other in siblings if other is not item for _, value in _leaves(other) if value}
    return [
        value
        for key, value in item.items()
        if isinstance(value, str)
        and 2 <= len(value) <= 60
        and re.search(r"[A-Za-z]", value)
        and not _UNNAMING_KEYS.search(key.casefold())
        and not _STAMP.search(value)
        and value.casefold() not in theirs
    ]


def _status_words(item: dict[str, Any]) -> set[str]:
    return {
        value.casefold().replace("_", " ")
        for key, value in item.items()
        if isinstance(value, str) and (key.casefold() == "status" or key.casefold().endswith("_status"))
    }


def _numbers_of(item: Any) -> list[float]:
    return [float(v) for _, v in _leaves(item) if isinstance(v, (int, float)) and not isinstance(v, bool)]


def _bounds(pattern: re.Pattern, text: str, position: int) -> tuple[int, int]:
    """The span of the clause (or sentence) of `text` around `position`."""
    start = max((m.end() for m in pattern.finditer(text, 0, position)), default=0)
    end = next((m.start() for m in pattern.finditer(text, position)), len(text))
    return start, end


def _attributed(mentions: list[tuple[int, int, int]], text: str, start: int, end: int) -> tuple[set[int], set[int]]:
    """(items the words at start..end are said of, items named in their clause): the items named
    in the clause, else the nearest item named before them in the sentence, else the nearest after."""
    left, right = _bounds(_CLAUSE_END, text, start)
    in_clause = {item for s, e, item in mentions if s >= left and e <= right}
    if in_clause:
        return in_clause, in_clause
    left, right = _bounds(_SENTENCE_END, text, start)
    before = [(start - e, item) for s, e, item in mentions if s >= left and e <= start]
    after = [(s - end, item) for s, e, item in mentions if s >= end and e <= right]
    nearest = min(before or after, default=None)
    return ({nearest[1]} if nearest else set()), set()


def misattributed(answer: str, results: list[str], said: list[str] = ()) -> str | None:
    """The first number or status the answer says of a named item (its name or id in the same
    clause, else the nearest in the sentence) that is another item's and not that one's, while
    the other item is not named in the clause; or a number introduced as a field ("the high
    is 6") that the results return under another field and never under that one. None when
    every attribution holds (values shared by several items, totals, ranges and differences
    belong to no single other item, so they pass)."""
    said_numbers = numbers_in("\n".join(said)) if said else set()
    text = _STAMP.sub(lambda m: " " * len(m.group(0)), answer)
    for siblings in item_groups(results):
        names = [item_names(item, siblings) for item in siblings]
        mentions = [
            (m.start(), m.end(), index)
            for index, item_names_ in enumerate(names)
            for name in item_names_
            for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)
        ]
        if not mentions:
            continue
        called = {index: answer[start:end] for start, end, index in sorted(mentions, reverse=True)}  # as first named
        called.update({i: names[i][0] for i in range(len(siblings)) if i not in called and names[i]})
        numbers = [_numbers_of(item) for item in siblings]
        for match in _QUOTED.finditer(text):
            shown, tolerance = _shown(match)
            if _near(shown, said_numbers, 1e-9):
                continue
            attributed, named = _attributed(mentions, text, match.start(), match.end())
            if not attributed or any(_near(shown, set(numbers[i]), tolerance) for i in attributed):
                continue
            owners = [i for i, values in enumerate(numbers) if _near(shown, set(values), tolerance)]
            if owners and not set(owners) & named:
                item, owner = min(attributed), owners[0]
                return (
                    f"the answer gives {match.group(0).strip()} for {called[item]}, a value the result gives"
                    f" for {called.get(owner, 'another item')}"
                )
        statuses = [_status_words(item) for item in siblings]
        for status in set().union(*statuses):
            for match in re.finditer(rf"(?<!\w){re.escape(status)}(?!\w)", text, re.IGNORECASE):
                clause = text[_bounds(_CLAUSE_END, text, match.start())[0] : match.start()]
                if _NEGATION.search(clause):
                    continue
                attributed, named = _attributed(mentions, text, match.start(), match.end())
                if not attributed or any(status in statuses[i] for i in attributed):
                    continue
                owners = [i for i, words in enumerate(statuses) if status in words]
                if owners and not set(owners) & named:
                    item = min(attributed)
                    return f"the answer says {called[item]} is {status}, the status the result gives another item"
    return _misread_field(text, results)


def _shown(match: re.Match) -> tuple[float, float]:
    """A quoted number's value (its sign kept) and half a unit of its last shown digit."""
    whole, fraction = match.group(1).replace(",", ""), match.group(2) or ""
    shown = float(f"{whole}.{fraction}" if fraction else whole) * (-1 if match.group(0).startswith("-") else 1)
    return shown, (10 ** -len(fraction) if fraction else 1) / 2 + 1e-9


def _field_words(key: str) -> tuple[str, ...]:
    words = [word for word in key.casefold().split("_") if word]
    while len(words) > 1 and words[-1] in _UNIT_WORDS:
        words.pop()
    return tuple(words)


def _misread_field(text: str, results: list[str]) -> str | None:
    """A number introduced as a field ("the low is 15") that the results return under another
    field and never under that one."""
    fields: dict[tuple[str, ...], list[float]] = {}
    for content in results:
        for key, value in _leaves(decoded(content)):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                fields.setdefault(_field_words(key), []).append(float(value))
    if not fields:
        return None
    for match in _QUOTED.finditer(text):
        field = _FIELD_BEFORE.search(text[max(0, match.start() - 60) : match.start()])
        if not field:
            continue
        said = tuple(field.group(1).casefold().split())
        named = [words for words in fields if len(words) <= len(said) and said[-len(words) :] == words]
        if not named:
            continue
        shown, tolerance = _shown(match)
        if any(_near(shown, set(fields[words]), tolerance) for words in named):
            continue
        others = [
            words for words, values in fields.items() if words not in named and _near(shown, set(values), tolerance)
        ]
        if others:
            return (
                f"the answer gives the {' '.join(said)} as {match.group(0).strip()}, which the result returns as"
                f" {'_'.join(others[0])}"
            )
    return None
