"""DPO preference pairs from accepted records: chosen = an accepted assistant turn, rejected = a
typed mistake that the checks catch for exactly its stated reason.

A pair is built at a decision turn i (an assistant turn): the prompt is messages[:i], chosen is
messages[i], rejected a perturbed copy. Both are verified by running the check chain on the record
cut after turn i, with the chosen calls as that turn's reference:
- the chosen cut must pass every check (else turn i is no decision point: no pair);
- the rejected cut must fail with the type's code and no other. A wrong turn always differs from
  the reference, so for types reported by another check the reference check's verdict is not
  counted (`missing_required` is a schema mistake, not also a `wrong_value`).
A perturbation that does not verify is dropped, never relabelled.

Types (PAIR_TYPES): the semantic ones first (schema-valid and grounded, caught only by matching
the reference through filters.match) and then the schema and category mistakes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from filters.base import Check, run_checks
from filters.match import same_value
from filters.schema import validator_for
from pipeline.record import Conversation, message_dict

Turn = dict[str, Any]  # an assistant message as a canonical dict


@dataclass(frozen=True)
class PairType:
    """A named mistake: the code the checks must give, the check that gives it, how to make it."""

    code: str
    check: str
    make: Callable[[Decision, random.Random], Iterator[Turn]]
    semantic: bool = False  # schema-valid and grounded: only the reference match tells it apart
    also: frozenset[str] = frozenset()  # codes the mistake carries by its nature (a call made twice repeats)


@dataclass
class Decision:
    """An accepted record cut at assistant turn `index`, with what perturbations read."""

    record: Conversation
    index: int
    domains: Mapping[str, str] = field(default_factory=dict)

    @property
    def chosen(self) -> Turn:
        return message_dict(self.record.messages[self.index])

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [call["function"] for call in self.chosen.get("tool_calls") or []]

    def schema(self, name: str) -> dict[str, Any] | None:
        return self.record.tool_schemas().get(name)


@dataclass
class Pair:
    """One preference pair, in the TRL conversational shape plus its provenance."""

    id: str
    record_id: str
    category: str
    type: str
    source: str  # perturbed (a typed mistake) or generated (a real rejected candidate)
    code: str
    prompt: list[Turn]
    chosen: list[Turn]
    rejected: list[Turn]
    tools: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The JSONL row: prompt/chosen/rejected/tools (TRL DPO) plus id, type, source, code."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "category": self.category,
            "type": self.type,
            "source": self.source,
            "code": self.code,
            "prompt": self.prompt,
            "chosen": self.chosen,
            "rejected": self.rejected,
            "tools": self.tools,
        }


def _with_calls(decision: Decision, calls: list[dict[str, Any]], content: str | None = None) -> Turn:
    """The chosen turn with other calls (ids reused in order, fresh ones for extra calls)."""
    ids = [call.get("id") for call in decision.chosen.get("tool_calls") or []]
    digits = hashlib.sha256(f"{decision.record.id}-{decision.index}-{len(calls)}".encode()).hexdigest()
    spare = "".join(c for c in digits if c.isalnum())
    turn: Turn = {"role": "assistant", "content": content}
    if decision.chosen.get("reasoning_content"):  # the same rationale: the pair differs in the calls only
        turn["reasoning_content"] = decision.chosen["reasoning_content"]
    if calls:
        turn["tool_calls"] = [
            {
                "id": ids[n] if n < len(ids) and ids[n] else f"x{spare[n * 8 : n * 8 + 8]}",
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for n, call in enumerate(calls)
        ]
    return turn


def _replace(decision: Decision, number: int, name: str, arguments: dict[str, Any]) -> Turn:
    calls = copy.deepcopy(decision.calls)
    calls[number] = {"name": name, "arguments": arguments}
    return _with_calls(decision, calls)


def _properties(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    properties = (schema or {}).get("properties")
    return properties if isinstance(properties, dict) else {}


def _json_type(value: Any) -> str:
    return "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else type(value).__name__


# --- the perturbations: each yields candidate rejected turns, most plausible first -------------


def wrong_function(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call to another offered tool (same domain first), filled with the call's own values: a
    same-named argument keeps its value, a required one takes another of the call's values that
    fits its schema (a sibling tool, the values mapped over: still grounded, still schema-valid)."""
    offered = [tool.function.name for tool in decision.record.tools]
    for number, call in enumerate(decision.calls):
        domain = decision.domains.get(call["name"])
        others = sorted(
            (name for name in offered if name != call["name"]),
            key=lambda name: (decision.domains.get(name) != domain or domain is None, rng.random()),
        )
        for name in others:
            schema = decision.schema(name) or {}
            properties = _properties(schema)
            arguments = {key: value for key, value in call["arguments"].items() if key in properties}
            spare = [value for key, value in call["arguments"].items() if key not in arguments]
            for key in schema.get("required") or []:
                if key in arguments or not isinstance(properties.get(key), dict):
                    continue
                fits = next((value for value in spare if _fits(schema, key, value)), _NONE)
                if fits is not _NONE:
                    arguments[key] = fits
                    spare.remove(fits)
            if all(key in arguments for key in schema.get("required") or []) and validator_for(schema).is_valid(
                arguments
            ):
                yield _replace(decision, number, name, arguments)


