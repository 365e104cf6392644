"""Dedup: drop exact and near duplicates from a whole set of records (a set operation, not a Check).

Exact: one 64-bit hash of the normalised user turns, the tool names offered and the canonical calls.
Near: only within a bucket of identical canonical calls, on near_text (the request's words sorted,
numbers as digits, politeness and filler dropped, so "Hey, book a table for two, please?" and
"book a table for 2" are one text): MinHash LSH over its character shingles proposes candidates,
near_score confirms them (the same words for short requests, `fuzz.ratio >= threshold` for
longer ones, never a number changed into another).
Template cap: at most `template_cap` kept records share one value-masked template.
Records rank by `meta.task_index` (else the caller's index); a duplicate names the kept record
of lowest rank, so the result does not depend on input order.
"""

from __future__ import annotations

import gc
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import xxhash
from rapidfuzz import fuzz

from filters.base import Issue, leaves
from filters.match import canonical_calls
from pipeline.record import Conversation, decode_arguments

_PUNCT = re.compile(r"[^\w\s]|_")
_ASCII_PUNCT = str.maketrans({chr(c): " " for c in range(128) if _PUNCT.match(chr(c))})
_DIGITS = re.compile(r"\d+")
_JOIN = re.compile(r"(\d)(?:,(?=\d{3}(?!\d))|:(?=\d))")  # 1,000 -> 1000, 15:00 -> 1500
_JOINABLE = re.compile(r"\d[,:]\d")
_SYMBOLS = {"$": " usd ", "€": " eur ", "£": " gbp ", "%": " percent ", "&": " and ", "@": " at "}
_APOSTROPHES = "'`\u2018\u2019\u00b4"  # dropped, not spaced: "what's" and "whats" are one word
_NEAR_UNICODE = str.maketrans({**dict.fromkeys(_APOSTROPHES), **_SYMBOLS})
_NEAR_ASCII = str.maketrans(
    {
        **{chr(c): " " for c in range(128) if _PUNCT.match(chr(c))},
        **{chr(c): chr(c).lower() for c in range(ord("A"), ord("Z") + 1)},
        **{k: v for k, v in _SYMBOLS.items() if k.isascii()},
        **dict.fromkeys("'`"),
    }
)
_LETTERS_OR_DIGITS = re.compile(r"\d+|[^\W\d_]+")  # "3pm" -> "3", "pm"
# politeness and filler a light edit adds or drops: not what a request asks for
_POLITE = ("please", "pls", "plz", "kindly", "thanks", "thank", "thx", "ty", "cheers", "asap")
_GREETINGS = ("hey", "hi", "hiya", "howdy", "hello", "yo", "dear", "mate", "assistant")
_HEDGES = ("ok", "okay", "alright", "so", "um", "uh", "hmm", "oh", "btw", "just", "actually", "basically", "quickly")
_FUNCTION_WORDS = ("can", "could", "would", "will", "you", "u", "me", "my", "a", "an", "the")
_FILLER = frozenset((*_POLITE, *_GREETINGS, *_HEDGES, *_FUNCTION_WORDS))
_FILLER_PHRASES = [
    tuple(phrase.split())
    for phrase in (
        "thank you",
        "thank you so much",
        "thanks so much",
        "thanks a lot",
        "much obliged",
        "appreciate you",
        "good morning",
        "good afternoon",
        "good evening",
        "sorry to bother you",
        "if you dont mind",
        "if its not too much trouble",
        "that would be great",
        "no worries",
        "thanks in advance",
        "much appreciated",
        "appreciate it",
        "for me",
        "real quick",
        "quick question",
        "ok so",
        "hey there",
        "hi there",
        "hello there",
        "excuse me",
        "if you can",
        "if possible",
        "when you can",
        "when you get a chance",
        "no rush",
        "by the way",
    )
]
_PHRASES_BY_LAST_WORD: dict[str, list[tuple[str, ...]]] = {}
for _phrase in _FILLER_PHRASES:
    _PHRASES_BY_LAST_WORD.setdefault(_phrase[-1], []).append(_phrase)
