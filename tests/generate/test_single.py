"""pipeline.generate.single: helpers of the single-call generator."""

from __future__ import annotations

from pipeline.generate.common import unstated_arguments
from pipeline.generate.single import literal_examples
from pipeline.seeds import load_examples


def test_literal_examples_keep_only_requests_that_state_every_value():
    examples = [
        {"request": "Weather in Lyon for 3 days", "call": {"name": "w", "arguments": {"city": "Lyon", "days": 3}}},
        {"request": "Weather in Lyon for three days", "call": {"name": "w", "arguments": {"city": "Lyon", "days": 3}}},
        {"request": "What's Nvidia at?", "call": {"name": "p", "arguments": {"ticker": "NVDA"}}},
        {"request": "Unread count, with muted chats", "call": {"name": "u", "arguments": {"include_muted": True}}},
    ]
    assert literal_examples(examples) == [examples[0], examples[3]]


def test_bundled_seeds_have_literal_examples_for_most_domains():
    examples = load_examples("single")
    literal = literal_examples(examples)
    assert len(literal) >= 40
    assert all(not unstated_arguments(e["call"]["arguments"], e["request"]) for e in literal)