_NONE = object()


def _fits(schema: dict[str, Any], key: str, value: Any) -> bool:
    """Whether `value` is a valid `key` argument (other arguments' errors aside)."""
    return not any(
        path == f".{key}" or path.startswith((f".{key}.", f".{key}["))
        for _, path, _ in validator_for(schema).errors({key: value})
    )


def wrong_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Two values swapped (inside a call, or between two calls of one function), or a value the
    conversation gave for the same argument in another turn."""
    calls = decision.calls
    for number, call in enumerate(calls):
        keys = list(call["arguments"])
        for a in range(len(keys)):
            for b in range(a + 1, len(keys)):
                left, right = call["arguments"][keys[a]], call["arguments"][keys[b]]
                if _json_type(left) == _json_type(right) and not same_value(left, right):
                    yield _replace(decision, number, call["name"], {**call["arguments"], keys[a]: right, keys[b]: left})
    for a in range(len(calls)):
        for b in range(a + 1, len(calls)):
            if calls[a]["name"] != calls[b]["name"]:
                continue
            for key in calls[a]["arguments"]:
                left, right = calls[a]["arguments"][key], calls[b]["arguments"].get(key)
                if key in calls[b]["arguments"] and not same_value(left, right):
                    swapped = copy.deepcopy(calls)
                    swapped[a]["arguments"][key], swapped[b]["arguments"][key] = right, left
                    if not all(same_value(x, y) for x, y in zip(swapped, calls)) and swapped != [calls[b], calls[a]]:
                        yield _with_calls(decision, swapped)
    earlier = [
        call.function for message in decision.record.messages[: decision.index] for call in message.tool_calls or []
    ]
    for number, call in enumerate(calls):
        for other in earlier:
            if not isinstance(other.arguments, dict):
                continue
            for key, value in other.arguments.items():
                if (
                    key in call["arguments"]
                    and not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: value})


def invented_value(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A value nobody said: the schema's own example copied in, or a number off by one."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        properties = _properties(schema)
        for key, value in call["arguments"].items():
            spec = properties.get(key) if isinstance(properties.get(key), dict) else {}
            for example in spec.get("examples") or []:
                if (
                    _json_type(example) == _json_type(value)
                    and not same_value(example, value)
                    and _fits(schema, key, example)
                ):
                    yield _replace(decision, number, call["name"], {**call["arguments"], key: example})
            if isinstance(value, (int, float)) and not isinstance(value, bool) and _fits(schema, key, value + 1):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: value + 1})


def wrong_order(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Dependent calls of one turn (an ordered reference) in another order."""
    calls = decision.calls
    if len(calls) >= 2:
        yield _with_calls(decision, list(reversed(calls)))