_SYNONYMS = {
    **dict.fromkeys(("dollar", "dollars", "bucks"), "usd"),
    **dict.fromkeys(("euro", "euros"), "eur"),
    **dict.fromkeys(("pct",), "percent"),
    **dict.fromkeys(("mins", "minute", "minutes"), "min"),
    **dict.fromkeys(("hr", "hrs", "hour", "hours"), "h"),
    **dict.fromkeys(("kms", "kilometer", "kilometers", "kilometre", "kilometres"), "km"),
}
_UNITS = {
    word: value
    for value, word in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
            *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
        )
    )
}
_TENS = {
    word: 10 * value
    for value, word in enumerate(("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"), 2)
}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORDS = frozenset((*_UNITS, *_TENS, *_SCALES))
_MASK = "\x00"  # placeholder of a masked value: normalised text never contains it
_MERSENNE = np.uint64((1 << 61) - 1)
_CHUNK = 4096  # records per MinHash batch: their shingles stay in cache across permutations


@dataclass
class DedupOptions:
    """Near-duplicate threshold (fuzz.ratio of near_texts), template cap, MinHash LSH shape (bands x rows = num_perm).

    `short_words` (new in issue 24, last so positional use still works): a request of at most this
    many words after near_text is a near duplicate only of one with the same words.
    """

    threshold: float = 90.0
    template_cap: int = 50
    num_perm: int = 64
    bands: int = 32
    shingle: int = 4
    exhaustive: int = 8  # calls buckets up to this size compare every pair instead of MinHash LSH
    short_words: int = 4  # requests of at most this many words (near_text) need the same words

    def __post_init__(self) -> None:
        if self.num_perm % self.bands:
            raise ValueError(f"bands ({self.bands}) must divide num_perm ({self.num_perm})")
        if self.template_cap < 1 or self.shingle < 1:
            raise ValueError("template_cap and shingle must be at least 1")
        if self.short_words < 0:
            raise ValueError("short_words must not be negative")


@dataclass(slots=True)
class Features:
    """What dedup keeps of one record: ids, 64-bit keys and the normalised user text."""

    id: str
    path: str  # JSON path of the first user message, or ""
    text: str  # normalised user turns joined by a space
    request: str  # the user turns as written, joined by a space (near duplicates compare its near_text)
    exact: int  # user turns + tool names offered + canonical calls
    calls: int  # canonical calls of every assistant turn (the near-duplicate bucket)
    template: int  # value-masked user text + names of the tools called
    task_index: int | None = None


def normalize_text(text: str) -> str:
    """NFKC, casefolded, punctuation (and _) turned to spaces, whitespace collapsed."""
    if text.isascii():  # the common case, without the regex
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    return " ".join(_PUNCT.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def near_text(text: str) -> str:
    """The words a request asks with, sorted: normalised, numbers as digits, politeness and filler dropped.

    Light edits a person makes to a request (casing, punctuation, "please" / "hey" / "just",
    "two" for "2", "$5" for "5 dollars", "1,000" for "1000", clauses in another order) give the
    same near_text; only a changed, added or dropped content word is left to compare.
    """
    if _JOINABLE.search(text):
        text = _JOIN.sub(r"\1", text)
    if text.isascii():
        text = text.translate(_NEAR_ASCII)
    else:
        text = _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).casefold().translate(_NEAR_UNICODE))
    words = all_words = text.split()
    if not _PHRASES_BY_LAST_WORD.keys().isdisjoint(words):
        words = _drop_phrases(words)
    kept: list[str] = []
    for word in words:
        if word in _FILLER:
            continue
        if word.isalpha() or word.isdigit():
            kept.append(_SYNONYMS.get(word, word))
        else:
            kept.extend(_SYNONYMS.get(part, part) for part in _LETTERS_OR_DIGITS.findall(word))
    if not kept:  # nothing but filler ("hello there"): those words are the request
        kept = all_words
    if not _NUMBER_WORDS.isdisjoint(kept):
        kept = list(_digits(kept))
    kept.sort()
    return " ".join(kept)


