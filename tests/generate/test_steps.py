"""pipeline.generate.steps: free mode drafts its scenario (who, when, what) before the request."""

from __future__ import annotations

import json

import pytest

from tests.fake_openai import asked_keys, echo_teacher
from tests.generate.helpers import run_category

DRAFT = {"who", "when", "what"}


@pytest.mark.parametrize("category", ["single", "parallel", "nested", "multi_turn", "no_call"])
def test_free_mode_writes_the_request_from_a_drafted_scenario(fake, tmp_path, category):
    result = run_category(fake, tmp_path / "run", category, "free", n=2)
    assert result["accepted"]
    drafts = [body for body in fake.requests if asked_keys(body) == DRAFT]
    assert drafts and all("Today is" in body["messages"][0]["content"] for body in drafts)
    for record in result["accepted"]:
        scenario = record["meta"]["scenario"]
        assert set(scenario["draft"]) == DRAFT and scenario["persona"] and scenario["now"] == record["meta"]["now"]
        assert scenario["persona"]["about"] in scenario["draft"]["who"]  # the draft is about the task's user
        line = f"What: {scenario['draft']['what']}"  # and the writing prompt carries it
        written = [b for b in fake.requests if line in b["messages"][0]["content"] and asked_keys(b) != DRAFT]
        assert written, line


def test_blueprint_mode_drafts_nothing(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "single", "blueprint", n=2)
    assert result["accepted"] and not any(asked_keys(body) == DRAFT for body in fake.requests)
    assert all("draft" not in record["meta"]["scenario"] for record in result["accepted"])


def test_an_unreadable_draft_fails_the_task_with_its_raw_answer(fake, tmp_path):
    fake.corrupt = lambda number, body, content: (
        json.dumps({"who": "", "when": "today"}) if asked_keys(body) == DRAFT else content
    )
    result = run_category(fake, tmp_path / "run", "single", "free", n=1, max_candidates=2)
    assert not result["accepted"] and result["rejected"]
    for entry in result["rejected"]:
        assert entry["meta"]["codes"] == ["unparseable_output"]
        assert "no who, when and what" in entry["meta"]["issues"][0]["message"]
        assert json.loads(entry["meta"]["raw"]["draft"])["when"] == "today"
    assert not any("Write it for this situation" in b["messages"][0]["content"] for b in fake.requests)


def _bare_value_first(fake):
    """The fake teacher, but its first reply to each conversation is a bare number."""
    seen: set[str] = set()

    def responder(body):
        text = echo_teacher(body)
        shown = body["messages"][-1]["content"]
        if asked_keys(body) == {"reply"} and shown not in seen:
            seen.add(shown)
            return json.dumps({"reply": "164.0"})
        return text

    fake.responder = responder
    return seen


@pytest.mark.parametrize("category", ["nested", "multi_turn", "no_call"])
def test_a_reply_the_answer_checks_fault_is_asked_again(fake, tmp_path, category):
    seen = _bare_value_first(fake)
    result = run_category(fake, tmp_path / "run", category, "blueprint", n=4, reply_tries=2)
    assert result["code"] == 0 and seen, result["codes"]
    assert "non_answer" not in result["codes"]
    for record in result["accepted"]:
        assert not [m for m in record["messages"] if m["role"] == "assistant" and m["content"] == "164.0"]
    again = [
        body for body in fake.requests if asked_keys(body) == {"reply"} and body["messages"][-1]["content"] in seen
    ]
    assert len({body["seed"] for body in again}) > len(seen)  # a second ask, under another seed


def test_with_one_try_a_faulted_reply_is_the_candidate_s_end(fake, tmp_path):
    _bare_value_first(fake)
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=2, reply_tries=1, max_candidates=4)
    assert result["codes"]["non_answer"] and not result["accepted"], result["codes"]
