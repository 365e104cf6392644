"""The request/answer types every teacher backend speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ChatRequest:
    """One chat completion: messages, sampling, and optionally a JSON Schema the answer must fit."""

    messages: list[dict[str, Any]]
    temperature: float = 0.7
    max_tokens: int = 512
    json_schema: dict[str, Any] | None = None
    seed: int | None = None


@dataclass
class Completion:
    """The teacher's answer."""

    text: str
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Usage:
    """Running totals for the manifest."""

    requests: int = 0
    cached: int = 0  # answers read from the response cache instead of sent
    retries: int = 0
    failures: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def add(self, completion: Completion) -> None:
        self.requests += 1
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens

