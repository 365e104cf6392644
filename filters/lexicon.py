"""Hand tables of what people mean without writing it, read from filters/data/lexicon.json.

Data, not code: `synonyms(value)` gives the phrases that select a value ("c" <- "celsius",
"JPY" <- "yen", "es" <- "Spanish", "Mon" <- "Monday"), and `constants(value)` the common-sense
numbers a request implies ("two dice" -> 6 sides, "compounded monthly" -> 12, "dropped" -> 9.81),
each with the words its parameter's name or description must have.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).resolve().parent / "data" / "lexicon.json"


@dataclass(frozen=True)
class Constant:
    """A number the text implies when it says one of `said`, for a parameter about one of `parameter`."""

    said: tuple[str, ...]
    parameter: frozenset[str]


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, tuple[str, ...]], dict[float, tuple[Constant, ...]]]:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    synonyms = {key.casefold(): tuple(phrases) for key, phrases in data["synonyms"].items()}
    constants: dict[float, list[Constant]] = {}
    for entry in data["constants"]:
        constant = Constant(tuple(entry["said"]), frozenset(entry["parameter"]))
        for value in entry["value"]:
            constants.setdefault(float(value), []).append(constant)
    return synonyms, {value: tuple(found) for value, found in constants.items()}


def synonyms(value: str) -> tuple[str, ...]:
    """The phrases that select `value` (case-insensitive), or ()."""
    return _tables()[0].get(value.casefold(), ())


def constants(value: float) -> tuple[Constant, ...]:
    """The common-sense constants equal to `value`, or ()."""
    return _tables()[1].get(float(value), ())
