"""The asking mistakes: acting where the assistant must ask or refuse first, and asking where it
must act. Each yields candidate rejected turns for a decision, most plausible first
(pipeline.pairs.build verifies them).

- skipped_confirmation: at a confirmation question a confirm_before rule requires, the write
  call(s) the user's yes led to, made right away;
- forbidden_call: the call a never_call rule forbids (a no_call `forbidden` record's request,
  from meta.no_call.call), or at a question a max_arg rule requires, the over-limit call made
  right away;
- guessed_id: at the lookup whose result a later call reads an id from (meta.links), that later
  call made right away with an id made up in the real ids' format (RST-48213 for RST-34844);
- call_instead_of_ask: at a missing_value record's question, the call with a plausible made-up
  value for the missing argument (today's date, the schema's example);
- asked_given_value: at a call turn, a question for a value the user already gave, worded like
  the pipeline's missing-value questions.

A confirmation the system prompt asks for only in words (the careful line before what cannot be
undone, meta.confirmations reason `irreversible`) is no meta.policy rule, so the checks cannot
see it skipped: those questions give no pair.
"""

from __future__ import annotations

import copy
import random
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from string import Template
from typing import Any

from filters.grounding import GroundingCheck
from filters.mentions import reference_moment
from filters.policy import MaxArg, confirming_rule, rule_from_dict
from filters.schema import validator_for
from pipeline.pairs.base import Decision, Turn, _fits, _properties, _with_calls
from pipeline.policy import name_words, templates
from pipeline.record import Conversation, message_dict

# --- confirmations and forbidden calls ---------------------------------------------------------


def _rules(decision: Decision) -> list[Any]:
    """The record's meta.policy rules (an invalid one is left out: the policy check reports it)."""
    out = []
    for data in decision.record.meta.get("policy") or []:
        try:
            out.append(rule_from_dict(data))
        except ValueError:
            continue
    return out


def confirmed_turn(record: Conversation, index: int) -> Turn | None:
    """The call turn an accepted confirmation question at `index` leads to (its question, the
    user's yes, then this turn: meta.confirmations), or None when `index` asks nothing so."""
    entry = next(
        (
            entry
            for entry in record.meta.get("confirmations") or []
            if isinstance(entry, dict) and entry.get("message") == index and entry.get("accepted", True)
        ),
        None,
    )
    messages = record.messages
    if (
        entry is None
        or index + 2 >= len(messages)
        or messages[index].tool_calls
        or messages[index + 1].role != "user"
        or messages[index + 2].role != "assistant"
        or not messages[index + 2].tool_calls
    ):
        return None
    return message_dict(messages[index + 2])


def _asked_by(decision: Decision) -> tuple[Turn, list[Any]] | None:
    """(the call turn a rule's confirmation question leads to, the rule each of its calls needs)."""
    turn = confirmed_turn(decision.record, decision.index)
    if turn is None:
        return None
    rules = _rules(decision)
    needed = [confirming_rule(rules, call["function"]) for call in turn["tool_calls"]]
    return (turn, needed) if any(rule is not None for rule in needed) else None


def _same_rationale(decision: Decision, turn: Turn) -> Turn:
    """`turn` with the chosen turn's rationale, or none when it has none (as every pair type: a
    pair differs in what the turn does, never in whether it reasons)."""
    turn.pop("reasoning_content", None)
    if decision.chosen.get("reasoning_content"):
        turn["reasoning_content"] = decision.chosen["reasoning_content"]
    return turn


def _direct(decision: Decision, turn: Turn) -> Turn:
    """The call turn the user's yes led to, made at the question instead (its ids kept)."""
    out = copy.deepcopy(turn)
    out["content"] = None
    return _same_rationale(decision, out)