def _drop_phrases(words: list[str]) -> list[str]:
    """`words` without the filler phrases in them ("thank you", "when you get a chance", ...)."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for phrase in _PHRASES_BY_LAST_WORD.get(word, ()):
            if tuple(out[-len(phrase) :]) == phrase:
                del out[-len(phrase) :]
                break
    return out


def _digits(words: Iterable[str]) -> Iterator[str]:
    """Number words as digits: "twenty eight" -> "28", "three thousand two hundred" -> "3200"."""
    total, group, spoken = 0, 0, False  # a number being read: total of its thousands, the group below
    for word in words:
        number = _UNITS.get(word, _TENS.get(word))
        if number is not None:
            if spoken and not (group % 100 >= 20 and group % 10 == 0 and number < 10 or group % 100 == 0):
                yield str(total + group)  # "one two": two numbers
                total, group = 0, 0
            group, spoken = group + number, True
        elif word == "hundred":
            group, spoken = (group or 1) * 100, True
        elif word in _SCALES:
            total, group, spoken = total + (group or 1) * _SCALES[word], 0, True
        else:
            if spoken:
                yield str(total + group)
                total, group, spoken = 0, 0, False
            yield word
    if spoken:
        yield str(total + group)


def mask_values(text: str, values: Iterable[Any]) -> str:
    """`text` (normalised) with each value that appears in it as a whole-word placeholder, then digit runs masked."""
    forms: set[str] = set()
    for value in values:
        if isinstance(value, str):
            forms.add(_value_form(value))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            forms.update(_number_forms(value))
    padded = f" {text} "
    for form in sorted(forms, key=len, reverse=True):
        needle = f" {form} "
        while form and needle in padded:  # twice for adjacent repeats, which share a space
            padded = padded.replace(needle, f" {_MASK} ")
    return _DIGITS.sub("#", padded.strip())


def record_features(record: Any) -> Features:
    """Features of a Conversation or of a plain dict in the canonical shape (no pydantic on that path)."""
    if isinstance(record, Conversation):
        users = [(i, m.content or "") for i, m in enumerate(record.messages) if m.role == "user"]
        turns = [
            [(c.function.name, c.function.arguments) for c in m.tool_calls]
            for m in record.messages
            if m.role == "assistant" and m.tool_calls
        ]
        names = [tool.function.name for tool in record.tools]
        return _features(record.id, record.meta, names, record.tool_schemas(), users, turns)
    record = record if isinstance(record, dict) else {}
    users, turns = [], []
    for i, message in enumerate(record.get("messages") or []):
        if not isinstance(message, dict):
            continue
        if message.get("role") == "user":
            users.append((i, _content(message.get("content"))))
        elif message.get("role") == "assistant" and message.get("tool_calls"):
            turns.append([_dict_call(call) for call in message["tool_calls"] if isinstance(call, dict)])
    functions = [tool.get("function") or {} for tool in record.get("tools") or [] if isinstance(tool, dict)]
    names = [str(f.get("name", "")) for f in functions]
    schemas = {str(f.get("name", "")): f.get("parameters") or {} for f in functions}
    return _features(str(record.get("id") or ""), record.get("meta") or {}, names, schemas, users, turns)


def find_duplicates(records: Iterable[tuple[int, Any]], options: DedupOptions | None = None) -> dict[int, Issue]:
    """Issues of the records to drop, keyed by the caller's index; every other record is kept."""
    options = options or DedupOptions()
    enabled = gc.isenabled()
    gc.disable()  # millions of small acyclic containers: cyclic GC passes would only cost time
    try:
        return _find(records, options)
    finally:
        if enabled:
            gc.enable()


