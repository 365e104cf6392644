"""Reasoning traces (opt-in, `plan.reasoning`): a short rationale before each call turn.

After a candidate is generated, the teacher writes, for every assistant turn of calls, the
reasoning the assistant has right before it (prompts/reasoning/call.txt): what the user wants,
why this tool, where each value comes from. It goes to the message's `reasoning_content` field
(the field Qwen3-style chat templates and TRL read), never into `content`; the quality check
`ungrounded_reasoning` rejects a rationale that states a number or name the conversation does not
contain. Exporters carry the field or drop it (docs/formats.md, "Reasoning").
"""

from __future__ import annotations

import json

from pydantic import BaseModel, Field

from pipeline.backends.base import ChatRequest
from pipeline.generate.answers import ask
from pipeline.generate.common import Candidate, Context, failed, seed_for
from pipeline.generate.transcript import render_messages
from pipeline.prompts import load_prompt

SCHEMA = {
    "type": "object",
    "properties": {"reasoning": {"type": "string", "minLength": 10, "maxLength": 600}},
    "required": ["reasoning"],
}


class ReasoningAnswer(BaseModel):
    """The rationale before one call turn."""

    reasoning: str = Field(min_length=10, max_length=600)


async def add_reasoning(candidate: Candidate, teacher, ctx: Context) -> Candidate:
    """`candidate` with `reasoning_content` on each assistant turn of calls; a rejection
    (`unparseable_output`) when the teacher's answer holds no reasoning."""
    record, task = candidate.record, candidate.task
    if record is None or candidate.issues:
        return candidate
    prompt = load_prompt("reasoning/call")
    for index, message in enumerate(record.messages):
        if message.role != "assistant" or not message.tool_calls:
            continue
        calls = "\n".join(
            f"{call.function.name}({json.dumps(call.function.arguments, ensure_ascii=False)})"
            if not isinstance(call.function.arguments, str)
            else f"{call.function.name}({call.function.arguments})"
            for call in message.tool_calls
        )
        before = render_messages(record.messages[:index], skip_system=False) or "(no earlier messages)"
        content = f"{before}\n\nThe assistant now calls:\n{calls}"
        asked = await ask(
            teacher,
            ChatRequest(
                [
                    {"role": "system", "content": prompt.render(today=task.now[:10])},
                    {"role": "user", "content": content},
                ],
                task.temperature,
                min(ctx.max_tokens, 300),
                SCHEMA,
                seed_for(task, f"reasoning-{index}"),
            ),
            ReasoningAnswer,
        )
        candidate.raw[f"reasoning-{index}"] = asked.text
        if asked.value is None:
            return failed(
                task,
                "unparseable_output",
                f"no reasoning for message {index}",
                record,
                f"messages[{index}]",
                **candidate.raw,
            )
        message.reasoning_content = asked.value.reasoning.strip()
    record.meta["reasoning"] = {"prompt_version": prompt.version}
    return candidate
