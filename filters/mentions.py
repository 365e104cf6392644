"""What a text states, normalised: numbers (digits, words, "5k", "20%", units), dates (absolute
and relative to a reference moment), times of day, and a loose form for string matching.

The grounding check compares argument values against these sets. Every reading here is
deliberately generous (both day/month orders, this year and next for "Dec 3", both the coming
and the following Friday): a value is grounded when one reading supports it, so ambiguity never
rejects a clean sample, while a value nobody stated (a shifted day, another number) still fails.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from datetime import date, datetime, timedelta

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_SUFFIX = {
    "k": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "bn": 1_000_000_000,
    "b": 1_000_000_000,
    "thousand": 1_000,
    "million": 1_000_000,
    "mil": 1_000_000,
    "billion": 1_000_000_000,
}
_PHRASES = {
    "a dozen": 12,
    "dozen": 12,
    "a couple": 2,
    "couple of": 2,
    "a pair": 2,
    "half an hour": 30,
    "half a": 0.5,
    "a half": 0.5,
    "a quarter": 0.25,
    "a week": 7,
    "a fortnight": 14,
    "fortnight": 14,
    "single": 1,
    "once": 1,
    "nonstop": 0,
    "non-stop": 0,
    "direct": 0,
    "next week": 7,
    "the week": 7,
    "an hour and a half": 90,
    "hour and a half": 90,
    "one and a half hours": 90,
    "half a day": 12,
    "twice": 2,
    "both": 2,
    "an hour": 60,
    "a hundred": 100,
    "a thousand": 1000,
    "a million": 1_000_000,
    "a day": 1,
    "a": 1,
    "an": 1,
}
_PHRASE_RE = re.compile(r"(?=\b(" + "|".join(re.escape(p) for p in sorted(_PHRASES, key=len, reverse=True)) + r")\b)")
# unit word -> factors that convert the stated number into the other units a parameter may use
_CONVERSIONS = {
    "hour": (60, 3600),
    "hr": (60, 3600),
    "minute": (60, 1 / 60),
    "min": (60, 1 / 60),
    "second": (1 / 60,),
    "sec": (1 / 60,),
    "day": (24, 1 / 7),
    "week": (7, 168),
    "month": (30,),
    "year": (12, 365),
    "km": (1000,),
    "kilometer": (1000,),
    "kilometre": (1000,),
    "kg": (1000,),
    "kilogram": (1000,),
    "liter": (1000,),
    "litre": (1000,),
    "percent": (0.01,),
    "%": (0.01,),
}
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?[$€£¥]?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?:\s?(k|mm|m|bn|b|thousand|million|mil|billion)\b)?"
    r"(?:[\s-]?(%|percent|hours?|hrs?|minutes?|mins?|seconds?|secs?|days?|weeks?|months?|years?|km|kilomet(?:er|re)s?|kg|kilograms?|lit(?:er|re)s?))?",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")
_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_WEEKDAYS = {
    name: i
    for i, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}
_MONTH_RE = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY_RE = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_DAY = re.compile(rf"\b({_MONTH_RE})\.?\s+(?:the\s+)?{_DAY_RE}\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b{_DAY_RE}\s+(?:of\s+)?({_MONTH_RE})\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_DAY_RANGE = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:-|–|to|through|until)\s*(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)",
    re.IGNORECASE,
)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)|\b\d{1,2}:\d{2}\b", re.IGNORECASE)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASH_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")
_MONTH_ALONE = re.compile(
    rf"\b(?:in|since|from|until|of|for|during|after|before)\s+({'|'.join(n for n in _MONTHS if len(n) > 3)})\b(?!\s+\d)"
)
_ORDINAL_DAY = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_COUNT = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple of)"
_RELATIVE = re.compile(
    rf"\b(?:in\s+{_COUNT}\s+(day|week|month)s?|{_COUNT}\s+(day|week|month)s?\s+(ago|from\s+(?:now|today)|later|before|earlier))\b",
    re.IGNORECASE,
)
_WEEKDAY_RE = re.compile(
    rf"\b(?:(next|this|last|coming|past|previous)\s+)?({'|'.join(sorted(_WEEKDAYS, key=len, reverse=True))})\b\.?",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(?:-|–|to|until)\s*\d{1,2}(?::\d{2})?\s*(a\.?m\.?|p\.?m\.?)(?!\w)")
_TIME = re.compile(
    r"\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)(?!\w)|\b(\d{1,2}):(\d{2})\b|\b(noon|midday|midnight)\b"
    r"|\b(?:at|by|from|until|till|around|between|and)\s+(\d{1,2})(?:\s*o'?clock)?\b(?!\s*(?:[/:.-]|%|days?|weeks?|hours?|minutes?))",
    re.IGNORECASE,
)


def loose(text: str) -> str:
    """Casefolded, NFKC, punctuation as spaces, common abbreviations unified, single-spaced."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    text = re.sub(r"'s\b", "", text).replace("'", "")  # possessives: "Nvidia's" says Nvidia
    words = re.sub(r"[^\w]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


_ABBREVIATIONS = {
    "saint": "st",
    "street": "st",
    "mount": "mt",
    "fort": "ft",
    "avenue": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "doctor": "dr",
    "drive": "dr",
    "and": "&",
    "n": "north",
    "s": "south",
    "limited": "ltd",
    "incorporated": "inc",
    "corporation": "corp",
    "company": "co",
}


def numbers_in(text: str) -> set[float]:
    """Every number `text` states, with the readings a parameter may want (5k -> 5000; 2 hours ->
    2, 120, 7200; 20% -> 20, 0.2; "twenty-five" -> 25; "a dozen" -> 12)."""
    found: set[float] = set()
    lowered = text.casefold().replace("\u2019", "'")
    for pattern in (_ISO_DATE, _MONTH_DAY, _DAY_MONTH, _DAY_RANGE, _TIME_OF_DAY):  # "Dec 3" says no 3 of anything
        lowered = pattern.sub(" ", lowered)
    for match in _NUMBER.finditer(lowered):
        whole, fraction, suffix, unit = match.groups()
        value = float(whole.replace(",", "") + (f".{fraction}" if fraction else ""))
        if match.group(0).lstrip().startswith("-"):
            value = -value
        if suffix:
            found.add(value)  # "500 m" may be metres as well as millions
        value *= _SUFFIX.get((suffix or "").lower(), 1)
        _add_with_units(found, value, unit)
    for hours, minutes in re.findall(r"\b(\d{1,2})\s?h\s?(\d{2})\b", lowered):  # "1h20" -> 80 minutes
        found.add(float(int(hours) * 60 + int(minutes)))
    words = _WORD.findall(lowered)
    for value, unit in _word_numbers(words):
        _add_with_units(found, value, unit)
    found.update(float(_PHRASES[phrase]) for phrase in _PHRASE_RE.findall(lowered))
    return found


def _add_with_units(found: set[float], value: float, unit: str | None) -> None:
    found.add(value)
    if not unit:
        return
    unit = unit.lower().rstrip("s") if unit not in ("%",) else unit
    for factor in _CONVERSIONS.get(unit, ()):
        found.add(round(value * factor, 6))


def _word_numbers(words: list[str]):
    """(value, following unit word) for every run of number words: "twenty-five", "two hundred"."""
    index = 0
    while index < len(words):
        total, current, used = 0, 0, 0
        while index + used < len(words):
            parts = words[index + used].split("-")
            if not all(p in _UNITS or p in _TENS or p in _SCALES for p in parts):
                break
            for part in parts:
                if part in _SCALES:
                    current = max(current, 1) * _SCALES[part]
                    if _SCALES[part] >= 1000:
                        total, current = total + current, 0
                else:
                    current += _UNITS.get(part, 0) + _TENS.get(part, 0)
            used += 1
        if used and all(words[index + k] in _SCALES for k in range(used)):
            index += used  # "million" alone scales a digit number, which _NUMBER reads
            continue
        if used:
            unit = words[index + used] if index + used < len(words) else None
            yield float(total + current), unit
            index += used
        else:
            index += 1


_DURATION = re.compile(rf"\b{_COUNT}[\s-]+(night|day|week)s?\b", re.IGNORECASE)


def durations_in(text: str) -> set[int]:
    """Spans in days a text states ("3 nights", "two weeks", "a week"): a stated date plus one of
    them is an obvious derivation (check-in + 3 nights -> check-out)."""
    return {_count(count.lower()) * (7 if unit.lower() == "week" else 1) for count, unit in _DURATION.findall(text)}


def reference_moment(now: str | None) -> datetime | None:
    """`meta.now` as a datetime (ISO 8601, `Z` accepted), else None."""
    if not isinstance(now, str) or not now:
        return None
    try:
        return datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        return None


_HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "boxing day": (12, 26),
    "new years eve": (12, 31),
    "nye": (12, 31),
    "new years day": (1, 1),
    "halloween": (10, 31),
    "valentines day": (2, 14),
    "valentines": (2, 14),
    "independence day": (7, 4),
    "st patricks day": (3, 17),
}
_HOLIDAY_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _HOLIDAYS), key=len, reverse=True)) + r")\b")


