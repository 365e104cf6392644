"""`nested`: calls in sequence, a later call's argument taken from an earlier tool result.

The chain follows links the seeds declare (this tool's output field feeds that tool's input).
blueprint the chain's calls are planned except their linked arguments; one request is phrased
          for the whole task (stating every planned value and how to choose each item a result
          gives, "book the cheapest one", never a linked value); then, step by step, a solver
          sees the request, its calls so far and their results, and makes the next call, which
          must match the plan with the linked arguments read from the item the link's selection
          rule picks (filters.selection), all from that one item. Each result is executed,
          mocked or simulated (generate/results.py); a made-up one is settled so the rule picks
          exactly one item (generate/settle.py). A last step writes the answer from the results.
free      the teacher writes the request and the first call, then each next call from the
          results so far, then the answer.
Both record the planned links in `meta.links`, which filters.chain replays: a chain whose
later call ignores the earlier result is `unused_tool_result`, one that takes another item than
the rule picks is `wrong_selection`.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from filters.answers import lists_of_objects
from filters.chain import selected_value, values_at
from filters.match import match_calls
from filters.quality import copied_example
from filters.schema import fits_parameter
from filters.selection import rule_words
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
from pipeline.generate.recovery import EXPLAIN, recover
from pipeline.generate.results import callable_as_is, tool_result
from pipeline.generate.second import second_call
from pipeline.generate.settle import settle
from pipeline.generate.steps import (
    answer_shots,
    checked_reply,
    describe_calls,
    draft,
    gate,
    next_call,
    phrase,
    single_shots,
    solve,
    ungrounded_calls,
)
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
    """The chain for the phrasing prompt: each step's values, the values a result will give with
    how the user chooses the item they come from ("the cheapest one"), and why the step follows."""
    surfaces = surfaces or [{}] * len(calls)
    return "\n\n".join(
        f"Step {step + 1}:\n"
        + describe_step(
            call,
            [link for link in links if link["step"] == step],
            ctx,
            surfaces[step],
            lambda link: f"from the result of step {link['from_step'] + 1} ({_choice(link)})",
        )
        for step, call in enumerate(calls)
    )


def describe_step(
    call: dict[str, Any],
    links: list[dict[str, Any]],
    ctx: Context,
    surface: dict[str, str] | None,
    pending: Callable[[dict[str, Any]], str],
) -> str:
    """One chain step for a phrasing prompt: the values to say, then each linked argument as
    `pending(link)` says it (it is not known when the request is written), then why the step follows."""
    linked = {link["input"]: link for link in links}
    stated = {"name": call["name"], "arguments": {k: v for k, v in call["arguments"].items() if k not in linked}}
    text = describe_call(stated, ctx.tools.get(call["name"]), surface)
    text = text.replace("\n- (no values)", "") if linked else text
    text += "".join(f"\n- {key}: {pending(link)}" for key, link in linked.items())
    intent = next((link.get("intent") for link in linked.values() if link.get("intent")), None)
    return text + (f"\nWhy: {intent}" if intent else "")


def _not_known(link: dict[str, Any]) -> str:
    """A linked argument in the per-step prompt: unknown, and how the user refers to it."""
    words = _choice(link)
    return "not known yet" + ("" if words == "what it returns" else f" ({words})")


def _choice(link: dict[str, Any]) -> str:
    """How the request chooses the item a linked value comes from."""
    if link.get("words"):
        return link["words"]
    if not link.get("items"):
        return "what it returns"
    return rule_words(link["select"]) if link.get("select") else "the first one it returns"


def _example_words(result: Any, value: Any) -> str:
    """How a few-shot request chose the item `value` came from: the lowest price, the best rating,
    the closest, else the first (its words for describe_chain)."""
    for items in lists_of_objects(result):
        index = next((i for i, item in enumerate(items) if value in _leaves(item)), None)
        if index is None:
            continue
        for needle, pick_best, words in (
            ("price", min, "the cheapest one"),
            ("rating", max, "the best-rated one"),
            ("distance", min, "the closest one"),
        ):
            for field in {k for item in items if isinstance(item, dict) for k in item if needle in k}:
                numbers = [item.get(field) for item in items if isinstance(item, dict)]
                distinct = all(isinstance(n, (int, float)) for n in numbers) and len(set(numbers)) == len(numbers)
                if distinct and len(items) > 1 and numbers[index] == pick_best(numbers):
                    return words
        return "the first one" if index == 0 else "the one the request describes"
    return "what it returns"


def _example_links(example: dict[str, Any], said: Callable[[str, str, Any], bool]) -> list[dict[str, Any]]:
    """Which arguments of a few-shot chain come from earlier results: their value was returned,
    and the request does not say it (`said(tool, argument, value)`: "lock it" says action lock)."""
    links = []
    for step, item in enumerate(example["steps"][1:], start=1):
        for key, value in item["call"]["arguments"].items():
            if said(item["call"]["name"], key, value):
                continue
            for source in range(step):
                result = example["steps"][source].get("result")
                if any(value == leaf for leaf in _leaves(result)):
                    links.append(
                        {"step": step, "input": key, "from_step": source, "words": _example_words(result, value)}
                    )
                    break
    return links


def _said_by(ctx: Context, example: dict[str, Any], now: str) -> Callable[[str, str, Any], bool]:
    """Whether the example's request states an argument's value (the phrasing gate's grounding)."""

    def said(name: str, key: str, value: Any) -> bool:
        parameters = ctx.tools[name].function.parameters
        return not ctx.grounding.ungrounded_keys({key: value}, parameters, example["request"], now)

    return said


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
        shots.append(
            (describe_chain(calls, _example_links(example, _said_by(ctx, example, task.now)), ctx), example["request"])
        )
    return shots


def _step_shots(task: Task, ctx: Context, call: dict[str, Any]) -> list[tuple[str, str]]:
    """(message so far + described step, the sentence) pairs from the few-shot chains that carry
    `parts`, the later steps nearest to `call`'s tool."""
    steps = [
        (example, number)
        for example in ctx.category_examples
        if example.get("parts")
        for number in range(1, len(example["steps"]))
    ]
    names = [example["steps"][number]["call"]["name"] for example, number in steps]
    rng = random.Random(seed_for(task, f"step-shots-{call['name']}"))
    shots = []
    for index in nearest_examples(names, ctx.domains, call["name"], 2, rng):
        example, number = steps[index]
        links = [link for link in _example_links(example, _said_by(ctx, example, task.now)) if link["step"] == number]
        described = describe_step(example["steps"][number]["call"], links, ctx, None, _not_known)
        shots.append((_step_prompt(example["parts"][:number], described), example["parts"][number]))
    return shots


def _step_prompt(said: list[str], described: str) -> str:
    return f"Message so far:\n{' '.join(said)}\n\nNext step:\n{described}"


async def _phrase_per_step(task: Task, teacher, ctx: Context) -> tuple[list[str] | None, dict[str, str]]:
    """Phrase the chain one step at a time, each part gated on its own values (up to two tries
    each): the first as a single request, each later one as the next sentence of the message,
    saying how to choose the earlier result's item but never its values. Returns (parts, raw)."""
    assert task.blueprint is not None
    parts: list[str] = []
    raw: dict[str, str] = {}
    for number, (call, surface) in enumerate(zip(task.blueprint, task.surfaces)):
        if number == 0:
            described, shots = describe_calls([call], ctx, [surface]), single_shots(task, ctx, call["name"])
            prompt = "single/phrase"
        else:
            links = [link for link in task.links if link["step"] == number]
            described = _step_prompt(parts, describe_step(call, links, ctx, surface, _not_known))
            shots, prompt = _step_shots(task, ctx, call), "nested/step"
        for attempt in range(2):
            step = f"phrase-{number}" + (f"-{attempt}" if attempt else "")
            text, raw[step] = await phrase(task, teacher, ctx, described, shots, prompt=prompt, step=step)
            text = _sentence(text) if text else None
            if (
                text
                and not ungrounded_calls(ctx, [call], " ".join([*parts, text]), task.now)
                and copied_example(text, [shown for _, shown in shots]) is None
            ):
                parts.append(text)
                break
        else:
            return None, raw
    return parts, raw


def _sentence(text: str) -> str:
    """A part as a sentence of the joined message: capitalised, ending in a stop."""
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text[-1:] in ".?!\"'" else f"{text}."


def _links_meta(task: Task, call_turns: list[int], result_messages: list[int]) -> list[dict[str, Any]]:
    """meta.links: each planned link at its messages, with its selection rule (filters.chain)."""
    return [
        {
            "message": call_turns[link["step"]],
            "call": 0,
            "argument": link["input"],
            "from_message": result_messages[link["from_step"]],
            "output": link["output"],
            **{key: link[key] for key in ("items", "value", "select") if key in link},
        }
        for link in task.links
        if link["step"] < len(call_turns)
    ]


def _linked_values(result: Any, link: dict[str, Any]) -> tuple[list[Any], str]:
    """The values a link takes from `result`: those of the item its rule picks (all values at its
    path for a link without a rule), or ([], why none)."""
    if "select" in link:
        return selected_value(result, link)
    return values_at(result, link["output"]), ""


async def _chain_result(
    task: Task, teacher, ctx: Context, transcript: Transcript, call_id: str, call: dict[str, Any], step: int
) -> Any:
    """The tool message of a chain step's call; a made-up result a later step reads is settled so
    each rule the request states picks one item. Returns the result."""
    reading = [link for link in task.links if link["from_step"] == step]  # what the next steps read
    needed = [link["output"] for link in reading] + [
        f"{link['items']}.{link['select']['field']}"
        for link in reading
        if link.get("items") and link.get("select", {}).get("field")
    ]
    result, provenance = await tool_result(task, teacher, ctx, call, f"step-{step}-result-0", needed)
    if provenance != "executed" and reading:
        result = settle(result, reading, random.Random(seed_for(task, f"settle-{step}")))
    transcript.result(call_id, call["name"], result, provenance)
    return result


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    solving = [load_prompt("single/solve"), load_prompt("single/fill"), load_prompt("reply/assistant")]
    assert task.blueprint is not None
    parts = None
    if ctx.nested_phrasing == "per_step":
        prompts = [load_prompt("single/phrase"), load_prompt("nested/step"), *solving]
        parts, raw_parts = await _phrase_per_step(task, teacher, ctx)
        raw_phrase = json.dumps(raw_parts)
        if parts is None:
            return failed(
                task, "ungrounded_value", "a step's phrasing did not state its values in two tries", phrase=raw_phrase
            )
        request = " ".join(parts)
    else:
        prompts = [load_prompt("nested/phrase"), *solving]
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
            values, why = _linked_values(results[link["from_step"]], link)
            found = [value for value in values if fits_parameter(value, parameters, link["input"])]
            if not found:  # e.g. a converted amount above the transfer limit: the chain cannot go on validly
                return failed(
                    task,
                    "tool_error",
                    f"step {link['from_step'] + 1}'s result has no value at {link['output']} "
                    f"that {planned['name']}.{link['input']} takes{f' ({why})' if why else ''}",
                    transcript.record(ctx, prompts),
                    **raw,
                )
            planned["arguments"][link["input"]] = found[0]
        context = transcript.rendered() if step else ""
        # phrased step by step, each step is solved from its own words (the conversation so far as context)
        asked = parts[step] if parts else request
        solved, solve_raw = await solve(task, teacher, ctx, asked, context=context, step=f"solve-{step}")
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
        await second_call(task, teacher, ctx, transcript, [planned], asked, context, f"solve-{step}", raw)
        instruction = ANSWER
        if task.recovery and task.recovery["step"] == step:  # the tool errs: retried, or the chain ends here
            turn = {"recovery": task.recovery["kind"]}
            then, message = await recover(
                task, teacher, ctx, transcript, ids[0], planned, planned, turn, f"step-{step}", raw, answer=False
            )
            if then == "explain":
                instruction = EXPLAIN.format(message=message)
                break
            call_turns[-1] = len(transcript.messages) - 1  # the retry is the step's call; its result follows
            results.append(
                await _chain_result(
                    task, teacher, ctx, transcript, transcript.messages[-1].tool_calls[0].id, planned, step
                )
            )
        else:
            results.append(await _chain_result(task, teacher, ctx, transcript, ids[0], planned, step))
        result_messages.append(len(transcript.messages) - 1)
    answer, raw["answer"] = await checked_reply(
        task, teacher, ctx, transcript, instruction, "answer", prompts, answer_shots(task, ctx)
    )
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
        f" (choose {_choice(link)})"
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
        await _chain_result(task, teacher, ctx, transcript, ids[0], call, step)
        result_messages.append(len(transcript.messages) - 1)
    text, raw["answer"] = await checked_reply(
        task, teacher, ctx, transcript, ANSWER, "answer", prompts, answer_shots(task, ctx)
    )
    if text is None:
        return failed(
            task, "unparseable_output", "the answer step has no reply", transcript.record(ctx, prompts), **raw
        )
    transcript.assistant(text)
    return Candidate(
        task, transcript.record(ctx, prompts, links=_links_meta(task, call_turns, result_messages)), raw=raw
    )
