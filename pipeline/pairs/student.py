"""On-policy negatives: the model being trained (the student) answers every decision-turn prompt of
the accepted records, and its own mistakes become pairs.

A decision (pipeline.pairs.build.decisions) is sent as the OpenAI chat API has it: the messages
before the turn and the record's tools. The answer (tool calls or words) becomes an assistant
turn, checked like a pair's rejected side: the record is cut at the decision with the student's
turn in place and the accepted turn as the reference (build.cut), and the whole check chain runs.
An answer the checks reject is a pair (source "student", chosen the accepted turn), named by the
codes it failed as build.generated_pairs names a real failure; an answer that passes counts as
correct. Only decisions whose accepted turn passes every check on its own are asked (the others
are no decision points: there is nothing to compare against).

The requests go through the same stack as the teacher's (pipeline.backends.teacher: the
response cache, so a rerun asks nothing twice, budgets, retries, rate limits).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from filters.base import Check, run_checks
from pipeline.backends.base import ChatRequest
from pipeline.errors import StopSending, TeacherError
from pipeline.export.exporters import Skip, TextOptions, openai_sft
from pipeline.pairs.base import Decision, Pair, Turn
from pipeline.pairs.build import _pair, cut, decisions
from pipeline.record import Conversation, decode_arguments

SOURCE = "student"
# what the cut record's shape says beside the answer's own mistakes (a planned link to the call the
# student left out): not a name for the answer when it has another code
CUT_CODES = frozenset({"invalid_record"})
KINDS = ("call", "parallel_calls", "follow_up_call", "no_call_answer", "confirmation", "answer")


def decision_kind(decision: Decision) -> str:
    """What the turn decides: a first call, several calls at once, a call after a tool result (a
    chain's or a conversation's later step), a no_call record's answer in words, a question before
    a write (meta.confirmations), or an answer that reads tool results."""
    calls = decision.chosen.get("tool_calls") or []
    record, index = decision.record, decision.index
    if calls:
        if len(calls) > 1:
            return "parallel_calls"
        return "follow_up_call" if any(m.role == "tool" for m in record.messages[:index]) else "call"
    asked = {entry.get("message") for entry in record.meta.get("confirmations") or [] if isinstance(entry, dict)}
    if index in asked:
        return "confirmation"
    return "answer" if index > 0 and record.messages[index - 1].role == "tool" else "no_call_answer"


def student_request(decision: Decision, temperature: float, max_tokens: int) -> ChatRequest:
    """The decision's prompt as the OpenAI chat API with tools: messages[:i] (arguments as JSON
    strings, every tool message answering its call, no rationale) and the record's tools."""
    record = decision.record.to_dict()
    row = openai_sft(
        {"id": record["id"], "messages": record["messages"][: decision.index], "tools": record["tools"]},
        TextOptions(),
    )
    return ChatRequest(row["messages"], temperature, max_tokens, tools=record["tools"])


def parse_answer(text: str, decision: Decision) -> Turn:
    """The student's answer (pipeline.backends.openai_backend.message_completion's JSON) as an
    assistant turn. Call ids are the accepted turn's, in order (fresh 9-character ones for extra
    calls): an endpoint's own id style is no mistake of the model. Arguments that are not a JSON
    object stay the string they were (the format check names that)."""
    message = json.loads(text)
    turn: Turn = {"role": "assistant", "content": message.get("content")}
    ids = [call.get("id") for call in decision.chosen.get("tool_calls") or []]
    spare = lambda n: hashlib.sha256(f"{decision.record.id}-{decision.index}-student-{n}".encode()).hexdigest()[:9]  # noqa: E731
    calls = []
    for number, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        calls.append(
            {
                "id": ids[len(calls)] if len(calls) < len(ids) and ids[len(calls)] else spare(number),
                "type": "function",
                "function": {
                    "name": str(function.get("name") or ""),
                    "arguments": decode_arguments(function.get("arguments")),
                },
            }
        )
    if calls:
        turn["tool_calls"] = calls
    elif not turn["content"]:
        turn["content"] = ""  # an empty answer: still a turn the checks can judge
    return turn


