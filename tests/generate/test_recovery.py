"""pipeline.generate.recovery: a tool error in a multi_turn lookup, and what follows it."""

from __future__ import annotations

import json

import pytest

from tests.generate.helpers import run_category


def _after_error(record, entry):
    """The messages after the planned error result of `entry` (meta.recovery)."""
    return record["messages"][entry["message"] + 1 :]


@pytest.mark.parametrize(
    "kinds",
    [{"rate_limited": 1, "unavailable": 1}, {"not_found": 1, "invalid_argument": 1}],
    ids=["transient", "stale"],
)
def test_each_error_is_followed_by_what_a_careful_assistant_does(fake, tmp_path, kinds):
    plan = {"recovery_rate": 1.0, "recovery_kinds": kinds}
    result = run_category(fake, tmp_path / "run", "multi_turn", "blueprint", n=16, plan=plan)
    assert result["code"] == 0 and len(result["accepted"]) == 16, result["codes"]
    seen = set()
    for record in result["accepted"]:
        for entry in record["meta"].get("recovery", []):
            seen.add(entry["kind"])
            error = record["messages"][entry["message"]]
            assert error["role"] == "tool" and json.loads(error["content"])["error"]["code"] == entry["kind"]
            tool_index = [m["role"] for m in record["messages"]][: entry["message"] + 1].count("tool") - 1
            assert record["meta"]["tool_results"][tool_index] == "error"
            failed = record["messages"][entry["message"] - 1]["tool_calls"][0]["function"]
            after = _after_error(record, entry)
            if entry["kind"] == "rate_limited":  # the same call again, then an answer from its result
                assert entry["then"] == "retry" and after[0]["tool_calls"][0]["function"] == failed
                assert after[1]["role"] == "tool" and "error" not in json.loads(after[1]["content"])
            elif entry["kind"] == "unavailable":  # words, no call, no made-up result
                assert entry["then"] == "explain" and after[0]["role"] == "assistant" and not after[0].get("tool_calls")
            else:  # ask, the user corrects the value, the corrected call follows
                assert entry["then"] == "ask" and "?" in after[0]["content"] and after[1]["role"] == "user"
                fixed = after[2]["tool_calls"][0]["function"]
                assert fixed["name"] == failed["name"] and fixed["arguments"] != failed["arguments"]
                key = json.loads(record["messages"][entry["message"]]["content"])["error"]["argument"]
                assert fixed["arguments"][key] in after[1]["content"]
    assert seen == set(kinds) if "rate_limited" in kinds else seen  # an identifier to get wrong is rarer


def test_no_recovery_when_the_rate_is_zero(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "multi_turn", "blueprint", n=6, plan={"recovery_rate": 0.0})
    assert not any(r["meta"].get("recovery") for r in result["accepted"])
    assert "error" not in {p for r in result["accepted"] for p in r["meta"]["tool_results"]}


def test_a_chain_step_that_errs_is_retried_or_ends_the_chain(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=12, plan={"recovery_rate": 1.0})
    assert result["code"] == 0 and len(result["accepted"]) == 12, result["codes"]
    kinds = set()
    for record in result["accepted"]:
        (entry,) = record["meta"]["recovery"]
        kinds.add(entry["kind"])
        after = _after_error(record, entry)
        if entry["kind"] == "rate_limited":  # the same lookup again; the chain reads the retry's result
            failed = record["messages"][entry["message"] - 1]["tool_calls"][0]["function"]
            assert after[0]["tool_calls"][0]["function"] == failed
            retry = entry["message"] + 1
            assert all(link["from_message"] != entry["message"] for link in record["meta"]["links"])
            assert any(link["from_message"] == retry + 1 for link in record["meta"]["links"]) or not any(
                link["from_message"] > retry for link in record["meta"]["links"]
            )
        else:  # the last step failed: words, no further call
            assert after == [record["messages"][-1]] and not after[0].get("tool_calls") and after[0]["content"]
    assert kinds == {"rate_limited", "unavailable"}
