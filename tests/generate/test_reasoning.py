"""pipeline.generate.reasoning (plan.reasoning): a rationale on each call turn, carried or dropped by exporters."""

from __future__ import annotations

import json

from filters.reasoning import ReasoningCheck
from pipeline.export.exporters import TextOptions, hermes, openai_sft, trl_sft
from pipeline.record import parse_record
from tests.fake_openai import asked_keys, echo_teacher
from tests.generate.helpers import run_category


def test_every_call_turn_carries_a_grounded_rationale_outside_its_content(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "nested", "blueprint", n=4, plan={"reasoning": True})
    assert result["code"] == 0 and len(result["accepted"]) == 4
    for record in result["accepted"]:
        turns = [m for m in record["messages"] if m.get("tool_calls")]
        assert turns and all(m.get("reasoning_content") and m["content"] is None for m in turns)
        assert not any(m.get("reasoning_content") for m in record["messages"] if not m.get("tool_calls"))
        assert record["meta"]["reasoning"]["prompt_version"]
        assert ReasoningCheck()(parse_record(record)) == []
        trl = trl_sft(record, TextOptions())
        assert [m.get("reasoning_content") for m in trl["messages"]] == [
            m.get("reasoning_content") for m in record["messages"]
        ]
        assert not any("reasoning_content" in m for m in openai_sft(record, TextOptions())["messages"])
        plain, thinking = hermes(record, TextOptions()), hermes(record, TextOptions(think=True))
        assert "<think>" not in json.dumps(plain) and json.dumps(thinking).count("<think>") == len(turns)
    pairs = [json.loads(line) for line in (tmp_path / "run" / "pairs.jsonl").read_text().splitlines()]
    perturbed = [pair for pair in pairs if pair["source"] == "perturbed"]
    assert perturbed and all(  # a rejected turn keeps the chosen turn's rationale: only the calls differ
        pair["rejected"][0].get("reasoning_content") == pair["chosen"][0].get("reasoning_content") for pair in perturbed
    )


def test_reasoning_is_off_by_default(fake, tmp_path):
    result = run_category(fake, tmp_path / "run", "single", "blueprint", n=3)
    assert not any(m.get("reasoning_content") for r in result["accepted"] for m in r["messages"])
    assert "reasoning" not in result["accepted"][0]["meta"]


def test_a_rationale_that_invents_a_figure_is_rejected(fake, tmp_path):
    def inventive(body):
        if asked_keys(body) == {"reasoning"}:
            return json.dumps({"reasoning": "The user has 7341 unread messages, so I call the tool."})
        return echo_teacher(body)

    fake.responder = inventive
    result = run_category(
        fake, tmp_path / "run", "single", "blueprint", n=2, plan={"reasoning": True}, max_candidates=4
    )
    assert result["codes"]["ungrounded_reasoning"] >= 1
