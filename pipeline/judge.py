"""The LLM judge: do a candidate's calls answer the request, and does its answer agree with the results?

On by default with an endpoint, off on the embedded 135M teacher (config.SMALL_TEACHER; `--judge`
/ `--no-judge` decide). The rules in filters.answers catch the numbers and the well-defined words
(conditions, statuses, yes/no facts) of an answer; the judge is asked about the rest. It runs
only on candidates that passed every other check, asks the teacher once (temperature 0, a
constrained {"verdict", "reason"} answer), stores the verdict and reason in `meta.judge`, and
turns a "no" into `judge_rejected` (`recorded_verdict` reads a stored "no" back, for
pipeline.validate, which runs no LLM). An answer without a verdict is `judge_unparseable`, so a
flaky judge shows in the funnel instead of passing samples silently; a judge request that fails
after its retries is the task's `teacher_error`, like any other teacher failure.
"""

from __future__ import annotations

import json
from typing import Any

from filters.base import Issue
from pipeline.backends.base import ChatRequest
from pipeline.errors import TeacherError
from pipeline.generate.answers import VerdictAnswer, ask
from pipeline.generate.common import tools_block
from pipeline.prompts import load_prompt
from pipeline.record import Conversation
from pipeline.task import stable_int

VERDICT_SCHEMA = {
    "type": "object",
    "required": ["verdict", "reason"],
    "properties": {
        "verdict": {"type": "string", "enum": ["yes", "no"]},
        "reason": {"type": "string", "maxLength": 300},
    },
}


def judge_messages(record: Conversation) -> list[dict[str, Any]]:
    """The judge's prompt: the template, then the tools and the conversation as JSON lines."""
    conversation = "\n".join(json.dumps(message, ensure_ascii=False) for message in record.to_dict()["messages"])
    return [
        {"role": "system", "content": load_prompt("judge/calls").render()},
        {"role": "user", "content": f"Tools:\n{tools_block(record.tools)}\n\nConversation:\n{conversation}"},
    ]


async def judge(record: Conversation, teacher) -> list[Issue]:
    """Ask the teacher; record its verdict in `record.meta["judge"]`; an issue unless it says yes."""
    try:
        asked = await ask(
            teacher,
            ChatRequest(judge_messages(record), 0.0, 160, VERDICT_SCHEMA, stable_int(record.id, "judge") % 2**31),
            VerdictAnswer,
        )
    except TeacherError as error:
        return [Issue("generate", "teacher_error", "", f"judge: {error}")]
    if asked.value is None:
        return [
            Issue("judge", "judge_unparseable", "", f"the judge's answer has no yes/no verdict: {asked.text[:200]!r}")
        ]
    verdict, reason = asked.value.verdict, str(asked.value.reason or "")
    record.meta["judge"] = {"verdict": verdict, "reason": reason, "prompt_version": load_prompt("judge/calls").version}
    return [] if verdict == "yes" else [Issue("judge", "judge_rejected", "", f"the judge says no: {reason}")]


def recorded_verdict(meta: Any) -> list[Issue] | None:
    """The verdict a run's judge stored in `meta.judge`, as the judge's issues ([] for a yes);
    None when the record holds none. A `meta.judge` of another shape is an invalid_record issue."""
    stored = meta.get("judge") if isinstance(meta, dict) else None
    if stored is None:
        return None
    if not isinstance(stored, dict) or stored.get("verdict") not in ("yes", "no"):
        return [Issue("format", "invalid_record", "meta.judge", 'meta.judge must be {"verdict": "yes" or "no", ...}')]
    if stored["verdict"] == "yes":
        return []
    return [Issue("judge", "judge_rejected", "meta.judge", f"the run's judge said no: {stored.get('reason') or ''}")]
