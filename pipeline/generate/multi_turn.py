"""`multi_turn`: conversations of several user turns mixing chat, calls, results and answers.

The plan gives the turns (config `turns`): `chat` (no tool), `call` (a new request) and
`followup` (the last call again with one value changed, asked by referring back: "and for
Apple?"). The conversation is simulated turn by turn, never written as one blob:
blueprint each user turn is phrased from its planned call with the conversation so far as
          context (a follow-up states only the changed value); a solver that sees the whole
          conversation makes the call, which must match the plan (`meta.reference` per turn);
          the result is executed, mocked or simulated, and the assistant answers from it. A
          call that needs the user's yes (a rule, or a tool that changes data) gets the
          confirmation pattern; in a quarter of them the user declines and no call follows.
free      a user simulator writes each turn toward the turn's goal, and the assistant side
          writes each call from the conversation (the planned tool), then the answer.
"""

from __future__ import annotations

import random
from typing import Any

from filters.match import match_calls
from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import MessageAnswer, ask
from pipeline.generate.common import Candidate, Context, failed, guarded, seed_for
from pipeline.generate.confirm import confirm_turn, writes_to_confirm
from pipeline.generate.nested import ANSWER
from pipeline.generate.recovery import EXPLAIN, recover
from pipeline.generate.results import answer_calls, callable_as_is
from pipeline.generate.second import second_call
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
    user_message,
)
from pipeline.generate.transcript import Transcript
from pipeline.prompts import load_prompt
from pipeline.task import Task

DECLINE_RATE = 0.25  # of call turns that need the user's yes, the share where the user says no
DECLINED = "The user said no to the action you proposed: acknowledge it briefly and do not do it."
CHAT_USER = (
    "a short chat message that needs no tool: react to the last answer, thank the assistant, or ask a general question."
)
CHAT_REPLY = "Reply briefly and naturally; no tool is needed for this message."
FOLLOWUP = (
    "This is a follow-up to the user's last request: the same again, changing only the value below. "
    'Refer back briefly (like "and for Apple?" or "same for Friday"); do not repeat the other values.'
)


async def generate_multi_turn(task: Task, teacher, ctx: Context) -> Candidate:
    """Produce one multi_turn candidate for `task` in its mode."""
    return await guarded(
        task, _blueprint(task, teacher, ctx) if task.mode == "blueprint" else _free(task, teacher, ctx)
    )


async def _chat(
    task: Task, teacher, ctx: Context, transcript: Transcript, number: int, raw: dict[str, str], prompts
) -> bool:
    text, raw[f"user-{number}"] = await user_message(
        task, teacher, ctx, transcript.rendered(), CHAT_USER, f"user-{number}"
    )
    if text is None:
        return False
    transcript.user(text)
    answer, raw[f"reply-{number}"] = await checked_reply(
        task, teacher, ctx, transcript, CHAT_REPLY, f"reply-{number}", prompts
    )
    if answer is None:
        return False
    transcript.assistant(answer)
    return True


async def _blueprint(task: Task, teacher, ctx: Context) -> Candidate:
    prompts = [
        load_prompt("single/phrase"),
        load_prompt("single/solve"),
        load_prompt("single/fill"),
        load_prompt("reply/assistant"),
        load_prompt("reply/user"),
    ]
    assert task.blueprint is not None
    transcript, raw = Transcript(task), {}
    for number, turn in enumerate(task.turns):
        if turn["kind"] == "chat":
            if not await _chat(task, teacher, ctx, transcript, number, raw, prompts):
                return failed(
                    task,
                    "unparseable_output",
                    f"turn {number + 1} (chat) has no text",
                    transcript.record(ctx, prompts),
                    **raw,
                )
            continue
        planned = task.blueprint[turn["call"]]
        surface = task.surfaces[turn["call"]] if turn["call"] < len(task.surfaces) else {}
        before = transcript.rendered()
        wrong = turn.get("wrong") or {}
        asked = {**planned, "arguments": {**planned["arguments"], **wrong}}  # a stale value the tool will not find
        if wrong:
            said_right, surface = surface, {k: v for k, v in surface.items() if k not in wrong}
        if turn["kind"] == "followup":
            changed = {
                "name": planned["name"],
                "arguments": {k: v for k, v in planned["arguments"].items() if k in turn["changed"]},
            }
            described = describe_calls([changed], ctx, [surface]) + "\n" + FOLLOWUP
        else:
            described = describe_calls([asked], ctx, [surface])
        request, raw[f"phrase-{number}"] = await phrase(
            task,
            teacher,
            ctx,
            described,
            single_shots(task, ctx, planned["name"]),
            context=before,
            step=f"phrase-{number}",
        )
        if request is None:
            return failed(
                task, "unparseable_output", f"turn {number + 1} has no request", transcript.record(ctx, prompts), **raw
            )
        transcript.user(request)
        rejected = gate(task, ctx, transcript, request, [asked], prompts, text=before, **raw)
        if rejected:
            return rejected
        solved, solve_raw = await solve(task, teacher, ctx, request, context=before, step=f"solve-{number}")
        raw.update(solve_raw)
        if not isinstance(solved, dict):
            return failed(
                task,
                "unparseable_output",
                f"turn {number + 1} was not solved into a call",
                transcript.record(ctx, prompts),
                **raw,
            )
        needing, _ = writes_to_confirm(task, ctx, [solved], f"turn-{number}")
        if needing and random.Random(seed_for(task, f"decline-{number}")).random() < DECLINE_RATE:
            # the user says no: no call, an acknowledgement
            await confirm_turn(task, teacher, ctx, transcript, [solved], f"turn-{number}", raw, yes=False)
            answer, raw[f"answer-{number}"] = await checked_reply(
                task, teacher, ctx, transcript, DECLINED, f"answer-{number}", prompts
            )
            if answer is None:
                return failed(
                    task,
                    "unparseable_output",
                    f"turn {number + 1} has no answer",
                    transcript.record(ctx, prompts),
                    **raw,
                )
            transcript.assistant(answer)
            continue
        await confirm_turn(task, teacher, ctx, transcript, [solved], f"turn-{number}", raw)
        ids = transcript.calls([solved], reference=[asked])
        if not match_calls(
            [asked],
            transcript.messages[-1].tool_calls or [],
            {n: t.function.parameters for n, t in ctx.tools.items()},
        ).ok:
            return Candidate(
                task, transcript.record(ctx, prompts, turns=task.turns), raw=raw
            )  # the reference check names it
        await second_call(task, teacher, ctx, transcript, [asked], request, before, f"solve-{number}", raw)
        instruction = ANSWER
        if turn.get("recovery"):
            spoken = next((said_right.get(k) for k in wrong if said_right.get(k)), "") if wrong else ""
            then, message = await recover(
                task, teacher, ctx, transcript, ids[0], solved, planned, turn, f"turn-{number}", raw, spoken
            )
            if then == "explain":
                instruction = EXPLAIN.format(message=message)
            elif not match_calls(
                [planned],
                transcript.messages[-2].tool_calls or [],
                {n: t.function.parameters for n, t in ctx.tools.items()},
            ).ok:
                return Candidate(task, transcript.record(ctx, prompts, turns=task.turns), raw=raw)
        else:
            await answer_calls(task, teacher, ctx, transcript, ids, [planned], f"turn-{number}")
        answer, raw[f"answer-{number}"] = await checked_reply(
            task, teacher, ctx, transcript, instruction, f"answer-{number}", prompts, answer_shots(task, ctx)
        )
        if answer is None:
            return failed(
                task, "unparseable_output", f"turn {number + 1} has no answer", transcript.record(ctx, prompts), **raw
            )
        transcript.assistant(answer)
    return Candidate(task, transcript.record(ctx, prompts, turns=task.turns), raw=raw)