def skipped_confirmation(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """The write call(s) made right away where a confirm_before rule has the assistant ask first
    (max_arg questions are forbidden_call's)."""
    asked = _asked_by(decision)
    if asked is not None and not any(isinstance(rule, MaxArg) for rule in asked[1]):
        yield _direct(decision, asked[0])


def forbidden_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """The call a rule forbids: the never_call tool a no_call `forbidden` request asks for, with
    the request's values (meta.no_call.call), or a call above a max_arg limit made without asking."""
    record = decision.record
    info = record.meta.get("no_call") if isinstance(record.meta.get("no_call"), dict) else {}
    call = info.get("call")
    if (
        record.category == "no_call"
        and info.get("kind") == "forbidden"
        and isinstance(call, dict)
        and isinstance(call.get("arguments"), dict)
        and not decision.calls
        and decision.index == _first_answer(record)
    ):
        yield _calls_turn(decision, [{"name": call.get("name", ""), "arguments": copy.deepcopy(call["arguments"])}])
    asked = _asked_by(decision)
    if asked is not None and any(isinstance(rule, MaxArg) for rule in asked[1]):
        yield _direct(decision, asked[0])


def _first_answer(record: Conversation) -> int | None:
    return next((i for i, message in enumerate(record.messages) if message.role == "assistant"), None)


def _calls_turn(decision: Decision, calls: list[dict[str, Any]]) -> Turn:
    """A turn of `calls` in place of the decision's (fresh call ids where it had none), with its rationale."""
    return _same_rationale(decision, _with_calls(decision, calls))


# --- guessed ids -------------------------------------------------------------------------------

LOOKUP = re.compile(r"^(?:search|list|find|lookup|browse|query|get|fetch|track|check|show|view)(?:_|$)")  # reads
ID_LIKE = re.compile(
    r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$"
)  # RST-34844, msg_3zP9w7LA1bQ2, ORD-2026-118


def guess_id(value: str, rng: random.Random) -> str:
    """Another id in `value`'s format: its leading letters kept ("RST-", "msg_"), every other
    digit and letter redrawn in its own class (RST-34844 -> RST-48213)."""
    head = re.match(r"^[A-Za-z]+[-_]", value)
    keep = head.end() if head else 0
    drawn = []
    for char in value[keep:]:
        if char.isdigit():
            drawn.append(rng.choice("0123456789"))
        elif char.isupper():
            drawn.append(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ"))
        elif char.islower():
            drawn.append(rng.choice("abcdefghijkmnopqrstuvwxyz"))
        else:
            drawn.append(char)
    return value[:keep] + "".join(drawn)


def _an_id(argument: Any, value: Any) -> bool:
    """An id a lookup returns: a code with digits (RST-34844), or a named one (garage_door) in an *_id argument."""
    return isinstance(value, str) and bool(
        ID_LIKE.match(value)
        or (isinstance(argument, str) and argument.endswith("id") and re.fullmatch(r"[a-z][a-z0-9_]+", value))
    )


def guessed_id(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """At a lookup (a search, list or get call) whose result a later call takes an id from
    (meta.links), that later call made right away, the id made up in the real ids' format (a named
    id such as garage_door: the schema's example); every other value as the record has it."""
    record, messages = decision.record, decision.record.messages
    if not decision.calls or not all(LOOKUP.match(call["name"]) for call in decision.calls):
        return  # a write's result (a new order's id) is no lookup one could skip
    end = decision.index + 1
    while end < len(messages) and messages[end].role == "tool":
        end += 1
    results = range(decision.index + 1, end)  # this turn's results
    if not results:
        return
    links = [link for link in record.meta.get("links") or [] if isinstance(link, dict)]
    # the next step first: a model that skips the lookup makes the call that was to follow it
    links.sort(key=lambda link: link.get("message") if isinstance(link.get("message"), int) else len(messages))
    seen_text = " ".join(message.content or "" for message in messages)
    firsts = [link.get("message") for link in links if link.get("from_message") in results]
    for link in links:
        target = (link.get("message"), link.get("call"))
        if link.get("from_message") not in results or link.get("message") != firsts[0]:
            continue  # only the turn right after the lookup reads it
        index, number = target
        if not isinstance(index, int) or not isinstance(number, int) or not 0 <= index < len(messages):
            continue
        calls = messages[index].tool_calls or []
        if number >= len(calls) or not isinstance(calls[number].function.arguments, dict):
            continue
        call = calls[number].function
        later = [
            other
            for other in links
            if (other.get("message"), other.get("call")) == target
            and isinstance(other.get("from_message"), int)
            and other["from_message"] > decision.index
        ]  # the values this call reads from results not returned yet: each one is guessed
        values = [call.arguments.get(other.get("argument")) for other in later]
        schema = decision.schema(call.name) or {}
        if not values or not all(_an_id(other.get("argument"), value) for other, value in zip(later, values)):
            continue
        arguments = copy.deepcopy(call.arguments)
        for other, value in zip(later, values):
            spec = _properties(schema).get(other["argument"])
            guesses = (
                [guess_id(value, rng) for _ in range(8)]
                if ID_LIKE.match(value)
                else list((spec or {}).get("examples") or [])  # a named id (garage_door): the schema's example
            )
            guess = next(
                (g for g in guesses if g != value and g not in seen_text and _fits(schema, other["argument"], g)),
                None,
            )
            if guess is None:
                break
            arguments[other["argument"]] = guess
        else:
            yield _calls_turn(decision, [{"name": call.name, "arguments": arguments}])


# --- a call instead of a question, and the reverse ----------------------------------------------


def call_instead_of_ask(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """At a missing_value record's question, the call it leads to with the missing value made up
    (schema-valid, in the value's format): today's date, a week after the other date, the
    schema's example, another enum option."""
    record = decision.record
    info = record.meta.get("no_call") if isinstance(record.meta.get("no_call"), dict) else {}
    missing = info.get("missing")
    if (
        record.category != "no_call"
        or info.get("kind") != "missing_value"
        or not isinstance(missing, str)
        or decision.calls
        or decision.index != _first_answer(record)
    ):
        return
    reference = next(
        (
            ref
            for ref in record.meta.get("reference") or []
            if isinstance(ref, dict) and isinstance(ref.get("message"), int) and ref["message"] > decision.index
        ),
        None,
    )
    calls = (reference or {}).get("calls") or []
    if len(calls) != 1 or not isinstance(calls[0].get("arguments"), dict) or missing not in calls[0]["arguments"]:
        return
    call = calls[0]
    schema = decision.schema(call["name"]) or {}
    real = call["arguments"][missing]
    validator = validator_for(schema)
    for value in invented_values(missing, _properties(schema).get(missing) or {}, call["arguments"], record, rng):
        arguments = {**copy.deepcopy(call["arguments"]), missing: value}
        if value != real and validator.is_valid(arguments):
            yield _calls_turn(decision, [{"name": call["name"], "arguments": arguments}])


def invented_values(
    key: str, spec: dict[str, Any], arguments: dict[str, Any], record: Conversation, rng: random.Random
) -> Iterator[Any]:
    """Values a model fills in for an argument nobody gave, most common first: for an end or start
    an hour (a date-time) or a week (a date) from the call's other end, a date near today, the
    schema's examples and default, another enum option, the minimum; an id in the real value's format."""
    if not isinstance(spec, dict):
        return
    moment = reference_moment(record.meta.get("now"))
    today = moment.date() if moment else None
    real = arguments.get(key)
    fmt = spec.get("format")
    if fmt in ("date", "date-time") and today is not None:
        others = [v for k, v in arguments.items() if k != key and _day(v) is not None]
        ends = re.search(r"(?:^|_)(?:end|to|until|return|check_out|last)(?:_|$)", key)
        starts = re.search(r"(?:^|_)(?:start|from|begin|departure|check_in|first)(?:_|$)", key)
        offset = real[19:] if isinstance(real, str) and len(real) > 19 else "Z"
        if fmt == "date-time" and others and len(others[0]) >= 19 and (ends or starts):
            moment_of = datetime.fromisoformat(others[0][:19])  # a meeting's other end: an hour apart, that morning
            yield (moment_of + timedelta(hours=1 if ends else -1)).isoformat() + offset
            yield f"{others[0][:10]}T09:00:00{offset}"
        days = []
        if others and ends:  # a range's other end: a week apart
            days.append(_day(others[0]) + timedelta(days=7))
        if others and starts:
            days.append(_day(others[0]) - timedelta(days=7))
        days += [today, today + timedelta(days=1)]
        for day in days:
            # a date-time at nine in the morning, in the real value's offset
            yield day.isoformat() if fmt == "date" else f"{day.isoformat()}T09:00:00{offset}"
    for example in spec.get("examples") or []:
        yield example
    if "default" in spec:
        yield spec["default"]
    options = [option for option in spec.get("enum") or [] if option != real]
    yield from rng.sample(options, len(options))
    if spec.get("type") in ("integer", "number") and isinstance(spec.get("minimum"), (int, float)):
        yield spec["minimum"]
    if spec.get("type") == "array":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        for example in items.get("examples") or []:
            yield [example]
    if isinstance(real, str) and ID_LIKE.match(real):
        yield guess_id(real, rng)


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


# grounding kinds of a value the user said (not a result, a default or a common-sense constant),
# the ones a model most plausibly asks about again first
GIVEN_KINDS = ("date", "time", "number", "gazetteer", "synonym", "enum", "alias", "fuzzy", "said", "text")


def asked_given_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """At a request's first call turn, a question for a value the request already gave, worded like
    the pipeline's missing-value questions (prompts/no_call/missing.txt), the argument in words."""
    record, index = decision.record, decision.index
    if not decision.calls or any(message.role == "tool" for message in record.messages[:index]):
        return
    data = record.to_dict()
    data["messages"] = data["messages"][: index + 1]
    kinds = GroundingCheck().kinds(Conversation.model_validate(data))
    prefix = f"messages[{index}].tool_calls["
    given: dict[str, set[str]] = {}
    for path, kind in kinds.items():
        if path.startswith(prefix):
            key = re.split(r"[.\[]", path.split(".function.arguments.", 1)[1], maxsplit=1)[0]
            given.setdefault(key, set()).add(kind)
    # a single value the user gave; its best-ranked kind orders the questions
    keys = [
        key
        for call in decision.calls
        for key in call["arguments"]
        if given.get(key) and given[key] <= set(GIVEN_KINDS) and not isinstance(call["arguments"][key], (dict, list))
    ]
    keys = sorted(dict.fromkeys(keys), key=lambda key: (min(GIVEN_KINDS.index(k) for k in given[key]), rng.random()))
    questions = templates("no_call/missing")["question"]
    for key in keys:
        text = Template(rng.choice(questions)).substitute(missing=name_words(key))
        yield _same_rationale(decision, {"role": "assistant", "content": text})