def dates_in(text: str, now: datetime | None) -> set[date]:
    """Every calendar date `text` can mean: ISO, "Dec 3", "3rd of December 2026", 12/03, and
    (with `now`) today, tomorrow, "in 3 days", "two weeks ago", "next Friday", "the 5th"."""
    found: set[date] = set()
    years = (now.year - 1, now.year, now.year + 1) if now else ()
    for y, m, d in _ISO_DATE.findall(text):
        _add(found, int(y), int(m), int(d))
    for month, first, last in _DAY_RANGE.findall(text):  # "Dec 18-22": both ends
        for day in (first, last):
            _add_years(found, "", _MONTHS[month.lower()], int(day), years)
    for month, day, year in _MONTH_DAY.findall(text):
        _add_years(found, year, _MONTHS[month.lower()], int(day), years)
    for day, month, year in _DAY_MONTH.findall(text):
        _add_years(found, year, _MONTHS[month.lower()], int(day), years)
    for first, second, year in _SLASH_DATE.findall(text):
        full = (int(year) + 2000 if len(year) == 2 else int(year)) if year else None
        for month, day in ((int(first), int(second)), (int(second), int(first))):
            _add_years(found, str(full) if full else "", month, day, years)
    if now is None:
        return found
    today = now.date()
    lowered = text.casefold()
    for holiday in _HOLIDAY_RE.findall(lowered.replace("'", "").replace("\u2019", "")):  # "Christmas Eve"
        _add_years(found, "", *_HOLIDAYS[holiday], years)
    for month in _MONTH_ALONE.findall(lowered):  # "since September": its first and last day
        for year in years:
            first = date(year, _MONTHS[month], 1)
            found.update({first, _shift_month(first, 1) - timedelta(days=1)})
    for day in _ORDINAL_DAY.findall(lowered):
        for month_offset in (0, 1):
            month = (today.month - 1 + month_offset) % 12 + 1
            _add(found, today.year + (today.month - 1 + month_offset) // 12, month, int(day))
    found |= _relative_dates(lowered, today)
    return found


def relative_dates(text: str, now: datetime | None) -> set[date]:
    """The dates `text` says relative to `now` ("tomorrow", "next Friday", "in 3 days", "last
    week"), without the ones it writes out."""
    return _relative_dates(text.casefold(), now.date()) if now else set()


def _day_phrases(today: date) -> dict[str, tuple[int, ...]]:
    """Day phrases -> the day offsets from `today` each can mean."""
    saturday = (5 - today.weekday()) % 7
    last_monday = -(today.weekday() + 7)
    return {
        "today": (0,),
        "tonight": (0,),
        "now": (0,),
        "this morning": (0,),
        "this afternoon": (0,),
        "this evening": (0,),
        "last night": (-1, 0),
        "tomorrow": (1,),
        "yesterday": (-1,),
        "day after tomorrow": (2,),
        "day before yesterday": (-2,),
        "this week": (0,),
        "next week": (7,),
        "last week": (-7, *range(last_monday, last_monday + 7)),
        "a week from today": (7,),
        "a week from now": (7,),
        "in a week": (7,),
        "in a fortnight": (14,),
        "end of the week": ((4 - today.weekday()) % 7,),
        "this weekend": (saturday, saturday + 1),
        "next weekend": (saturday + 7, saturday + 8),
    }


_DAY_PHRASE_RE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, _day_phrases(date(2026, 1, 1))), key=len, reverse=True)) + r")\b"
)


