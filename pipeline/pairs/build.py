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

from filters.base import Check, decoded, run_checks
from filters.category import TRANSIENT_ERRORS
from filters.match import canonical_calls
from filters.policy import is_acceptance, is_confirmation_question
from filters.schema import validator_for
from pipeline.pairs.asking import confirmed_turn
from pipeline.pairs.base import Decision, Pair, PairType, Turn, _with_calls
from pipeline.pairs.kinds import implausible
from pipeline.pairs.types import DEFAULT_MIX, PAIR_TYPES
from pipeline.record import Conversation, message_dict


def cut(
    record: Conversation, index: int, turn: Turn, ordered: bool | None = None, reference: Turn | None = None
) -> Conversation:
    """The record up to turn `index`, with `turn` in its place as the last message and the chosen
    calls (or `reference`'s) as that turn's reference; meta entries that point past the cut are
    dropped. An explicit `reference` without calls is a reference too: words were right, a call
    there is a wrong_call_count (a student calling where the accepted turn answered)."""
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
    if chosen or reference is not None:
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
    """Every assistant turn that decides something: each call turn but one right after the user's
    yes to a confirmation question (it repeats what the question spelled out: `after_confirmation`),
    each confirmation question (meta.confirmations), a no_call record's first answer, and each
    answer that reads tool results (the turn after a tool message)."""
    answers = [index for index, message in enumerate(record.messages) if message.role == "assistant"]
    asked = {entry.get("message") for entry in record.meta.get("confirmations") or [] if isinstance(entry, dict)}
    for index in answers:
        if record.messages[index].tool_calls:
            if not after_confirmation(record, index):
                yield Decision(record, index, domains or {})
        elif index in asked or (record.category == "no_call" and index == answers[0]) or _reads_results(record, index):
            yield Decision(record, index, domains or {})


def after_confirmation(record: Conversation, index: int) -> bool:
    """Whether turn `index` follows the user's yes to a confirmation question (meta.confirmations,
    or an assistant yes/no question answered yes): its prompt ends in an acknowledgement and the
    turn only repeats the call the question spelled out, so it decides nothing."""
    messages = record.messages
    if index < 2 or messages[index - 1].role != "user":
        return False
    asked = any(
        isinstance(entry, dict) and entry.get("message") == index - 2 and entry.get("accepted", True)
        for entry in record.meta.get("confirmations") or []
    )
    question = messages[index - 2]
    return asked or (
        question.role == "assistant"
        and not question.tool_calls
        and is_confirmation_question(question.content)
        and is_acceptance(messages[index - 1].content)
    )


def chosen_cut(record: Conversation, index: int) -> Conversation:
    """The cut a decision's own turn is checked on: the record up to turn `index`; for a
    confirmation question the user's yes and the call turn it leads to as well (a single or
    parallel sample that stops at the question has no call yet)."""
    following = confirmed_turn(record, index)
    if following is not None:
        return cut(record, index + 2, following)
    return cut(record, index, message_dict(record.messages[index]))


def _reads_results(record: Conversation, index: int) -> bool:
    """An answer that reads tool results: an assistant text turn right after a tool message."""
    message = record.messages[index]
    return bool(message.content) and index > 0 and record.messages[index - 1].role == "tool"


