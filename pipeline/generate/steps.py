"""Teacher steps every category composes: phrase a request, solve it, split it, write a reply.

Each step is one constrained request (a small JSON object), so a small teacher stays parseable
and a rerun asks the same question (the request seed comes from the task and the step name); its
answer is read through answers.ask into a small pydantic model (None when it does not fit).
`context` is the conversation so far as plain lines (transcript.render_messages); with it the
solver reads values said in earlier turns and results returned by earlier calls.
"""

from __future__ import annotations

import json
import random
from functools import cache
from typing import Any

from filters.base import run_checks
from filters.checks import default_checks
from filters.quality import copied_example
from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import (
    ActionAnswer,
    ArgumentsAnswer,
    Asked,
    CallAnswer,
    MessageAnswer,
    PartsAnswer,
    ReplyAnswer,
    RequestAnswer,
    ScenarioDraft,
    ask,
)
from pipeline.generate.common import (
    Candidate,
    Context,
    StepError,
    action_options,
    call_schema,
    describe_call,
    drop_unstated_optionals,
    failed,
    seed_for,
    signature,
    situation,
    wrap,
)
from pipeline.generate.transcript import Transcript, fewshot_texts
from pipeline.prompts import load_prompt
from pipeline.seeds import load_examples
from pipeline.task import Task, nearest_examples

NONE_ACTION = "None of these: reply without calling a tool"
REQUEST_SCHEMA = {
    "type": "object",
    "properties": {"request": {"type": "string", "minLength": 8, "maxLength": 600}},
    "required": ["request"],
}
# a strong teacher may refuse a plan that makes no sense for the user and the day (implausible_plan)
PLAUSIBLE_REQUEST_SCHEMA = {
    "type": "object",
    "properties": {
        "request": REQUEST_SCHEMA["properties"]["request"],
        "implausible": {"type": "string", "minLength": 8, "maxLength": 300},
    },
    "minProperties": 1,
}
JUDGEMENT = (
    "- If the values make no sense together for this user today (a booking in the past, a walk between "
    'two continents, a party of forty at a bistro), reply {"implausible": "<why, in one sentence>"} instead.'
)
REPLY_SCHEMA = {
    "type": "object",
    "properties": {"reply": {"type": "string", "minLength": 2, "maxLength": 800}},
    "required": ["reply"],
}
# one question, ending in "?" (a plain pattern: llama.cpp grammars keep it, so even a small teacher asks)
QUESTION_SCHEMA = {
    "type": "object",
    "properties": {"reply": {"type": "string", "minLength": 8, "maxLength": 300, "pattern": "^[^?]+[?]$"}},
    "required": ["reply"],
}
MESSAGE_SCHEMA = {
    "type": "object",
    "properties": {"message": {"type": "string", "minLength": 2, "maxLength": 400}},
    "required": ["message"],
}


def describe_calls(calls: list[dict[str, Any]], ctx: Context, surfaces: list[dict[str, str]] | None = None) -> str:
    """Several calls for one phrasing prompt, numbered when more than one."""
    surfaces = surfaces or [{} for _ in calls]
    parts = [describe_call(call, ctx.tools.get(call["name"]), surface) for call, surface in zip(calls, surfaces)]
    if len(parts) == 1:
        return parts[0]
    return "\n\n".join(f"Part {number}:\n{part}" for number, part in enumerate(parts, start=1))


async def phrase(
    task: Task,
    teacher,
    ctx: Context,
    described: str,
    shots: list[tuple[str, str]],
    prompt: str = "single/phrase",
    context: str = "",
    step: str = "phrase",
    **values: str,
) -> tuple[str | None, str]:
    """The user's words for `described` (describe_calls text); returns (request or None, raw answer).

    `shots` are (described, request) pairs shown first; `context` the conversation so far.
    """
    template = load_prompt(prompt)
    system = template.render(style=task.style, judgement=JUDGEMENT if ctx.situation else "", **values)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for shown, request in shots:
        messages.append({"role": "user", "content": shown})
        messages.append({"role": "assistant", "content": json.dumps({"request": request}, ensure_ascii=False)})
    if ctx.situation:
        described = f"{situation(task)}\n{described}"
    content = f"Conversation so far:\n{context}\n\nNext message:\n{described}" if context else described
    messages.append({"role": "user", "content": content})
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, min(ctx.max_tokens, 200), request_schema(ctx), seed_for(task, step)),
        RequestAnswer,
    )
    return request_of(asked, step), asked.text


