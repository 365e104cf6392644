"""Second solves (pairs.second_solve): a call turn that round-tripped is solved again, from the same
request and context, at ctx.second_solve; an answer that differs from the turn's reference is kept in
meta.alternatives ({"message", "calls", "temperature"}) for pipeline.pairs.build.sibling_pairs, which
pairs it with the accepted turn when the checks reject it: a real disagreement of the teacher.
A second solve that fails (the endpoint gave up, an unreadable answer) gives no alternative and
never costs the candidate its accepted turn.

Every blueprint category uses it where a turn has a reference: single (pipeline.generate.single),
each call turn of nested and multi_turn, the parallel turn (every part solved again), no_call's
continuation call and, for a request no tool serves, the decision itself (a second solver that
picks a tool where the accepted answer is words).
"""

from __future__ import annotations

from typing import Any

from filters.match import match_calls
from pipeline.errors import TeacherError
from pipeline.generate.common import Context, StepError
from pipeline.generate.steps import NONE_ACTION, fill, pick, solve
from pipeline.generate.transcript import Transcript
from pipeline.task import Task


def matches(ctx: Context, expected: list[dict[str, Any]], calls: list[dict[str, Any]]) -> bool:
    """Whether `calls` agree with `expected` as the reference check judges (filters.match)."""
    return match_calls(expected, calls, {name: tool.function.parameters for name, tool in ctx.tools.items()}).ok


def keep(transcript: Transcript, ctx: Context, message: int, expected: list[dict[str, Any]], calls: list) -> None:
    """Keep `calls` as the alternative of turn `message` when they differ from `expected`."""
    if calls != expected and not matches(ctx, expected, calls):
        transcript.alternatives.append({"message": message, "calls": calls, "temperature": ctx.second_solve})


async def second_call(
    task: Task,
    teacher,
    ctx: Context,
    transcript: Transcript,
    expected: list[dict[str, Any]],
    request: str,
    context: str,
    step: str,
    raw: dict[str, str],
) -> None:
    """Solve the turn just appended (the transcript's last message) again, when second solves are on
    and it matched `expected`; a different call is kept as its alternative."""
    message = len(transcript.messages) - 1
    turn = transcript.messages[message]
    solved_calls = [{"name": c.function.name, "arguments": c.function.arguments} for c in turn.tool_calls or []]
    if ctx.second_solve is None or not matches(ctx, expected, solved_calls):
        return
    try:
        other, more = await solve(
            task, teacher, ctx, request, context=context, step=f"second-{step}", temperature=ctx.second_solve
        )
    except (TeacherError, StepError):
        return
    raw.update(more)
    if isinstance(other, dict):
        keep(transcript, ctx, message, expected, [other])


async def second_parts(
    task: Task, teacher, ctx: Context, transcript: Transcript, parts: list[str], raw: dict[str, str]
) -> None:
    """Solve every part of the parallel turn just appended again (when it matched its blueprint);
    the calls of the second solves, when they differ, are the turn's alternative."""
    message = len(transcript.messages) - 1
    turn = transcript.messages[message]
    expected = task.blueprint or []
    solved_calls = [{"name": c.function.name, "arguments": c.function.arguments} for c in turn.tool_calls or []]
    if ctx.second_solve is None or not matches(ctx, expected, solved_calls):
        return
    calls = []
    for number, part in enumerate(parts):
        try:
            other, more = await solve(
                task, teacher, ctx, part, step=f"second-solve-{number}", temperature=ctx.second_solve
            )
        except (TeacherError, StepError):
            return
        raw.update(more)
        if other is None:
            return  # unparseable: no alternative
        if other != NONE_ACTION:
            calls.append(other)
    keep(transcript, ctx, message, expected, calls)


async def second_decision(task: Task, teacher, ctx: Context, request: str, raw: dict[str, str]) -> list | None:
    """A no_call request decided again ("none of these" offered first): the call a second solver
    makes where none was right (picked, then filled), or None when it also calls nothing."""
    if ctx.second_solve is None:
        return None
    try:
        return await _decide_again(task, teacher, ctx, request, raw)
    except (TeacherError, StepError):
        return None


async def _decide_again(task: Task, teacher, ctx: Context, request: str, raw: dict[str, str]) -> list | None:
    name, picked = await pick(
        task,
        teacher,
        ctx,
        task.tools,
        request,
        allow_none=True,
        step="second-decide-name",
        none_first=True,
        temperature=ctx.second_solve,
    )
    raw["second-decide-name"] = picked
    if name is None or name == NONE_ACTION:
        return None
    arguments, filled = await fill(task, teacher, ctx, name, request, "", "second-decide-arguments", ctx.second_solve)
    raw.update(filled)
    return None if arguments is None else [{"name": name, "arguments": arguments}]
