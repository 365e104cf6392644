"""pipeline.generate.parallel against the fake teacher: yield, order-free matching, a missing call."""

from __future__ import annotations

import json

import pytest

from tests.fake_openai import asked_keys
from tests.generate.helpers import run_category, yield_of


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_good_teacher_yields_at_least_90_percent(fake, tmp_path, mode):
    result = run_category(fake, tmp_path / "run", "parallel", mode, n=12)
    assert result["code"] == 0 and len(result["accepted"]) == 12
    assert yield_of(result) >= 0.9, result["codes"]
    shapes = set()
    for record in result["accepted"]:
        turns = [m for m in record["messages"] if m["role"] == "assistant" and m.get("tool_calls")]
        assert len(turns) == 1 and len(turns[0]["tool_calls"]) >= 2
        names = [call["function"]["name"] for call in turns[0]["tool_calls"]]
        shapes.add("same" if len(set(names)) == 1 else "different")
        if mode == "blueprint":
            assert len(record["meta"]["reference"][0]["calls"]) == len(names)
    assert shapes == {"same", "different"}  # "Nvidia and Apple" and two different tools both occur


def test_per_call_phrasing_joins_one_message(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "parallel", "blueprint", n=8, parallel_phrasing="per_call")
    assert result["code"] == 0 and yield_of(result) >= 0.9, result["codes"]
    assert not any(asked_keys(body) == {"parts"} for body in fake.requests)  # the parts are the phrased sentences
    for record in result["accepted"]:
        request = next(m["content"] for m in record["messages"] if m["role"] == "user")
        assert request.count("Please do exactly this for me") == len(record["meta"]["reference"][0]["calls"])


def test_calls_in_another_order_still_match(fake, tmp_path):
    def reverse(number, body, content):
        if asked_keys(body) == {"parts"}:
            return json.dumps({"parts": json.loads(content)["parts"][::-1]})
        return content

    fake.corrupt = reverse
    result = run_category(fake, tmp_path / "run", "parallel", "blueprint", n=6)
    assert result["code"] == 0 and yield_of(result) >= 0.9, result["codes"]


def test_a_missing_call_is_rejected(fake, tmp_path):
    def drop_last(number, body, content):
        if asked_keys(body) == {"parts"} and number % 2:
            return json.dumps({"parts": json.loads(content)["parts"][:-1]})
        return content

    fake.corrupt = drop_last
    result = run_category(fake, tmp_path / "run", "parallel", "blueprint", n=6)
    assert result["codes"]["wrong_call_count"] >= 1
    for entry in result["rejected"]:
        assert entry["meta"]["codes"] == ["wrong_call_count"]
        assert len(entry["messages"][-1]["tool_calls"]) < len(entry["meta"]["reference"][0]["calls"])


def test_free_mode_with_one_call_is_rejected(fake, tmp_path):
    def one_call(number, body, content):
        if asked_keys(body) == {"request", "calls"}:
            answer = json.loads(content)
            return json.dumps({**answer, "calls": answer["calls"][:1]})
        return content

    fake.corrupt = one_call
    result = run_category(fake, tmp_path / "run", "parallel", "free", n=2, max_candidates=4)
    assert result["accepted"] == [] and result["codes"] == {"wrong_call_count": 4}
