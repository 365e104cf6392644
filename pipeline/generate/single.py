"""`single`: one user request, one forced tool call.

free      the teacher writes the request and the call for the target tool.
blueprint the call is planned; the teacher phrases a request for it, which must ground every
          value (filters.grounding: said, aliased, dated...; else `ungrounded_value`) and must
          not copy a few-shot example (else `fewshot_copy`), both checked before any solve
          request is spent; an
          independent solve pass (told only the sample's tools, never the target) answers it; the
          candidate carries the solved call and the blueprint as its reference, so the
          reference check keeps it only when filters.match says they agree. Optional
          arguments the solver filled with values the request never states are dropped
          first (they are guesses); required ones are never touched.
"""

from __future__ import annotations

import json
from typing import Any

from filters.base import Issue, call_path
from filters.match import match_calls
from filters.quality import copied_example
from pipeline.backends.base import ChatRequest
from pipeline.errors import TeacherError
from pipeline.generate.answers import RequestAnswer, RequestCallAnswer, ask
from pipeline.generate.common import (
    Candidate,
    Context,
    StepError,
    call_schema,
    describe_call,
    failed,
    guarded,
    seed_for,
    situation,
    tools_block,
    unstated_arguments,
    wrap,
)
from pipeline.generate.confirm import Confirmation, ask_first
from pipeline.generate.steps import JUDGEMENT, draft, request_of, request_schema, solve
from pipeline.generate.transcript import Transcript
from pipeline.prompts import load_prompt
from pipeline.record import Conversation, append_path
from pipeline.task import Task

REQUEST_SCHEMA = {
    "type": "object",
    "properties": {"request": {"type": "string", "minLength": 8, "maxLength": 600}},
    "required": ["request"],
}


