"""The canonical record: one conversation in the HF/TRL shape, as pydantic models.

Depends only on pipeline.parse (strict JSON) and pipeline.errors. Readers accept a call's
`arguments` as an object or as a JSON string; writers always emit an object. Tool-call ids are
9 characters [A-Za-z0-9] (Mistral templates reject anything else).
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline import parse
from pipeline.errors import InputError
from pipeline.parse import json_path as json_path  # re-exported: every module imports it from here

MAX_LINE_BYTES = 8 * 2**20  # one JSONL record: long multi-turn records with tool results fit
TOOL_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
CALL_ID_RE = re.compile(r"^[A-Za-z0-9]{9}$")
CALL_ID_ALPHABET = string.ascii_letters + string.digits


def tool_name_problem(name: Any) -> str | None:
    """Why `name` cannot name a tool (the one rule the loader and `validate` apply), or None."""
    if isinstance(name, str) and TOOL_NAME_RE.fullmatch(name):
        return None
    return f"{name!r} is not a valid tool name ({TOOL_NAME_RE.pattern})"


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
            parsed = parse.loads(value)
        except ValueError:  # not JSON, or not strict JSON (NaN, a duplicate key): the format check names it
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
    reasoning_content: str | None = None  # an assistant's private rationale before its calls (opt-in)


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


def append_path(base: str, rendered: str) -> str:
    """Join a JSON path and a rendered sub-path: ("tools[0]", "a.b") -> "tools[0].a.b"."""
    return base + ("" if not rendered or rendered.startswith("[") else ".") + rendered


def parse_record(obj: Any) -> Conversation:
    """Build a Conversation from a decoded JSON value (raises pydantic.ValidationError)."""
    return Conversation.model_validate(obj)


def iter_jsonl(path: str) -> Iterator[tuple[int, Any | ValueError]]:
    """Yield (line index, decoded object or the ValueError) for each non-blank line of `path`,
    parsed strictly (pipeline.parse). Reads one line at a time, at most MAX_LINE_BYTES of it: a
    longer line is an InputError (`FILE: line N: longer than ...`), never a whole-file read."""
    with open(path, "rb") as handle:
        index = 0
        for number, line in enumerate(iter(lambda: handle.readline(MAX_LINE_BYTES + 1), b""), start=1):
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                raise InputError(
                    f"longer than {MAX_LINE_BYTES // 2**20} MiB (the limit for one record)", path, f"line {number}"
                )
            if not line.strip():
                continue
            try:
                yield index, parse.loads(line.decode("utf-8"))
            except ValueError as error:  # UnicodeDecodeError included
                yield index, error
            index += 1


def iter_rows(path: Path) -> Iterator[Any]:
    """The objects of a run's JSONL file one at a time (none when it is absent); InputError on a
    torn line."""
    for index, item in iter_jsonl(str(path)) if path.is_file() else ():
        if isinstance(item, ValueError):
            raise InputError(f"line {index + 1} is not JSON", str(path), f"[{index}]")
        yield item


def read_rows(path: Path) -> list[Any]:
    """The objects of a run's JSONL file ([] when absent); InputError on a torn line."""
    return list(iter_rows(path))