def pairs_for(
    record: Conversation,
    checks: list[Check],
    mix: Mapping[str, float] | None = None,
    domains: Mapping[str, str] | None = None,
    per_record: int = 2,
    seed: int = 0,
) -> list[Pair]:
    """Up to `per_record` verified pairs for one accepted record, at most one per type: semantic
    types first, each group in an order drawn by the `mix` weights; each pair at a turn no earlier
    pair of the record is at when one fits, else at any turn (a missing-value record gives its
    question's pair and its call's, not two of the call)."""
    rng = random.Random(f"{seed}-{record.id}")
    points = [d for d in decisions(record, domains) if not run_checks(chosen_cut(record, d.index), checks)]
    out: list[Pair] = []
    used: set[int] = set()
    order = _weighted_order(DEFAULT_MIX if mix is None else mix, rng)
    for fresh in (True, False):
        for name in order:
            if len(out) >= per_record or not points:
                return out
            if any(pair.type == name for pair in out):
                continue
            pair_type = PAIR_TYPES[name]
            for decision in rng.sample(points, len(points)):
                if (decision.index in used) == fresh:  # the first round only unused turns, the second only used ones
                    continue
                rejected = _first_verified(pair_type, decision, checks, rng)
                if rejected is not None:
                    out.append(_pair(record, decision, name, pair_type.code, rejected))
                    used.add(decision.index)
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
    fewer than `semantic_share` of them are semantic (`is_semantic`), non-semantic ones are dropped
    until the share holds: perturbed ones before real failures, the most common types' first
    (`_keep_order`): fewer pairs, never easier ones."""
    records = list(records)
    pairs = [pair for record in records for pair in pairs_for(record, checks, mix, domains, per_record, seed)]
    pairs += [pair for record in records for pair in sibling_pairs(record, checks)]
    pairs += generated_pairs(rejected, checks)
    semantic = sum(map(is_semantic, pairs))
    allowed = (
        len(pairs) - semantic if semantic_share <= 0 else int(semantic * (1 - semantic_share) / semantic_share + 1e-9)
    )
    kept = set(_keep_order([i for i, pair in enumerate(pairs) if not is_semantic(pair)], pairs)[:allowed])
    return [pair for i, pair in enumerate(pairs) if is_semantic(pair) or i in kept]


def _keep_order(others: list[int], pairs: list[Pair]) -> list[int]:
    """The non-semantic pairs (indexes) in the order they are kept: real failures (the scarcest)
    first, then the perturbed ones a type at a time, round robin (each type's n-th pair before
    any type's n+1-th), each type's pairs in the order of their ids (a hash: spread over the
    records, never the run's last category first). A cut of this order keeps the rare types whole
    and trims the common ones evenly."""
    generated = [i for i in others if pairs[i].source == "generated"]
    by_type: dict[str, list[int]] = {}
    for i in sorted((i for i in others if pairs[i].source != "generated"), key=lambda i: pairs[i].id):
        by_type.setdefault(pairs[i].type, []).append(i)
    ranked = sorted(
        (rank, len(members), name, i) for name, members in by_type.items() for rank, i in enumerate(members)
    )
    return generated + [i for *_, i in ranked]


REFERENCE_CODES = {"wrong_function", "wrong_value", "wrong_order", "wrong_call_count"}
ANSWER_CODES = {"inconsistent_answer"}  # a text answer quoting returned values of the wrong item or field
SEMANTIC_DECISION_CODES = REFERENCE_CODES | ANSWER_CODES | {"policy_violation", "wrong_selection"}


def _error_code(content: Any) -> Any:
    value = decoded(content) if isinstance(content, str) else None
    error = value.get("error") if isinstance(value, dict) else None
    return error.get("code") if isinstance(error, dict) else error


def is_semantic(pair: Pair) -> bool:
    """A plausible mistake, computed from the pair: its one code is a decision code (the reference's,
    a system-prompt rule's, a wrong selection from a result, an answer misreading a result; verified
    pairs fail with nothing else, so the rejected turn is schema-valid and grounded), and every
    rejected call is schema-valid, type-plausible (each value fits its parameter's kind,
    pipeline.pairs.kinds: no date as a drug name, no dose as a medication) and made once (a call
    repeated within the turn or from the call turn before, unless that one failed transiently, is
    the category check's repeated_call). Only a misread answer may have no call."""
    calls = [call.get("function") or {} for call in pair.rejected[0].get("tool_calls") or []]
    if pair.code not in SEMANTIC_DECISION_CODES or not (calls or pair.code in ANSWER_CODES):
        return False
    schemas = {tool["function"]["name"]: tool["function"].get("parameters") or {} for tool in pair.tools}
    previous = next((turn.get("tool_calls") for turn in reversed(pair.prompt) if turn.get("tool_calls")), None)
    failed = {  # a call whose result was a transient error may be made again (a retry)
        turn.get("tool_call_id")
        for turn in pair.prompt
        if turn.get("role") == "tool" and _error_code(turn.get("content")) in TRANSIENT_ERRORS
    }
    seen = {canonical_calls([call["function"]], schemas) for call in previous or [] if call.get("id") not in failed}
    for call in calls:
        name, arguments = call.get("name"), call.get("arguments")
        schema = schemas.get(name)
        if schema is None or not isinstance(arguments, dict) or not validator_for(schema).is_valid(arguments):
            return False
        if implausible(name, schema, arguments):
            return False
        key = canonical_calls([call], schemas)
        if key in seen:
            return False
        seen.add(key)
    return True


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
                or after_confirmation(record, index)
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
    """The manifest's and card's pair summary: counts per type, category and source, each type's
    pairs per source and category (`by_type_source_category`: type -> source -> category -> n),
    and the semantic share, overall and per category."""
    semantic = sum(map(is_semantic, pairs))
    count = lambda key: dict(sorted(Counter(getattr(pair, key) for pair in pairs).items()))  # noqa: E731
    nested: dict[str, dict[str, dict[str, int]]] = {}
    for (kind, source, category), n in sorted(Counter((p.type, p.source, p.category) for p in pairs).items()):
        nested.setdefault(kind, {}).setdefault(source, {})[category] = n
    by_category = Counter(pair.category for pair in pairs)
    semantic_by_category = Counter(pair.category for pair in pairs if is_semantic(pair))
    return {
        "total": len(pairs),
        "by_type": count("type"),
        "by_category": count("category"),
        "by_source": count("source"),
        "by_type_source_category": nested,
        "semantic": semantic,
        "semantic_share": round(semantic / len(pairs), 3) if pairs else None,
        "semantic_share_by_category": {
            category: round(semantic_by_category[category] / n, 3) for category, n in sorted(by_category.items())
        },
    }