def literal_examples(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The few-shot examples whose request states every value as given: blueprint phrasing must
    (else `ungrounded_value`), so its prompts show only examples that follow the same rule."""
    return [example for example in examples if not unstated_arguments(example["call"]["arguments"], example["request"])]


def _copied(task: Task, ctx: Context, request: str) -> str:
    """The fewshot_copy message if `request` copies a few-shot shown to the task, else ""."""
    shown = [ctx.examples[index]["request"] for index in task.fewshot]
    copied = copied_example(request, shown)
    return "" if copied is None else f"the request copies the few-shot example {shown[copied]!r}"


def _record(
    task: Task,
    ctx: Context,
    request: str,
    call: dict[str, Any],
    versions: list,
    draft: dict[str, str] | None = None,
    confirmation: Confirmation | None = None,
) -> Conversation:
    """The single record: the request, the confirmation turns when the call asks first
    (pipeline.generate.confirm), and the call (with the blueprint as its reference)."""
    transcript = Transcript(task, draft)
    transcript.user(request)
    transcript.confirm(confirmation)
    transcript.calls([call], reference=task.blueprint)
    return transcript.record(ctx, versions)


def _request_path(record: Conversation) -> str:
    return f"messages[{next(i for i, m in enumerate(record.messages) if m.role == 'user')}].content"


async def generate_single(task: Task, teacher, ctx: Context) -> Candidate:
    """Produce one candidate for `task` in its mode."""
    return await guarded(
        task, _blueprint(task, teacher, ctx) if task.mode == "blueprint" else _free(task, teacher, ctx)
    )


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    phrase, solve, fill = load_prompt("single/phrase"), load_prompt("single/solve"), load_prompt("single/fill")
    judgement = JUDGEMENT if ctx.situation else ""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": phrase.render(style=task.style, judgement=judgement)}
    ]
    for index in task.fewshot:
        example = ctx.examples[index]
        messages.append(
            {"role": "user", "content": describe_call(example["call"], ctx.tools.get(example["call"]["name"]))}
        )
        messages.append(
            {"role": "assistant", "content": json.dumps({"request": example["request"]}, ensure_ascii=False)}
        )
    assert task.blueprint is not None
    described = describe_call(task.blueprint[0], ctx.tools[task.target], task.surface)
    messages.append({"role": "user", "content": f"{situation(task)}\n{described}" if ctx.situation else described})
    asked = await ask(
        teacher,
        ChatRequest(
            messages, task.temperature, min(ctx.max_tokens, 160), request_schema(ctx), seed_for(task, "phrase")
        ),
        RequestAnswer,
    )
    asked.expect("the phrasing answer has no request", "phrase")
    request = request_of(asked, "phrase") or ""
    copied = _copied(task, ctx, request)
    target = task.blueprint[0]
    unstated = (
        []
        if copied
        else ctx.grounding.ungrounded_keys(
            target["arguments"], ctx.tools[task.target].function.parameters, request, task.now
        )
    )
    if copied or unstated:  # checked before any solve request is spent
        record = _record(task, ctx, request, target, [phrase])
        if copied:
            issue = Issue("generate", "fewshot_copy", _request_path(record), copied)
        else:  # the request leaves out a planned value: no solver can round-trip it
            issue = Issue(
                "generate",
                "ungrounded_value",
                append_path(call_path(len(record.messages) - 1, 0), f"function.arguments.{unstated[0]}"),
                f"the request does not ground {', '.join(unstated)}",
            )
        return Candidate(task, record, [issue], {"phrase": asked.text})
    call, raw = await _solve(task, teacher, ctx, request)
    if call is None:
        record = _record(task, ctx, request, {"name": "", "arguments": {}}, [phrase, solve, fill])
        return failed(task, "unparseable_output", "the solve answer is not a call", record, phrase=asked.text, **raw)
    confirmation = await ask_first(task, teacher, ctx, f"user: {request}", [call], "call")
    raw.update(confirmation.raw if confirmation else {})
    record = _record(task, ctx, request, call, [phrase, solve, fill], confirmation=confirmation)
    if ctx.second_solve is not None and _matches(ctx, task.blueprint, call):
        await _second_solve(task, teacher, ctx, request, record, raw)
    return Candidate(task, record, raw={"phrase": asked.text, **raw})


def _matches(ctx: Context, expected: list[dict[str, Any]], call: dict[str, Any]) -> bool:
    return match_calls(expected, [call], {name: tool.function.parameters for name, tool in ctx.tools.items()}).ok


async def _second_solve(
    task: Task, teacher, ctx: Context, request: str, record: Conversation, raw: dict[str, str]
) -> None:
    """Solve the same request again at `ctx.second_solve`; a different answer is kept in
    meta.alternatives for pipeline.pairs: a rejected sibling of a turn that round-tripped
    (pipeline.generate.second does the same for the other categories)."""
    try:
        other, more = await solve(task, teacher, ctx, request, step="second-solve", temperature=ctx.second_solve)
    except (TeacherError, StepError):  # no alternative; the accepted turn is not the second solve's to lose
        return
    raw.update(more)
    if isinstance(other, dict) and not _matches(ctx, task.blueprint or [], other):
        record.meta["alternatives"] = [
            {"message": len(record.messages) - 1, "calls": [other], "temperature": ctx.second_solve}
        ]


async def _solve(task: Task, teacher, ctx: Context, request: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Answer the request with the sample's tools, never told the target (steps.solve: pick a
    tool by what it does, then fill only that tool's arguments)."""
    call, raw = await solve(task, teacher, ctx, request)
    return (call if isinstance(call, dict) else None), raw


async def _free(task: Task, teacher, ctx: Context) -> Candidate:
    free = load_prompt("single/free")
    tools = [ctx.tools[name] for name in task.tools]
    scenario, drafted = await draft(task, teacher, ctx, ctx.tools[task.target].function.description)
    system = free.render(
        target=task.target,
        tools=tools_block(tools, ctx.compact_tools),
        today=task.now[:10],
        style=task.style,
        scenario=scenario.line(),
    )
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for index in task.fewshot:
        example = ctx.examples[index]
        messages.append(
            {"role": "user", "content": f'Write the request and the call for the tool "{example["call"]["name"]}".'}
        )
        messages.append(
            {
                "role": "assistant",
                "content": json.dumps({"request": example["request"], "call": example["call"]}, ensure_ascii=False),
            }
        )
    messages.append({"role": "user", "content": f'Write the request and the call for the tool "{task.target}".'})
    schema = wrap({"request": REQUEST_SCHEMA["properties"]["request"], "call": call_schema(ctx.tools[task.target])})
    asked = await ask(
        teacher,
        ChatRequest(messages, task.temperature, ctx.max_tokens, schema, seed_for(task, "free")),
        RequestCallAnswer,
    )
    answer = asked.expect("the answer has no request and call", "free")
    confirmation = await ask_first(task, teacher, ctx, f"user: {answer.request}", [answer.call], "call")
    record = _record(
        task,
        ctx,
        answer.request,
        answer.call,
        [free, load_prompt("scenario/draft")],
        scenario.model_dump(),
        confirmation,
    )
    raw = {"draft": drafted, "free": asked.text, **(confirmation.raw if confirmation else {})}
    return Candidate(task, record, raw=raw)
