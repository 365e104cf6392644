"""Quality rules: leaked function names, placeholder values, few-shot copies, length, refusals, language.

Rules, decided once:
- leaked_function_name: a user or assistant turn writes a tool name as an identifier: a name with
  "_" or camelCase (and its snake/camel variants), any name directly followed by "(", or a name
  quoted inside a `{...}` (or `"name":`/`"arguments":` keys there). Plain words ("search
  flights") never count. A snake_case or camelCase parameter name written as is ("flight_number:
  QF12") counts too: it is the schema, not the person, talking.
- leaked_json: an assistant turn (without a leaked name) writes JSON: an object with a
  quoted key (`{"temperature_c": 21}`), a list of objects, or a JSON literal where a word belongs
  (`locked: true`, `= false`, "set to null", `"true"`, a bare `null`). "That's true" and "false
  reading" are prose and pass. A user may paste JSON on purpose ('my budget is {"max": 300}').
- placeholder_value: a string argument (at any depth) that as a whole, casefolded, is a stand-in
  ("string", "TBD", "John Doe", "12345"...), or is shaped like one (<city>, {ticker}, [name],
  YOUR_KEY, "INSERT ... HERE", "...", xxx-xxx-xxxx, 123-456-7890, anything at example.com/.org/.net,
  test.com, yourdomain.com). Whole values only ("Test Kitchen" passes); a value the tool's schema
  lists in an enum/const is legit. "John Smith" counts: a real name, but the teacher's default
  stand-in, and dropping the rare real one costs little. A user turn that keeps a template slot
  ("[company1]", "[number]", "{city}", "<your name>") is a placeholder_value at that turn.
- refusal: AI filler ("as an AI [language model|assistant]" used as a self-description, "as a
  language model", "my knowledge cutoff", "I don't have access to real-time") or a generic
  refusal: "[I'm sorry, but] I can't/cannot/am unable to [help|assist|do...] that|this|it|your
  request" ending the clause. A reasoned statement ("I can't book flights: none of my tools does
  that") is what a no_call answer should say, and passes.
- echo_reply: an assistant text turn that repeats the user's last message (rapidfuzz ratio >= 90,
  or most of it verbatim) instead of answering it.
- non_answer: an assistant text turn without a word of two letters ("164.0"), with one only right
  after a tool result ("Dosage.") or one the user's last message has ("Hamlet" for its hero's
  name), holding a brace or one mark five times running ("}....."), a code call
  (`math.ceil(20.6)`: a dotted or snake_case name, or one whose parentheses hold only numbers),
  or, right after a tool result, repeating a confirmation turn (one the user answered before a
  call; rapidfuzz ratio >= 90) or a question of 3+ words it asked.
- language: only user turns with >= 4 words and >= 20 letters (quoted spans removed) are judged;
  a turn fails when langid.py gives the expected language a normalised probability below 0.005
  (English requests full of foreign names score >= 0.03, real foreign sentences <= 0.001).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from py3langid.langid import MODEL_FILE, LanguageIdentifier
from rapidfuzz import fuzz, process

from filters.base import Check, Issue, leaves
from filters.policy import is_confirmation_question
from pipeline.record import Conversation, Message


@dataclass
class QualityOptions:
    """Thresholds of the quality check (the pipeline's config maps onto these)."""

    min_request_words: int = 3
    min_request_chars: int = 10
    max_user_chars: int = 1500
    language: str = "en"  # ISO 639-1; a record's meta.language overrides it; "" turns the rule off
    fewshot_threshold: float = 90.0


# -- placeholders ---------------------------------------------------------------------------------

PLACEHOLDERS = frozenset(
    [
        "string",
        "str",
        "value",
        "text",
        "example",
        "sample",
        "test",
        "dummy",
        "foo",
        "bar",
        "baz",
        "qux",
        "foobar",
        "asdf",
        "lorem",
        "lorem ipsum",
        "sample text",
        "example text",
        "n/a",
        "na",
        "tbd",
        "tba",
        "none",
        "null",
        "nil",
        "undefined",
        "unknown",
        "placeholder",
        "xxx",
        "john doe",
        "jane doe",
        "john smith",
        "jane smith",
        "xyz inc",
        "xyz inc.",
        "xyz corp",
        "xyz corp.",
        "xyz company",
        "acme",
        "acme corp",
        "acme corp.",
        "acme inc",
        "acme inc.",
        "abc company",
        "abc corp",
        "your api key",
        "123-456-7890",
        "(123) 456-7890",
        "555-555-5555",
        "000-000-0000",
        "1234567890",
        "12345",
        "123456",
    ]
)
PLACEHOLDER_RE = re.compile(
    r"(?<![\w-])(?:example\.(?:com|org|net)|test\.com|your[\w-]*\.(?:com|org|net))(?![\w-])"  # fake domains
    r"|^(?:<[^<>]+>|\{\{?\s*[a-z_][\w .-]*\}\}?|\[\s*[a-z_][\w .-]*\])$"  # <city> {ticker} [name]
    r"|^your_|^insert_|^(?:insert|enter)\b.*\bhere$"  # your_api_key, insert_id, enter ... here
    r"|^[.…\s]+$"  # "..."
    r"|^[x\W_]*x{3,}[x\W\d_]*$"  # xxx, xxx-xxx-xxxx
)


_SLOT_WORDS = (
    r"name|first name|last name|number|company|company name|city|country|date|time|email|phone|address|product"
    r"|item|amount"
    r"|location|person|user|recipient|title|message|request|reply|answer|response|question|text"
)
_SLOT_OWNER = r"(?:your |the |(?:the )?(?:user|assistant)(?:'s|’s) )?"
SLOT_RE = re.compile(
    rf"\[{_SLOT_OWNER}(?:{_SLOT_WORDS})[ _]?\d*\]|\{{\{{?\s*[a-z_]+\s*\}}\}}?|<{_SLOT_OWNER}(?:{_SLOT_WORDS})[ _]?\d*>",
    re.I,
)


def is_placeholder(value: str) -> bool:
    """Whether a whole string value is a stand-in rather than a real value."""
    folded = " ".join(value.casefold().split())
    shouted = value.lstrip().startswith(("INSERT ", "YOUR "))  # "INSERT CITY", "YOUR NAME"
    return shouted or folded in PLACEHOLDERS or bool(PLACEHOLDER_RE.search(folded))


def _schema_constants(schema: Any) -> set[str]:
    """Casefolded string values a schema lists in any enum or const, at any depth."""
    found: set[str] = set()
    if isinstance(schema, dict):
        for key, item in schema.items():
            if key == "enum" and isinstance(item, list):
                found.update(v.casefold() for v in item if isinstance(v, str))
            elif key == "const" and isinstance(item, str):
                found.add(item.casefold())
            else:
                found |= _schema_constants(item)
    elif isinstance(schema, list):
        for item in schema:
            found |= _schema_constants(item)
    return found


# -- leaked names, refusals, few-shot copies --------------------------------------------------------


def _variants(name: str) -> set[str]:
    """The identifier spellings of a tool name: itself if snake/camel, plus its camel/Pascal/snake forms."""
    out = {name} if "_" in name or re.search(r"[a-z][A-Z]", name) else set()
    parts = [part for part in name.split("_") if part]
    if len(parts) > 1:
        out.add(parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:]))
        out.add("".join(part[:1].upper() + part[1:] for part in parts))
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
    if "_" in snake:
        out.add(snake)
    return out