def _relative_dates(lowered: str, today: date) -> set[date]:
    found: set[date] = set()
    phrases = _day_phrases(today)

    def take(match: re.Match) -> str:
        found.update(today + timedelta(days=offset) for offset in phrases[match.group(0)])
        return " "  # consumed: "a week from today" is not also "today"

    lowered = _DAY_PHRASE_RE.sub(take, lowered)
    for phrase, months in (("next month", 1), ("last month", -1), ("this month", 0), ("previous month", -1)):
        if phrase in lowered:  # the same day, and the first and last day of that month
            first = _shift_month(today.replace(day=1), months)
            found.update({_shift_month(today, months), first, _shift_month(first, 1) - timedelta(days=1)})
    for groups in _RELATIVE.findall(lowered):
        count_in, unit_in, count_ago, unit_ago, direction = groups
        count, unit = (count_in, unit_in) if unit_in else (count_ago, unit_ago)
        amount = _count(count)
        sign = -1 if direction in ("ago", "before", "earlier") else 1
        if unit == "month":
            found.add(_shift_month(today, sign * amount))
        else:
            found.add(today + timedelta(days=sign * amount * (7 if unit == "week" else 1)))
    for qualifier, name in _WEEKDAY_RE.findall(lowered):
        ahead = (_WEEKDAYS[name] - today.weekday()) % 7
        if qualifier in ("last", "past", "previous"):
            found.add(today - timedelta(days=(7 - ahead) % 7 or 7))
            continue
        coming = today + timedelta(days=ahead)
        found.update({coming, coming + timedelta(days=7)} if ahead else {today, today + timedelta(days=7)})
    return found


