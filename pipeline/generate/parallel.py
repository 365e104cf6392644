"""`parallel`: one user request, 2+ independent calls in one assistant turn.

blueprint the planned calls (the same function with other values, or other functions of the
          domain) are phrased as one request, which must ground every value; a solver that is
          never told the plan splits the request into its separate asks and solves each (pick a
          tool, fill it); the turn is kept when filters.match finds the solved calls equal to the
          plan in any order (independent calls: order is free).
free      the teacher writes the request and the calls for the planned tools.
"""

from __future__ import annotations

import json
import random
from typing import Any

from filters.quality import copied_example
from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import RequestCallsAnswer, ask
from pipeline.generate.common import Candidate, Context, call_schema, failed, guarded, seed_for, tools_block
from pipeline.generate.confirm import confirm_turn
from pipeline.generate.second import second_parts
from pipeline.generate.steps import (
    NONE_ACTION,
    describe_calls,
    draft,
    gate,
    phrase,
    single_shots,
    solve,
    split,
    ungrounded_calls,
)
from pipeline.generate.transcript import Transcript
from pipeline.prompts import load_prompt
from pipeline.task import Task, nearest_examples


async def generate_parallel(task: Task, teacher, ctx: Context) -> Candidate:
    """Produce one parallel candidate for `task` in its mode."""
    return await guarded(
        task, _blueprint(task, teacher, ctx) if task.mode == "blueprint" else _free(task, teacher, ctx)
    )


def _shots(task: Task, ctx: Context) -> list[tuple[str, str]]:
    rng = random.Random(seed_for(task, "phrase-shots"))
    names = [example["calls"][0]["name"] for example in ctx.category_examples]
    picked = nearest_examples(names, ctx.domains, task.target, 2, rng)
    return [
        (describe_calls(ctx.category_examples[i]["calls"], ctx), ctx.category_examples[i]["request"]) for i in picked
    ]


async def _phrase_per_call(task: Task, teacher, ctx: Context) -> tuple[str | None, list[str] | None, dict[str, str]]:
    """Phrase each planned call on its own (single shots, up to two tries each, each gated) and
    join the sentences into one message; returns (request, its parts, raw answers)."""
    assert task.blueprint is not None
    parts, raw = [], {}
    for number, (call, surface) in enumerate(zip(task.blueprint, task.surfaces)):
        shots = single_shots(task, ctx, call["name"])
        for attempt in range(2):
            step = f"phrase-{number}" + (f"-{attempt}" if attempt else "")
            text, raw[step] = await phrase(task, teacher, ctx, describe_calls([call], ctx, [surface]), shots, step=step)
            if (
                text
                and not ungrounded_calls(ctx, [call], text, task.now)
                and copied_example(text, [r for _, r in shots]) is None
            ):
                parts.append(text)
                break
        else:
            return None, None, raw
    joiner = random.Random(seed_for(task, "join")).choice([" ", " ", " Also, ", "\n"])
    request = joiner.join(
        parts[:1] + [part if joiner != " Also, " else part[:1].lower() + part[1:] for part in parts[1:]]
    )
    return request, parts, raw


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    prompts = [
        load_prompt("parallel/phrase"),
        load_prompt("parallel/split"),
        load_prompt("single/solve"),
        load_prompt("single/fill"),
    ]
    assert task.blueprint is not None
    known_parts = None
    if ctx.parallel_phrasing == "per_call":
        prompts = [load_prompt("single/phrase"), *prompts[2:]]
        request, known_parts, raw = await _phrase_per_call(task, teacher, ctx)
        raw_phrase = json.dumps(raw)
        if request is None:
            return failed(
                task, "ungrounded_value", "a call's phrasing did not state its values in two tries", phrase=raw_phrase
            )
    else:
        request, raw_phrase = await phrase(
            task,
            teacher,
            ctx,
            describe_calls(task.blueprint, ctx, task.surfaces),
            _shots(task, ctx),
            prompt="parallel/phrase",
        )
    if request is None:
        return failed(task, "unparseable_output", "the phrasing answer has no request", phrase=raw_phrase)
    transcript = Transcript(task)
    transcript.user(request)
    rejected = gate(task, ctx, transcript, request, task.blueprint, prompts[:1], phrase=raw_phrase)
    if rejected:
        return rejected
    raw = {"phrase": raw_phrase}
    if known_parts is None:
        parts, raw["split"] = await split(task, teacher, ctx, request, len(task.blueprint) + 1)
    else:  # the message was written part by part: those are its parts, and each is still solved blind
        parts = known_parts
    if parts is None:
        return failed(
            task, "unparseable_output", "the split answer has no parts", transcript.record(ctx, prompts), **raw
        )
    calls = []
    for number, part in enumerate(parts):
        call, solved = await solve(task, teacher, ctx, part, step=f"solve-{number}")
        raw.update(solved)
        if call is None:
            return failed(
                task,
                "unparseable_output",
                f"part {number} was not solved into a call",
                transcript.record(ctx, prompts),
                **raw,
            )
        if call != NONE_ACTION:
            calls.append(call)
    await confirm_turn(task, teacher, ctx, transcript, calls, "calls", raw)
    transcript.calls(calls, reference=task.blueprint)
    await second_parts(task, teacher, ctx, transcript, parts, raw)
    return Candidate(task, transcript.record(ctx, prompts), raw=raw)


