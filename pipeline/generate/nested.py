"""`nested`: calls in sequence, a later call's argument taken from an earlier tool result.

The chain follows links the seeds declare (this tool's output field feeds that tool's input).
blueprint the chain's calls are planned except their linked arguments; one request is phrased
          for the whole task (stating every planned value, never a linked one); then, step by
          step, a solver sees the request, its calls so far and their results, and makes the
          next call, which must match the plan with the linked argument read from the earlier
          result (the first value at the link's path). Each result is executed, mocked or
          simulated (generate/results.py). A last step writes the answer from the results.
free      the teacher writes the request and the first call, then each next call from the
          results so far, then the answer.
Both record the planned links in `meta.links`, which filters.chain replays: a chain whose
later call ignores the earlier result is `unused_tool_result`.
"""

from __future__ import annotations

import json
import random
from typing import Any

from filters.chain import values_at
from filters.match import match_calls
from filters.schema import fits_parameter
from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import RequestCallAnswer, ask
from pipeline.generate.common import (
    Candidate,
    Context,
    call_schema,
    describe_call,
    failed,
    guarded,
    seed_for,
    tools_block,
    wrap,
)
from pipeline.generate.confirm import confirm_turn
from pipeline.generate.results import answer_calls, callable_as_is
from pipeline.generate.steps import draft, gate, next_call, phrase, reply, solve
from pipeline.generate.transcript import Transcript
from pipeline.prompts import load_prompt
from pipeline.task import Task, nearest_examples

ANSWER = "Answer the user's request from the tool results."


async def generate_nested(task: Task, teacher, ctx: Context) -> Candidate:
    """Produce one nested candidate for `task` in its mode."""
    return await guarded(
        task, _blueprint(task, teacher, ctx) if task.mode == "blueprint" else _free(task, teacher, ctx)
    )


def describe_chain(
    calls: list[dict[str, Any]], links: list[dict[str, Any]], ctx: Context, surfaces: list[dict[str, str]] | None = None
) -> str:
    """The chain for the phrasing prompt: each step's values, and the values a result will give."""
    parts = []
    for step, call in enumerate(calls):
        linked = {link["input"]: link["from_step"] for link in links if link["step"] == step}
        stated = {"name": call["name"], "arguments": {k: v for k, v in call["arguments"].items() if k not in linked}}
        text = describe_call(stated, ctx.tools.get(call["name"]), (surfaces or [{}] * len(calls))[step])
        text = text.replace("\n- (no values)", "") if linked else text
        text += "".join(
            f"\n- {key}: from the result of step {source + 1} (the first one it returns)"
            for key, source in linked.items()
        )
        parts.append(f"Step {step + 1}:\n{text}")
    return "\n\n".join(parts)


def _example_links(example: dict[str, Any]) -> list[dict[str, Any]]:
    """Which arguments of a few-shot chain come from earlier results (their value was returned)."""
    links = []
    for step, item in enumerate(example["steps"][1:], start=1):
        for key, value in item["call"]["arguments"].items():
            for source in range(step):
                if any(value == leaf for leaf in _leaves(example["steps"][source].get("result"))):
                    links.append({"step": step, "input": key, "from_step": source})
                    break
    return links


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _shots(task: Task, ctx: Context) -> list[tuple[str, str]]:
    names = [example["steps"][0]["call"]["name"] for example in ctx.category_examples]
    picked = nearest_examples(names, ctx.domains, task.target, 2, random.Random(seed_for(task, "phrase-shots")))
    shots = []
    for index in picked:
        example = ctx.category_examples[index]
        calls = [item["call"] for item in example["steps"]]
        shots.append((describe_chain(calls, _example_links(example), ctx), example["request"]))
    return shots