def _find(records: Iterable[tuple[int, Any]], options: DedupOptions) -> dict[int, Issue]:
    """Features of every record, then exact, near and template-cap passes over them in rank order."""
    table = _Table()
    for index, record in records:
        table.add(index, record_features(record))
    if not table.ids:
        return {}
    rank = np.lexsort((table.index, table.order))  # position -> caller row, by (task_index or index, index)
    index, exact, calls, template = (
        np.asarray(col)[rank] for col in (table.index, table.exact, table.calls, table.template)
    )
    texts = [table.texts[i] for i in rank]
    table.texts = []
    n = len(rank)
    target = np.full(n, -1, np.int64)  # position of the kept record each dropped record names
    kind = np.zeros(n, np.int8)  # 0 kept, 1 exact, 2 near, 3 template cap
    score = np.zeros(n, np.float32)

    _, first, inverse = np.unique(exact, return_index=True, return_inverse=True)
    representative = first[inverse.reshape(-1)]
    is_copy = representative != np.arange(n)
    target[is_copy], kind[is_copy] = representative[is_copy], 1

    _near(np.flatnonzero(~is_copy), texts, calls, options, target, kind, score)
    _cap(np.flatnonzero(kind == 0), template, options.template_cap, target, kind)

    copies = np.flatnonzero(is_copy)
    copies = copies[kind[target[copies]] != 0]  # the copy of a dropped record names what that record names
    target[copies], kind[copies], score[copies] = target[target[copies]], kind[target[copies]], score[target[copies]]

    issues: dict[int, Issue] = {}
    for position in np.flatnonzero(kind).tolist():
        row, kept = rank[position], rank[target[position]]
        name = table.ids[kept] or f"#{table.index[kept]}"
        message = (
            f"exact duplicate of {name}",
            f"near duplicate of {name} (ratio {score[position]:.0f})",
            f"template cap {options.template_cap} reached (first: {name})",
        )[kind[position] - 1]
        issues[int(index[position])] = Issue("dedup", "duplicate", table.paths[row], message)
    return issues


