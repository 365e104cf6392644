"""The canonical record: one conversation in the HF/TRL shape, as pydantic models.

Depends on nothing else in the project. Readers accept a call's `arguments` as an object or
as a JSON string; writers always emit an object. Tool-call ids are 9 characters [A-Za-z0-9]
(Mistral templates reject anything else).
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CALL_ID_RE = re.compile(r"^[A-Za-z0-9]{9}$")
CALL_ID_ALPHABET = string.ascii_letters + string.digits


def new_call_id(rng: random.Random) -> str:
    """Draw a 9-character [A-Za-z0-9] tool-call id from `rng` (deterministic per seed)."""
    return "".join(rng.choice(CALL_ID_ALPHABET) for _ in range(9))


class FunctionSpec(BaseModel):
    """A function as the model sees it: name, description, JSON Schema parameters."""

    model_config = ConfigDict(extra="ignore")
    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})


class Tool(BaseModel):
    """One entry of a record's `tools`: only `type` and `function` (seed-only keys never leak)."""

    model_config = ConfigDict(extra="ignore")
    type: Literal["function"] = "function"
    function: FunctionSpec


class FunctionCall(BaseModel):
    """Name and arguments of a call; `arguments` is a dict, or the raw string if not a JSON object."""

    model_config = ConfigDict(extra="ignore")
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)

    @field_validator("arguments", mode="before")
    @classmethod
    def _decode_arguments(cls, value: Any) -> Any:
        return decode_arguments(value)


def decode_arguments(value: Any) -> Any:
    """A call's arguments as a dict when they are one or a JSON string of one; None is {}; any
    other value is kept as it is (the format check names it)."""
    if value is None:
        return {}
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


class ToolCall(BaseModel):
    """An assistant's tool call: `{"id", "type": "function", "function": {...}}`."""

    model_config = ConfigDict(extra="ignore")
    id: str | None = None
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    """A chat message with an OpenAI role; tool calls and tool results as in TRL."""

    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    name: str | None = None


class Conversation(BaseModel):
    """One record: id, category, the tools offered, the messages, and provenance in `meta`."""

    model_config = ConfigDict(extra="ignore")
    id: str
    category: str = "single"
    tools: list[Tool] = Field(default_factory=list)
    messages: list[Message]
    meta: dict[str, Any] = Field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object: arguments as objects, no null keys except assistant content."""
        out = self.model_dump(exclude_none=True)
        out["messages"] = [message_dict(message) for message in self.messages]
        return out

    def to_json(self) -> str:
        """One JSONL line (no trailing newline)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    def tool_schemas(self) -> dict[str, dict[str, Any]]:
        """Map function name -> parameters schema for the record's tools."""
        return {tool.function.name: tool.function.parameters for tool in self.tools}


def message_dict(message: Message) -> dict[str, Any]:
    """One canonical message: no null keys, except an assistant's content (null beside tool calls)."""
    out = message.model_dump(exclude_none=True)
    if message.role == "assistant":
        out.setdefault("content", None)
    return out


def json_path(parts) -> str:
    """Render a jsonschema/pydantic location like ('tools', 3, 'name') as tools[3].name."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def append_path(base: str, rendered: str) -> str:
    """Join a JSON path and a rendered sub-path: ("tools[0]", "a.b") -> "tools[0].a.b"."""
    return base + ("" if not rendered or rendered.startswith("[") else ".") + rendered


def parse_record(obj: Any) -> Conversation:
    """Build a Conversation from a decoded JSON value (raises pydantic.ValidationError)."""
    return Conversation.model_validate(obj)


def iter_jsonl(path: str) -> Iterator[tuple[int, Any | ValueError]]:
    """Yield (line index, decoded object or the ValueError) for each non-blank line of `path`."""
    with open(path, encoding="utf-8") as handle:
        index = 0
        for line in handle:
            if not line.strip():
                continue
            try:
                yield index, json.loads(line)
            except ValueError as error:
                yield index, error
            index += 1
