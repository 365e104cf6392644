"""pipeline.generate.single: helpers of the single-call generator."""

from __future__ import annotations

import json

import pytest

from pipeline.generate.common import unstated_arguments
from pipeline.generate.single import literal_examples
from pipeline.seeds import load_examples
from tests.fake_openai import asked_keys, echo_teacher
from tests.generate.helpers import run_category


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


def _vague_first(fake):
    """The fake teacher, but its first phrasing of each planned call states none of its values."""
    seen: set[str] = set()

    def responder(body):
        shown = body["messages"][-1]["content"]
        if asked_keys(body) == {"request"} and shown not in seen:
            seen.add(shown)
            return json.dumps({"request": "Could you help me with something for the weekend?"})
        return echo_teacher(body)

    fake.responder = responder
    return seen


@pytest.mark.parametrize("tries", [1, 2])
def test_a_request_the_phrasing_gate_rejects_is_phrased_again(fake, tmp_path, tries):
    seen = _vague_first(fake)
    result = run_category(fake, tmp_path / "run", "single", "blueprint", n=4, phrase_tries=tries, max_candidates=8)
    assert seen
    if tries == 1:
        assert not result["accepted"] and result["codes"]["ungrounded_value"] == 8
    else:
        assert result["code"] == 0 and "ungrounded_value" not in result["codes"], result["codes"]
        assert all("weekend" not in r["messages"][-2]["content"] for r in result["accepted"])
