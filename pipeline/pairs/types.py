"""The pair types: name -> (code the checks must give, the check that gives it, the perturbation),
and the default mix."""

from __future__ import annotations

from pipeline.pairs import asking, perturb, values
from pipeline.pairs.base import PairType

PAIR_TYPES: dict[str, PairType] = {
    "wrong_function": PairType("wrong_function", "reference", perturb.wrong_function, semantic=True),
    # a value changed away from the option the user named also leaves that option unmet
    "wrong_value": PairType(
        "wrong_value", "reference", perturb.wrong_value, semantic=True, also=frozenset({"unmet_request"})
    ),
    "wrong_order": PairType("wrong_order", "reference", perturb.wrong_order, semantic=True),
    "invented_value": PairType("ungrounded_value", "grounding", perturb.invented_value),
    "ignored_result": PairType(
        "unused_tool_result", "grounding", perturb.ignored_result, also=frozenset({"repeated_call"})
    ),
    "missing_call": PairType("wrong_call_count", "reference", perturb.missing_call),
    "extra_call": PairType("wrong_call_count", "reference", perturb.extra_call, also=frozenset({"repeated_call"})),
    "missing_required": PairType("missing_required", "schema", perturb.missing_required),
    "hallucinated_argument": PairType("unexpected_argument", "schema", perturb.hallucinated_argument),
    "wrong_type": PairType("wrong_type", "schema", perturb.wrong_type),
    "enum_violation": PairType("enum_violation", "schema", perturb.enum_violation),
    "call_in_no_call": PairType("call_in_no_call", "category", perturb.call_in_no_call),
    "prose_instead_of_call": PairType("no_call_when_needed", "category", perturb.prose_instead_of_call),
    # value mistakes (pipeline.pairs.values); each code is what the checks give for that slip
    "wrong_date": PairType("wrong_value", "reference", values.wrong_date, semantic=True),
    "unmeant_date": PairType("ungrounded_value", "grounding", values.wrong_date),
    "wrong_year": PairType("implausible_date", "plausibility", values.wrong_year),
    "wrong_unit": PairType(
        "wrong_value", "reference", values.wrong_unit, semantic=True, also=frozenset({"unmet_request"})
    ),
    "unmeant_unit": PairType("ungrounded_value", "grounding", values.wrong_unit),
    "wrong_alias": PairType("wrong_value", "reference", values.wrong_alias, semantic=True),
    "partial_parallel": PairType("wrong_function", "reference", values.partial_parallel, semantic=True),
    "partial_parallel_repeat": PairType(
        "wrong_value", "reference", values.repeated_item, also=frozenset({"repeated_call"})
    ),
    # an answer quoting a returned number of the right kind, for the wrong item: grounded and
    # type-plausible, told apart only by the attribution rule (the answer turn's reference)
    "misread_result": PairType("inconsistent_answer", "category", values.misread_result, semantic=True),
    # asking mistakes (pipeline.pairs.asking): when to ask, when to refuse, when to look up first
    "skipped_confirmation": PairType("policy_violation", "category", asking.skipped_confirmation, semantic=True),
    # a forbidden call in a no_call record is also a call there
    "forbidden_call": PairType(
        "policy_violation", "category", asking.forbidden_call, semantic=True, also=frozenset({"call_in_no_call"})
    ),
    "guessed_id": PairType("ungrounded_value", "grounding", asking.guessed_id),
    # the made-up value is by nature not stated
    "call_instead_of_ask": PairType(
        "call_in_no_call", "category", asking.call_instead_of_ask, also=frozenset({"ungrounded_value"})
    ),
    "asked_given_value": PairType("no_call_when_needed", "category", asking.asked_given_value),
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
    "wrong_date": 2,
    "unmeant_date": 1,
    "wrong_year": 3,
    "wrong_unit": 3,
    "unmeant_unit": 3,
    "wrong_alias": 3,
    "partial_parallel": 8,
    "partial_parallel_repeat": 3,
    "misread_result": 3,
    "skipped_confirmation": 1,
    "forbidden_call": 1,
    "guessed_id": 10,
    "call_instead_of_ask": 1,
    "asked_given_value": 1,
}