def _links_meta(task: Task, call_turns: list[int], result_messages: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "message": call_turns[link["step"]],
            "call": 0,
            "argument": link["input"],
            "from_message": result_messages[link["from_step"]],
            "output": link["output"],
        }
        for link in task.links
        if link["step"] < len(call_turns)
    ]


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    prompts = [
        load_prompt("nested/phrase"),
        load_prompt("single/solve"),
        load_prompt("single/fill"),
        load_prompt("reply/assistant"),
    ]
    assert task.blueprint is not None
    request, raw_phrase = await phrase(
        task,
        teacher,
        ctx,
        describe_chain(task.blueprint, task.links, ctx, task.surfaces),
        _shots(task, ctx),
        prompt="nested/phrase",
    )
    if request is None:
        return failed(task, "unparseable_output", "the phrasing answer has no request", phrase=raw_phrase)
    transcript = Transcript(task)
    transcript.user(request)
    rejected = gate(task, ctx, transcript, request, task.blueprint, prompts[:1], phrase=raw_phrase)
    if rejected:
        return rejected
    raw: dict[str, str] = {"phrase": raw_phrase}
    results: list[Any] = []
    call_turns, result_messages = [], []
    for step, planned in enumerate(task.blueprint):
        planned = {"name": planned["name"], "arguments": dict(planned["arguments"])}
        for link in (link for link in task.links if link["step"] == step):
            parameters = ctx.tools[planned["name"]].function.parameters
            found = [
                value
                for value in values_at(results[link["from_step"]], link["output"])
                if fits_parameter(value, parameters, link["input"])
            ]
            if not found:  # e.g. a converted amount above the transfer limit: the chain cannot go on validly
                return failed(
                    task,
                    "tool_error",
                    f"step {link['from_step'] + 1}'s result has no value at {link['output']} "
                    f"that {planned['name']}.{link['input']} takes",
                    transcript.record(ctx, prompts),
                    **raw,
                )
            planned["arguments"][link["input"]] = found[0]
        context = transcript.rendered() if step else ""
        solved, solve_raw = await solve(task, teacher, ctx, request, context=context, step=f"solve-{step}")
        raw.update(solve_raw)
        if not isinstance(solved, dict):
            return failed(
                task,
                "unparseable_output",
                f"step {step + 1} was not solved into a call",
                transcript.record(ctx, prompts),
                **raw,
            )
        await confirm_turn(task, teacher, ctx, transcript, [solved], f"step-{step}", raw)
        ids = transcript.calls([solved], reference=[planned])
        call_turns.append(len(transcript.messages) - 1)
        if not match_calls(
            [planned],
            transcript.messages[-1].tool_calls or [],
            {name: t.function.parameters for name, t in ctx.tools.items()},
        ).ok:
            # the reference check names the mismatch; no result is made for a wrong call
            return Candidate(
                task, transcript.record(ctx, prompts, links=_links_meta(task, call_turns, result_messages)), raw=raw
            )
        needed = [link["output"] for link in task.links if link["from_step"] == step]  # what the next step reads
        results += await answer_calls(task, teacher, ctx, transcript, ids, [planned], f"step-{step}", needed)
        result_messages.append(len(transcript.messages) - 1)
    answer, raw["answer"] = await reply(task, teacher, ctx, transcript.rendered(), ANSWER, "answer")
    if answer is None:
        return failed(
            task, "unparseable_output", "the answer step has no reply", transcript.record(ctx, prompts), **raw
        )
    transcript.assistant(answer)
    return Candidate(
        task, transcript.record(ctx, prompts, links=_links_meta(task, call_turns, result_messages)), raw=raw
    )


async def _free(task: Task, teacher, ctx: Context) -> Candidate:
    first, rest = load_prompt("nested/free"), load_prompt("nested/next")
    prompts = [first, rest, load_prompt("reply/assistant"), load_prompt("scenario/draft")]
    tools = [ctx.tools[name] for name in task.tools]
    needs = " Then: ".join(ctx.tools[name].function.description for name in task.targets)
    scenario, drafted = await draft(task, teacher, ctx, f"one thing that takes steps. {needs}")
    described = "; ".join(
        f"{task.targets[link['from_step']]} gives {link['output']} for {task.targets[link['step']]}'s {link['input']}"
        for link in task.links
    )
    system = first.render(
        targets=" -> ".join(task.targets),
        links=described,
        first=task.targets[0],
        tools=tools_block(tools, ctx.compact_tools),
        today=task.now[:10],
        style=task.style,
        scenario=scenario.line(),
    )
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for index in task.fewshot:
        example = ctx.category_examples[index]
        names = " -> ".join(item["call"]["name"] for item in example["steps"])
        messages.append({"role": "user", "content": f"Write the request for {names} and the first call."})
        messages.append(
            {
                "role": "assistant",
                "content": json.dumps(
                    {"request": example["request"], "call": example["steps"][0]["call"]}, ensure_ascii=False
                ),
            }
        )
    messages.append(
        {"role": "user", "content": f"Write the request for {' -> '.join(task.targets)} and the first call."}
    )
    schema = wrap(
        {
            "request": {"type": "string", "minLength": 8, "maxLength": 600},
            "call": call_schema(ctx.tools[task.targets[0]]),
        }
    )
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, ctx.max_tokens, schema, seed_for(task, "free")),
        RequestCallAnswer,
    )
    first = asked.expect("the answer has no request and first call", "free")
    transcript = Transcript(task, scenario.model_dump())
    transcript.user(first.request)
    raw = {"draft": drafted, "free": asked.text}
    call, call_turns, result_messages = first.call, [], []
    for step, name in enumerate(task.targets):
        if step:
            system = rest.render(name=name, today=task.now[:10])
            following = await next_call(task, teacher, ctx, system, transcript, name, f"next-{step}")
            raw[f"next-{step}"] = following.text
            if following.value is None:
                return failed(
                    task, "unparseable_output", f"step {step + 1} has no call", transcript.record(ctx, prompts), **raw
                )
            call = following.value.call
        await confirm_turn(task, teacher, ctx, transcript, [call], f"step-{step}", raw)
        ids = transcript.calls([call])
        call_turns.append(len(transcript.messages) - 1)
        if not callable_as_is(ctx, [call]):
            return Candidate(
                task, transcript.record(ctx, prompts, links=_links_meta(task, call_turns, result_messages)), raw=raw
            )
        await answer_calls(task, teacher, ctx, transcript, ids, [call], f"step-{step}")
        result_messages.append(len(transcript.messages) - 1)
    text, raw["answer"] = await reply(task, teacher, ctx, transcript.rendered(), ANSWER, "answer")
    if text is None:
        return failed(
            task, "unparseable_output", "the answer step has no reply", transcript.record(ctx, prompts), **raw
        )
    transcript.assistant(text)
    return Candidate(
        task, transcript.record(ctx, prompts, links=_links_meta(task, call_turns, result_messages)), raw=raw
    )
