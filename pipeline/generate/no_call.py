"""`no_call`: turns where the right move is not to call a tool, in three labelled kinds.

unrelated         the request has nothing to do with the tools: a plain answer.
missing_value     a tool fits but the request leaves out a required value: one precise
                  follow-up question; the user then gives the value and the call follows.
unavailable_tool  the request needs a tool the list lacks (its neighbours are offered): the
                  assistant says so and what it can do instead.

blueprint the request is phrased from the plan (the call with the missing value left out, or
          the call of the withheld tool), and a solver that may also choose "none of these"
          must choose none (unrelated, unavailable_tool) or the right tool whose required
          value is missing; the missing-value continuation is solved and checked against the
          plan like any call. free: the teacher writes the request and the reply.
The kind and the missing argument go to `meta.no_call`, where filters.category reads them.
"""

from __future__ import annotations

import json
import random
from string import Template
from typing import Any

from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import MissingValueAnswer, NoCallAnswer, ask
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
from pipeline.generate.second import second_call, second_decision
from pipeline.generate.steps import (
    NONE_ACTION,
    QUESTION_SCHEMA,
    REPLY_SCHEMA,
    checked_reply,
    draft,
    gate,
    phrase,
    pick,
    single_shots,
    solve,
    user_message,
)
from pipeline.generate.transcript import Transcript
from pipeline.policy import action_phrase, name_words, templates
from pipeline.prompts import load_prompt
from pipeline.task import Task

KIND_INSTRUCTIONS = {
    "unrelated": "The user asks about {topic}, which none of the tools can help with.",
    "missing_value": (
        "The user wants what the action below does, but does not say the {missing}; the other values are listed."
    ),
    "unavailable_tool": "The user asks for what the action below does; none of the assistant's tools can do it.",
    "forbidden": "The user asks for what the action below does.",
}
REPLY_INSTRUCTIONS = {
    "unrelated": "Answer the user's question directly and helpfully, without any tool.",
    "missing_value": "Do not call a tool yet: ask ONE short, precise question for the missing {missing} ({hint}).",
    "unavailable_tool": (
        "None of your tools can do this: say so plainly, without apologising at length, "
        "and say what you can do instead with your tools: {abilities}."
    ),
    "forbidden": (
        "Your rules forbid you to {action} here, so do not: say plainly, in one or two sentences, that you "
        "cannot {action} for them, and say what you can do instead: {abilities}."
    ),
}


async def generate_no_call(task: Task, teacher, ctx: Context) -> Candidate:
    """Produce one no_call candidate for `task` in its mode."""
    return await guarded(
        task, _blueprint(task, teacher, ctx) if task.mode == "blueprint" else _free(task, teacher, ctx)
    )


def _meta(task: Task) -> dict[str, Any]:
    meta: dict[str, Any] = {"kind": task.kind}
    if task.missing:
        meta["missing"] = task.missing
    if task.kind == "forbidden":  # the tool the request asks for and the rules forbid
        meta["forbidden"] = task.target
        if task.blueprint:  # the call the request was phrased from: what ignoring the rule would send
            call = task.blueprint[0]
            meta["call"] = {"name": call["name"], "arguments": call["arguments"]}
    return {"no_call": meta}


def _hint(ctx: Context, task: Task) -> str:
    schema = (ctx.tools[task.target].function.parameters.get("properties") or {}).get(task.missing or "", {})
    return schema.get("description") or name_words(task.missing or "")


