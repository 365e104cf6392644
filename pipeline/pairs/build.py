"""Verification and assembly: cut a record at a decision, run the checks on chosen and rejected,
build the run's pairs (perturbed, siblings, real failures) and count them."""

from __future__ import annotations

import copy
import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from filters.base import Check, run_checks
from pipeline.pairs.base import Decision, Pair, PairType, Turn, _with_calls
from pipeline.pairs.types import DEFAULT_MIX, PAIR_TYPES
from pipeline.record import Conversation, message_dict


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
    generated or student pair by its code)."""
    return PAIR_TYPES[pair.type].semantic if pair.source == "perturbed" else pair.code in SEMANTIC_CODES


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
    (meta.alternatives, pipeline.generate.second) that the checks reject for assistant-side codes
    only; at a decision turn (a call turn, or a no_call record's answer in words)."""
    out = []
    points = {decision.index for decision in decisions(record)}
    for alternative in record.meta.get("alternatives") or []:
        index = alternative.get("message") if isinstance(alternative, dict) else None
        if index not in points:
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
