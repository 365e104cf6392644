"""Complex system prompts: tool-use rules drawn for a sample's tools, rendered to text, confirmed.

Rules are plain dicts (shapes and validation in filters.policy, which checks them on records
as `policy_violation`); this module draws relevant ones for a tool set (`draw_rules`), writes
them as a system prompt from prompts/system/complex.txt (`render_rules`), and phrases the one
confirmation pattern (assistant asks, user accepts or declines) from prompts/system/confirm.txt
(`confirmation_turns`). Template files hold one `kind: text` line per phrasing; `#` starts a
comment line.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Collection
from datetime import datetime
from string import Template
from typing import Any

from filters.policy import (
    ConfirmBefore,
    MaxArg,
    NeverCall,
    RequiresBefore,
    is_acceptance,
    is_confirmation_question,
    is_decline,
    needs_confirmation,
    rule_from_dict,
)
from pipeline.errors import InputError
from pipeline.prompts import combined_version, load_prompt
from pipeline.seeds import SeedTool
from pipeline.surface import ENUM_WORDS

__all__ = [
    "ConfirmBefore",
    "MaxArg",
    "NeverCall",
    "RequiresBefore",
    "PROMPT_NAMES",
    "IRREVERSIBLE",
    "action_phrase",
    "call_details",
    "confirmation_turns",
    "draw_rules",
    "NICE_NUMBERS",
    "function_words",
    "max_arg_rule",
    "is_acceptance",
    "is_confirmation_question",
    "is_decline",
    "needs_confirmation",
    "prompt_version",
    "render_rules",
    "rule_from_dict",
    "templates",
]

PROMPT_NAMES = ("system/complex", "system/confirm")
RULE_TYPES = ("confirm_before", "max_arg", "never_call", "requires_before")

_SEARCH = re.compile(r"^(?:search|list|find|lookup|browse|query)(?:_|$)")  # verbs whose results another tool acts on
_READ = re.compile(r"^(?:search|list|find|lookup|browse|query|get|fetch|track|check|show|view)(?:_|$)")
_CREATE = re.compile(
    r"^(?:create|add|new|place|log|schedule|send|compose|write|subscribe|make|post)(?:_|$)"
)  # needs nothing found first
_DESTRUCTIVE = re.compile(
    r"(?:^|_)(?:delete|remove|cancel|clear|reset|erase|wipe|revoke|unsubscribe|drop|purge)(?:_|$)"
)
# writes that cannot be undone: a careful system prompt asks to confirm them (PlanConfig.confirm_irreversible)
IRREVERSIBLE = re.compile(
    r"(?:^|_)(?:delete|remove|cancel|clear|reset|erase|wipe|revoke|unsubscribe|drop|purge|"
    r"transfer|pay|payment|purchase|buy|sell|checkout|order)(?:_|$)"
)
_AMOUNT = re.compile(r"(?:^|_)(?:amount|price|total|cost|quantity|qty|budget|fee|payment|tip|sum|shares|units)(?:_|$)")
NICE_NUMBERS = sorted({round(m * 10**k, 2) for k in range(-2, 8) for m in (1, 2, 2.5, 5)})


def templates(name: str) -> dict[str, list[str]]:
    """The `kind: text` phrasings of a prompts file, grouped by kind (InputError on a bad line)."""
    prompt, grouped = load_prompt(name), {}
    for line in prompt.lines():
        if line.startswith("#"):
            continue
        kind, sep, text = line.partition(":")
        if not sep or not kind.strip().isidentifier() or not text.strip():
            raise InputError(f"expected 'kind: text', got {line!r}", f"prompts/{name}.txt")
        grouped.setdefault(kind.strip(), []).append(text.strip())
    return grouped


def prompt_version() -> str:
    """One version for the two policy template files (for a record's meta.prompt_version)."""
    return combined_version(*(load_prompt(name) for name in PROMPT_NAMES))


def draw_rules(
    tools: list[SeedTool], rng: random.Random, count: int, *, targets: Collection[str] = ()
) -> list[dict[str, Any]]:
    """At most `count` rules relevant to `tools`, deterministic for the same rng state.

    A confirm_before over the write tools comes first when there are any; the other kinds
    (max_arg on an amount-like number of a write tool, never_call on a destructive write tool
    that is not one of `targets` (any non-target write tool when targets are given),
    requires_before from a search/list tool to a tool of its domain acting on the result)
    follow in a drawn order, one of each kind before a second of any.
    """
    if count <= 0:
        return []
    writes = [tool for tool in tools if not tool.read_only]
    shunned = [t.name for t in writes if t.name not in targets and (targets or _DESTRUCTIVE.search(t.name))]
    never = rng.choice(shunned) if shunned else None
    groups: dict[str, list[dict[str, Any]]] = {}
    if never:
        groups["never_call"] = [{"type": "never_call", "tool": never}]
    groups["max_arg"] = [rule for tool in writes if tool.name != never for rule in [max_arg_rule(tool, rng)] if rule]
    groups["requires_before"] = [
        {"type": "requires_before", "tool": tool, "before": before}
        for tool, before in _sequences(tools)
        if never not in (tool, before)
    ]
    for rules in groups.values():
        rng.shuffle(rules)
    kinds = [kind for kind in groups if groups[kind]]
    rng.shuffle(kinds)
    picked: dict[str, list[dict[str, Any]]] = {kind: [] for kind in RULE_TYPES}
    budget = count - (1 if writes else 0)
    while budget > 0 and any(groups[kind] for kind in kinds):
        for kind in kinds:
            if budget > 0 and groups[kind]:
                picked[kind].append(groups[kind].pop(0))
                budget -= 1
    if writes:
        skip = {rule["tool"] for rule in picked["max_arg"] + picked["never_call"]}
        confirm = [tool.name for tool in writes if tool.name not in skip]
        if confirm:
            picked["confirm_before"] = [{"type": "confirm_before", "tools": confirm}]
    return [rule for kind in RULE_TYPES for rule in picked[kind]]


def max_arg_rule(tool: SeedTool, rng: random.Random) -> dict[str, Any] | None:
    """A max_arg rule on one amount/price/quantity-like number of `tool`, or None."""
    options = []
    for name, schema in (tool.parameters.get("properties") or {}).items():
        if not isinstance(schema, dict) or not _AMOUNT.search(name) or re.match(r"(?:min|max)_", name):
            continue
        types = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        if "number" in types or "integer" in types:
            value = _nice_max(schema, "number" not in types, rng)
            if value is not None:
                options.append({"type": "max_arg", "tool": tool.name, "argument": name, "max": value})
    return rng.choice(options) if options else None


def _nice_max(schema: dict[str, Any], integer: bool, rng: random.Random) -> int | float | None:
    """A round value inside the parameter's range, in its lower half but not tiny."""
    low = next((schema[key] for key in ("minimum", "exclusiveMinimum") if isinstance(schema.get(key), (int, float))), 0)
    high = next(
        (schema[key] for key in ("maximum", "exclusiveMaximum") if isinstance(schema.get(key), (int, float))), 10000
    )
    inside = [v for v in NICE_NUMBERS if low < v < high and (not integer or v == int(v))]
    sensible = [v for v in inside if high / 100 <= v <= high / 2] or inside
    if not sensible:
        return None
    value = rng.choice(sensible)
    return int(value) if value == int(value) else value


def _sequences(tools: list[SeedTool]) -> list[tuple[str, str]]:
    """(tool, before) pairs of one domain where `before` finds what `tool` acts on.

    Best first: `tool` takes an id of what `before` names (restaurant_id <- search_restaurants),
    else both names share a noun (book_flight <- search_flights; not for creating verbs such as
    create_/send_); a search/list tool beats a get/track one.
    """
    pairs = []
    for tool in tools:
        if _READ.match(tool.name):
            continue
        ids, named = _id_nouns(tool.parameters), set() if _CREATE.match(tool.name) else _nouns(tool.name)
        ranked = []
        for before in tools:
            if before.domain == tool.domain and _READ.match(before.name):
                nouns, searches = _nouns(before.name), bool(_SEARCH.match(before.name))
                rank = (0 if searches else 1) if ids & nouns else (2 if searches else 3) if named & nouns else None
                if rank is not None:
                    ranked.append((rank, before.name))
        best = min((rank for rank, _ in ranked), default=None)
        pairs.extend((tool.name, name) for rank, name in ranked if rank == best)
    return pairs


def _id_nouns(schema: Any) -> set[str]:
    """Nouns of the id-like keys anywhere in a parameters schema: items[].product_id -> {"product"}."""
    found, stack = set(), [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, _value in (item.get("properties") or {}).items():
                match = re.match(r"(.+?)_(?:id|ids|reference)$", key)
                found |= _nouns("x_" + match.group(1)) if match else set()
            stack.extend(value for value in item.values() if isinstance(value, (dict, list)))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _nouns(name: str) -> set[str]:
    """The words of a function name after its verb, singular: search_flights -> {"flight"}."""
    words = re.split(r"[_\-]|(?<=[a-z])(?=[A-Z])", name.lower())[1:]
    return {word[:-1] if word.endswith("s") and len(word) > 3 else word for word in words} - {
        "detail",
        "info",
        "status",
        "summary",
    }


def render_rules(rules: list[Any], rng: random.Random) -> str:
    """The complex system prompt: an intro line, then one `- ` line per rule (phrasings drawn by rng)."""
    phrasings = templates("system/complex")
    lines = [rng.choice(phrasings["intro"])]
    for data in rules:
        rule = rule_from_dict(data)
        values = {key: _rule_value(value) for key, value in rule.model_dump().items() if key != "type"}
        if isinstance(rule, ConfirmBefore):
            values["tools"] = _joined(rule.tools)
        lines.append("- " + Template(rng.choice(phrasings[rule.type])).substitute(values))
    return "\n".join(lines)


def confirmation_turns(
    calls: list[dict[str, Any]],
    rng: random.Random,
    said: list[dict[str, str]] | None = None,
    actions: list[str] | None = None,
) -> tuple[str, str, str]:
    """(assistant question naming every call, user acceptance, user decline), from the templates
    (the embedded teacher's fallback): each call as its action (`actions[i]`, else its function's
    words) and its values, in the
    words the user said them with (`said[i]`, the request's spoken forms of call i), else in plain
    words: no JSON, no ISO timestamp, no snake_case, nothing for a null."""
    phrasings = templates("system/confirm")
    forms = list(said or []) + [{}] * len(calls)
    named = list(actions or []) + [None] * len(calls)
    actions = [
        f"{named[i] or ' '.join(function_words(call['name']))} ({call_details(call, forms[i])})"
        for i, call in enumerate(calls)
    ]
    joined = actions[0] if len(actions) == 1 else ", ".join(actions[:-1]) + " and " + actions[-1]
    question = Template(rng.choice(phrasings["question"])).substitute(actions=joined)
    return question, rng.choice(phrasings["accept"]), rng.choice(phrasings["decline"])


def call_details(call: dict[str, Any], said: dict[str, str] | None = None) -> str:
    """A call's values in words: "party size 4, time 7 pm" (`said` holds the request's forms)."""
    arguments = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
    return (
        ", ".join(
            f"{name_words(key)} {_in_words(value, (said or {}).get(key))}"
            for key, value in arguments.items()
            if value is not None
        )
        or "the details above"
    )


def _in_words(value: Any, said: str | None) -> str:
    """A value as the user said it, else in plain words; a string that is a sentence of its own
    ("Rent is due tomorrow, can you send your half?") in quotes, so the question around it reads."""
    words = said or _said(value)
    sentence = isinstance(value, str) and len(words.split()) > 3 and re.search(r"[.!?]", words)
    return f'"{words}"' if sentence else words


def function_words(name: str) -> list[str]:
    """A function or parameter name's words, lowercased: book_table -> ["book", "table"],
    FetchService -> ["fetch", "service"] (OpenAPI names are camelCase or PascalCase)."""
    return [word.lower() for word in re.split(r"[_\-\s]+|(?<=[a-z0-9])(?=[A-Z])", name) if word]


def name_words(name: str) -> str:
    """A name as words for a sentence: party_size -> "party size", ServiceSid -> "service sid"."""
    return " ".join(function_words(name)) or name


def action_phrase(description: str) -> str:
    """What a tool does, short and addressed to the user: "Books a table at a restaurant for a
    date, time and party size; ..." -> "book a table at a restaurant"; "Adds a task to the
    user's to-do list, optionally ..." -> "add a task to your to-do list"."""
    first = re.split(r"[.;](?:\s|$)", description.strip(), maxsplit=1)[0].strip()
    first = re.split(_CLAUSE, first, maxsplit=1)[0].strip()
    if first.count(" ") > 2:  # "a flight offer returned" (cut before "by search_flights"), not "a task as completed"
        first = re.sub(r"(?: (?:and|or)|(?<! as)(?<! is)(?<! be) \w+ed)$", "", first)
    words = first.split(" ")
    for index, word in enumerate(words):  # the verbs: the first, and one joined to it by "or"/"and"
        if index == 0 or (index == 2 and words[1] in ("or", "and")):
            words[index] = _base_form(word.lower() if index == 0 else word)
    return re.sub(r"\bthe user's\b", "your", " ".join(words))


_CLAUSE = re.compile(
    r",(?! [\w-]+ or )| and (?:sends|issues|charges|updates|emails|adds|refunds|schedules)\b| that | with |"
    r" optionally| by | on or near | for (?:a|the|one|limited)\b| in the user's brokerage| to be sent"
)


def _base_form(verb: str) -> str:
    """books -> book, pushes -> push, places -> place (a third-person verb's base form)."""
    if re.search(r"(?:ss|sh|ch|x)es$", verb):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") and not verb.endswith("ss") else verb


def _rule_value(value: Any) -> str:
    """A rule's value in a system prompt: a tool name as it is (the prompt names tools), 500 not 500.0."""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, (dict, list, bool)) or value is None:
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _said(value: Any) -> str:
    """A value in plain words: a flag as yes/no, a date as "June 17, 2026", a token as words, an
    object as its fields ("name Ana Ruiz, iban ..."), a list joined with "and"."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    if isinstance(value, dict):
        return ", ".join(f"{name_words(key)} {_said(item)}" for key, item in value.items() if item is not None)
    if isinstance(value, list):
        parts = [_said(item) for item in value] or ["none"]
        joiner = "; " if any(isinstance(item, dict) for item in value) else ", "
        return parts[0] if len(parts) == 1 else joiner.join(parts[:-1]) + " and " + parts[-1]
    if isinstance(value, str):
        return _plain_moment(value) or (value.replace("_", " ") if ENUM_WORDS.fullmatch(value) else value)
    return str(value)


def _plain_moment(text: str) -> str | None:
    """An ISO date or date-time as people write it ("June 17, 2026 at 10:30"), else None."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)?", text):
        return None
    day = f"{moment.strftime('%B')} {moment.day}, {moment.year}"
    return day if len(text) == 10 else f"{day} at {moment.strftime('%H:%M')}"


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