class _Table:
    """Compact columns of features: ids, paths, texts, and 64-bit keys in typed arrays."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.paths: list[str] = []
        self.texts: list[str] = []
        self.index, self.order = array("q"), array("q")
        self.exact, self.calls, self.template = array("Q"), array("Q"), array("Q")

    def add(self, index: int, features: Features) -> None:
        self.ids.append(features.id)
        self.paths.append(sys.intern(features.path))
        self.texts.append(features.request)
        self.index.append(index)
        self.order.append(index if features.task_index is None else features.task_index)
        self.exact.append(features.exact)
        self.calls.append(features.calls)
        self.template.append(features.template)


def _near(
    alive: np.ndarray,
    texts: list[str],
    calls: np.ndarray,
    options: DedupOptions,
    target: np.ndarray,
    kind: np.ndarray,
    score: np.ndarray,
) -> None:
    """Mark near duplicates among positions `alive` (ascending) within their calls buckets."""
    _, inverse, counts = np.unique(calls[alive], return_inverse=True, return_counts=True)
    size = counts[inverse.reshape(-1)]  # a record alone in its calls bucket has no near duplicate
    for position in alive[size > 1].tolist():  # only these are compared: near_text for them alone
        texts[position] = near_text(texts[position])
    small = alive[(size > 1) & (size <= options.exhaustive)]
    _confirm(((p, (c,)) for p, c in zip(small.tolist(), calls[small].tolist())), texts, options, target, kind, score)
    large = alive[size > max(1, options.exhaustive)]
    if len(large):
        bands = band_keys([texts[p] for p in large], calls[large], options)
        _confirm(_shared_bands(large, bands), texts, options, target, kind, score)


def near_score(first: str, second: str, options: DedupOptions) -> float:
    """fuzz.ratio of two near_texts when they are near duplicates, else 0.

    A short request (at most `short_words` words) must have the same words as its duplicate;
    longer ones may differ by a word or two, `ratio >= threshold`, but not by a number changed
    into another (a date, count or amount: "Dec 18" / "Dec 19" are two requests).
    """
    if first == second:
        return 100.0
    words, others = first.split(" "), second.split(" ")
    if min(len(words), len(others)) <= options.short_words:
        return 0.0
    ratio = fuzz.ratio(first, second, score_cutoff=options.threshold)
    if not ratio:
        return 0.0
    added, dropped = _difference(words, others)
    return 0.0 if any(map(str.isdigit, added)) and any(map(str.isdigit, dropped)) else ratio


def _difference(words: list[str], others: list[str]) -> tuple[list[str], list[str]]:
    """Words of `words` missing from `others` and the reverse (as multisets)."""
    counts, other_counts = Counter(words), Counter(others)
    return list((counts - other_counts).elements()), list((other_counts - counts).elements())


def _shared_bands(positions: np.ndarray, bands: np.ndarray) -> Iterator[tuple[int, list[int]]]:
    """(position, its band keys that another record also has), for records with at least one."""
    shared = np.zeros(bands.shape, bool)
    for j in range(bands.shape[1]):
        _, inverse, counts = np.unique(bands[:, j], return_inverse=True, return_counts=True)
        shared[:, j] = counts[inverse.reshape(-1)] > 1
    rows = np.flatnonzero(shared.any(axis=1))
    for start in range(0, len(rows), _CHUNK):  # as Python ints a chunk at a time
        chunk = rows[start : start + _CHUNK]
        for position, keys, flags in zip(positions[chunk].tolist(), bands[chunk].tolist(), shared[chunk].tolist()):
            yield position, [key for key, flag in zip(keys, flags) if flag]


def _confirm(
    candidates: Iterable[tuple[int, Iterable[int]]],
    texts: list[str],
    options: DedupOptions,
    target: np.ndarray,
    kind: np.ndarray,
    score: np.ndarray,
) -> None:
    """Greedy in rank order: a record is a near duplicate of the first kept record sharing a key whose ratio passes."""
    kept_by_key: dict[int, list[int]] = {}
    for position, keys in candidates:
        text = texts[position]
        for other in sorted({p for key in keys for p in kept_by_key.get(key, ())}):
            ratio = near_score(text, texts[other], options)
            if ratio:
                target[position], kind[position], score[position] = other, 2, ratio
                break
        else:
            for key in keys:
                kept_by_key.setdefault(key, []).append(position)


def _cap(kept: np.ndarray, template: np.ndarray, cap: int, target: np.ndarray, kind: np.ndarray) -> None:
    """Drop kept records beyond the first `cap` of their template, naming the template's first record."""
    order = np.argsort(template[kept], kind="stable")
    keys = template[kept][order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lengths = np.diff(np.r_[starts, len(keys)])
    within = np.arange(len(keys)) - np.repeat(starts, lengths)
    over = within >= cap
    dropped = kept[order][over]
    target[dropped] = kept[order][np.repeat(starts, lengths)][over]
    kind[dropped] = 3


def band_keys(texts: list[str], calls: np.ndarray, options: DedupOptions) -> np.ndarray:
    """LSH keys (len(texts) x bands, uint64): each mixes the calls hash, the band index and its MinHash rows."""
    rng = np.random.default_rng(20240611)
    a = rng.integers(1, 1 << 32, options.num_perm, dtype=np.uint64)
    b = rng.integers(0, 1 << 32, options.num_perm, dtype=np.uint64)
    rows = options.num_perm // options.bands
    out = np.empty((len(texts), options.bands), np.uint64)
    for start in range(0, len(texts), _CHUNK):
        shingles, starts = shingle_hashes(texts[start : start + _CHUNK], options.shingle)
        signature = np.empty((options.num_perm, len(starts)), np.uint64)
        value = np.empty_like(shingles)
        for i in range(options.num_perm):  # (a*x + b) mod p, p = 2^61 - 1 (a, b, x < 2^32: no overflow)
            np.multiply(shingles, a[i], out=value)
            value += b[i]
            high = value >> np.uint64(61)
            value &= _MERSENNE
            value += high
            np.minimum.reduceat(value, starts, out=signature[i])
        chunk_calls = calls[start : start + _CHUNK]
        for j in range(options.bands):
            key = _mix(chunk_calls ^ np.uint64(j + 1))
            for i in range(j * rows, (j + 1) * rows):
                key = _mix(key ^ signature[i])
            out[start : start + len(starts), j] = key
    return out


def shingle_hashes(texts: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit hashes (as uint64) of every character k-gram of each text, and where each text's run starts."""
    texts = [text.ljust(k) for text in texts]  # a text shorter than k is one (padded) shingle
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    codes = np.frombuffer("".join(texts).encode("utf-32-le"), np.uint32).astype(np.uint64)
    width = len(codes) - k + 1
    rolling = codes[:width].copy()
    for j in range(1, k):
        rolling *= np.uint64(0x100000001B3)
        rolling += codes[j : j + width]
    counts = lengths - k + 1
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    positions = np.arange(counts.sum()) + np.repeat(offsets - starts, counts)
    return _mix(rolling[positions]) >> np.uint64(32), starts


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps)."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _features(
    rid: str,
    meta: Any,
    tool_names: list[str],
    schemas: Mapping[str, Any],
    users: list[tuple[int, str]],
    turns: list[list[tuple[str, Any]]],
) -> Features:
    texts = [normalize_text(content) for _, content in users]
    text = " ".join(t for t in texts if t)
    request = " ".join(content for _, content in users)
    values: list[Any] = []
    called: list[str] = []
    canonical = []
    for calls in turns:
        for name, arguments in calls:
            called.append(name)
            values.extend(leaf for _, leaf in leaves(arguments))
        # independent calls match in any order
        canonical.append(
            canonical_calls([{"name": name, "arguments": arguments} for name, arguments in calls], schemas)
        )
    calls_text = "\x1e".join(canonical)
    exact = "\x1d".join(("\x1e".join(texts), "\x1f".join(sorted(tool_names)), calls_text))
    template = mask_values(text, values) + "\x1d" + " ".join(sorted(called))
    task_index = meta.get("task_index") if isinstance(meta, dict) else None
    return Features(
        rid,
        f"messages[{users[0][0]}].content" if users else "",
        text,
        request,
        _hash(exact),
        _hash(calls_text),
        _hash(template),
        task_index if isinstance(task_index, int) and not isinstance(task_index, bool) else None,
    )


