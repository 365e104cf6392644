"""Confirmation turns: whether a turn of calls asks the user first, and the question and answer.

A turn asks first when a system-prompt rule says so (confirm_before, max_arg), when the config
wants every write confirmed (`confirm_writes`), or when it does something that cannot be undone
(delete, cancel, pay, order) and the system prompt asks to confirm such things (`task.careful`, at
the `confirm_irreversible` share of such tasks: prompts/system/careful.txt); every other
write is called directly, as BFCL and most system prompts expect. The question names every
write of the turn; the user's answer is a yes (the calls follow) or, in multi_turn, a no (none
follows). A capable teacher writes both turns and they are checked (a confirmation question,
each write named, a plain yes or no: else `bad_confirmation`); the embedded teacher's come from
prompts/system/confirm.txt. `meta.confirmations` lists each: the question's message, why it was
asked, the functions it names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from filters.policy import covers
from pipeline.generate.common import Context, StepError, seed_for
from pipeline.generate.steps import reply, user_message
from pipeline.generate.transcript import Transcript
from pipeline.policy import (
    IRREVERSIBLE,
    action_phrase,
    call_details,
    confirmation_turns,
    is_acceptance,
    is_confirmation_question,
    is_decline,
    needs_confirmation,
)
from pipeline.task import Task

ACCEPT = "say yes: the assistant may go ahead with exactly what it asked about (a few words)"
DECLINE = "say no: you do not want that done after all (a few words, no new request)"


@dataclass
class Confirmation:
    """The two turns before a turn of calls: the assistant's question and the user's answer."""

    question: str
    answer: str
    reason: str  # rule, every_write or irreversible
    calls: list[str]  # the functions the question names
    accepted: bool = True
    raw: dict[str, str] = field(default_factory=dict)


def writes_to_confirm(
    task: Task, ctx: Context, calls: list[dict[str, Any]], step: str
) -> tuple[list[dict[str, Any]], str | None]:
    """(the calls a question must name, why it is asked) for a turn of `calls`: every write of the
    turn when one of them must or may ask first; ([], None) for a direct turn."""
    writes = [call for call in calls if needs_confirmation(task.rules, call) or _changes_data(ctx, call)]
    if any(needs_confirmation(task.rules, call) for call in calls):
        return writes, "rule"
    if writes and ctx.confirm_writes:
        return writes, "every_write"
    if task.careful and any(IRREVERSIBLE.search(call.get("name", "")) for call in writes):
        return writes, "irreversible"  # the system prompt asks to confirm what cannot be undone
    return [], None


def _changes_data(ctx: Context, call: dict[str, Any]) -> bool:
    seed = ctx.seeds.get(call.get("name", ""))
    return seed is not None and not seed.read_only


async def ask_first(
    task: Task, teacher, ctx: Context, context: str, calls: list[dict[str, Any]], step: str, *, yes: bool = True
) -> Confirmation | None:
    """The confirmation turns a turn of `calls` needs after `context` (the conversation so far,
    rendered), or None when it is called directly; `yes=False` has the user decline. StepError
    `bad_confirmation` when the teacher's turns are not what they must be."""
    needing, reason = writes_to_confirm(task, ctx, calls, step)
    if not needing:
        return None
    said = [said_forms(task, call) for call in needing]
    if ctx.templated_turns:
        rng = random.Random(seed_for(task, f"confirm-{step}"))
        question, accept, decline = confirmation_turns(needing, rng, said, [_action(ctx, call) for call in needing])
        names = [call["name"] for call in needing]
        return Confirmation(question, accept if yes else decline, str(reason), names, yes, {})
    raw: dict[str, str] = {}
    question, raw[f"confirm-{step}"] = await reply(
        task, teacher, ctx, context, _instruction(ctx, needing, said), f"confirm-{step}"
    )
    if not question or not is_confirmation_question(question):
        raise StepError("bad_confirmation", f"the confirmation turn is no yes/no question: {question!r}", **raw)
    for index, call in enumerate(needing):
        if not covers(question, call, needing[:index] + needing[index + 1 :]):
            raise StepError(
                "bad_confirmation", f"the confirmation question does not name the {call['name']} call", **raw
            )
    answer, raw[f"confirm-answer-{step}"] = await user_message(
        task, teacher, ctx, f"{context}\nassistant: {question}", ACCEPT if yes else DECLINE, f"confirm-answer-{step}"
    )
    if not answer or not (is_acceptance(answer) if yes else is_decline(answer)):
        raise StepError(
            "bad_confirmation", f"the user's answer is no plain {'yes' if yes else 'no'}: {answer!r}", **raw
        )
    return Confirmation(question, answer, str(reason), [call["name"] for call in needing], yes, raw)


def _instruction(ctx: Context, calls: list[dict[str, Any]], said: list[dict[str, str]]) -> str:
    """What the teacher's confirmation question must do, with each action and its details."""
    lines = []
    for call, forms in zip(calls, said):
        lines.append(f"- {_action(ctx, call)}: {call_details(call, forms)}")
    many = " all of them in one question," if len(calls) > 1 else ""
    return (
        "Do not act yet: first ask the user to confirm, as one short yes/no question ending with '?'."
        f" Name{many} each action below with its key details, in plain words (never a function name,"
        " JSON or true/false):\n" + "\n".join(lines)
    )


def _action(ctx: Context, call: dict[str, Any]) -> str:
    """What the call does in words, from its tool's description ("book a table at a restaurant")."""
    tool = ctx.tools.get(call["name"])
    return action_phrase(tool.function.description) if tool is not None else " ".join(call["name"].split("_"))


def said_forms(task: Task, call: dict[str, Any]) -> dict[str, str]:
    """How the request said each value of `call`: the spoken form of the planned call of the same
    function with the same value (blueprint mode), so a confirmation repeats the user's words."""
    said: dict[str, str] = {}
    for planned, surface in zip(task.blueprint or [], task.surfaces):
        if planned["name"] != call["name"]:
            continue
        for key, form in surface.items():
            structured = form[:1] in "[{"  # an object's spoken leaves, shown as JSON to the phrasing step
            if (
                not structured
                and key not in said
                and (call.get("arguments") or {}).get(key) == planned["arguments"].get(key)
            ):
                said[key] = form
    return said


async def confirm_turn(
    task: Task,
    teacher,
    ctx: Context,
    transcript: Transcript,
    calls: list[dict[str, Any]],
    step: str,
    raw: dict[str, str],
    *,
    yes: bool = True,
) -> Confirmation | None:
    """ask_first on the transcript so far; appends the turns (if any) and keeps the teacher's answers in `raw`."""
    confirmation = await ask_first(task, teacher, ctx, transcript.rendered(), calls, step, yes=yes)
    if confirmation is not None:
        raw.update(confirmation.raw)
        transcript.confirm(confirmation)
    return confirmation
