"""pipeline.generate.confirm against the fake teacher: writes are direct unless a rule (or the
irreversible share) asks first, and then one question names every write of the turn."""

from __future__ import annotations

import json

import pytest

from filters.policy import covers, is_acceptance, is_confirmation_question, needs_confirmation
from pipeline.plan import careful_lines
from pipeline.policy import IRREVERSIBLE, action_phrase
from pipeline.seeds import load_tools
from tests.fake_openai import echo_teacher
from tests.generate.helpers import run_category

READ_ONLY = {tool.name for tool in load_tools() if tool.read_only}


def _write_turns(record):
    """(index, write calls, confirmation meta or None) for each assistant turn with a write."""
    confirmations = {entry["message"]: entry for entry in record["meta"].get("confirmations", [])}
    for index, message in enumerate(record["messages"]):
        calls = [call["function"] for call in message.get("tool_calls") or []]
        writes = [
            {"name": call["name"], "arguments": call["arguments"]} for call in calls if call["name"] not in READ_ONLY
        ]
        if writes:
            yield index, writes, confirmations.get(index - 2)


@pytest.mark.parametrize("templated", [False, True])
def test_a_confirmation_names_every_write_of_its_turn_and_rules_decide_it(fake, tmp_path, templated):
    result = run_category(
        fake,
        tmp_path / "run",
        "parallel",
        "blueprint",
        n=12,
        plan={"system_prompt_rate": 1.0, "complex_prompt_rate": 1.0, "templated_turns": templated},
    )
    assert result["code"] == 0 and len(result["accepted"]) == 12
    asked = 0
    for record in result["accepted"]:
        rules = record["meta"].get("policy") or []
        for index, writes, confirmation in _write_turns(record):
            ruled = any(needs_confirmation(rules, call) for call in writes)
            if ruled:  # a rule asks first: the question names every write, the user said yes
                assert confirmation is not None and confirmation["reason"] == "rule"
                question, answer = (record["messages"][index - k]["content"] for k in (2, 1))
                assert is_confirmation_question(question) and is_acceptance(answer)
                for call in writes:
                    others = [other for other in writes if other is not call]
                    assert covers(question, call, others), (question, call)
                    assert call["name"] not in question and "{" not in question
                assert sorted(confirmation["calls"]) == sorted(call["name"] for call in writes)
                asked += 1
            elif confirmation is None:
                assert record["messages"][index - 1]["role"] == "user"  # called straight after the request
            else:
                assert confirmation["reason"] == "irreversible"
    assert asked >= 3


@pytest.mark.parametrize("share", [0.25, 1.0])
def test_writes_without_a_rule_are_mostly_called_directly(fake, tmp_path, share):
    plan = {"system_prompt_rate": 1.0, "complex_prompt_rate": 0.0, "confirm_irreversible": share}
    result = run_category(fake, tmp_path / "run", "single", "blueprint", n=40, plan=plan)
    careful = careful_lines()
    turns, asked = [], 0
    for record in result["accepted"]:
        system = record["messages"][0]["content"] if record["messages"][0]["role"] == "system" else ""
        cue = any(line in system for line in careful)
        for entry in _write_turns(record):
            turns.append(entry)
            irreversible = any(IRREVERSIBLE.search(call["name"]) for call in entry[1])
            # an unruled write asks first exactly when the system prompt says so and it cannot be undone
            assert (entry[2] is not None) == (cue and irreversible), (system, entry)
            asked += entry[2] is not None
    direct = [entry for entry in turns if entry[2] is None]
    assert len(turns) >= 8 and (len(direct) / len(turns) >= 0.6 if share < 1 else asked >= 3)


def test_confirm_writes_asks_before_every_write(fake, tmp_path):
    result = run_category(
        fake, tmp_path / "run", "single", "blueprint", n=10, plan={"system_prompt_rate": 0.0, "confirm_writes": True}
    )
    turns = [entry for record in result["accepted"] for entry in _write_turns(record)]
    assert turns and all(confirmation is not None for _, _, confirmation in turns)


def test_a_teacher_question_that_leaves_out_a_write_is_rejected(fake, tmp_path):
    def forgetful(body):  # names only the first action of the list
        system = body["messages"][0]["content"]
        if "first ask the user to confirm" in system:
            first = system.split("\n- ", 1)[1].split("\n")[0]
            return json.dumps({"reply": f"Shall I {first}?"})
        return echo_teacher(body)

    fake.responder = forgetful
    result = run_category(
        fake,
        tmp_path / "run",
        "parallel",
        "blueprint",
        n=6,
        plan={"system_prompt_rate": 1.0, "complex_prompt_rate": 1.0, "confirm_writes": True},
        max_candidates=30,
    )
    assert result["codes"]["bad_confirmation"] >= 1


def test_action_phrase_is_short_and_speaks_to_the_user():
    assert (
        action_phrase("Books a table at a restaurant for a date, time and party size.")
        == "book a table at a restaurant"
    )
    assert (
        action_phrase("Adds a task to the user's to-do list, optionally in a project.")
        == "add a task to your to-do list"
    )
    assert (
        action_phrase("Locks or unlocks a smart door lock. Unlocking requires a PIN.")
        == "lock or unlock a smart door lock"
    )
    assert action_phrase("Pushes a notification to a phone.") == "push a notification to a phone"
    assert action_phrase("Marks a task as completed.") == "mark a task as completed"
    assert action_phrase("Books a flight offer returned by search_flights.") == "book a flight offer"