def _count(word: str) -> int:
    if word.isdigit():
        return int(word)
    return {"a": 1, "an": 1, "couple of": 2, **_UNITS}.get(word, 1)


def _shift_month(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, last)
        except ValueError:
            continue
    return date(year, month, 28)


def _add_years(found: set[date], year: str, month: int, day: int, years: tuple[int, ...]) -> None:
    for candidate in (int(year),) if year else years:
        _add(found, candidate, month, day)


def _add(found: set[date], year: int, month: int, day: int) -> None:
    with contextlib.suppress(ValueError):
        found.add(date(year, month, day))


def times_in(text: str) -> set[tuple[int, int]]:
    """Every (hour, minute) `text` states: 3pm, 3:30 p.m., 15:00, noon, midnight, "at 9" (9 or 21)."""
    found: set[tuple[int, int]] = set()
    for hour, minute, meridiem in _RANGE.findall(text.casefold()):  # "3-4pm": 3 is pm too
        found.add((int(hour) % 12 + (12 if meridiem.startswith("p") else 0), int(minute or 0)))
    for hour, minute, meridiem, hour24, minute24, word, bare in _TIME.findall(text.casefold()):
        if meridiem:
            h = int(hour) % 12 + (12 if meridiem.startswith("p") else 0)
            found.add((h, int(minute or 0)))
        elif hour24:  # "7:30" may be evening too
            found.update(
                {(int(hour24), int(minute24))} | ({(int(hour24) + 12, int(minute24))} if int(hour24) < 12 else set())
            )
        elif word:
            found.add((0, 0) if word == "midnight" else (12, 0))
        elif bare and int(bare) <= 24:  # "at 9", "between 9 and 5": either half of the day
            found.update({(int(bare) % 24, 0), ((int(bare) + 12) % 24, 0)})
    return found