def _goal(task: Task, ctx: Context, turn: dict[str, Any]) -> str:
    name = task.targets[turn["call"]]
    does = ctx.tools[name].function.description
    if turn["kind"] == "followup":
        changed = ", ".join(key.replace("_", " ") for key in turn["changed"])
        return (
            f"ask for the same as your last request again, but with a different {changed}; "
            'refer back to it briefly ("and for ...?").'
        )
    return f"ask for something that needs this: {does}"


async def _free(task: Task, teacher, ctx: Context) -> Candidate:
    user_prompt, call_prompt = load_prompt("multi_turn/free"), load_prompt("multi_turn/call")
    prompts = [user_prompt, call_prompt, load_prompt("reply/assistant"), load_prompt("scenario/draft")]
    needs = " Later: ".join(dict.fromkeys(ctx.tools[name].function.description for name in task.targets))
    scenario, drafted = await draft(task, teacher, ctx, f"a conversation of {len(task.turns)} messages. {needs}")
    transcript, raw = Transcript(task, scenario.model_dump()), {"draft": drafted}
    schema = {
        "type": "object",
        "properties": {"message": {"type": "string", "minLength": 2, "maxLength": 600}},
        "required": ["message"],
    }
    for number, turn in enumerate(task.turns):
        goal = CHAT_USER if turn["kind"] == "chat" else _goal(task, ctx, turn)
        system = user_prompt.render(style=task.style, today=task.now[:10], scenario=scenario.line())
        content = f"Conversation so far:\n{transcript.rendered() or '(none yet)'}\n\nYour next message should: {goal}"
        user = await ask(
            teacher,
            ChatRequest(
                [{"role": "system", "content": system}, {"role": "user", "content": content}],
                task.temperature,
                200,
                schema,
                seed_for(task, f"user-{number}"),
            ),
            MessageAnswer,
        )
        raw[f"user-{number}"] = user.text
        if user.value is None:
            return failed(
                task,
                "unparseable_output",
                f"turn {number + 1} has no user message",
                transcript.record(ctx, prompts),
                **raw,
            )
        transcript.user(user.value.message)
        if turn["kind"] == "chat":
            answer_text, raw[f"reply-{number}"] = await checked_reply(
                task, teacher, ctx, transcript, CHAT_REPLY, f"reply-{number}", prompts
            )
        else:
            name = task.targets[turn["call"]]
            system = call_prompt.render(name=name, today=task.now[:10])
            made = await next_call(task, teacher, ctx, system, transcript, name, f"call-{number}")
            raw[f"call-{number}"] = made.text
            if made.value is None:
                return failed(
                    task, "unparseable_output", f"turn {number + 1} has no call", transcript.record(ctx, prompts), **raw
                )
            call = made.value.call
            await confirm_turn(task, teacher, ctx, transcript, [call], f"turn-{number}", raw)
            ids = transcript.calls([call])
            if not callable_as_is(ctx, [call]):
                return Candidate(task, transcript.record(ctx, prompts, turns=task.turns), raw=raw)
            await answer_calls(task, teacher, ctx, transcript, ids, [call], f"turn-{number}")
            answer_text, raw[f"answer-{number}"] = await checked_reply(
                task, teacher, ctx, transcript, ANSWER, f"answer-{number}", prompts, answer_shots(task, ctx)
            )
        if answer_text is None:
            return failed(
                task, "unparseable_output", f"turn {number + 1} has no reply", transcript.record(ctx, prompts), **raw
            )
        transcript.assistant(answer_text)
    return Candidate(task, transcript.record(ctx, prompts, turns=task.turns), raw=raw)
