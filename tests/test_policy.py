"""pipeline.policy: rules drawn for a tool set, rendered as a system prompt, and the confirmation turns."""

from __future__ import annotations

import random

import pytest

from filters.policy import policy_issues
from pipeline.policy import (
    confirmation_turns,
    draw_rules,
    is_acceptance,
    is_confirmation_question,
    is_decline,
    needs_confirmation,
    prompt_version,
    render_rules,
    rule_from_dict,
    templates,
)
from pipeline.record import Conversation
from pipeline.seeds import load_tools

TOOLS = load_tools()
BY_NAME = {tool.name: tool for tool in TOOLS}
DOMAINS = sorted({tool.domain for tool in TOOLS})


def _domain(name):
    return [tool for tool in TOOLS if tool.domain == name]


def test_draw_rules_is_deterministic_and_valid():
    for seed in range(20):
        tools = random.Random(seed).sample(TOOLS, 6)
        first = draw_rules(tools, random.Random(seed), 4)
        assert first == draw_rules(tools, random.Random(seed), 4)
        assert len(first) <= 4
        for rule in first:
            rule_from_dict(rule)


def test_draw_rules_are_relevant_to_the_tools():
    kinds = set()
    for domain in DOMAINS:
        tools = _domain(domain)
        names = {tool.name for tool in tools}
        for seed in range(10):
            rules = draw_rules(tools, random.Random(seed), 5)
            kinds |= {rule["type"] for rule in rules}
            for rule in rules:
                mentioned = rule.get("tools") or [rule["tool"]] + ([rule["before"]] if "before" in rule else [])
                assert set(mentioned) <= names
                if rule["type"] == "confirm_before":
                    assert not any(BY_NAME[name].read_only for name in rule["tools"])
                    assert rules[0] is rule  # first, when present
                if rule["type"] == "max_arg":
                    schema = BY_NAME[rule["tool"]].parameters["properties"][rule["argument"]]
                    assert (
                        schema["type"] in ("number", "integer")
                        and schema.get("minimum", 0) < rule["max"] < schema["maximum"]
                    )
                if rule["type"] == "never_call":
                    assert not BY_NAME[rule["tool"]].read_only
                    assert all(
                        rule["tool"] not in (other.get("tools") or [other.get("tool"), other.get("before")])
                        for other in rules
                        if other is not rule
                    )
                if rule["type"] == "requires_before":
                    assert (
                        BY_NAME[rule["before"]].read_only
                        and BY_NAME[rule["before"]].domain == BY_NAME[rule["tool"]].domain
                    )
    assert kinds == {"confirm_before", "max_arg", "never_call", "requires_before"}


def test_draw_rules_examples_on_the_seeds():
    seen = set()
    for seed in range(30):
        for rule in draw_rules(TOOLS, random.Random(seed), 8):
            seen.add(tuple(sorted((key, str(value)) for key, value in rule.items() if key != "max")))
    assert (("before", "search_flights"), ("tool", "book_flight"), ("type", "requires_before")) in seen
    assert (("before", "search_restaurants"), ("tool", "reserve_table"), ("type", "requires_before")) in seen
    assert (("argument", "total_amount"), ("tool", "place_order"), ("type", "max_arg")) in seen
    assert all(
        ("tool", "get_current_weather") not in rule for rule in seen
    )  # read-only tools are never the acting side


def test_draw_rules_edge_cases():
    reads = [tool for tool in TOOLS if tool.read_only][:5]
    assert all(rule["type"] != "confirm_before" for rule in draw_rules(reads, random.Random(0), 4))
    assert draw_rules(TOOLS, random.Random(0), 0) == []
    assert len(draw_rules(TOOLS, random.Random(0), 1)) == 1
    targets = {tool.name for tool in _domain("ecommerce") if not tool.read_only} - {"request_return"}
    for seed in range(10):
        never = [
            r["tool"]
            for r in draw_rules(_domain("ecommerce"), random.Random(seed), 4, targets=targets)
            if r["type"] == "never_call"
        ]
        assert set(never) <= {"request_return"}


def test_render_rules():
    rules = [
        {"type": "confirm_before", "tools": ["place_order", "cancel_order"]},
        {"type": "max_arg", "tool": "transfer_money", "argument": "amount", "max": 500.0},
        {"type": "never_call", "tool": "delete_event"},
        {"type": "requires_before", "tool": "book_flight", "before": "search_flights"},
    ]
    text = render_rules(rules, random.Random(3))
    lines = text.splitlines()
    assert len(lines) == 5 and lines[0] in templates("system/complex")["intro"]
    assert "place_order or cancel_order" in lines[1]
    assert "transfer_money" in lines[2] and "amount" in lines[2] and "500" in lines[2] and "500.0" not in lines[2]
    assert "delete_event" in lines[3] and "book_flight" in lines[4] and "search_flights" in lines[4]
    assert "$" not in text.replace("$500", "")
    assert text == render_rules(rules, random.Random(3))
    phrasings = {render_rules(rules, random.Random(seed)) for seed in range(20)}
    assert len(phrasings) > 3
    with pytest.raises(ValueError):
        render_rules([{"type": "never_call"}], random.Random(0))


