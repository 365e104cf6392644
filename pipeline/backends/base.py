"""The request/answer types every teacher backend speaks, what the layers of one teacher share, and
what a transport is."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChatRequest:
    """One chat completion: messages, sampling, and optionally a JSON Schema the answer must fit."""

    messages: list[dict[str, Any]]
    temperature: float = 0.7
    max_tokens: int = 512
    json_schema: dict[str, Any] | None = None
    seed: int | None = None
    # tools offered the OpenAI way (a student's prompt): the answer's text is then the whole
    # assistant message as JSON, {"content": ..., "tool_calls": [...]} (pipeline.pairs.student)
    tools: list[dict[str, Any]] | None = None


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


@dataclass
class TeacherState:
    """What the layers of one teacher share: the running totals, and the stop signal."""

    usage: Usage = field(default_factory=Usage)
    stopped_by: str | None = None  # a signal's name once one asked the run to stop: nothing more is sent


class TransientError(Exception):
    """A transport's failure worth another try (a busy worker, a dropped connection): retried like an HTTP 5xx."""


class UnreadableAnswer(TransientError):
    """An answer that is not a chat completion (a proxy's HTML page, plain text, an empty body,
    other JSON); `raw` is its start, kept in the failed task's meta.raw when retries run out."""

    def __init__(self, message: str, raw: str):
        super().__init__(message)
        self.raw = raw


class DeadlineExceeded(TransientError):
    """No whole answer (connect, send, every byte of the body) within the request's deadline."""


class Transport:
    """One backend's call and nothing else: a request and a structured-output style in, a Completion out.

    A backend subclasses this: it sets `model` and `identity` (the endpoint as the response cache
    key knows it), implements `send`, and raises openai's errors (an HTTP backend), TransientError
    (worth another try) or pipeline.errors.TeacherError (never worth one). It does not retry,
    cache, count, pace or check budgets: pipeline.backends.teacher.stack layers that over any
    transport. Response headers it sees (rate limits) go to `on_headers`, which the stack sets.
    """

    model: str = ""
    identity: str = ""
    on_headers: Callable[[Mapping[str, str]], None] | None = None

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """Ask once (`style`: how to ask for output fitting request.json_schema, see pipeline.backends.structured)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the transport holds (a client, connections)."""

    def describe(self, error: BaseException) -> str:
        """One line for a failure of this transport, without secrets."""
        return f"{type(error).__name__} from {self.identity}: {error}"
