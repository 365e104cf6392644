"""What every generator shares: the Candidate, JSON extraction, tool and call renderings."""

from __future__ import annotations

import json
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any

from filters.base import Issue
from pipeline.plan import Task, stable_int
from pipeline.record import Conversation, Tool


@dataclass
class Candidate:
    """One generated sample: its record (None if generation failed early) and generation issues."""

    task: Task
    record: Conversation | None
    issues: list[Issue] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (code fences and chatter around it tolerated), else None."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("\n") + 1:] if "\n" in text else text
    try:
        value = json.loads(text)
        return value if isinstance(value, dict) else None
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
        start = text.find("{", start + 1)
    return None


def tools_block(tools: list[Tool]) -> str:
    """The tools as one compact JSON line each (name, description, parameters)."""
    return "\n".join(json.dumps(tool.function.model_dump(), ensure_ascii=False) for tool in tools)


def call_schema(tool: Tool) -> dict[str, Any]:
    """JSON Schema of `{"name": <this tool>, "arguments": {...}}`."""
    return {"type": "object",
            "properties": {"name": {"type": "string", "enum": [tool.function.name]},
                           "arguments": tool.function.parameters},
            "required": ["name", "arguments"]}


def any_call_schema(tools: list[Tool]) -> dict[str, Any]:
    """A call of any one of `tools`: an anyOf over their call schemas (the solve pass's output)."""
    return {"anyOf": [call_schema(tool) for tool in tools]}


def describe_call(call: dict[str, Any], tool: Tool | None) -> str:
    """A call as plain lines for a phrasing prompt: the tool's purpose and each value."""
    properties = (tool.function.parameters.get("properties") or {}) if tool else {}
    lines = [f"Tool: {call['name']}" + (f" ({tool.function.description})" if tool and tool.function.description else "")]
    lines.append("Values to mention:")
    for name, value in call["arguments"].items():
        hint = (properties.get(name) or {}).get("description", "")
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        spoken = spoken_date(value)
        if spoken:
            shown = f"{value} ({spoken})"
        lines.append(f"- {name}{f' ({hint})' if hint else ''}: {shown}")
    if not call["arguments"]:
        lines.append("- (no values)")
    return "\n".join(lines)


def spoken_date(value: Any) -> str | None:
    """'2026-03-07' -> 'March 7, 2026' (and date-times with their hour), else None."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    day = f"{moment:%B} {moment.day}, {moment.year}"
    return day if len(value) == 10 else f"{day} at {moment:%H:%M}"


def seed_for(task: Task, step: str) -> int:
    """A request `seed` per task and step, so reruns ask the same question."""
    return stable_int(task.id, step) % 2**31