@lru_cache(maxsize=4096)
def _leak_patterns(names: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """(identifier-or-call pattern, quoted-name pattern) for a record's tool names."""
    idents = sorted({v for name in names for v in _variants(name)}, key=len, reverse=True)
    alts = sorted(names, key=len, reverse=True)
    ident = "|".join(map(re.escape, idents)) or r"(?!x)x"  # (?!x)x never matches
    calls = "|".join(map(re.escape, alts))
    leak = re.compile(rf"(?<![\w-])(?:(?:{ident})(?![\w-])|(?:{calls})\()", re.I)
    quoted = re.compile(rf"[\"'](?:{calls})[\"']|[\"'](?:name|arguments)[\"']\s*:", re.I)
    return leak, quoted


@lru_cache(maxsize=4096)
def _parameter_pattern(parameters: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{'|'.join(map(re.escape, sorted(parameters, key=len, reverse=True)))})(?![\w-])")


BRACES_RE = re.compile(r"\{.*\}", re.S)
JSON_RE = re.compile(
    r"\{\s*[\"'][^\"'\n]{1,60}[\"']\s*:"  # an object with a quoted key
    r"|\[\s*\{"  # a list of objects
    r"|(?:[:=]\s*|\bto\s+)(?:true|false|null)\b|([\"'`])(?:true|false|null)\1"  # a literal as a value
    r"|(?<![\w-])null(?![\w-])(?! and void)"  # null is not an English word
    r"|[:=]\s*(?:True|False|None)\b"  # the Python spelling
)
APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_CANT = r"i(?: can't| cannot| can not| won't| am unable to|'m unable to| am not able to|'m not able to)"
_VERB = (
    r"(?: (?:help|assist|comply|do|fulfill|fulfil|provide|answer|complete|process|support|handle)(?: you)?(?: with)?)?"
)
REFUSAL_RE = re.compile(
    r"\bas an? (?:ai|artificial intelligence)(?: language model| model| assistant| chatbot)?(?=\s*(?:[,.;:!?)]|$|i\b))"
    r"|\bas an ai (?:language )?model\b|\bas an? (?:large )?language model\b"
    r"|\bmy knowledge cut-?off\b|\bi (?:don't|do not) have (?:access to )?real[- ]time\b"
    rf"|\b{_CANT}{_VERB} (?:(?:that|this|it)(?: information| request)?|your request|the request|such requests?)"
    r"(?=\s*(?:[,.;:!]|$|for you))"
    rf"|\b{_CANT} (?:help|assist)(?: you)?(?=\s*(?:[.!]|$))"
)


def refusal(text: str) -> str | None:
    """The refusal or AI-filler phrase in `text`, if any."""
    match = REFUSAL_RE.search(text.casefold().translate(APOSTROPHES))
    return match.group(0) if match else None


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


WORD_RE = re.compile(r"[^\W\d_]{2,}")
GARBLE_RE = re.compile(r"([^\w\s])\1{4,}|[{}]")  # "}......": a brace, or one mark five times running
QUESTION_RE = re.compile(r"(?:^|(?<=[.!?]\s))[^.!?]*?\b\w+\s+\w+\s+\w+[^.!?]*\?")  # a question of 3+ words
LINK_ONLY_RE = re.compile(r"\s*(?:https?://|www\.)\S+\s*")  # "https://example.com/order" and nothing else
CODE_CALL_RE = re.compile(r"\b(?:[A-Za-z_]\w*[._]\w+|[A-Za-z_]\w*(?=\([\d.,\s-]*\)))\((?:[^()]*)\)")


def non_answer(
    text: str, after_result: bool, confirmations: list[str] = (), threshold: float = 90.0, last_user: str = ""
) -> str | None:
    """Why an assistant text turn says nothing (a bare value, a bare link, a colon with nothing
    after it, one word right after a tool result or taken from the user's message `last_user`,
    `last_user` repeated as its opening, a code call, or right after a tool result one of the
    `confirmations`, the turns that asked before a call, or a question one of them asked), or None."""
    words = len(WORD_RE.findall(text))
    code = CODE_CALL_RE.search(text)
    if code:
        return f"the assistant turn writes code: {code.group(0)!r}"
    garble = GARBLE_RE.search(text)
    if garble:
        return f"the assistant turn trails off into debris: {garble.group(0)[:20]!r}"
    if text.rstrip().endswith(":"):  # "The full details are listed below:" and nothing below
        return f"the assistant turn stops at a colon: {text.strip()[-60:]!r}"
    if LINK_ONLY_RE.fullmatch(text):
        return f"the assistant turn is only a link: {text.strip()[:60]!r}"
    said = _fold(last_user)
    if len(said.split()) >= 5 and _fold(text).startswith(said) and len(_fold(text)) > len(said):
        return "the assistant turn opens by repeating the user's message"
    echoed = words == 1 and WORD_RE.findall(text)[0].lower() in {w.lower() for w in WORD_RE.findall(last_user)}
    if words < (2 if after_result else 1) or echoed:  # "164.0"; "Resilient" for a better word than resilient
        return f"the assistant turn is not an answer: {text.strip()[:60]!r}"
    if (
        after_result
        and len(text.split()) >= 6
        and any(fuzz.ratio(_fold(text), _fold(said)) >= threshold for said in confirmations)
    ):
        return "the assistant turn repeats its confirmation question after the call"
    asked = {_fold(q) for said in confirmations for q in QUESTION_RE.findall(said)}
    again = next((q for q in QUESTION_RE.findall(text) if _fold(q) in asked), None) if after_result else None
    if again:  # "Should I place it?" once the order is filled
        return f"the assistant turn asks its earlier question again: {again.strip()!r}"
    return None


def _confirmations(record: Conversation, before: int) -> list[str]:
    """Assistant turns before message `before` that ask for a go-ahead (filters.policy) and that a
    user turn and then a call followed: the questions asked before a call."""
    messages = record.messages[:before]
    return [
        m.content
        for i, m in enumerate(messages[:-2])
        if m.role == "assistant"
        and is_confirmation_question(m.content)
        and not m.tool_calls
        and messages[i + 1].role == "user"
        and messages[i + 2].role == "assistant"
        and messages[i + 2].tool_calls
    ]


def echoes(reply: str, user: str, threshold: float = 90.0) -> bool:
    """Whether an assistant reply only repeats the user's message (rapidfuzz ratio, or the reply is
    a long stretch of it)."""
    reply, user = _fold(reply), _fold(user)
    return len(reply) >= 12 and (
        fuzz.ratio(reply, user) >= threshold or (len(reply) >= 0.6 * len(user) and reply in user)
    )


DESCRIPTION_RUN, DESCRIPTION_WORDS = 4, 5  # runs of 4 words in a row, covering 5 words or more


def copied_description(text: str, descriptions: list[str]) -> str | None:
    """The words of `text` inside runs of DESCRIPTION_RUN words of a tool description, when they
    are DESCRIPTION_WORDS or more ("grouped by theatre and format"): a person does not speak in the
    schema's words, a small teacher pastes them ("most popular episodes of" alone is speech)."""
    words = re.findall(r"[a-z0-9]+", text.casefold())
    runs = {
        tuple(found[i : i + DESCRIPTION_RUN])
        for description in descriptions
        for found in [re.findall(r"[a-z0-9]+", description.casefold())]
        for i in range(len(found) - DESCRIPTION_RUN + 1)
    }
    covered = sorted(
        {
            i + k
            for i in range(len(words) - DESCRIPTION_RUN + 1)
            if tuple(words[i : i + DESCRIPTION_RUN]) in runs
            for k in range(DESCRIPTION_RUN)
        }
    )
    return " ".join(words[i] for i in covered) if len(covered) >= DESCRIPTION_WORDS else None


def copied_example(text: str, shown: list[str], threshold: float = 90.0) -> int | None:
    """Index into `shown` of a few-shot text that `text` copies (rapidfuzz ratio >= threshold), else None."""
    best = process.extractOne(_fold(text), [_fold(s) for s in shown], scorer=fuzz.ratio, score_cutoff=threshold)
    return None if best is None else best[2]


def leaked_json(text: str) -> str | None:
    """The JSON a text writes (an object, a list of objects, a literal where a word belongs), or None."""
    match = JSON_RE.search(text)
    return match.group(0).strip() if match else None


def _identifiers(record: Conversation) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The record's tool names and its snake_case or camelCase parameter names."""
    names = tuple(tool.function.name for tool in record.tools)
    parameters = tuple(
        sorted(
            {
                key
                for tool in record.tools
                for key in (tool.function.parameters.get("properties") or {})
                if isinstance(key, str) and ("_" in key or re.search(r"[a-z][A-Z]", key))
            }
        )
    )
    return names, parameters


def leaked_parameter(parameters: tuple[str, ...], text: str, role: str = "user") -> str | None:
    """A message naming a snake_case or camelCase parameter name written in the turn, or None
    (a template's field label leaking into the text: "flight_number: QF12")."""
    if not parameters:
        return None
    match = _parameter_pattern(parameters).search(text)
    return f"the {role} turn writes the parameter name {match.group(0)!r} as an identifier" if match else None


def leaked_name(names: tuple[str, ...], text: str, role: str = "user") -> str | None:
    """A message naming the leaked function, or None."""
    if not names:
        return None
    leak, quoted = _leak_patterns(names)
    match = leak.search(text)
    if match:
        return f"the {role} turn writes the function name {match.group(0)!r} as an identifier"
    braces = BRACES_RE.search(text)
    match = quoted.search(braces.group(0)) if braces else None
    return f"the {role} turn writes a tool call as JSON ({match.group(0)})" if match else None


# -- language ---------------------------------------------------------------------------------------

MIN_EXPECTED_PROB = 0.005
QUOTED_RE = re.compile(r"\"[^\"]*\"|“[^”]*”|«[^»]*»|„[^“”]*[“”]|(?<!\w)'[^']*'(?!\w)")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """The langid.py model with normalised probabilities, loaded once (~0.5 s)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def foreign_language(text: str, expected: str) -> str | None:
    """The language `text` is clearly written in when that is not `expected`; None when it is, or when unsure."""
    text = QUOTED_RE.sub(" ", text)
    if len(text.split()) < 4 or sum(c.isalpha() for c in text) < 20:
        return None
    ranked = _identifier().rank(text)
    probs = dict(ranked)
    if expected not in probs or probs[expected] >= MIN_EXPECTED_PROB:
        return None
    return ranked[0][0]


# -- the check --------------------------------------------------------------------------------------


class QualityCheck(Check):
    """Rejects samples that train bad habits; see the module docstring for each rule."""

    name = "quality"
    Options = QualityOptions

    def __init__(self, options: QualityOptions | None = None):
        self.options = options or QualityOptions()

    def __call__(self, record: Conversation) -> list[Issue]:
        users = [(i, m.content) for i, m in enumerate(record.messages) if m.role == "user"]
        issues = self._user_turns(record, users)
        identifiers = _identifiers(record)
        last_user = ""
        for i, message in enumerate(record.messages):
            if message.role == "user" and isinstance(message.content, str):
                last_user = message.content
            if message.role == "assistant":
                found = refusal(message.content) if isinstance(message.content, str) else None
                if found:
                    issues.append(
                        self.issue(
                            "refusal",
                            f"messages[{i}].content",
                            f"the assistant turn refuses or writes AI filler: {found!r}",
                        )
                    )
                slot = SLOT_RE.search(message.content) if isinstance(message.content, str) else None
                if slot:  # "<your message>": the teacher copied the prompt's template instead of writing
                    issues.append(
                        self.issue(
                            "placeholder_value",
                            f"messages[{i}].content",
                            f"the assistant turn keeps a template slot {slot.group(0)!r}",
                        )
                    )
                if (
                    isinstance(message.content, str)
                    and last_user
                    and echoes(message.content, last_user, self.options.fewshot_threshold)
                ):
                    issues.append(
                        self.issue(
                            "echo_reply",
                            f"messages[{i}].content",
                            "the assistant turn repeats the user's message instead of answering it",
                        )
                    )
                if isinstance(message.content, str) and message.content.strip() and not message.tool_calls:
                    after_result = i > 0 and record.messages[i - 1].role == "tool"
                    confirmations = _confirmations(record, i)
                    why = non_answer(
                        message.content, after_result, confirmations, self.options.fewshot_threshold, last_user
                    )
                    if why:
                        issues.append(self.issue("non_answer", f"messages[{i}].content", why))
                if isinstance(message.content, str):
                    issues.extend(self._leaks(*identifiers, message.content, f"messages[{i}].content", "assistant"))
                issues.extend(self._placeholders(record, i, message))
        return issues

    def _user_turns(self, record: Conversation, users: list[tuple[int, str | None]]) -> list[Issue]:
        opts, issues = self.options, []
        names, parameters = _identifiers(record)
        fewshot = record.meta.get("fewshot")
        shown = [s for s in fewshot if isinstance(s, str)] if isinstance(fewshot, list) else []
        language = str(record.meta.get("language") or opts.language or "").split("-")[0].split("_")[0].lower()
        for n, (i, text) in enumerate(users):
            if not isinstance(text, str):
                continue
            path, stripped = f"messages[{i}].content", text.strip()
            if n == 0 and (len(stripped.split()) < opts.min_request_words or len(stripped) < opts.min_request_chars):
                issues.append(
                    self.issue(
                        "too_short",
                        path,
                        f"the opening request is too short ({len(stripped.split())} words, {len(stripped)} characters)",
                    )
                )
            if len(stripped) > opts.max_user_chars:
                issues.append(
                    self.issue(
                        "too_long", path, f"the user turn has {len(stripped)} characters (max {opts.max_user_chars})"
                    )
                )
            issues.extend(self._leaks(names, parameters, text, path, "user"))
            described = copied_description(text, [t.function.description or "" for t in record.tools])
            if described:
                issues.append(
                    self.issue("leaked_description", path, f"the user turn copies the tool description: {described!r}")
                )
            copied = copied_example(text, shown, opts.fewshot_threshold) if shown else None
            if copied is not None:
                issues.append(
                    self.issue("fewshot_copy", path, f"the user turn copies the few-shot example {shown[copied]!r}")
                )
            slot = SLOT_RE.search(text)
            if slot:
                issues.append(
                    self.issue("placeholder_value", path, f"the user turn keeps a template slot {slot.group(0)!r}")
                )
            found = refusal(text)
            if found:
                issues.append(self.issue("refusal", path, f"the user turn refuses or writes AI filler: {found!r}"))
            other = foreign_language(text, language) if language else None
            if other:
                issues.append(self.issue("language", path, f"the user turn reads as {other!r}, not {language!r}"))
        return issues

    def _leaks(
        self, names: tuple[str, ...], parameters: tuple[str, ...], text: str, path: str, role: str
    ) -> list[Issue]:
        """A turn's leaked function or parameter name (leaked_function_name), else an assistant turn's
        JSON (leaked_json)."""
        leak = leaked_name(names, text, role) or leaked_parameter(parameters, text, role)
        if leak:
            return [self.issue("leaked_function_name", path, leak)]
        found = leaked_json(text) if role == "assistant" else None  # a user may paste JSON on purpose
        return [self.issue("leaked_json", path, f"the {role} turn writes JSON ({found!r})")] if found else []

    def _placeholders(self, record: Conversation, i: int, message: Message) -> list[Issue]:
        issues = []
        for j, call in enumerate(message.tool_calls or []):
            if not isinstance(call.function.arguments, dict):
                continue
            base, legit = f"messages[{i}].tool_calls[{j}].function.arguments", None
            for path, value in leaves(call.function.arguments, base):
                if not isinstance(value, str) or not is_placeholder(value):
                    continue
                if legit is None:
                    legit = _schema_constants(record.tool_schemas().get(call.function.name, {}))
                if value.strip().casefold() not in legit:
                    issues.append(
                        self.issue("placeholder_value", path, f"{value!r} is a placeholder, not a real value")
                    )
        return issues
