"""pipeline.pairs.asking: each asking mistake's rejected turn fails the checks with exactly its
code and the chosen turn passes; a call turn right after the user's yes to a confirmation
question is no decision (it only repeats the question); the summary counts per type, source and
category."""

from __future__ import annotations

import re

from filters.base import run_checks
from filters.checks import default_checks
from filters.grounding import GroundingOptions
from pipeline.pairs import PAIR_TYPES, Pair, build_pairs, cut, decisions, pair_counts, pairs_for, verdict
from pipeline.pairs.build import _keep_order, after_confirmation, chosen_cut
from pipeline.record import parse_record
from pipeline.seeds import alias_table, load_tools

CATALOG = load_tools()
CHECKS = default_checks(grounding=GroundingOptions(aliases=alias_table(CATALOG)))
ASKING = ("skipped_confirmation", "forbidden_call", "guessed_id", "call_instead_of_ask", "asked_given_value")


def _tool(name):
    return next(tool for tool in CATALOG if tool.name == name).to_tool().model_dump()


def _record(rid, category, tools, messages, meta, now="2026-11-09T23:00:00Z"):
    return parse_record(
        {
            "id": rid,
            "category": category,
            "tools": [_tool(name) for name in tools],
            "messages": messages,
            "meta": {"now": now, **meta},
        }
    )


def _call(call_id, name, arguments):
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _only(record, name):
    """The one pair of type `name` the record gives, checked again from scratch."""
    pairs = pairs_for(record, CHECKS, {name: 1}, per_record=1)
    assert [pair.type for pair in pairs] == [name]
    pair = pairs[0]
    index = len(pair.prompt)
    assert run_checks(chosen_cut(record, index), CHECKS) == []
    issues = run_checks(cut(record, index, pair.rejected[0]), CHECKS)
    assert verdict(PAIR_TYPES[name], issues) == {PAIR_TYPES[name].code}, [(i.code, i.message) for i in issues]
    return pair, issues


APPOINTMENT = {
    "patient": {"full_name": "Harper Williams", "date_of_birth": "1999-02-04"},
    "specialty": "orthopedics",
    "preferred_date": "2026-11-25",
    "reason": "Heel pain in the mornings",
}


def _appointment(reason="rule", policy=True):
    return _record(
        f"single-appointment-{reason}",
        "single",
        ["get_medication_info", "book_doctor_appointment"],
        [
            {"role": "system", "content": "Always ask the user to confirm before calling book_doctor_appointment."},
            {
                "role": "user",
                "content": "Book me an orthopedics appointment on Nov 25 for heel pain in the mornings. "
                "I'm Harper Williams, born February 4, 1999.",
            },
            {
                "role": "assistant",
                "content": "Shall I book an orthopedics appointment for Harper Williams (born February 4, 1999) "
                "on Nov 25 for heel pain in the mornings?",
            },
            {"role": "user", "content": "Yes, please go ahead."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("QW4GM5X0C", "book_doctor_appointment", APPOINTMENT)],
            },
        ],
        {
            "reference": [{"message": 4, "calls": [{"name": "book_doctor_appointment", "arguments": APPOINTMENT}]}],
            **({"policy": [{"type": "confirm_before", "tools": ["book_doctor_appointment"]}]} if policy else {}),
            "confirmations": [{"message": 2, "reason": reason, "calls": ["book_doctor_appointment"], "accepted": True}],
        },
    )


def test_skipped_confirmation_makes_the_write_call_where_the_rule_asks_first():
    record = _appointment()
    pair, issues = _only(record, "skipped_confirmation")
    assert len(pair.prompt) == 2 and pair.chosen[0]["content"].startswith("Shall I book")
    assert [c["function"] for c in pair.rejected[0]["tool_calls"]] == [
        {"name": "book_doctor_appointment", "arguments": APPOINTMENT}
    ]
    assert {issue.code for issue in issues} >= {"policy_violation"}
    # the question alone ends a single sample without a call: checked with the yes and the call
    assert {i.code for i in run_checks(cut(record, 2, pair.chosen[0]), CHECKS)} == {"no_call_when_needed"}


def test_a_confirmation_no_rule_requires_gives_no_skipped_confirmation_pair():
    # a careful system prompt's line is no meta.policy rule: the checks cannot see it skipped
    record = _appointment(reason="irreversible", policy=False)
    assert pairs_for(record, CHECKS, {"skipped_confirmation": 1}) == []


def test_no_pair_at_the_call_turn_after_the_users_yes():
    record = _appointment()
    assert [d.index for d in decisions(record)] == [2]
    assert after_confirmation(record, 4)
    pairs = pairs_for(record, CHECKS, dict.fromkeys(PAIR_TYPES, 1), per_record=20)
    assert pairs and all(len(pair.prompt) == 2 for pair in pairs)
    # without meta.confirmations the question and the yes are read from the turns
    data = record.to_dict()
    data["meta"].pop("confirmations")
    bare = parse_record(data)
    assert after_confirmation(bare, 4)
    assert [d.index for d in decisions(bare)] == []  # nor is the question, without the meta naming its call
    assert pairs_for(bare, CHECKS, dict.fromkeys(PAIR_TYPES, 1), per_record=20) == []