def _hash(text: str) -> int:
    return xxhash.xxh3_64_intdigest(text.encode("utf-8", "surrogatepass"))


def _content(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part if isinstance(part, str) else str(part.get("text") or "")
            for part in content
            if isinstance(part, (str, dict))
        )
    return ""


def _dict_call(call: Mapping[str, Any]) -> tuple[str, Any]:
    """(name, arguments) of a plain-dict call, arguments decoded as FunctionCall does."""
    function = call.get("function") if isinstance(call.get("function"), dict) else call
    return str(function.get("name", "")), decode_arguments(function.get("arguments"))


@lru_cache(maxsize=1 << 16)
def _value_form(value: str) -> str:
    return normalize_text(value)  # argument values repeat a lot (pools, enums): cached


@lru_cache(maxsize=1 << 16)
def _number_forms(value: int | float) -> frozenset[str]:
    """Normalised ways a number is written: 1500 -> {"1500", "1 500", "1500 0", ...}, 3.5 -> {"3 5", "3 50"}."""
    number = float(value)  # forms depend on the value only (1 and 1.0 share a cache entry)
    if number.is_integer():
        forms = (str(int(number)), f"{int(number):,}", f"{number:.1f}", f"{number:.2f}")
    else:
        forms = (repr(number), f"{number:.2f}", f"{number:,.2f}", f"{number:g}")
    return frozenset(normalize_text(form) for form in forms)
