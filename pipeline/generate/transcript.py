"""A conversation being generated: messages, tool-result provenance and reference calls.

Generators append turns in order; `record()` turns it into the canonical Conversation with
the meta every category shares (task, teacher, prompt version, now, tool_results, reference,
few-shots, policy).
"""

from __future__ import annotations

import json
import random
from typing import Any

from pipeline.generate.common import Context
from pipeline.prompts import Prompt, combined_version
from pipeline.record import Conversation, FunctionCall, Message, ToolCall, new_call_id
from pipeline.task import Task, stable_int


class Transcript:
    """Messages of one candidate, with `meta.tool_results` and `meta.reference` kept alongside."""

    def __init__(self, task: Task, draft: dict[str, str] | None = None):
        self.task = task
        self.draft = draft  # free mode's scenario draft (who, when, what): meta.scenario.draft
        self.messages: list[Message] = (
            [Message(role="system", content=task.system_prompt)] if task.system_prompt else []
        )
        self.provenance: list[str] = []  # one per tool message: executed, mocked or simulated
        self.references: list[dict[str, Any]] = []
        self.confirmations: list[dict[str, Any]] = []  # meta.confirmations
        self.recoveries: list[dict[str, Any]] = []  # meta.recovery (pipeline.generate.recovery)
        self.alternatives: list[dict[str, Any]] = []  # meta.alternatives (pipeline.generate.second)
        self._ids = 0

    def user(self, text: str) -> None:
        """Append a user turn."""
        self.messages.append(Message(role="user", content=text))

    def assistant(self, text: str) -> None:
        """Append an assistant text turn."""
        self.messages.append(Message(role="assistant", content=text))

    def confirm(self, confirmation: Any) -> None:
        """Append a confirmation's question and answer (pipeline.generate.confirm), when there is one."""
        if confirmation is None:
            return
        self.assistant(confirmation.question)
        self.confirmations.append(
            {
                "message": len(self.messages) - 1,
                "reason": confirmation.reason,
                "calls": confirmation.calls,
                "accepted": confirmation.accepted,
            }
        )
        self.user(confirmation.answer)

    def calls(
        self, calls: list[dict[str, Any]], reference: list[dict[str, Any]] | None = None, ordered: bool = False
    ) -> list[str]:
        """Append one assistant turn of `calls`; returns their ids. `reference` is what the turn
        must match (the blueprint), checked by filters.reference."""
        ids = [self._next_id() for _ in calls]
        tool_calls = []
        for call_id, call in zip(ids, calls):
            arguments = call.get("arguments", {})
            if not isinstance(arguments, (dict, str)):  # kept as text so the format check names it
                arguments = json.dumps(arguments)
            tool_calls.append(
                ToolCall(id=call_id, function=FunctionCall(name=str(call.get("name", "")), arguments=arguments))
            )
        self.messages.append(Message(role="assistant", content=None, tool_calls=tool_calls))
        if reference is not None:
            entry: dict[str, Any] = {"message": len(self.messages) - 1, "calls": reference}
            if ordered:
                entry["ordered"] = True
            self.references.append(entry)
        return ids

    def result(self, call_id: str, name: str, content: Any, provenance: str) -> None:
        """Append the tool message answering `call_id` (`provenance`: executed, mocked, simulated, or
        error for a planned error result)."""
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        self.messages.append(Message(role="tool", tool_call_id=call_id, name=name, content=text))
        self.provenance.append(provenance)

    def _next_id(self) -> str:
        ids = self.task.call_ids
        self._ids += 1
        if self._ids <= len(ids):
            return ids[self._ids - 1]
        return new_call_id(random.Random(stable_int(self.task.id, "call-id", self._ids)))

    def rendered(self, skip_system: bool = True) -> str:
        """The conversation as plain lines for a prompt."""
        return render_messages(self.messages, skip_system)

    def record(self, ctx: Context, prompts: list[Prompt], **meta: Any) -> Conversation:
        """The canonical record with the shared meta (plus `meta`)."""
        task = self.task
        data: dict[str, Any] = {
            "task": task.id,
            "task_index": task.index,
            "mode": task.mode,
            "teacher": {"model": ctx.teacher_name, "temperature": task.temperature},
            "prompt_version": combined_version(*prompts),
            "now": task.now,
            "tool_results": list(self.provenance),
            "fewshot": fewshot_texts(task, ctx),
            "system_prompt": task.system_style,
        }
        if ctx.fewshot_version:
            data["fewshot_version"] = ctx.fewshot_version
        if task.blueprint is not None:
            data["teacher"]["solve_temperature"] = ctx.solve_temperature
        if self.references:
            data["reference"] = self.references
        if task.rules:
            data["policy"] = task.rules
        if self.confirmations:
            data["confirmations"] = self.confirmations
        if self.recoveries:
            data["recovery"] = self.recoveries
        if self.alternatives:
            data["alternatives"] = self.alternatives
        if task.scenario or self.draft:
            data["scenario"] = {**task.scenario, **({"draft": self.draft} if self.draft else {})}
        data.update(meta)
        return Conversation(
            id=task.id,
            category=task.category,
            tools=[ctx.tools[name] for name in task.tools],
            messages=list(self.messages),
            meta=data,
        )


def fewshot_texts(task: Task, ctx: Context) -> list[str]:
    """The user texts of the few-shot examples shown to the task (for the fewshot_copy check)."""
    texts = []
    for index in task.fewshot:
        example = ctx.category_examples[index]
        if isinstance(example.get("request"), str):
            texts.append(example["request"])
        # a later turn's "yes please" is no example of anything: only substantial turns count
        texts.extend(
            turn["user"]
            for turn in example.get("turns", [])
            if isinstance(turn.get("user"), str) and len(turn["user"].split()) >= 6
        )
    return texts


def render_messages(messages: list[Message], skip_system: bool = True) -> str:
    """Messages as `user: ...`, `assistant called f({...})`, `tool f returned: {...}` lines."""
    lines = []
    for message in messages:
        if message.role == "system" and skip_system:
            continue
        if message.role == "assistant" and message.tool_calls:
            for call in message.tool_calls:
                arguments = call.function.arguments
                shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
                lines.append(f"assistant called {call.function.name}({shown})")
        elif message.role == "tool":
            lines.append(f"tool {message.name} returned: {message.content}")
        else:
            lines.append(f"{message.role}: {message.content}")
    return "\n".join(lines)
