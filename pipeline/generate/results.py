"""Tool results for generated calls.

A result comes from, in order of preference:
- `executed`: the seed's real Python executor (pipeline.execute: subprocess, keyword
  arguments, timeout, empty environment), for read-only tools, and for tools that change data
  only when the config says `execute_side_effects`;
- `mocked`: a deterministic stand-in built from the tool's result schema (the config's
  `tool_results: mock`, the embedded default, whose 135M teacher cannot write results);
- `simulated`: the teacher writes the result, which must validate against the result schema.
A tool without a result schema gets a mocked `{"status": "ok"}` unless it has an executor.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from filters.schema import validator_for
from pipeline.backends.base import ChatRequest
from pipeline.execute import execute, mock_result, validate_result
from pipeline.generate.common import Context, StepError, parse_json_object, seed_for
from pipeline.generate.transcript import Transcript
from pipeline.prompts import load_prompt
from pipeline.task import Task


class ResultError(StepError):
    """A result could not be made: the executor failed or the teacher's result broke the schema."""


async def tool_result(
    task: Task, teacher, ctx: Context, call: dict[str, Any], step: str, needed: Sequence[str] = ()
) -> tuple[Any, str]:
    """(result, provenance) for one call; ResultError when none can be made. A mocked result always
    holds the fields on the `needed` paths (a later chain step reads them)."""
    seed = ctx.seeds.get(call["name"])
    arguments = call.get("arguments") if isinstance(call.get("arguments"), dict) else {}
    if seed is not None and seed.executor and (seed.read_only or ctx.execute_side_effects):
        run = await asyncio.to_thread(execute, seed, arguments)
        if run.error:
            raise ResultError("tool_error", f"{call['name']} executor: {run.error}")
        return run.result, "executed"
    if seed is None or seed.result_schema is None or ctx.tool_results == "mock":
        mocked = mock_result(seed, arguments, seed_for(task, step), needed) if seed is not None else {"status": "ok"}
        return mocked, "mocked"
    return await _simulate(task, teacher, ctx, seed, call, arguments, step, needed), "simulated"


async def _simulate(
    task: Task,
    teacher,
    ctx: Context,
    seed,
    call: dict[str, Any],
    arguments: dict[str, Any],
    step: str,
    needed: Sequence[str] = (),
) -> Any:
    city = ((task.scenario or {}).get("persona") or {}).get("home_city")
    home = (
        f"The user lives in {city}: a place the arguments neither name nor locate (by coordinates) is near there."
        if city
        else ""
    )
    prompt = load_prompt("tools/simulate").render(
        name=seed.name, description=seed.description, today=task.now[:10], home=home
    )
    content = f"Tool: {seed.name}\nArguments: {json.dumps(arguments, ensure_ascii=False)}"
    if needed:  # a later chain step reads these: a result without them would leave the chain half-linked
        content += f"\nThe result must include: {', '.join(needed)}"
    answer = await teacher.complete(
        ChatRequest(
            [{"role": "system", "content": prompt}, {"role": "user", "content": content}],
            task.temperature,
            ctx.max_tokens,
            seed.result_schema,
            seed_for(task, step),
        )
    )
    result = parse_json_object(answer.text)
    problem = "the answer is not a JSON object" if result is None else validate_result(seed, result)
    if problem:
        raise ResultError("invalid_tool_result", f"simulated {call['name']} result: {problem}")
    return result


def callable_as_is(ctx: Context, calls: list[dict[str, Any]]) -> bool:
    """Whether every call fits its tool's schema, so making its result is worth it; a generator
    stops at a call that does not, and the schema check names what is wrong."""
    for call in calls:
        tool = ctx.tools.get(call.get("name", ""))
        if (
            tool is None
            or not isinstance(call.get("arguments"), dict)
            or validator_for(tool.function.parameters).errors(call["arguments"])
        ):
            return False
    return True


async def answer_calls(
    task: Task,
    teacher,
    ctx: Context,
    transcript: Transcript,
    ids: list[str],
    calls: list[dict[str, Any]],
    step: str,
    needed: Sequence[str] = (),
) -> list[Any]:
    """Append the tool message of each call (in order); returns the results. `needed`: result
    paths a later step reads (tool_result)."""
    results = []
    for number, (call_id, call) in enumerate(zip(ids, calls)):
        result, provenance = await tool_result(task, teacher, ctx, call, f"{step}-result-{number}", needed)
        transcript.result(call_id, call["name"], result, provenance)
        results.append(result)
    return results