def request_schema(ctx: Context) -> dict[str, Any]:
    """The phrasing answer's schema: a request, or (strong teachers) why the plan is implausible."""
    return PLAUSIBLE_REQUEST_SCHEMA if ctx.situation else REQUEST_SCHEMA


def request_of(asked: Any, step: str) -> str | None:
    """The phrased request (None when the answer does not fit); a teacher's reason why the plan is
    implausible stops the candidate as `implausible_plan`, counted in the funnel."""
    value = asked.value
    if value is not None and (value.implausible or "").strip():
        raise StepError("implausible_plan", f"the phrasing teacher: {value.implausible.strip()}", **{step: asked.text})
    return value.request if value is not None else None


def single_shots(task: Task, ctx: Context, name: str, k: int = 2) -> list[tuple[str, str]]:
    """(described call, request) pairs from the single few-shots nearest to tool `name`."""
    rng = random.Random(seed_for(task, f"shots-{name}"))
    shots = []
    for index in nearest_examples(ctx.example_tools, ctx.domains, name, k, rng):
        example = ctx.examples[index]
        shots.append((describe_call(example["call"], ctx.tools.get(example["call"]["name"])), example["request"]))
    return shots


def ungrounded_calls(ctx: Context, calls: list[dict[str, Any]], text: str, now: str) -> list[str]:
    """`name.argument` for every planned value the text does not ground (the phrasing gate)."""
    missing = []
    for call in calls:
        parameters = ctx.tools[call["name"]].function.parameters
        missing += [
            f"{call['name']}.{key}" for key in ctx.grounding.ungrounded_keys(call["arguments"], parameters, text, now)
        ]
    return missing


async def pick(
    task: Task,
    teacher,
    ctx: Context,
    tools: list[str],
    request: str,
    context: str = "",
    allow_none: bool = False,
    step: str = "solve-name",
    none_first: bool = False,
    temperature: float | None = None,
) -> tuple[str | None, str]:
    """The tool the request needs among `tools` (NONE_ACTION when allowed and chosen); None if unparseable.
    `none_first` lists "none of these" first, where a small model looks (a no_call decision)."""
    options = action_options([ctx.tools[name] for name in tools])
    if allow_none:
        options = [NONE_ACTION, *options] if none_first else [*options, NONE_ACTION]
    messages = [
        {"role": "system", "content": load_prompt("single/solve").render(actions="\n".join(f"- {o}" for o in options))},
        {
            "role": "user",
            "content": f"Conversation so far:\n{context}\n\nLatest request:\n{request}" if context else request,
        },
    ]
    schema = {"type": "object", "properties": {"action": {"type": "string", "enum": options}}, "required": ["action"]}
    temperature = ctx.solve_temperature if temperature is None else temperature
    asked = await ask(teacher, ChatRequest(messages, temperature, 96, schema, seed_for(task, step)), ActionAnswer)
    action = asked.value.action if asked.value is not None else None
    if action not in options:
        return None, asked.text
    return (
        NONE_ACTION if action == NONE_ACTION else tools[options.index(action) - (allow_none and none_first)]
    ), asked.text


