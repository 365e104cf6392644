"""Second solves (pairs.second_solve, pipeline.generate.second): on by default with an endpoint, off
on the embedded teacher; every blueprint category solves its referenced turns again, and a second
answer the checks reject becomes a sibling pair of the accepted turn."""

from __future__ import annotations

import json
import zlib
from collections import Counter

import pytest

from pipeline.config import RunConfig
from tests.fake_openai import FakeOpenAI, echo_teacher
from tests.generate.helpers import run_category


def test_second_solves_default_on_for_an_endpoint_and_off_for_the_embedded_teacher():
    endpoint = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}
    assert RunConfig(teacher=endpoint).resolved_second_solve == 0.9
    assert RunConfig().resolved_second_solve is None  # the embedded 135M teacher
    assert RunConfig(teacher=endpoint, pairs={"second_solve": "off"}).resolved_second_solve is None
    assert RunConfig(teacher=endpoint, pairs={"second_solve": 0}).resolved_second_solve == 0.0
    assert RunConfig(pairs={"second_solve": 0.5}).resolved_second_solve == 0.5
    assert RunConfig(teacher=endpoint, pairs={"enabled": False}).resolved_second_solve is None
    with pytest.raises(ValueError):
        RunConfig(pairs={"second_solve": "no"})


def _spoil(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    return value + " extra" if isinstance(value, str) else value


def _teacher(body):
    try:
        return echo_teacher(body)
    except Exception:  # the fill of a tool only a spoilt pick chose: the fake wrote no request for it
        return "I cannot help with that."


def second_solver_disagrees(number, body, content):
    """A third of the second solves (the only requests at 0.9) pick the next tool or change a value."""
    if body.get("temperature") != 0.9 or zlib.crc32(json.dumps(body, sort_keys=True).encode()) % 3:
        return content
    try:
        answer = json.loads(content)
    except ValueError:
        return content
    options = (
        (((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}).get("properties") or {}
    ).get("action", {}).get("enum") or []
    if isinstance(answer, dict) and "action" in answer and len(options) > 1:
        at = options.index(answer["action"]) if answer["action"] in options else -1
        answer["action"] = options[(at + 1) % len(options)]
    elif isinstance(answer, dict) and isinstance(answer.get("arguments"), dict) and answer["arguments"]:
        key = sorted(answer["arguments"])[0]
        answer["arguments"][key] = _spoil(answer["arguments"][key])
    return json.dumps(answer)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    out = {}
    for name, second in (("default", None), ("off", "off")):
        folder = tmp_path_factory.mktemp(name)
        with FakeOpenAI(_teacher) as fake:
            fake.corrupt = second_solver_disagrees
            result = run_category(fake, folder, "all", "blueprint", n=60, pairs={"second_solve": second})
            result["requests"] = list(fake.requests)
        result["pairs"] = [json.loads(line) for line in (folder / "pairs.jsonl").read_text().splitlines()]
        out[name] = result
    return out


def test_every_blueprint_category_keeps_second_answers_that_differ(runs):
    default = runs["default"]
    assert any(body.get("temperature") == 0.9 for body in default["requests"])
    assert not any(body.get("temperature") == 0.9 for body in runs["off"]["requests"])
    with_alternative = Counter(r["category"] for r in default["accepted"] if r["meta"].get("alternatives"))
    assert set(with_alternative) == {"single", "parallel", "nested", "multi_turn", "no_call"}, with_alternative
    # the accepted records are the same: a second solve adds alternatives, never changes a turn
    strip = lambda records: [  # noqa: E731
        {**r, "meta": {k: v for k, v in r["meta"].items() if k != "alternatives"}} for r in records
    ]
    assert strip(default["accepted"]) == strip(runs["off"]["accepted"])
    for record in default["accepted"]:
        for alternative in record["meta"].get("alternatives") or []:
            assert alternative["temperature"] == 0.9
            turn = record["messages"][alternative["message"]]
            assert turn["role"] == "assistant"
            if not turn.get("tool_calls"):  # a no_call answer in words; the second solver called
                assert record["category"] == "no_call" and alternative["calls"]


def test_second_answers_the_checks_reject_are_sibling_pairs_in_every_category(runs):
    default = runs["default"]
    accepted = {r["id"]: r for r in default["accepted"]}
    siblings = [p for p in default["pairs"] if p["source"] == "generated" and p["record_id"] in accepted]
    assert {p["category"] for p in siblings} == {"single", "parallel", "nested", "multi_turn", "no_call"}
    for pair in siblings:
        record = accepted[pair["record_id"]]
        index = len(pair["prompt"])
        assert pair["chosen"] == [record["messages"][index]]  # the accepted turn itself
        alternative = next(a for a in record["meta"]["alternatives"] if a["message"] == index)
        assert [c["function"] for c in pair["rejected"][0]["tool_calls"]] == alternative["calls"]
    assert not [p for p in runs["off"]["pairs"] if p["source"] == "generated" and p["record_id"] in accepted]
