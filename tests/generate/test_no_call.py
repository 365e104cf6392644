"""pipeline.generate.no_call against the fake teacher: the four kinds and their rejections."""

from __future__ import annotations

import asyncio
import json

import pytest

from filters.grounding import GroundingOptions
from pipeline.backends.teacher import build_teacher
from pipeline.config import RunConfig, TeacherConfig
from pipeline.generate.no_call import generate_no_call
from pipeline.generate.steps import NONE_ACTION
from pipeline.job import build_context
from pipeline.plan import Planner
from pipeline.seeds import alias_table, load_tools
from pipeline.seeds.examples import example_tool
from pipeline.seeds.links import load_links
from tests.fake_openai import asked_keys
from tests.generate.helpers import run_category, yield_of


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_good_teacher_yields_at_least_90_percent_of_every_kind(fake, tmp_path, mode):
    result = run_category(fake, tmp_path / "run", "no_call", mode, n=15)
    assert result["code"] == 0 and len(result["accepted"]) == 15
    assert yield_of(result) >= 0.9, result["codes"]
    kinds = set()
    for record in result["accepted"]:
        kind = record["meta"]["no_call"]["kind"]
        kinds.add(kind)
        messages = record["messages"]
        calls = [m for m in messages if m.get("tool_calls")]
        first_answer = next(m for m in messages if m["role"] == "assistant")
        assert not first_answer.get("tool_calls") and first_answer["content"]
        names = {tool["function"]["name"] for tool in record["tools"]}
        if kind == "missing_value":
            assert "?" in first_answer["content"]
            missing = record["meta"]["no_call"]["missing"]  # the user gives the value, then the call follows
            assert missing in calls[0]["tool_calls"][0]["function"]["arguments"]
            if mode == "blueprint":  # and matches the plan
                roles = [
                    m["role"] for m in messages if m["role"] != "system"
                ]  # + a confirmation pair for a tool that changes data
                assert roles in (
                    ["user", "assistant", "user", "assistant"],
                    ["user", "assistant", "user", "assistant", "user", "assistant"],
                )
                assert missing in calls[0]["tool_calls"][0]["function"]["arguments"]
                assert record["meta"]["reference"][0]["message"] == len(messages) - 1
        else:
            assert calls == []
        if kind == "unavailable_tool" and mode == "blueprint":
            target = record["meta"]["task"]
            assert target  # the tool the request needs is withheld: its neighbours are offered
            assert len(names) >= 1
    assert {"unrelated", "missing_value", "unavailable_tool"} <= kinds


def test_templated_turns_for_small_teachers(fake, tmp_path):
    result = run_category(
        fake, tmp_path / "run", "no_call", "blueprint", n=6, no_call_kinds={"missing_value": 1}, templated_turns=True
    )
    assert result["code"] == 0 and yield_of(result) >= 0.9, result["codes"]
    prompts = [body["messages"][0]["content"] for body in fake.requests if asked_keys(body) in ({"reply"}, {"message"})]
    assert not any(
        "precise question" in p or "giving exactly this value" in p for p in prompts
    )  # no teacher request for those turns
    asked = [record for record in result["accepted"] if record["meta"]["no_call"]["kind"] == "missing_value"]
    assert asked  # (a tool with no value a user can say falls back to an unrelated request)
    for record in asked:
        question = next(m for m in record["messages"] if m["role"] == "assistant")["content"]
        assert question.endswith("?") and record["meta"]["no_call"]["missing"].replace("_", " ") in question


def test_a_solver_that_calls_is_rejected(fake, tmp_path):
    def always_call(number, body, content):
        if asked_keys(body) == {"action"}:
            options = [
                o
                for o in json.loads(json.dumps(body["response_format"]))["json_schema"]["schema"]["properties"][
                    "action"
                ]["enum"]
                if o != NONE_ACTION
            ]
            return json.dumps({"action": options[0]})
        return content

    fake.corrupt = always_call
    result = run_category(
        fake, tmp_path / "run", "no_call", "blueprint", n=3, max_candidates=9, no_call_kinds={"unrelated": 1}
    )
    assert result["accepted"] == [] and set(result["codes"]) == {"call_in_no_call"}


def test_an_answer_instead_of_a_question_is_rejected(fake, tmp_path):
    def no_question(number, body, content):
        if asked_keys(body) == {"reply"}:
            return json.dumps({"reply": "I will take care of that for you right away."})
        return content

    fake.corrupt = no_question
    result = run_category(
        fake, tmp_path / "run", "no_call", "blueprint", n=2, max_candidates=4, no_call_kinds={"missing_value": 1}
    )
    # a target with no value a user can leave out falls back to an unrelated question, which needs no question back
    assert all(record["meta"].get("kind") != "missing_value" for record in result["accepted"])
    assert set(result["codes"]) == {"no_question"}