def missing_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One of the parallel calls left out."""
    calls = decision.calls
    if len(calls) >= 2:
        for number in rng.sample(range(len(calls)), len(calls)):
            yield _with_calls(decision, calls[:number] + calls[number + 1 :])


def extra_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """One call made twice."""
    calls = decision.calls
    for number in range(len(calls)):
        yield _with_calls(decision, calls[: number + 1] + [copy.deepcopy(calls[number])] + calls[number + 1 :])


def missing_required(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A required argument left out."""
    for number, call in enumerate(decision.calls):
        for key in (decision.schema(call["name"]) or {}).get("required") or []:
            if key in call["arguments"]:
                yield _replace(decision, number, call["name"], {k: v for k, v in call["arguments"].items() if k != key})


HALLUCINATED = ("verbose", "confirm", "include_details", "force", "dry_run")


def hallucinated_argument(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An argument the tool does not have (a flag models like to invent)."""
    for number, call in enumerate(decision.calls):
        schema = decision.schema(call["name"]) or {}
        if schema.get("additionalProperties", False) is not False:
            continue
        for key in HALLUCINATED:
            if key not in _properties(schema):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: True})
                break


def wrong_type(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A number or boolean written as a string ("5" for 5)."""
    for number, call in enumerate(decision.calls):
        for key, value in call["arguments"].items():
            if isinstance(value, bool):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: str(value).lower()})
            elif isinstance(value, (int, float)):
                yield _replace(decision, number, call["name"], {**call["arguments"], key: json.dumps(value)})


