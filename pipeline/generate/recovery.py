"""Error recovery (the `recovery` turns of multi_turn and nested): a tool returns an error, and
the assistant does what a careful one does.

- `rate_limited`: the service asks to wait a moment; the assistant makes the same call again and
  answers from its result (the only error after which the same call may follow: filters.category
  lets a call repeat after a transient error).
- `unavailable`: the service is down; the assistant says nothing was done and no result exists,
  and makes no call.
- `not_found`, `invalid_argument`: the value the user gave is stale or mistyped (the plan drew a
  wrong one for the request); the assistant asks the user to check it, the user gives the right
  value and the corrected call follows.
A planned error result is a tool message like any other; `meta.tool_results[i]` says `error`
for it and `meta.recovery` lists each: the tool message, the error kind, what followed.
"""

from __future__ import annotations

from typing import Any

from pipeline.generate.common import Context, StepError
from pipeline.generate.results import answer_calls
from pipeline.generate.steps import reply, solve, user_message
from pipeline.generate.transcript import Transcript
from pipeline.policy import name_words
from pipeline.task import Task

KINDS = ("not_found", "invalid_argument", "rate_limited", "unavailable")
EXPLAIN = (
    "The tool failed ({message}): tell the user plainly that this step did not work and gave no result "
    "(say what earlier steps found, if any), without making up any result, and suggest trying again later."
)
ASK = (
    "The tool found nothing for the {key} {value!r} the user gave ({message}): do not guess; ask the "
    "user in one short question to check the {key}."
)
FOLLOWED = {"rate_limited": "retry", "unavailable": "explain", "not_found": "ask", "invalid_argument": "ask"}


def error_result(kind: str, wrong: dict[str, Any] | None = None) -> dict[str, Any]:
    """The error a tool returns (`wrong`: the argument a not_found/invalid_argument one is about)."""
    key, value = next(iter((wrong or {}).items()), (None, None))
    what = f"{name_words(str(key))} {value}" if key else "the request"
    messages = {
        "not_found": f"No match found for {what}.",
        "invalid_argument": f"Invalid {what}: no such value exists.",
        "rate_limited": "Too many requests. Retry after 2 seconds.",
        "unavailable": "The service is temporarily unavailable.",
    }
    error: dict[str, Any] = {"code": kind, "message": messages[kind]}
    if kind == "rate_limited":
        error["retry_after_seconds"] = 2
    if key:
        error["argument"] = key
    return {"error": error}


async def recover(
    task: Task,
    teacher,
    ctx: Context,
    transcript: Transcript,
    call_id: str,
    call: dict[str, Any],
    planned: dict[str, Any],
    turn: dict[str, Any],
    step: str,
    raw: dict[str, str],
    spoken: str = "",
    answer: bool = True,
) -> tuple[str, str]:
    """After `call` (made, with id `call_id`) append its planned error result and what follows it
    (a retry, a question and the corrected call, or nothing: the caller then explains, `EXPLAIN`);
    returns (what followed, the error's message). `spoken`: the right value as the user says it (not_found, invalid);
    `answer=False` leaves the retry's result to the caller (a chain step settles it)."""
    kind, wrong = turn["recovery"], turn.get("wrong") or {}
    result = error_result(kind, wrong)
    transcript.result(call_id, call["name"], result, "error")
    transcript.recoveries.append({"message": len(transcript.messages) - 1, "kind": kind, "then": FOLLOWED[kind]})
    if kind == "rate_limited":
        ids = transcript.calls([call], reference=[planned])
        if answer:
            await answer_calls(task, teacher, ctx, transcript, ids, [planned], f"{step}-retry")
    elif kind in ("not_found", "invalid_argument"):
        key, value = next(iter(wrong.items()))
        instruction = ASK.format(key=name_words(key), value=value, message=result["error"]["message"])
        question, raw[f"{step}-ask"] = await reply(
            task, teacher, ctx, transcript.rendered(), instruction, f"{step}-ask"
        )
        if not question:
            raise StepError("unparseable_output", "no question after the error", **raw)
        transcript.assistant(question)
        given, raw[f"{step}-value"] = await user_message(
            task,
            teacher,
            ctx,
            transcript.rendered(),
            f"say you mistyped it and give the right one, exactly this value: {spoken or planned['arguments'][key]}",
            f"{step}-value",
        )
        if not given:
            raise StepError("unparseable_output", "no corrected value from the user", **raw)
        transcript.user(given)
        context = transcript.rendered().rsplit("\n", 1)[0]
        solved, solve_raw = await solve(task, teacher, ctx, given, context=context, step=f"{step}-resolve")
        raw.update(solve_raw)
        if not isinstance(solved, dict):
            raise StepError("unparseable_output", "the corrected request was not solved into a call", **raw)
        ids = transcript.calls([solved], reference=[planned])
        await answer_calls(task, teacher, ctx, transcript, ids, [planned], f"{step}-fixed")
    return FOLLOWED[kind], result["error"]["message"]
