"""Strings drawn from a JSON Schema `pattern`, for mocked results and blueprint values.

`draw(pattern, rng)` writes a string the pattern matches from its parse tree (literals, classes,
bounded and unbounded repeats, groups, alternation; a repeat runs at most 3 past its minimum),
checked with RE2 (linear time, whatever the pattern); None for what it cannot write. A class of
hex digits in both cases (`[0-9a-fA-F]`) is written in lower case: real ids are not mixed-case.
`loose(pattern)` says why a pattern fixes no shape worth drawing a value from (an unbounded
repeat, `.`, a negated class), or None: blueprint mode draws only from shaped ones
(`^VA[0-9a-f]{32}$`); a mocked result takes any pattern.
"""

from __future__ import annotations

import random
import re

from pipeline.schema_safety import search

sre_parse = getattr(re, "_parser", None) or __import__("sre_parse")  # the regex parser (re._parser from 3.11)
_CLASSES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyz0123456789_",
    "CATEGORY_SPACE": " ",
}


def draw(pattern: str, rng: random.Random) -> str | None:
    """A string `pattern` matches, drawn with `rng`, or None when it cannot write one."""
    try:
        text = _emit(list(sre_parse.parse(re.sub(r"a-fA-F|A-Fa-f", "a-f", pattern))), rng)
    except (re.error, ValueError, KeyError, IndexError, TypeError, RecursionError, OverflowError):
        return None
    try:
        return text if search(pattern, text) else None  # RE2: linear time, whatever the pattern
    except ValueError:  # a pattern RE2 cannot run (the loader refuses those)
        return None


MAX_SHAPE = 64  # characters: longer than an id, a code or a phone number is free text, not a shape


def loose(pattern: str) -> str | None:
    """Why `pattern` fixes no shape to draw from (see the module), or None."""
    try:
        parsed = sre_parse.parse(pattern)
        items = list(parsed)
    except (re.error, RecursionError, OverflowError):
        return "is not a regular expression Python reads"
    stack = [items]
    while stack:
        for op, value in stack.pop():
            name = str(op)
            if name == "ANY":
                return "has `.`"
            if name == "NOT_LITERAL" or name == "IN" and any(str(o) == "NEGATE" for o, _ in value):
                return "has a negated class"
            if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if value[1] == sre_parse.MAXREPEAT:
                    return "repeats without bound"
                stack.append(list(value[2]))
            elif name == "SUBPATTERN":
                stack.append(list(value[-1]))
            elif name == "BRANCH":
                stack.extend(list(branch) for branch in value[1])
    if parsed.getwidth()[1] > MAX_SHAPE:
        return f"allows more than {MAX_SHAPE} characters"
    return None


def _emit(items: list, rng: random.Random) -> str:
    out = []
    for op, arg in ((str(op), arg) for op, arg in items):
        if op == "LITERAL":
            out.append(chr(arg))
        elif op == "IN":  # a class: literals, ranges and \d \w \s (a negated class is not supported)
            chars = "".join(
                chr(v)
                if str(k) == "LITERAL"
                else "".join(map(chr, range(v[0], v[1] + 1)))
                if str(k) == "RANGE"
                else _CLASSES[str(v)]
                for k, v in arg
            )
            out.append(rng.choice(chars))
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            out.extend(_emit(list(sub), rng) for _ in range(rng.randint(low, min(high, low + 3))))
        elif op in ("SUBPATTERN", "BRANCH"):
            out.append(_emit(list(arg[-1] if op == "SUBPATTERN" else rng.choice(arg[1])), rng))
        elif op != "AT":  # anchors add nothing; anything else (ANY, NOT_LITERAL, lookarounds...) gives up
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)