def _missing_value_task(fake):
    """A blueprint missing_value task whose missing argument is a free string, with its context."""
    config = RunConfig(
        category="no_call",
        mode="blueprint",
        no_call_kinds={"missing_value": 1},
        teacher=TeacherConfig(base_url=fake.base_url, model="fake"),
    )
    catalog = load_tools()
    context, examples = build_context(
        config, "no_call", catalog, "fake", GroundingOptions(aliases=alias_table(catalog))
    )
    planner = Planner(config, catalog, [example_tool(e) for e in examples], [], load_links(None, catalog), "no_call")
    task = next(
        t
        for t in map(planner.task, range(50))
        if t.kind == "missing_value"
        and isinstance(t.blueprint[0]["arguments"][t.missing], str)
        and "enum" not in context.tools[t.blueprint[0]["name"]].function.parameters["properties"][t.missing]
    )
    return task, context


def _generate(fake, task, context):
    async def generate():
        teacher = build_teacher(fake.base_url, "fake", "key", concurrency=1, max_attempts=1)
        try:
            await teacher.probe()
            return await generate_no_call(task, teacher, context)
        finally:
            await teacher.close()

    return asyncio.run(generate())


def _with_missing(content, task, value):
    """A fill answer with `value` for the task's missing argument."""
    answer = json.loads(content)
    return json.dumps({**answer, "arguments": {**answer["arguments"], task.missing: value}})


def test_a_request_that_states_the_missing_value_is_rejected(fake):
    task, context = _missing_value_task(fake)
    value = task.blueprint[0]["arguments"][task.missing]

    def say_it(number, body, content):
        if asked_keys(body) == {"request"}:
            return json.dumps({"request": json.loads(content)["request"] + f", and use {value}"})
        return content

    fake.corrupt = say_it
    candidate = _generate(fake, task, context)
    assert [issue.code for issue in candidate.issues] == ["stated_missing_value"]
    assert [asked_keys(body) for body in fake.requests][1:] == [
        {"request"}
    ]  # rejected before any solve request is spent


def test_a_request_that_gives_another_value_for_the_missing_argument_is_rejected(fake):
    """The planned value is unsaid, but the request names some other one that the solver reads ("for 90 minutes")."""
    task, context = _missing_value_task(fake)
    other = "Quillfeather Annex"

    def say_another(number, body, content):
        if asked_keys(body) == {"request"}:
            return json.dumps({"request": json.loads(content)["request"] + f", and use {other}"})
        if asked_keys(body) == {"arguments"}:  # the solver fills the arguments and reads the stated value
            return _with_missing(content, task, other)
        return content

    fake.corrupt = say_another
    candidate = _generate(fake, task, context)
    assert [issue.code for issue in candidate.issues] == ["stated_missing_value"]
    assert other in candidate.issues[0].message


def test_a_solver_that_invents_the_missing_value_does_not_reject_the_request(fake):
    """An invented value (not in the request) is not 'stated': the sample goes on and is accepted."""
    task, context = _missing_value_task(fake)
    invented = []

    def invent(number, body, content):
        if asked_keys(body) == {"arguments"} and not invented:  # only the first fill: the solver's, before the question
            invented.append(number)
            return _with_missing(content, task, "Quillfeather Annex")
        return content

    fake.corrupt = invent
    candidate = _generate(fake, task, context)
    assert invented and candidate.issues == []


@pytest.mark.parametrize("mode", ["blueprint", "free"])
def test_a_forbidden_request_meets_its_never_call_rule(fake, tmp_path, mode):
    result = run_category(fake, tmp_path / "run", "no_call", mode, n=8, plan={"no_call_kinds": {"forbidden": 1}})
    assert result["code"] == 0 and len(result["accepted"]) == 8
    forbidden = [r for r in result["accepted"] if r["meta"]["no_call"]["kind"] == "forbidden"]
    assert forbidden  # read-only targets fall back to another kind: a never_call rule forbids a write
    for record in forbidden:
        rule = record["meta"]["policy"][0]
        assert rule == {"type": "never_call", "tool": record["meta"]["no_call"]["forbidden"], "exercised": True}
        assert rule["tool"] in record["messages"][0]["content"]  # the system prompt states the rule
        assert rule["tool"] in {tool["function"]["name"] for tool in record["tools"]}  # and the tool is offered
        assert not any(m.get("tool_calls") for m in record["messages"])
        reply = record["messages"][-1]
        assert reply["role"] == "assistant" and reply["content"] and rule["tool"] not in reply["content"]