ORDER = {
    "items": [{"sku": "WAT-90746", "quantity": 1}],
    "shipping_address": {
        "recipient_name": "Daniel Bennett",
        "street": "Cerrito 628",
        "city": "Buenos Aires",
        "postal_code": "C1010",
        "country_code": "AR",
    },
    "payment_method": "gift_card",
    "total_amount": 23.0,
}
ORDER_REQUEST = (
    "Please order 1 of sku WAT-90746 to Daniel Bennett, Cerrito 628, Buenos Aires C1010, AR; pay $23 with my gift card."
)


def test_forbidden_call_calls_the_tool_a_never_call_rule_forbids():
    record = _record(
        "no_call-forbidden",
        "no_call",
        ["search_products", "place_order"],
        [
            {"role": "system", "content": "You are not allowed to use place_order, even if the user asks for it."},
            {"role": "user", "content": ORDER_REQUEST},
            {"role": "assistant", "content": "Sorry, I can't place orders here, but I can search products for you."},
        ],
        {
            "policy": [{"type": "never_call", "tool": "place_order", "exercised": True}],
            "no_call": {
                "kind": "forbidden",
                "forbidden": "place_order",
                "call": {"name": "place_order", "arguments": ORDER},
            },
        },
    )
    pair, issues = _only(record, "forbidden_call")
    assert [c["function"] for c in pair.rejected[0]["tool_calls"]] == [{"name": "place_order", "arguments": ORDER}]
    assert {issue.code for issue in issues} == {"policy_violation", "call_in_no_call"}  # a call in no_call by nature


def test_forbidden_call_makes_an_over_limit_call_without_asking_and_skipped_confirmation_leaves_it():
    over = {**ORDER, "total_amount": 150.0}
    record = _record(
        "single-max-arg",
        "single",
        ["search_products", "place_order"],
        [
            {"role": "system", "content": "If total_amount would exceed 100 in place_order, ask the user first."},
            {"role": "user", "content": ORDER_REQUEST.replace("$23", "$150")},
            {
                "role": "assistant",
                "content": "Do you want me to order WAT-90746 for Daniel Bennett at $150? Shall I proceed?",
            },
            {"role": "user", "content": "Yes, that's right."},
            {"role": "assistant", "content": None, "tool_calls": [_call("WFkHpcbdo", "place_order", over)]},
        ],
        {
            "reference": [{"message": 4, "calls": [{"name": "place_order", "arguments": over}]}],
            "policy": [
                {"type": "max_arg", "tool": "place_order", "argument": "total_amount", "max": 100, "exercised": True}
            ],
            "confirmations": [{"message": 2, "reason": "rule", "calls": ["place_order"], "accepted": True}],
        },
        now="2025-12-25T05:50:00Z",
    )
    pair, _ = _only(record, "forbidden_call")
    assert pair.rejected[0]["tool_calls"][0]["function"]["arguments"]["total_amount"] == 150.0
    assert pairs_for(record, CHECKS, {"skipped_confirmation": 1}) == []


PRODUCTS = (
    '{"products": [{"sku": "ESP-69402", "title": "LG C3 55 inch OLED", "rating": 4.21}, '
    '{"sku": "FRY-30215", "title": "Sony Bravia 55 inch OLED", "rating": 2.29}]}'
)


def test_guessed_id_calls_the_dependent_tool_with_a_made_up_id_in_the_real_format():
    record = _record(
        "nested-guessed",
        "nested",
        ["search_products", "get_product_details"],
        [
            {
                "role": "user",
                "content": "Find a 55 inch oled tv in electronics and show me the best-rated one's details.",
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    _call("adg619zH1", "search_products", {"query": "55 inch oled tv", "category": "electronics"})
                ],
            },
            {"role": "tool", "tool_call_id": "adg619zH1", "name": "search_products", "content": PRODUCTS},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("0nLERcL3y", "get_product_details", {"sku": "ESP-69402"})],
            },
        ],
        {
            "links": [
                {
                    "message": 3,
                    "call": 0,
                    "argument": "sku",
                    "from_message": 2,
                    "output": "products[*].sku",
                    "items": "products[*]",
                    "value": "sku",
                    "select": {"rule": "highest_rated", "field": "rating"},
                }
            ]
        },
        now="2026-02-09T05:35:00Z",
    )
    pair, _ = _only(record, "guessed_id")
    assert len(pair.prompt) == 1  # at the search, before any result
    (call,) = [c["function"] for c in pair.rejected[0]["tool_calls"]]
    assert call["name"] == "get_product_details"
    assert re.fullmatch(r"ESP-\d{5}", call["arguments"]["sku"]) and call["arguments"]["sku"] not in PRODUCTS