def test_every_template_renders():
    complex_ = templates("system/complex")
    assert set(complex_) == {"intro", "confirm_before", "max_arg", "never_call", "requires_before"}
    assert all(len(phrasings) >= 3 for phrasings in complex_.values())
    confirm = templates("system/confirm")
    assert set(confirm) == {"question", "accept", "decline"} and all(len(p) >= 3 for p in confirm.values())
    assert len(prompt_version()) == 12


def test_needs_confirmation_with_drawn_rules():
    rules = [
        {"type": "confirm_before", "tools": ["cancel_order"]},
        {"type": "max_arg", "tool": "place_order", "argument": "total_amount", "max": 500},
    ]
    assert needs_confirmation(rules, {"name": "cancel_order", "arguments": {"order_id": "A1"}})
    assert needs_confirmation(rules, {"name": "place_order", "arguments": {"total_amount": 620}})
    assert not needs_confirmation(rules, {"name": "place_order", "arguments": {"total_amount": 120}})
    assert not needs_confirmation(rules, {"name": "track_order", "arguments": {}})


def test_confirmation_turns_satisfy_the_heuristics():
    call = {"name": "place_order", "arguments": {"items": [{"sku": "TAB-10032", "quantity": 2}], "total_amount": 620.5}}
    questions = set()
    for seed in range(40):
        question, accept, decline = confirmation_turns([call], random.Random(seed))
        questions.add(question)
        assert question.endswith("?") and is_confirmation_question(question)
        assert ("place order" in question or "place_order" in question) and "620.5" in question
        assert is_acceptance(accept) and not is_decline(accept)
        assert is_decline(decline) and not is_acceptance(decline)
        assert "place_order" not in accept + decline
    assert len(questions) >= 3
    assert confirmation_turns([call], random.Random(1)) == confirmation_turns([call], random.Random(1))
    assert is_confirmation_question(confirmation_turns([{"name": "lock_door", "arguments": {}}], random.Random(0))[0])


def test_generated_pattern_passes_the_filter():
    rules = [{"type": "confirm_before", "tools": ["place_order"]}]
    call = {"name": "place_order", "arguments": {"total_amount": 620.5}}
    for seed in range(10):
        question, accept, decline = confirmation_turns([call], random.Random(seed))
        opening = [
            {"role": "system", "content": render_rules(rules, random.Random(seed))},
            {"role": "user", "content": "Order two tablets for 620.50 in total."},
            {"role": "assistant", "content": question},
        ]
        made = [
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": "aB3dE5gH7", "type": "function", "function": call}],
            }
        ]
        for answer, expected in ((accept, []), (decline, ["policy_violation"])):
            record = Conversation.model_validate(
                {
                    "id": "r",
                    "messages": opening + [{"role": "user", "content": answer}] + made,
                    "meta": {"policy": rules},
                }
            )
            assert [issue.code for issue in policy_issues(record)] == expected


def test_a_confirmation_says_values_in_words_never_json_iso_or_function_names():
    call = {
        "name": "book_flight",
        "arguments": {
            "passengers": [{"first_name": "Ana", "date_of_birth": "1985-03-02"}],
            "departure": "2026-06-17T10:30:00Z",
            "cabin_class": "premium_economy",
            "insurance": True,
            "seat": None,
            "return_date": "2026-06-24",
        },
    }
    said = {"return_date": "next Wednesday"}  # the request's words for a value
    for seed in range(12):
        question, _, _ = confirmation_turns([call], random.Random(seed), [said])
        assert not any(mark in question for mark in ("{", "[", "book_flight", "T10", "_", "null", "true", "seat"))
        assert "first name Ana, date of birth March 2, 1985" in question and "June 17, 2026 at 10:30" in question
        assert "premium economy" in question and "insurance yes" in question and "next Wednesday" in question
        assert is_confirmation_question(question)


def test_one_templated_question_names_every_write_of_a_parallel_turn():
    calls = [
        {"name": "send_message", "arguments": {"recipient": "Ana Ruiz", "text": "Running late"}},
        {"name": "send_message", "arguments": {"recipient": "Ben Cole", "text": "Running late"}},
        {"name": "create_event", "arguments": {"title": "Dinner", "start": "2026-06-17T19:00:00Z"}},
    ]
    rules = [{"type": "confirm_before", "tools": ["send_message", "create_event"]}]
    for seed in range(10):
        question, accept, _ = confirmation_turns(calls, random.Random(seed))
        assert question.count("send message") == 2 and "create event" in question and "Ben Cole" in question
        record = Conversation.model_validate(
            {
                "id": "r",
                "messages": [
                    {"role": "user", "content": "Tell Ana Ruiz and Ben Cole I'm running late, and add Dinner."},
                    {"role": "assistant", "content": question},
                    {"role": "user", "content": accept},
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": f"aB3dE5gH{i}", "type": "function", "function": call} for i, call in enumerate(calls)
                        ],
                    },
                ],
                "meta": {"policy": rules},
            }
        )
        assert policy_issues(record) == []


def test_a_templated_confirmation_names_the_action_and_quotes_a_sentence_value():
    call = {"name": "send_message", "arguments": {"recipient": "Ryan Bennett", "text": "Rent is due, can you pay?"}}
    for seed in range(12):
        question, _, _ = confirmation_turns([call], random.Random(seed), None, ["send a message to a contact"])
        assert "send a message to a contact (recipient Ryan Bennett, " in question
        assert 'text "Rent is due, can you pay?")' in question and ")?" not in question
        assert is_confirmation_question(question)
