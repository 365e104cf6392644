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
import random
from typing import Any, Mapping

from filters.base import Issue, call_path
from pipeline.backends.base import ChatRequest
from pipeline.errors import TeacherError
from filters.grounding import GroundingCheck, GroundingOptions
from filters.quality import copied_example
from pipeline.generate.common import (Candidate, Context, action_options, call_schema, describe_call, drop_unstated_optionals, signature, wrap,
                                      parse_json_object, seed_for, tools_block, unstated_arguments)
from pipeline.plan import Task, nearest_examples
from pipeline.prompts import combined_version, load_prompt
from pipeline.record import Conversation, FunctionCall, Message, Tool, ToolCall, append_path

REQUEST_SCHEMA = {"type": "object", "properties": {"request": {"type": "string", "minLength": 8, "maxLength": 600}},
                  "required": ["request"]}


SingleContext = Context  # the name single-only callers know


def literal_examples(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The few-shot examples whose request states every value as given: blueprint phrasing must
    (else `ungrounded_value`), so its prompts show only examples that follow the same rule."""
    return [example for example in examples if not unstated_arguments(example["call"]["arguments"], example["request"])]


def _copied(task: Task, ctx: SingleContext, request: str) -> str:
    """The fewshot_copy message if `request` copies a few-shot shown to the task, else ""."""
    shown = [ctx.examples[index]["request"] for index in task.fewshot]
    copied = copied_example(request, shown)
    return "" if copied is None else f"the request copies the few-shot example {shown[copied]!r}"


def _fail(task: Task, code: str, message: str, record: Conversation | None = None, **raw: str) -> Candidate:
    return Candidate(task, record, [Issue("generate", code, "", message)], dict(raw))


def _record(task: Task, ctx: SingleContext, request: str, call: dict[str, Any], versions: list) -> Conversation:
    messages = [Message(role="system", content=task.system_prompt)] if task.system_prompt else []
    messages.append(Message(role="user", content=request))
    arguments = call.get("arguments", {})
    if not isinstance(arguments, (dict, str)):  # kept as text so the format check names it
        arguments = json.dumps(arguments)
    messages.append(Message(role="assistant", content=None, tool_calls=[
        ToolCall(id=task.call_ids[0], function=FunctionCall(name=str(call.get("name", "")), arguments=arguments))]))
    meta: dict[str, Any] = {
        "task": task.id, "task_index": task.index, "mode": task.mode,
        "teacher": {"model": ctx.teacher_name, "temperature": task.temperature},
        "prompt_version": combined_version(*versions), "now": task.now, "tool_results": [],
        "fewshot": [ctx.examples[index]["request"] for index in task.fewshot],  # for the fewshot_copy check
    }
    if task.blueprint is not None:
        meta["teacher"]["solve_temperature"] = ctx.solve_temperature
        meta["reference"] = [{"message": len(messages) - 1, "calls": task.blueprint}]
    return Conversation(id=task.id, category=task.category, tools=[ctx.tools[name] for name in task.tools],
                        messages=messages, meta=meta)


async def generate_single(task: Task, teacher, ctx: SingleContext) -> Candidate:
    """Produce one candidate for `task` in its mode."""
    try:
        if task.mode == "blueprint":
            return await _blueprint(task, teacher, ctx)
        return await _free(task, teacher, ctx)
    except TeacherError as error:
        return _fail(task, "teacher_error", str(error))


async def _blueprint(task: Task, teacher, ctx: SingleContext) -> Candidate:
    phrase, solve, fill = load_prompt("single/phrase"), load_prompt("single/solve"), load_prompt("single/fill")
    messages: list[dict[str, Any]] = [{"role": "system", "content": phrase.render(style=task.style)}]
    for index in task.fewshot:
        example = ctx.examples[index]
        messages.append({"role": "user", "content": describe_call(example["call"], ctx.tools.get(example["call"]["name"]))})
        messages.append({"role": "assistant", "content": json.dumps({"request": example["request"]}, ensure_ascii=False)})
    assert task.blueprint is not None
    messages.append({"role": "user", "content": describe_call(task.blueprint[0], ctx.tools[task.target], task.surface)})
    answer = await teacher.complete(ChatRequest(messages, task.temperature, min(ctx.max_tokens, 160), REQUEST_SCHEMA, seed_for(task, "phrase")))
    request = (parse_json_object(answer.text) or {}).get("request")
    if not isinstance(request, str) or not request.strip():
        return _fail(task, "unparseable_output", "the phrasing answer has no request", phrase=answer.text)
    request = request.strip()
    copied = _copied(task, ctx, request)
    target = task.blueprint[0]
    unstated = [] if copied else ctx.grounding.ungrounded_keys(target["arguments"], ctx.tools[task.target].function.parameters, request, task.now)
    if copied or unstated:  # checked before any solve request is spent
        record = _record(task, ctx, request, target, [phrase])
        if copied:
            issue = Issue("generate", "fewshot_copy", f"messages[{len(record.messages) - 2}].content", copied)
        else:  # the request leaves out a planned value: no solver can round-trip it
            issue = Issue("generate", "ungrounded_value", append_path(call_path(len(record.messages) - 1, 0), f"function.arguments.{unstated[0]}"),
                          f"the request does not ground {', '.join(unstated)}")
        return Candidate(task, record, [issue], {"phrase": answer.text})
    call, raw = await _solve(task, teacher, ctx, request)
    if call is None:
        record = _record(task, ctx, request, {"name": "", "arguments": {}}, [phrase, solve, fill])
        return _fail(task, "unparseable_output", "the solve answer is not a call", record, phrase=answer.text, **raw)
    return Candidate(task, _record(task, ctx, request, call, [phrase, solve, fill]), raw={"phrase": answer.text, **raw})


async def _solve(task: Task, teacher, ctx: SingleContext, request: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """Answer the request with the sample's tools, never told the target: pick a tool, then fill it.

    Two small constrained steps instead of one anyOf over every tool: small teachers choose
    better, and llama.cpp grammars stay small. The pick step chooses among what the tools do
    (action_options); the fill step sees only the chosen tool.
    """
    tools = [ctx.tools[name] for name in task.tools]
    options = action_options(tools)
    messages = [{"role": "system", "content": load_prompt("single/solve").render(actions="\n".join(f"- {o}" for o in options))},
                {"role": "user", "content": request}]
    pick_schema = {"type": "object", "properties": {"action": {"type": "string", "enum": options}}, "required": ["action"]}
    picked = await teacher.complete(ChatRequest(messages, ctx.solve_temperature, 96, pick_schema, seed_for(task, "solve-name")))
    action = (parse_json_object(picked.text) or {}).get("action")
    if action not in options:
        return None, {"solve_name": picked.text}
    name = task.tools[options.index(action)]
    fill = [{"role": "system", "content": load_prompt("single/fill").render(today=task.now[:10])}]
    # one request -> arguments pair for the chosen tool teaches a small teacher to copy values
    # (bench: as good as three, at half the prompt); chosen by the solver's pick, not the target
    shots = nearest_examples(ctx.example_tools, ctx.domains, name, 1, random.Random(seed_for(task, "fill-shots")))
    for index in shots:
        example = ctx.examples[index]
        shown = ctx.tools.get(example["call"]["name"])
        if shown is not None:
            fill.append({"role": "user", "content": f"Tool: {signature(shown)}\nRequest: {example['request']}"})
            fill.append({"role": "assistant", "content": json.dumps({"arguments": example["call"]["arguments"]}, ensure_ascii=False)})
    fill.append({"role": "user", "content": f"Tool: {signature(ctx.tools[name])}\nRequest: {request}"})
    arguments_schema = wrap({"arguments": ctx.tools[name].function.parameters})
    filled = await teacher.complete(ChatRequest(fill, ctx.solve_temperature, ctx.max_tokens, arguments_schema, seed_for(task, "solve-arguments")))
    arguments = (parse_json_object(filled.text) or {}).get("arguments")
    raw = {"solve_name": picked.text, "solve_arguments": filled.text}
    if not isinstance(arguments, dict):
        return None, raw
    parameters = ctx.tools[name].function.parameters
    ungrounded = ctx.grounding.ungrounded_keys(arguments, parameters, request, task.now)
    arguments, dropped = drop_unstated_optionals(arguments, parameters, request, ungrounded)
    if dropped:
        raw["dropped_optionals"] = ", ".join(dropped)
    return {"name": name, "arguments": arguments}, raw


async def _free(task: Task, teacher, ctx: SingleContext) -> Candidate:
    free = load_prompt("single/free")
    tools = [ctx.tools[name] for name in task.tools]
    system = free.render(target=task.target, tools=tools_block(tools, ctx.compact_tools), today=task.now[:10], style=task.style)
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}]
    for index in task.fewshot:
        example = ctx.examples[index]
        messages.append({"role": "user", "content": f'Write the request and the call for the tool "{example["call"]["name"]}".'})
        messages.append({"role": "assistant", "content": json.dumps({"request": example["request"], "call": example["call"]}, ensure_ascii=False)})
    messages.append({"role": "user", "content": f'Write the request and the call for the tool "{task.target}".'})
    schema = wrap({"request": REQUEST_SCHEMA["properties"]["request"], "call": call_schema(ctx.tools[task.target])})
    answer = await teacher.complete(ChatRequest(messages, task.temperature, ctx.max_tokens, schema, seed_for(task, "free")))
    parsed = parse_json_object(answer.text) or {}
    request, call = parsed.get("request"), parsed.get("call")
    if not isinstance(request, str) or not request.strip() or not isinstance(call, dict):
        return _fail(task, "unparseable_output", "the answer has no request and call", free=answer.text)
    return Candidate(task, _record(task, ctx, request.strip(), call, [free]), raw={"free": answer.text})