async def fill(
    task: Task,
    teacher,
    ctx: Context,
    name: str,
    request: str,
    context: str = "",
    step: str = "solve-arguments",
    temperature: float | None = None,
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The arguments of tool `name` for the request; optional guesses the text never states are dropped."""
    messages = [{"role": "system", "content": load_prompt("single/fill").render(today=task.now[:10])}]
    # one request -> arguments pair for the chosen tool teaches a small teacher to copy values
    shots_seed = seed_for(task, "fill-shots" if step == "solve-arguments" else f"fill-shots-{step}")
    for index in nearest_examples(ctx.example_tools, ctx.domains, name, 1, random.Random(shots_seed)):
        example = ctx.examples[index]
        shown = ctx.tools.get(example["call"]["name"])
        if shown is not None:
            messages.append({"role": "user", "content": f"Tool: {signature(shown)}\nRequest: {example['request']}"})
            messages.append(
                {
                    "role": "assistant",
                    "content": json.dumps({"arguments": example["call"]["arguments"]}, ensure_ascii=False),
                }
            )
    said = f"\nConversation so far:\n{context}" if context else ""
    messages.append({"role": "user", "content": f"Tool: {signature(ctx.tools[name])}{said}\nRequest: {request}"})
    asked = await ask(
        teacher,
        ChatRequest(
            messages,
            ctx.solve_temperature if temperature is None else temperature,
            ctx.max_tokens,
            wrap({"arguments": ctx.tools[name].function.parameters}),
            seed_for(task, step),
        ),
        ArgumentsAnswer,
    )
    raw = {step: asked.text}
    if asked.value is None:
        return None, raw
    arguments = asked.value.arguments
    parameters = ctx.tools[name].function.parameters
    text = f"{context}\n{request}"
    ungrounded = ctx.grounding.ungrounded_keys(arguments, parameters, text, task.now)
    arguments, dropped = drop_unstated_optionals(arguments, parameters, text, ungrounded)
    if dropped:
        raw[f"{step}-dropped"] = ", ".join(dropped)
    return arguments, raw


async def solve(
    task: Task,
    teacher,
    ctx: Context,
    request: str,
    context: str = "",
    allow_none: bool = False,
    tools: list[str] | None = None,
    step: str = "solve",
    temperature: float | None = None,
) -> tuple[dict[str, Any] | str | None, dict[str, str]]:
    """Pick a tool, then fill it: a call, NONE_ACTION, or None when an answer was unparseable
    (at the context's solve temperature unless `temperature` is given)."""
    name, picked = await pick(
        task, teacher, ctx, tools or task.tools, request, context, allow_none, f"{step}-name", temperature=temperature
    )
    raw = {f"{step}-name": picked}
    if name is None or name == NONE_ACTION:
        return name, raw
    arguments, filled = await fill(task, teacher, ctx, name, request, context, f"{step}-arguments", temperature)
    raw.update(filled)
    return (None if arguments is None else {"name": name, "arguments": arguments}), raw


async def split(task: Task, teacher, ctx: Context, request: str, most: int) -> tuple[list[str] | None, str]:
    """The separate things a request asks for, one short request each (parallel solving)."""
    messages = [
        {"role": "system", "content": load_prompt("parallel/split").render(most=most)},
        {"role": "user", "content": request},
    ]
    schema = {
        "type": "object",
        "properties": {
            "parts": {
                "type": "array",
                "items": {"type": "string", "minLength": 3, "maxLength": 300},
                "minItems": 1,
                "maxItems": most,
            }
        },
        "required": ["parts"],
    }
    asked = await ask(
        teacher,
        ChatRequest(messages, ctx.solve_temperature, ctx.max_tokens, schema, seed_for(task, "split")),
        PartsAnswer,
    )
    return (asked.value.parts if asked.value is not None else None), asked.text


DRAFT_SCHEMA = wrap({key: {"type": "string", "minLength": 3, "maxLength": 300} for key in ("who", "when", "what")})


async def draft(task: Task, teacher, ctx: Context, needs: str) -> tuple[ScenarioDraft, str]:
    """Free mode's scenario (who, when, what) for the task's user and day, drafted before the
    request is written from it (it goes to meta.scenario.draft); StepError when unreadable."""
    system = load_prompt("scenario/draft").render(situation=situation(task), needs=needs)
    asked = await ask(
        teacher,
        ChatRequest(
            [{"role": "system", "content": system}, {"role": "user", "content": "Draft the scenario."}],
            task.temperature,
            min(ctx.max_tokens, 300),
            DRAFT_SCHEMA,
            seed_for(task, "draft"),
        ),
        ScenarioDraft,
    )
    return asked.expect("the scenario draft has no who, when and what", "draft"), asked.text


def answer_shots(task: Task, ctx: Context) -> list[tuple[str, str]]:
    """(conversation, answer) from the nested few-shot chain nearest to the task's tool, when the
    run shows answers an example (`plan.answer_shots`: a small teacher wrote "164.0" without one)."""
    if not ctx.answer_shots:
        return []
    examples = _chains()
    names = [example["steps"][0]["call"]["name"] for example in examples]
    rng = random.Random(seed_for(task, "answer-shots"))
    shots = []
    for index in nearest_examples(names, ctx.domains, task.target, ctx.answer_shots, rng):
        example = examples[index]
        lines = [f"user: {example['request']}"]
        for step in example["steps"]:
            name, arguments = step["call"]["name"], json.dumps(step["call"]["arguments"], ensure_ascii=False)
            lines += [
                f"assistant called {name}({arguments})",
                f"tool {name} returned: {json.dumps(step['result'], ensure_ascii=False)}",
            ]
        shots.append(("\n".join(lines), example["answer"]))
    return shots


@cache
def _chains() -> list[dict[str, Any]]:
    return load_examples("nested")


async def reply(
    task: Task,
    teacher,
    ctx: Context,
    context: str,
    instruction: str,
    step: str,
    schema: dict[str, Any] = REPLY_SCHEMA,
    shots: list[tuple[str, str]] = (),
) -> tuple[str | None, str]:
    """The assistant's words (a final answer, a follow-up question, a plain answer) for the
    conversation; `shots` are (conversation, reply) pairs shown first (answer_shots)."""
    messages = [
        {
            "role": "system",
            "content": load_prompt("reply/assistant").render(instruction=instruction, today=task.now[:10]),
        }
    ]
    for shown, said in shots:
        messages.append({"role": "user", "content": shown})
        messages.append({"role": "assistant", "content": json.dumps({"reply": said}, ensure_ascii=False)})
    messages.append({"role": "user", "content": context})
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, min(ctx.max_tokens, 300), schema, seed_for(task, step)),
        ReplyAnswer,
    )
    return (asked.value.reply if asked.value is not None else None), asked.text