def _reply_instruction(task: Task, ctx: Context) -> str:
    allowed = [name for name in task.tools if task.kind != "forbidden" or name != task.target]
    abilities = "; ".join(ctx.tools[name].function.description.split(". ")[0] for name in allowed)
    return REPLY_INSTRUCTIONS[task.kind or "unrelated"].format(
        missing=name_words(task.missing or ""),
        hint=_hint(ctx, task),
        abilities=abilities,
        action=action_phrase(ctx.tools[task.target].function.description),
    )


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    template = load_prompt("no_call/phrase")
    prompts = [
        template,
        load_prompt("single/solve"),
        load_prompt("single/fill"),
        load_prompt("reply/assistant"),
        load_prompt("no_call/topics"),
    ]
    if task.kind == "missing_value" and ctx.templated_turns:
        prompts.append(load_prompt("no_call/missing"))
    assert task.blueprint is not None
    call = task.blueprint[0]
    topic = random.Random(seed_for(task, "topic")).choice(load_prompt("no_call/topics").lines())
    instruction = KIND_INSTRUCTIONS[task.kind or "unrelated"].format(
        topic=topic, missing=name_words(task.missing or "")
    )
    stated = {"name": call["name"], "arguments": {k: v for k, v in call["arguments"].items() if k != task.missing}}
    if task.kind == "unrelated":  # shown the kind's few-shot questions, then asked for one on the topic
        described = f"Write a question about {topic}."
        shots = [
            ("Write a question a user might ask.", example["request"])
            for example in ctx.category_examples
            if example.get("kind") == "unrelated"
        ][:3]
    else:
        described = describe_call(stated, ctx.tools[call["name"]], task.surface)
        shots = single_shots(task, ctx, call["name"])
    request, raw_phrase = await phrase(
        task, teacher, ctx, described, shots, prompt="no_call/phrase", instruction=instruction
    )
    if request is None:
        return failed(task, "unparseable_output", "the phrasing answer has no request", phrase=raw_phrase)
    transcript = Transcript(task)
    transcript.user(request)
    raw = {"phrase": raw_phrase}
    if task.kind == "missing_value":
        rejected = gate(task, ctx, transcript, request, [stated], prompts[:1], phrase=raw_phrase)
        if rejected is None and not ungrounded_missing(ctx, task, call, request):
            record = transcript.record(ctx, prompts[:1], **_meta(task))
            rejected = failed(
                task,
                "stated_missing_value",
                f"the request states the {task.missing} it should leave out",
                record,
                f"messages[{len(record.messages) - 1}].content",
                phrase=raw_phrase,
            )
        if rejected:
            return rejected
    # the round trip: an independent solver must not call (or, missing_value and forbidden, must
    # pick the tool the request is about: the request asks for it, the rules forbid it)
    asks_for_tool = task.kind in ("missing_value", "forbidden")
    choice, solved = (
        await solve(task, teacher, ctx, request, allow_none=True, step="decide")
        if asks_for_tool
        else await _decide(task, teacher, ctx, request)
    )
    raw.update(solved)
    if asks_for_tool:
        if not isinstance(choice, dict) or choice["name"] != call["name"]:
            return failed(
                task,
                "no_call_when_needed" if choice == NONE_ACTION else "wrong_function",
                f"the solver chose {choice if isinstance(choice, str) else (choice or {}).get('name')!r}, "
                f"not {call['name']!r}",
                transcript.record(ctx, prompts, **_meta(task)),
                **raw,
            )
        if task.kind == "missing_value" and solver_found_missing(
            ctx, task, choice, request
        ):  # the request names some other value for it ("for 90 minutes")
            record = transcript.record(ctx, prompts, **_meta(task))
            return failed(
                task,
                "stated_missing_value",
                f"the request already gives a {task.missing}: {choice['arguments'][task.missing]!r}",
                record,
                f"messages[{len(record.messages) - 1}].content",
                **raw,
            )
    elif choice != NONE_ACTION:
        return failed(
            task,
            "call_in_no_call",
            f"the solver chose to call {choice!r} for a request no tool can serve",
            transcript.record(ctx, prompts, **_meta(task)),
            **raw,
        )
    second = None if asks_for_tool else await second_decision(task, teacher, ctx, request, raw)
    if task.kind == "missing_value" and ctx.templated_turns:
        answer, raw["reply"] = (
            _template("question", task, "question", missing=name_words(task.missing or "")),
            "(template)",
        )
    else:
        answer, raw["reply"] = await checked_reply(
            task,
            teacher,
            ctx,
            transcript,
            _reply_instruction(task, ctx),
            "reply",
            prompts,
            schema=QUESTION_SCHEMA if task.kind == "missing_value" else REPLY_SCHEMA,
            **_meta(task),
        )
    if answer is None:
        return failed(
            task,
            "unparseable_output",
            "the reply answer has no reply",
            transcript.record(ctx, prompts, **_meta(task)),
            **raw,
        )
    transcript.assistant(answer)
    if second is not None:  # a second solver called where the answer is words
        transcript.alternatives.append(
            {"message": len(transcript.messages) - 1, "calls": second, "temperature": ctx.second_solve}
        )
    if task.kind == "missing_value":
        return await _continue(task, teacher, ctx, transcript, call, prompts, raw)
    return Candidate(task, transcript.record(ctx, prompts, **_meta(task)), raw=raw)


def _template(kind: str, task: Task, step: str, **values: str) -> str:
    """One of prompts/no_call/missing.txt's `kind` lines, chosen by the task, filled in."""
    lines = templates("no_call/missing")[kind]  # the same `kind: text` reader as the confirmation turns
    return Template(random.Random(seed_for(task, f"template-{step}")).choice(lines)).substitute(**values)