@dataclass
class Outcome:
    """One decision sent to the student: its answer, the codes the checks gave it (none: correct),
    or why it has no answer (a failed request, or the run stopped sending)."""

    decision: Decision
    kind: str
    turn: Turn | None = None
    codes: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.turn is not None

    @property
    def correct(self) -> bool:
        return self.answered and not self.codes


def judge_answer(decision: Decision, turn: Turn, checks: list[Check]) -> list[str]:
    """The codes the checks give the student's turn at the decision, the accepted turn as reference
    (in the order found, each once; CUT_CODES only when they are all there is)."""
    issues = run_checks(cut(decision.record, decision.index, turn, reference=decision.chosen), checks)
    codes = list(dict.fromkeys(issue.code for issue in issues))
    return [code for code in codes if code not in CUT_CODES] or codes


def student_decisions(records: Iterable[Conversation], checks: list[Check]) -> list[Decision]:
    """Every decision of the accepted records whose accepted turn passes every check on its own."""
    return [
        decision
        for record in records
        for decision in decisions(record)
        if not run_checks(cut(record, decision.index, decision.chosen), checks)
    ]


async def ask_student(
    points: list[Decision], student, checks: list[Check], temperature: float = 0.0, max_tokens: int = 512
) -> list[Outcome]:
    """Send every decision to `student` (a pipeline.backends.teacher.Teacher) and judge each answer;
    a failed request or a stop (budget, signal) leaves that outcome unanswered."""

    async def one(decision: Decision) -> Outcome:
        outcome = Outcome(decision, decision_kind(decision))
        try:
            request = student_request(decision, temperature, max_tokens)
        except Skip as error:
            outcome.error = f"not sent: {error}"
            return outcome
        try:
            completion = await student.complete(request, style="none")
            outcome.turn = parse_answer(completion.text, decision)
        except (TeacherError, StopSending) as error:
            outcome.error = str(error)
            return outcome
        except (ValueError, AttributeError) as error:  # not the message JSON the transport writes
            outcome.error = f"unreadable answer: {error}"
            return outcome
        outcome.codes = judge_answer(decision, outcome.turn, checks)
        return outcome

    return list(await asyncio.gather(*(one(decision) for decision in points)))


def student_pairs(outcomes: Iterable[Outcome]) -> list[Pair]:
    """A pair for each answer the checks rejected: chosen the accepted turn, rejected the student's,
    named by its code (several codes joined with "+", as build.generated_pairs names them)."""
    out = []
    for outcome in outcomes:
        if not outcome.answered or not outcome.codes:
            continue
        codes = sorted(set(outcome.codes))
        code = codes[0] if len(codes) == 1 else "+".join(codes)
        out.append(_pair(outcome.decision.record, outcome.decision, code, code, outcome.turn, source=SOURCE))
    return out


def _accuracy(outcomes: list[Outcome]) -> dict[str, Any]:
    answered = [outcome for outcome in outcomes if outcome.answered]
    correct = sum(outcome.correct for outcome in answered)
    return {
        "answered": len(answered),
        "correct": correct,
        "accuracy": round(correct / len(answered), 4) if answered else None,
    }


def student_report(outcomes: list[Outcome], usage, model: str, base_url: str) -> dict[str, Any]:
    """The manifest's `student` section: what was sent, the accuracy overall, per category and per
    decision kind, and the codes of the wrong answers (`base_url` already without credentials)."""
    by = lambda key: {  # noqa: E731
        name: _accuracy([o for o in outcomes if key(o) == name]) for name in sorted({key(o) for o in outcomes})
    }
    return {
        "model": model,
        "base_url": base_url,
        "decisions": len(outcomes),
        "prompts_sent": usage.requests,
        "cached": usage.cached,
        "retries": usage.retries,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "unanswered": sum(not outcome.answered for outcome in outcomes),
        **_accuracy(outcomes),
        "by_category": by(lambda o: o.decision.record.category),
        "by_kind": by(lambda o: o.kind),
        "codes": dict(Counter(code for outcome in outcomes for code in outcome.codes).most_common()),
        "pairs": sum(1 for outcome in outcomes if outcome.answered and outcome.codes),
    }