async def checked_reply(
    task: Task,
    teacher,
    ctx: Context,
    transcript: Transcript,
    instruction: str,
    step: str,
    prompts,
    shots: list[tuple[str, str]] = (),
    schema: dict[str, Any] = REPLY_SCHEMA,
    **meta: Any,
) -> tuple[str | None, str]:
    """The assistant's next words for the conversation (`reply`). With `ctx.reply_tries` > 1 words
    the answer checks fault (answer_faults, on the record with `meta`) are asked again under another
    seed, up to that many asks in all; the first clean reply is kept, else the last (the check
    chain then rejects it)."""
    text, raw = None, ""
    for attempt in range(max(1, ctx.reply_tries)):
        name = step if attempt == 0 else f"{step}-again-{attempt}"
        text, raw = await reply(task, teacher, ctx, transcript.rendered(), instruction, name, schema, shots)
        if text is None or attempt + 1 >= ctx.reply_tries:
            break
        transcript.assistant(text)
        faults = answer_faults(transcript.record(ctx, prompts, **meta), len(transcript.messages) - 1)
        transcript.messages.pop()
        if not faults:
            break
    return text, raw


@cache
def _answer_checks() -> list:
    return default_checks(["category", "quality"])


def answer_faults(record, index: int) -> list[str]:
    """The codes the answer checks (category: inconsistent_answer; quality: non_answer, refusal,
    echo_reply, leaks) give `record.messages[index]`, with their default options."""
    where = f"messages[{index}]"
    return [
        issue.code
        for issue in run_checks(record, _answer_checks())
        if issue.path == where or issue.path.startswith((f"{where}.", f"{where}["))
    ]


async def user_message(
    task: Task, teacher, ctx: Context, context: str, instruction: str, step: str
) -> tuple[str | None, str]:
    """The user's next message (chat turns, giving a missing value) for the conversation."""
    messages = [
        {"role": "system", "content": load_prompt("reply/user").render(instruction=instruction, style=task.style)},
        {"role": "user", "content": context or "(the conversation starts now)"},
    ]
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, min(ctx.max_tokens, 200), MESSAGE_SCHEMA, seed_for(task, step)),
        MessageAnswer,
    )
    return (asked.value.message if asked.value is not None else None), asked.text


def gate(
    task: Task,
    ctx: Context,
    transcript: Transcript,
    request: str,
    calls: list[dict[str, Any]],
    prompts,
    text: str = "",
    **raw: str,
) -> Candidate | None:
    """Reject a phrased request before any solve request is spent: it copies a few-shot, or
    leaves out a planned value (no solver could round-trip it)."""
    shown = fewshot_texts(task, ctx)
    copied = copied_example(request, shown) if shown else None
    missing = [] if copied is not None else ungrounded_calls(ctx, calls, f"{text}\n{request}", task.now)
    if copied is None and not missing:
        return None
    record = transcript.record(ctx, prompts)
    path = f"messages[{len(record.messages) - 1}].content"
    if copied is not None:
        return failed(
            task, "fewshot_copy", f"the request copies the few-shot example {shown[copied]!r}", record, path, **raw
        )
    return failed(task, "ungrounded_value", f"the request does not ground {', '.join(missing)}", record, path, **raw)


async def next_call(
    task: Task, teacher, ctx: Context, system: str, transcript: Transcript, name: str, step: str
) -> Asked:
    """Free mode: the teacher's call of `name` for the conversation so far (`system` says what to do)."""
    messages = [{"role": "system", "content": system}, {"role": "user", "content": transcript.rendered()}]
    schema = wrap({"call": call_schema(ctx.tools[name])})
    return await ask(
        teacher, ChatRequest(messages, task.temperature, ctx.max_tokens, schema, seed_for(task, step)), CallAnswer
    )
