"""pipeline.generate.nested against the fake teacher: chains, provenance, an ignored result."""

from __future__ import annotations

import json
import re

import pytest

from filters.chain import values_at
from tests.fake_openai import asked_keys
from tests.generate.helpers import run_category, yield_of


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_good_teacher_yields_at_least_90_percent(fake, tmp_path, mode):
    result = run_category(fake, tmp_path / "run", "nested", mode, n=12)
    assert result["code"] == 0 and len(result["accepted"]) == 12
    assert yield_of(result) >= 0.9, result["codes"]
    provenance = set()
    for record in result["accepted"]:
        messages, meta = record["messages"], record["meta"]
        tools = [m for m in messages if m["role"] == "tool"]
        assert len(meta["tool_results"]) == len(tools) >= 2
        assert all("provenance" not in m and "source" not in m for m in tools)  # provenance lives in meta only
        provenance |= set(meta["tool_results"])
        assert meta["links"], "every chain records the links it follows"
        for link in meta["links"]:  # replay: the linked argument is a value the earlier result returned
            value = messages[link["message"]]["tool_calls"][link["call"]]["function"]["arguments"][link["argument"]]
            assert value in values_at(json.loads(messages[link["from_message"]]["content"]), link["output"])
        assert messages[-1]["role"] == "assistant" and messages[-1]["content"]
    assert provenance - {"error"} == {
        "executed",
        "simulated",
    }  # executors where there are, the teacher elsewhere (and planned errors)


def test_mocked_results_when_the_config_says_so(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=4, tool_results="mock")
    # a mocked clinic address comes from a pool that ignores the user's city, so a chain that times the
    # trip there from home can be a ground route across an ocean (issue 16, tool results): only that fails
    assert result["code"] == 0 or all(entry["meta"]["codes"] == ["inconsistent_entity"] for entry in result["rejected"])
    assert len(result["accepted"]) >= 3
    assert {p for record in result["accepted"] for p in record["meta"]["tool_results"]} <= {
        "executed",
        "mocked",
        "error",
    }
    assert not any("You simulate the tool" in body["messages"][0]["content"] for body in fake.requests)


def _ignore_the_result(number, body, content):
    """Replace a value taken from an earlier result with a made-up one (the chain's typical mistake)."""
    text = body["messages"][-1]["content"]
    returned = [json.loads(m) for m in re.findall(r"^tool \S+ returned: (.*)$", text, re.MULTILINE)]
    if not returned or asked_keys(body) not in ({"arguments"}, {"call"}):
        return content
    answer = json.loads(content)
    arguments = answer["arguments"] if "arguments" in answer else answer["call"]["arguments"]
    for key, value in arguments.items():
        if isinstance(value, str) and value in text.split("returned:", 1)[1]:
            arguments[key] = value[:-2] + "99" if len(value) > 2 else "99"
        elif (  # a price or an amount read from a result (a limit order at the quoted price)
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and any(value in _numbers(result) for result in returned)
        ):
            arguments[key] = value + 1
    return json.dumps(answer)


def _numbers(value):
    """Every number in a JSON value."""
    if isinstance(value, dict):
        return [n for item in value.values() for n in _numbers(item)]
    if isinstance(value, list):
        return [n for item in value for n in _numbers(item)]
    return [value] if isinstance(value, (int, float)) and not isinstance(value, bool) else []


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_call_that_ignores_the_earlier_result_is_rejected(fake, tmp_path, mode):
    fake.corrupt = _ignore_the_result
    result = run_category(fake, tmp_path / "run", "nested", mode, n=2, max_candidates=6)
    assert result["accepted"] == []
    assert result["codes"]["unused_tool_result"] >= 4, result["codes"]
    for entry in result["rejected"]:
        assert "unused_tool_result" in entry["meta"]["codes"] or entry["meta"]["codes"] == ["constraint_violation"], (
            entry["meta"]["issues"]
        )


def test_per_step_phrasing_writes_one_sentence_a_step(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=8, nested_phrasing="per_step")
    assert result["code"] == 0 and yield_of(result) >= 0.9, result["codes"]
    step_prompts = [body for body in fake.requests if "\n\nNext step:\n" in str(body["messages"][-1]["content"])]
    assert step_prompts and not any(
        "from the result of step" in str(m["content"]) for body in fake.requests for m in body["messages"]
    )  # the chain is never described whole
    for record in result["accepted"]:
        request = next(m["content"] for m in record["messages"] if m["role"] == "user")
        calls = [m for m in record["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
        results = [m for m in record["messages"] if m["role"] == "tool"]
        steps = [m for m in results if '"error"' not in m["content"]]  # a retried step errs once first
        assert request.count("Please do exactly this for me") == len(steps) >= 2
        first = json.dumps(calls[0]["tool_calls"][0]["function"]["arguments"])
        for link in record["meta"]["links"]:  # a value an earlier result gives is never said before it
            value = record["messages"][link["message"]]["tool_calls"][link["call"]]["function"]["arguments"]
            said = str(value[link["argument"]])
            assert said not in request or said in first  # (unless the user said it: "red lentils" returned)


def test_a_step_sentence_that_leaves_out_a_value_is_asked_again(fake, tmp_path):
    seen = set()

    def vague_first(number, body, content):  # the first try of a later step with values says none of them
        asked = str(body["messages"][-1]["content"])
        step = asked.split("\n\nNext step:\n")[-1]
        if "\n\nNext step:\n" in asked and re.search(r"^- .*: (?!not known yet)", step, re.M) and asked not in seen:
            seen.add(asked)
            return json.dumps({"request": "Then do the next thing with it."})
        return content

    fake.corrupt = vague_first
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=6, nested_phrasing="per_step")
    assert result["code"] == 0 and seen
    for record in result["accepted"]:  # asked again, the step said its values
        assert "next thing" not in next(m["content"] for m in record["messages"] if m["role"] == "user")
    for entry in result["rejected"]:  # its values said before, a vague step passes the gate; its solver is lost
        assert set(entry["meta"]["codes"]) & {"wrong_function", "wrong_value"}, entry["meta"]["codes"]


def test_answer_shots_show_an_example_answer_before_the_answer(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=4, answer_shots=1)
    assert result["code"] == 0, result["codes"]
    answers = [
        body for body in fake.requests if asked_keys(body) == {"reply"} and "tool " in body["messages"][-1]["content"]
    ]
    assert answers
    for body in answers:  # system, the example conversation, its answer, then this conversation
        shown = [m for m in body["messages"] if m["role"] == "assistant"]
        assert len(shown) == 1 and json.loads(shown[0]["content"])["reply"]
        assert body["messages"][1]["content"].startswith("user: ") and " returned: " in body["messages"][1]["content"]
