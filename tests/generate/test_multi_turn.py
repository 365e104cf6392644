"""pipeline.generate.multi_turn against the fake teacher: turn counts, follow-ups, confirmations."""

from __future__ import annotations

import json

import pytest

from filters.policy import is_acceptance, is_confirmation_question, is_decline, needs_confirmation
from tests.fake_openai import asked_keys
from tests.generate.helpers import run_category, yield_of


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_good_teacher_yields_at_least_90_percent(fake, tmp_path, mode):
    result = run_category(fake, tmp_path / "run", "multi_turn", mode, n=10, turns=(3, 6))
    assert result["code"] == 0 and len(result["accepted"]) == 10
    assert yield_of(result) >= 0.9, result["codes"]
    kinds = set()
    for record in result["accepted"]:
        messages = record["messages"]
        users = [m for m in messages if m["role"] == "user"]
        planned = record["meta"]["turns"]
        kinds |= {turn["kind"] for turn in planned}
        confirmations = sum(
            1
            for i, m in enumerate(messages[1:], 1)
            if m["role"] == "user"
            and (is_acceptance(m["content"]) or is_decline(m["content"]))
            and messages[i - 1]["role"] == "assistant"
            and is_confirmation_question(messages[i - 1]["content"] or "")
        )
        assert 3 <= len(users) - confirmations <= 6 and len(planned) == len(users) - confirmations
        assert messages[-1]["role"] == "assistant" and messages[-1]["content"]
        assert len(record["meta"]["tool_results"]) == sum(m["role"] == "tool" for m in messages)
        if mode == "blueprint":  # a call turn the user declined has no call to compare
            declined = sum(
                1
                for i, m in enumerate(messages)
                if m["role"] == "user"
                and is_decline(m["content"])
                and messages[i - 1]["role"] == "assistant"
                and is_confirmation_question(messages[i - 1]["content"] or "")
            )
            assert len(record["meta"]["reference"]) == sum(turn["kind"] != "chat" for turn in planned) - declined
    assert kinds == {"chat", "call", "followup"}


def test_a_follow_up_takes_its_other_values_from_the_earlier_turn(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "multi_turn", "blueprint", n=8, turns=(4, 6))
    followed = 0
    for record in result["accepted"]:
        calls = [m["tool_calls"][0]["function"] for m in record["messages"] if m.get("tool_calls")]
        turns = [turn for turn in record["meta"]["turns"] if turn["kind"] != "chat"]
        if len(calls) != len(turns):  # a declined confirmation leaves a turn without its call
            continue
        for number, turn in enumerate(turns):
            if turn["kind"] == "followup":
                before, now = calls[number - 1], calls[number]
                assert before["name"] == now["name"]
                same = {k: v for k, v in now["arguments"].items() if k not in turn["changed"]}
                assert same == {k: v for k, v in before["arguments"].items() if k not in turn["changed"]}
                followed += 1
    assert followed >= 2


def test_a_follow_up_solved_without_the_earlier_values_is_rejected(fake, tmp_path):
    def forget(number, body, content):
        if (
            asked_keys(body) == {"arguments"}
            and "same as before, but" in body["messages"][-1]["content"].rsplit("Request:", 1)[-1]
        ):
            key, value = next(iter(json.loads(content)["arguments"].items()))
            return json.dumps({"arguments": {key: value}})
        return content

    fake.corrupt = forget
    result = run_category(fake, tmp_path / "run", "multi_turn", "blueprint", n=4, max_candidates=10, turns=(4, 6))
    spoiled = [entry for entry in result["rejected"] if "followup" in json.dumps(entry["meta"].get("turns"))]
    assert spoiled and all(set(entry["meta"]["codes"]) & {"wrong_value", "missing_required"} for entry in spoiled)


def test_rules_in_the_system_prompt_are_obeyed(fake, tmp_path):
    result = run_category(
        fake, tmp_path / "run", "multi_turn", "blueprint", n=12, system_prompt_rate=1.0, complex_prompt_rate=1.0
    )
    assert result["code"] == 0 and "policy_violation" not in result["codes"]
    declined = sum(
        1
        for record in result["accepted"]
        for i, m in enumerate(record["messages"])
        if m["role"] == "user"
        and is_decline(m["content"])
        and is_confirmation_question(record["messages"][i - 1]["content"] or "")
    )
    assert declined >= 1  # some confirmations are declined, and no call follows them (policy_violation otherwise)
    confirmed = 0
    for record in result["accepted"]:
        rules = record["meta"].get("policy") or []
        assert record["meta"]["system_prompt"] == ("complex" if rules else "simple")
        messages = record["messages"]
        for index, message in enumerate(messages):
            for call in message.get("tool_calls") or []:
                if needs_confirmation(
                    rules, {"name": call["function"]["name"], "arguments": call["function"]["arguments"]}
                ):
                    assert is_acceptance(messages[index - 1]["content"]) and is_confirmation_question(
                        messages[index - 2]["content"]
                    )
                    confirmed += 1
    assert confirmed >= 1