_RELATIVE_YEARS = {
    "this year": 0,
    "current year": 0,
    "so far this year": 0,
    "year to date": 0,
    "ytd": 0,
    "last year": -1,
    "previous year": -1,
    "past year": -1,
    "next year": 1,
    "coming year": 1,
}
_YEAR_PHRASE_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _RELATIVE_YEARS), key=len, reverse=True)) + r")\b")


def years_in(text: str, now: datetime | None, implied: bool = True) -> set[int]:
    """The calendar years a text means without writing them: "this year", "last year", "next
    year" against `now`; with no year stated at all and `implied`, `now`'s year (a request for
    "the holidays in France" means this year's)."""
    if now is None:
        return set()
    lowered = text.casefold()
    found = {now.year + _RELATIVE_YEARS[phrase] for phrase in _YEAR_PHRASE_RE.findall(lowered)}
    if implied and not found and not re.search(r"\b(1[89]|2[01])\d{2}\b", lowered):
        found.add(now.year)
    return found


_CLOCK_VALUE = r"\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?(?:\s*[ap]\.?m\.?)?|\d{1,2}\s*[ap]\.?m\.?"
_MOMENT_VALUE = re.compile(
    rf"^(?P<day>.*?)(?:(?:[T\s,]|\s+at\s+)+(?P<clock>{_CLOCK_VALUE})\s*(?:Z|UTC|GMT|[+-]\d{{2}}:?\d{{2}})?)?$",
    re.IGNORECASE,
)
_CLOCK_ONLY = re.compile(r"^(\d{1,2})(?::(\d{2}))?(?::\d{2}(?:\.\d+)?)?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_YMD = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})$")
_WEEKDAY_PREFIX = re.compile(rf"^(?:{'|'.join(sorted(_WEEKDAYS, key=len, reverse=True))})\.?,?\s+", re.IGNORECASE)


def moment_readings(value: str, now: datetime | None, day_first: bool | None = None):
    """(dates, (hour, minute) or None) a date or date-time value can mean, in any common written
    form: 2026-12-03, 12/03/2026 (both orders unless `day_first` says), 03.12.26, "Dec 3, 2026",
    "Thursday, 3 December", each with an optional time ("T15:00:00Z", " 3:00 PM", " at 15:00");
    None when the value is not entirely a date."""
    match = _MOMENT_VALUE.match(value.strip())
    if not match or not match.group("day"):
        return None
    day, clock = match.group("day").strip(" ,"), match.group("clock")
    found: set[date] = set()
    years = (now.year - 1, now.year, now.year + 1) if now else ()
    if iso := _YMD.match(day):
        _add(found, int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
    elif numeric := _NUMERIC_DATE.match(day):
        first, second, year = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
        full = int(year) + 2000 if len(year) == 2 else int(year)
        orders = {True: [(second, first)], False: [(first, second)], None: [(first, second), (second, first)]}
        for month, number in orders[day_first]:
            _add(found, full, month, number)
    else:
        words = _WEEKDAY_PREFIX.sub("", day)
        for pattern, order in ((_MONTH_DAY, (0, 1, 2)), (_DAY_MONTH, (1, 0, 2))):
            whole = pattern.fullmatch(words)
            if whole:
                parts = whole.groups()
                month, number, year = parts[order[0]], parts[order[1]], parts[order[2]]
                _add_years(found, year or "", _MONTHS[month.lower()], int(number), years)
    if not found:
        return None
    return found, clock_of(clock) if clock else None


def clock_of(value: str) -> tuple[int, int] | None:
    """(hour, minute) of a time-of-day value with a colon or am/pm ("15:00", "3:00 PM", "3pm")."""
    match = _CLOCK_ONLY.match(value.strip())
    if not match or not (":" in value or match.group(3)):
        return None
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if meridiem:
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    return (hour, minute) if hour < 24 and minute < 60 else None