def enum_violation(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """An enum value in another spelling ("Celsius" for "celsius")."""
    for number, call in enumerate(decision.calls):
        properties = _properties(decision.schema(call["name"]))
        for key, value in call["arguments"].items():
            allowed = (properties.get(key) or {}).get("enum") if isinstance(properties.get(key), dict) else None
            if isinstance(value, str) and allowed:
                for variant in (value.upper(), value.title(), value.lower(), value.replace("_", " ")):
                    if variant not in allowed:
                        yield _replace(decision, number, call["name"], {**call["arguments"], key: variant})
                        break


def call_in_no_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A call where the right answer was words (no tool fits, or a value is missing)."""
    if decision.calls or decision.record.category != "no_call":
        return
    for tool in decision.record.tools:
        if not tool.function.parameters.get("required"):
            yield _with_calls(decision, [{"name": tool.function.name, "arguments": {}}])


def ignored_result(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """A linked argument (meta.links) given a value said earlier instead of the one the result returned."""
    earlier = [
        call.function.arguments
        for message in decision.record.messages[: decision.index]
        for call in message.tool_calls or []
        if isinstance(call.function.arguments, dict)
    ]
    for link in decision.record.meta.get("links") or []:
        if not isinstance(link, dict) or link.get("message") != decision.index or not isinstance(link.get("call"), int):
            continue
        calls = decision.calls
        if link["call"] >= len(calls) or link.get("argument") not in calls[link["call"]]["arguments"]:
            continue
        call, key = calls[link["call"]], link["argument"]
        schema = decision.schema(call["name"]) or {}
        for arguments in earlier:
            for value in arguments.values():
                if (
                    not same_value(value, call["arguments"][key])
                    and _json_type(value) == _json_type(call["arguments"][key])
                    and _fits(schema, key, value)
                ):
                    yield _replace(decision, link["call"], call["name"], {**call["arguments"], key: value})


PROMISES = (
    "Sure, I'll look into that for you.",
    "Let me check that and get back to you.",
    "I can help with that. One moment.",
)


def prose_instead_of_call(decision: Decision, rng: random.Random) -> Iterator[Turn]:
    """Words where a call was right: the assistant promises to look and calls nothing."""
    if decision.calls:
        yield {"role": "assistant", "content": rng.choice(PROMISES)}


PAIR_TYPES: dict[str, PairType] = {
    "wrong_function": PairType("wrong_function", "reference", wrong_function, semantic=True),
    "wrong_value": PairType("wrong_value", "reference", wrong_value, semantic=True),
    "wrong_order": PairType("wrong_order", "reference", wrong_order, semantic=True),
    "invented_value": PairType("ungrounded_value", "grounding", invented_value),
    "ignored_result": PairType("unused_tool_result", "grounding", ignored_result, also=frozenset({"repeated_call"})),
    "missing_call": PairType("wrong_call_count", "reference", missing_call),
    "extra_call": PairType("wrong_call_count", "reference", extra_call, also=frozenset({"repeated_call"})),
    "missing_required": PairType("missing_required", "schema", missing_required),
    "hallucinated_argument": PairType("unexpected_argument", "schema", hallucinated_argument),
    "wrong_type": PairType("wrong_type", "schema", wrong_type),
    "enum_violation": PairType("enum_violation", "schema", enum_violation),
    "call_in_no_call": PairType("call_in_no_call", "category", call_in_no_call),
    "prose_instead_of_call": PairType("no_call_when_needed", "category", prose_instead_of_call),
}
DEFAULT_MIX = {
    "wrong_function": 3,
    "wrong_value": 3,
    "wrong_order": 1,
    "invented_value": 1,
    "ignored_result": 1,
    "missing_call": 1,
    "extra_call": 1,
    "missing_required": 1,
    "hallucinated_argument": 1,
    "wrong_type": 1,
    "enum_violation": 1,
    "call_in_no_call": 1,
    "prose_instead_of_call": 1,
}


# --- verification ------------------------------------------------------------------------------


def cut(
    record: Conversation, index: int, turn: Turn, ordered: bool | None = None, reference: Turn | None = None
) -> Conversation:
    """The record up to turn `index`, with `turn` in its place as the last message and the chosen
    calls (or `reference`'s) as that turn's reference; meta entries that point past the cut are dropped."""
    meta = copy.deepcopy(record.meta)
    references = [
        ref for ref in meta.get("reference") or [] if isinstance(ref, dict) and ref.get("message", index) < index
    ]
    previous = next(
        (ref for ref in meta.get("reference") or [] if isinstance(ref, dict) and ref.get("message") == index), None
    )
    chosen = [
        call["function"]
        for call in (reference if reference is not None else message_dict(record.messages[index])).get("tool_calls")
        or []
    ]
    if chosen:
        was_ordered = bool(previous.get("ordered")) if previous else False
        references.append(
            {
                "message": index,
                "calls": [{"name": c["name"], "arguments": c["arguments"]} for c in chosen],
                "ordered": was_ordered if ordered is None else ordered,
            }
        )
    meta["reference"] = references
    meta["links"] = [
        link for link in meta.get("links") or [] if isinstance(link, dict) and link.get("message", index) <= index
    ]
    data = record.to_dict()
    data["messages"] = data["messages"][:index] + [turn]
    data["meta"] = meta
    return Conversation.model_validate(data)


def verdict(pair_type: PairType, issues: Iterable[Any]) -> set[str]:
    """The codes that count for `pair_type` (the reference check's only for reference types; not
    the codes its mistake carries by nature: a call made twice is also a repeated_call)."""
    return {
        issue.code
        for issue in issues
        if (pair_type.check == "reference" or issue.check != "reference") and issue.code not in pair_type.also
    }


def decisions(record: Conversation, domains: Mapping[str, str] | None = None) -> Iterator[Decision]:
    """Every assistant turn that decides something: each call turn, and a no_call record's first answer."""
    answers = [index for index, message in enumerate(record.messages) if message.role == "assistant"]
    for index in answers:
        if record.messages[index].tool_calls or (record.category == "no_call" and index == answers[0]):
            yield Decision(record, index, domains or {})


def pairs_for(
    record: Conversation,
    checks: list[Check],
    mix: Mapping[str, float] | None = None,
    domains: Mapping[str, str] | None = None,
    per_record: int = 2,
    seed: int = 0,
) -> list[Pair]:
    """Up to `per_record` verified pairs for one accepted record, at most one per type: semantic
    types first, each group in an order drawn by the `mix` weights."""
    rng = random.Random(f"{seed}-{record.id}")
    points = [d for d in decisions(record, domains) if not run_checks(cut(record, d.index, d.chosen), checks)]
    out: list[Pair] = []
    for name in _weighted_order(DEFAULT_MIX if mix is None else mix, rng):
        if len(out) >= per_record or not points:
            break
        pair_type = PAIR_TYPES[name]
        for decision in rng.sample(points, len(points)):
            rejected = _first_verified(pair_type, decision, checks, rng)
            if rejected is not None:
                out.append(_pair(record, decision, name, pair_type.code, rejected))
                break
    return out


def _weighted_order(mix: Mapping[str, float], rng: random.Random) -> list[str]:
    """Type names, semantic ones first; within each group heavier types tend to come first."""
    unknown = [name for name in mix if name not in PAIR_TYPES]
    if unknown:
        raise ValueError(f"unknown pair type(s): {', '.join(unknown)} (known: {', '.join(PAIR_TYPES)})")
    keyed = [
        (PAIR_TYPES[name].semantic, rng.random() ** (1.0 / weight), name) for name, weight in mix.items() if weight > 0
    ]
    return [name for _, _, name in sorted(keyed, reverse=True)]


def _first_verified(pair_type: PairType, decision: Decision, checks: list[Check], rng: random.Random) -> Turn | None:
    for number, turn in enumerate(pair_type.make(decision, rng)):
        if number >= 12:
            return None
        if turn == decision.chosen:
            continue
        issues = run_checks(cut(decision.record, decision.index, turn), checks)
        if verdict(pair_type, issues) == {pair_type.code}:
            return turn
    return None


def _pair(
    record: Conversation,
    decision: Decision,
    name: str,
    code: str,
    rejected: Turn,
    chosen: Turn | None = None,
    source: str = "perturbed",
) -> Pair:
    data = record.to_dict()
    digest = hashlib.sha256(
        json.dumps([record.id, decision.index, name, rejected], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    return Pair(
        digest,
        record.id,
        record.category,
        name,
        source,
        code,
        data["messages"][: decision.index],
        [chosen if chosen is not None else decision.chosen],
        [rejected],
        data["tools"],
    )


def build_pairs(
    records: Iterable[Conversation],
    checks: list[Check],
    mix: Mapping[str, float] | None = None,
    domains: Mapping[str, str] | None = None,
    per_record: int = 2,
    seed: int = 0,
    semantic_share: float = 0.6,
    rejected: Iterable[dict[str, Any]] = (),
) -> list[Pair]:
    """Verified pairs for every accepted record, in record order, then the real-failure pairs: the
    accepted records' rejected siblings (meta.alternatives), then the `rejected` candidates'. When
    fewer than `semantic_share` of them are semantic (schema-valid, grounded, caught only by the
    reference), the last non-semantic ones are dropped until the share holds (perturbed ones before
    real failures): fewer pairs, never easier ones."""
    records = list(records)
    pairs = [pair for record in records for pair in pairs_for(record, checks, mix, domains, per_record, seed)]
    pairs += [pair for record in records for pair in sibling_pairs(record, checks)]
    pairs += generated_pairs(rejected, checks)
    semantic = sum(map(is_semantic, pairs))
    allowed = (
        len(pairs) - semantic if semantic_share <= 0 else int(semantic * (1 - semantic_share) / semantic_share + 1e-9)
    )
    # real failures are the scarcest: drop the perturbed non-semantic pairs first, the last ones first
    others = sorted(
        (i for i, pair in enumerate(pairs) if not is_semantic(pair)), key=lambda i: (pairs[i].source != "generated", i)
    )
    dropped = set(others[allowed:])
    return [pair for i, pair in enumerate(pairs) if i not in dropped]


def is_semantic(pair: Pair) -> bool:
    """A schema-valid, grounded mistake that only the reference tells apart (by type, or for a
    generated pair by its code)."""
    return pair.code in SEMANTIC_CODES if pair.source == "generated" else PAIR_TYPES[pair.type].semantic


# --- real failures -----------------------------------------------------------------------------

SEMANTIC_CODES = {pair_type.code for pair_type in PAIR_TYPES.values() if pair_type.semantic}
ASSISTANT_CODES = SEMANTIC_CODES | {
    "wrong_call_count",
    "missing_required",
    "unexpected_argument",
    "wrong_type",
    "enum_violation",
    "constraint_violation",
    "unknown_function",
    "ungrounded_value",
    "unused_tool_result",
    "call_in_no_call",
    "no_call_when_needed",
}


def sibling_pairs(record: Conversation, checks: list[Check]) -> list[Pair]:
    """Pairs of an accepted turn with its rejected sibling: another solve of the same request
    (meta.alternatives) that the checks reject for assistant-side codes only."""
    out = []
    for alternative in record.meta.get("alternatives") or []:
        index = alternative.get("message") if isinstance(alternative, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(record.messages) or not record.messages[index].tool_calls:
            continue
        decision = Decision(record, index)
        rejected = _with_calls(
            decision,
            [{"name": c.get("name", ""), "arguments": c.get("arguments", {})} for c in alternative.get("calls") or []],
        )
        found = [issue.code for issue in run_checks(cut(record, index, rejected), checks)]
        if found and set(found) <= ASSISTANT_CODES and not run_checks(cut(record, index, decision.chosen), checks):
            code = found[0] if len(set(found)) == 1 else "+".join(sorted(set(found)))
            out.append(_pair(record, decision, code, code, rejected, source="generated"))
    return out


def generated_pairs(rejected: Iterable[dict[str, Any]], checks: list[Check]) -> list[Pair]:
    """Pairs from real failures: a rejected blueprint candidate whose assistant turn missed its
    reference calls (the solver's own mistake) against the reference calls in the same place.
    Kept only when the rejected cut fails with assistant-side codes alone (never duplicate,
    too_short, language: the request itself must be sound) and the chosen cut passes every check."""
    out = []
    for entry in rejected:
        codes = set((entry.get("meta") or {}).get("codes") or [])
        if not codes or not codes <= ASSISTANT_CODES or not entry.get("messages"):
            continue
        try:
            record = Conversation.model_validate(entry)
        except ValueError:
            continue
        for ref in record.meta.get("reference") or []:
            index = ref.get("message") if isinstance(ref, dict) else None
            if (
                not isinstance(index, int)
                or not 0 <= index < len(record.messages)
                or record.messages[index].role != "assistant"
            ):
                continue
            decision = Decision(record, index)
            chosen = _with_calls(
                decision, [{"name": c["name"], "arguments": c.get("arguments", {})} for c in ref.get("calls") or []]
            )
            if chosen.get("tool_calls") == decision.chosen.get("tool_calls"):
                continue
            reference_cut = cut(record, index, chosen, reference=chosen)
            if run_checks(reference_cut, checks):
                continue
            issues = run_checks(cut(record, index, decision.chosen, reference=chosen), checks)
            found = [issue.code for issue in issues]
            if found and set(found) <= ASSISTANT_CODES:
                # named by its first code; semantic only when that is the one and only code
                code = found[0] if len(set(found)) == 1 else "+".join(sorted(set(found)))
                out.append(_pair(record, decision, code, code, decision.chosen, chosen=chosen, source="generated"))
    return out


def pair_counts(pairs: list[Pair]) -> dict[str, Any]:
    """The manifest's and card's pair summary: counts per type, category and source, and the semantic share."""
    semantic = sum(map(is_semantic, pairs))
    count = lambda key: dict(sorted(Counter(getattr(pair, key) for pair in pairs).items()))  # noqa: E731
    return {
        "total": len(pairs),
        "by_type": count("type"),
        "by_category": count("category"),
        "by_source": count("source"),
        "semantic_share": round(semantic / len(pairs), 3) if pairs else None,
    }