def test_call_instead_of_ask_fills_the_missing_value_in_and_the_checks_say_call_in_no_call():
    record = _record(
        "no_call-missing",
        "no_call",
        ["get_stock_price", "get_stock_history"],
        [
            {"role": "user", "content": "Show me Visa's stock history from 7 December."},
            {"role": "assistant", "content": "Happy to help with that. Which end date should I use?"},
            {"role": "user", "content": "It is today."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    _call(
                        "d5gsklXfi",
                        "get_stock_history",
                        {"ticker": "V", "start_date": "2025-12-07", "end_date": "2025-12-19"},
                    )
                ],
            },
        ],
        {
            "reference": [
                {
                    "message": 3,
                    "calls": [
                        {
                            "name": "get_stock_history",
                            "arguments": {"ticker": "V", "start_date": "2025-12-07", "end_date": "2025-12-19"},
                        }
                    ],
                }
            ],
            "no_call": {"kind": "missing_value", "missing": "end_date"},
        },
        now="2025-12-19T08:50:00Z",
    )
    pair, issues = _only(record, "call_instead_of_ask")
    assert len(pair.prompt) == 1
    (call,) = [c["function"] for c in pair.rejected[0]["tool_calls"]]
    assert call["arguments"] == {"ticker": "V", "start_date": "2025-12-07", "end_date": "2025-12-14"}  # a week on
    # the made-up date is also unstated: the type carries that code by nature, its own is call_in_no_call
    assert {issue.code for issue in issues} == {"call_in_no_call", "ungrounded_value"}


def test_asked_given_value_asks_for_a_value_the_request_gave_in_plain_words():
    record = _record(
        "single-given",
        "single",
        ["get_weather_alerts", "get_air_quality"],
        [
            {"role": "user", "content": "What's the so2 level in Manila right now?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [_call("XtUmFWOhN", "get_air_quality", {"location": "Manila", "pollutants": ["so2"]})],
            },
        ],
        {
            "reference": [
                {
                    "message": 1,
                    "calls": [{"name": "get_air_quality", "arguments": {"location": "Manila", "pollutants": ["so2"]}}],
                }
            ]
        },
        now="2026-10-10T22:35:00Z",
    )
    pair, issues = _only(record, "asked_given_value")
    question = pair.rejected[0]["content"]
    assert "location" in question and question.endswith("?") and "_" not in question
    assert "tool_calls" not in pair.rejected[0]
    # the reference check's own verdict (no call where one was expected) is not counted for this type
    assert {issue.code for issue in issues if issue.check != "reference"} == {"no_call_when_needed"}


def test_the_summary_counts_each_type_per_source_and_category():
    record = _appointment()
    pairs = pairs_for(record, CHECKS, {"skipped_confirmation": 1, "prose_instead_of_call": 1}, per_record=2)
    counts = pair_counts(pairs)
    assert counts["by_type_source_category"]["skipped_confirmation"] == {"perturbed": {"single": 1}}
    assert counts["total"] == sum(
        n for sources in counts["by_type_source_category"].values() for cats in sources.values() for n in cats.values()
    )
    # a skipped confirmation is schema-valid and grounded: only the rule tells it apart
    assert counts["semantic"] == 1
    assert counts["semantic_share_by_category"] == {"single": round(1 / counts["total"], 3)}


def _pair(n, kind, source="perturbed"):
    return Pair(f"{n:04x}", f"r{n}", "single", kind, source, kind, [], [], [], [])


def test_the_semantic_share_drops_the_most_common_types_first_and_keeps_real_failures():
    pairs = [_pair(n, "missing_required") for n in range(6)] + [_pair(10 + n, "forbidden_call") for n in range(2)]
    pairs.append(_pair(20, "missing_required+wrong_type", source="generated"))
    order = _keep_order(list(range(len(pairs))), pairs)
    assert order[0] == 8  # the real failure first
    kept = {pairs[i].type for i in order[:3]}
    assert kept == {"missing_required", "forbidden_call", "missing_required+wrong_type"}
    assert [pairs[i].type for i in order[:5]].count("forbidden_call") == 2  # the rare type whole


def test_every_asking_type_is_registered_after_the_original_ones():
    names = list(PAIR_TYPES)
    assert names[-len(ASKING) :] == list(ASKING)
    assert build_pairs([_appointment()], CHECKS, {"skipped_confirmation": 1}, semantic_share=0)


def test_a_rejected_turn_keeps_the_chosen_turns_rationale_whatever_it_does():
    rationale = "The user gave the city and the pollutant; get_air_quality takes both."
    record = _record(
        "single-rationale",
        "single",
        ["get_weather_alerts", "get_air_quality"],
        [
            {"role": "user", "content": "What's the so2 level in Manila right now?"},
            {
                "role": "assistant",
                "content": None,
                "reasoning_content": rationale,
                "tool_calls": [_call("XtUmFWOhN", "get_air_quality", {"location": "Manila", "pollutants": ["so2"]})],
            },
        ],
        {},
        now="2026-10-10T22:35:00Z",
    )
    pair, _ = _only(record, "asked_given_value")
    assert pair.rejected[0]["reasoning_content"] == pair.chosen[0]["reasoning_content"] == rationale