def spoken(value: Any) -> str:
    """A value as a person would say it: list items joined by commas, an object's fields in turn."""
    if isinstance(value, list):
        return ", ".join(spoken(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{name_words(key)} {spoken(item)}" for key, item in value.items())
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def solver_found_missing(ctx: Context, task: Task, solved: dict[str, Any], request: str) -> bool:
    """Whether the solver read a value for the missing argument that the request states."""
    if task.missing not in solved.get("arguments", {}):
        return False
    parameters = ctx.tools[solved["name"]].function.parameters
    return not ctx.grounding.ungrounded_keys(
        {task.missing: solved["arguments"][task.missing]}, parameters, request, task.now
    )


def ungrounded_missing(ctx: Context, task: Task, call: dict[str, Any], request: str) -> bool:
    """Whether the request indeed leaves the missing value unsaid."""
    value = call["arguments"].get(task.missing)
    parameters = ctx.tools[call["name"]].function.parameters
    return task.missing in ctx.grounding.ungrounded_keys({task.missing: value}, parameters, request, task.now)


async def _decide(task: Task, teacher, ctx: Context, request: str) -> tuple[Any, dict[str, str]]:
    """Whether an independent solver, offered "none of these" first, calls nothing for the request."""
    name, raw = await pick(
        task, teacher, ctx, task.tools, request, allow_none=True, step="decide-name", none_first=True
    )
    return name, {"decide-name": raw}


async def _continue(
    task: Task, teacher, ctx: Context, transcript: Transcript, call: dict[str, Any], prompts, raw: dict[str, str]
) -> Candidate:
    """The user gives the missing value; the call that follows must match the plan."""
    value = call["arguments"][task.missing]
    shown = task.surface.get(task.missing or "") or spoken(value)
    if ctx.templated_turns:
        given, raw["value"] = (
            _template("value", task, "value", value=shown, missing=name_words(task.missing or "")),
            "(template)",
        )
    else:
        given, raw["value"] = await user_message(
            task,
            teacher,
            ctx,
            transcript.rendered(),
            f"answer the question, giving exactly this value: {shown}",
            "value",
        )
    if given is None:
        return failed(
            task,
            "unparseable_output",
            "the user answer has no message",
            transcript.record(ctx, prompts, **_meta(task)),
            **raw,
        )
    transcript.user(given)
    before = transcript.rendered()
    solved, solve_raw = await solve(task, teacher, ctx, given, context=before.rsplit("\n", 1)[0], step="solve")
    raw.update(solve_raw)
    if not isinstance(solved, dict):
        return failed(
            task,
            "unparseable_output",
            "the continuation was not solved into a call",
            transcript.record(ctx, prompts, **_meta(task)),
            **raw,
        )
    await confirm_turn(task, teacher, ctx, transcript, [solved], "call", raw)
    transcript.calls([solved], reference=[call])
    await second_call(task, teacher, ctx, transcript, [call], given, before.rsplit("\n", 1)[0], "solve", raw)
    return Candidate(task, transcript.record(ctx, prompts, **_meta(task)), raw=raw)


async def _free(task: Task, teacher, ctx: Context) -> Candidate:
    template = load_prompt("no_call/free")
    topic = random.Random(seed_for(task, "topic")).choice(load_prompt("no_call/topics").lines())
    target = ctx.tools[task.target].function
    cases = {
        "unrelated": f"the user asks about {topic}; the assistant answers directly, without tools.",
        "missing_value": (
            f"the user wants this done: {target.description} "
            f"but leaves out the {name_words(task.missing or '')}; "
            'the assistant asks one precise question for it; then the user\'s next message gives it ("value") '
            f'and the assistant makes the call of {target.name} ("call").'
        ),
        "unavailable_tool": (
            f"the user asks for this: {target.description} "
            "None of the tools can do it; the assistant says so "
            "and offers what its tools can do."
        ),
        "forbidden": (
            f"the user asks for this: {target.description} "
            "The assistant's rules (its system prompt) forbid it, so the assistant says it cannot do that "
            "here and offers what else it can do."
        ),
    }
    tools = [ctx.tools[name] for name in task.tools]
    scenario, drafted = await draft(task, teacher, ctx, cases[task.kind or "unrelated"])
    system = template.render(
        instruction=cases[task.kind or "unrelated"],
        tools=tools_block(tools, ctx.compact_tools),
        style=task.style,
        today=task.now[:10],
        scenario=scenario.line(),
    )
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    continued = task.kind == "missing_value"  # the user then gives the value and the call follows
    for index in task.fewshot:
        example = ctx.category_examples[index]
        shown = {
            key: example[key]
            for key in ("request", "reply", "value", "call")
            if key in example and (continued or key in ("request", "reply"))
        }
        messages.append({"role": "user", "content": f"Write a {example['kind'].replace('_', ' ')} example."})
        messages.append({"role": "assistant", "content": json.dumps(shown, ensure_ascii=False)})
    messages.append({"role": "user", "content": f"Write a {(task.kind or 'unrelated').replace('_', ' ')} example."})
    properties: dict[str, Any] = {
        "request": {"type": "string", "minLength": 8, "maxLength": 600},
        "reply": {"type": "string", "minLength": 2, "maxLength": 800},
    }
    if continued:
        properties.update(
            value={"type": "string", "minLength": 1, "maxLength": 300}, call=call_schema(ctx.tools[task.target])
        )
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, ctx.max_tokens, wrap(properties), seed_for(task, "free")),
        MissingValueAnswer if continued else NoCallAnswer,
    )
    answer = asked.expect("the answer lacks a part it needs (request, reply, value, call)", "free")
    transcript = Transcript(task, scenario.model_dump())
    transcript.user(answer.request)
    transcript.assistant(answer.reply)
    raw = {"draft": drafted, "free": asked.text}
    if isinstance(answer, MissingValueAnswer):
        transcript.user(answer.value)
        await confirm_turn(task, teacher, ctx, transcript, [answer.call], "call", raw)
        transcript.calls([answer.call])
    prompts = [template, load_prompt("no_call/topics"), load_prompt("scenario/draft")]
    return Candidate(task, transcript.record(ctx, prompts, **_meta(task)), raw=raw)