async def _free(task: Task, teacher, ctx: Context) -> Candidate:
    template = load_prompt("parallel/free")
    tools = [ctx.tools[name] for name in task.tools]
    count = len(task.targets)
    needs = " Also: ".join(ctx.tools[name].function.description for name in task.targets)
    scenario, drafted = await draft(task, teacher, ctx, f"{count} things at once. {needs}")
    system = template.render(
        count=count,
        targets=", ".join(task.targets),
        tools=tools_block(tools, ctx.compact_tools),
        today=task.now[:10],
        style=task.style,
        scenario=scenario.line(),
    )
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for index in task.fewshot:
        example = ctx.category_examples[index]
        names = ", ".join(call["name"] for call in example["calls"])
        messages.append(
            {"role": "user", "content": f"Write the request and the {len(example['calls'])} calls ({names})."}
        )
        messages.append(
            {
                "role": "assistant",
                "content": json.dumps({"request": example["request"], "calls": example["calls"]}, ensure_ascii=False),
            }
        )
    messages.append(
        {"role": "user", "content": f"Write the request and the {count} calls ({', '.join(task.targets)})."}
    )
    options = [call_schema(ctx.tools[name]) for name in dict.fromkeys(task.targets)]
    item = options[0] if len(options) == 1 else {"anyOf": options}
    schema = {
        "type": "object",
        "required": ["request", "calls"],
        "properties": {
            "request": {"type": "string", "minLength": 8, "maxLength": 600},
            "calls": {"type": "array", "items": item, "minItems": count, "maxItems": count},
        },
    }
    schema = _hoist_defs(schema)
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, ctx.max_tokens, schema, seed_for(task, "free")),
        RequestCallsAnswer,
    )
    answer = asked.expect("the answer has no request and calls", "free")
    transcript = Transcript(task, scenario.model_dump())
    transcript.user(answer.request)
    raw = {"draft": drafted, "free": asked.text}
    await confirm_turn(task, teacher, ctx, transcript, answer.calls, "calls", raw)
    transcript.calls(answer.calls)
    record = transcript.record(ctx, [template, load_prompt("scenario/draft")])
    return Candidate(task, record, raw=raw)


def _hoist_defs(schema: dict[str, Any]) -> dict[str, Any]:
    """Move every `$defs` inside call schemas to the root, where `#/$defs/...` resolves."""
    defs: dict[str, Any] = {}
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node is not schema and "$defs" in node:
                defs.update(node.pop("$defs"))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    if defs:
        schema["$defs"] = defs
    return schema
