"""The OpenAI-compatible transport: one chat completion over HTTP through the official async client.

It sends and reads, nothing more: the response cache, budgets, retries, rate limits, the
truncation re-ask and the structured-output probe are the layers pipeline.backends.teacher
stacks over it. The client has max_retries=0 (the retry layer alone retries), and the headers of
every HTTP response go up to `on_headers` (the rate-limit layer reads x-ratelimit-* there). The
embedded llama.cpp server (pipeline.backends.embedded) is one more endpoint it talks to.

`timeout` is a deadline for the whole request (connect, send, every byte of the answer): httpx's
own timeouts are per phase and per read, so a server dripping a byte a second would hold a
request for as long as it likes. The body is read here, not by openai's parser: whatever a 200
holds (a proxy's HTML page, plain text, an empty body, JSON that is not a chat completion, any
content type) is an UnreadableAnswer, retried like a 5xx, never an AttributeError.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import openai

from pipeline.backends.base import ChatRequest, Completion, DeadlineExceeded, Transport, UnreadableAnswer
from pipeline.backends.structured import structured_kwargs
from pipeline.errors import TeacherError
from pipeline.redact import public_url, redact, remember_secret

RAW_CHARS = 200  # how much of an unreadable answer a failed task keeps (meta.raw)


class OpenAITransport(Transport):
    """Chat completions from any OpenAI-compatible endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp...)."""

    def __init__(
        self, base_url: str, model: str, api_key: str | None, *, timeout: float = 60.0, identity: str | None = None
    ):
        self.base_url, self.model = base_url, model
        self.deadline = timeout if math.isfinite(timeout) else None
        remember_secret(api_key)  # redacted wherever it shows up: an endpoint may echo it in an error
        self.identity = identity or public_url(base_url)  # the endpoint as the cache key knows it
        # the response hook hands the headers of every answer up, whatever the call path
        http = openai.DefaultAsyncHttpxClient(timeout=timeout, event_hooks={"response": [self._on_response]})
        self.client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "no-key", timeout=timeout, max_retries=0, http_client=http
        )

    def kwargs(self, request: ChatRequest, style: str) -> dict[str, Any]:
        """The chat completion's parameters for `request` in structured-output `style`."""
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": request.messages,
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.json_schema is not None:
            kwargs.update(structured_kwargs(style, request.json_schema))
        if request.tools is not None:
            kwargs["tools"] = request.tools
        return kwargs

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """One chat completion within the deadline (openai's errors raised as they come;
        DeadlineExceeded, UnreadableAnswer, or TeacherError on an answer without choices)."""
        kwargs = self.kwargs(request, style)
        try:
            response = await asyncio.wait_for(
                self.client.chat.completions.with_raw_response.create(**kwargs), self.deadline
            )
        except asyncio.TimeoutError:
            raise DeadlineExceeded(f"no whole answer within {self.deadline:g} s") from None
        data = read_json(response.content, response.headers.get("content-type", ""))
        if isinstance(data, dict) and data.get("choices") == []:
            raise TeacherError(f"empty choices from {public_url(self.base_url)}")
        completion = completion_from(data, response.text)
        return completion if request.tools is None else message_completion(data, completion)

    async def _on_response(self, response) -> None:
        if self.on_headers is not None:
            self.on_headers(response.headers)

    async def close(self) -> None:
        """Release the HTTP client."""
        await self.client.close()

    def describe(self, error: BaseException) -> str:
        """One line for a failure at this endpoint, without secrets."""
        return describe(error, self.base_url)


def read_json(body: bytes, content_type: str) -> Any:
    """The answer's JSON whatever its content type; UnreadableAnswer when it is none."""
    try:
        return json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        raw = raw_start(body.decode("utf-8", "replace"))
        kind = content_type.split(";")[0].strip() or "no content type"
        raise UnreadableAnswer(f"{kind}, not JSON: {glimpse(raw)}" if raw.strip() else "an empty body", raw) from None


def completion_from(data: Any, text: str) -> Completion:
    """The Completion in a chat.completion body; UnreadableAnswer when `data` is not one (`text`: the body)."""
    choices = data.get("choices") if isinstance(data, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices else None
    message = choice.get("message") if isinstance(choice, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    finish_reason = choice.get("finish_reason") if isinstance(choice, dict) else None
    if (
        not isinstance(message, dict)
        or not isinstance(content, (str, type(None)))
        or not isinstance(finish_reason, (str, type(None)))
    ):
        raw = raw_start(text)
        raise UnreadableAnswer(f"JSON that is not a chat completion: {glimpse(raw)}", raw)
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    count = lambda key: usage.get(key) if isinstance(usage.get(key), int) else 0  # noqa: E731
    return Completion(
        text=content or "",
        finish_reason=finish_reason or "stop",
        prompt_tokens=count("prompt_tokens"),
        completion_tokens=count("completion_tokens"),
    )


def message_completion(data: dict[str, Any], completion: Completion) -> Completion:
    """An answer to a request with tools: its text is the assistant message as JSON (content and
    tool_calls as sent, arguments still strings); a turn that ends in tool calls is complete ("stop")."""
    message = data["choices"][0]["message"]
    calls = message.get("tool_calls")
    text = json.dumps(
        {"content": completion.text or None, "tool_calls": calls if isinstance(calls, list) else []},
        ensure_ascii=False,
    )
    finish = "stop" if completion.finish_reason == "tool_calls" else completion.finish_reason
    return Completion(text, finish, completion.prompt_tokens, completion.completion_tokens)


def raw_start(text: str) -> str:
    """The first RAW_CHARS characters of an answer, secrets redacted before the cut (a key cut in
    half would no longer look like one)."""
    return redact(text[: RAW_CHARS * 5])[:RAW_CHARS]


def glimpse(raw: str) -> str:
    """The start of an answer on one short line, for an error message."""
    return " ".join(raw.split())[:80]


def describe(error: BaseException, base_url: str) -> str:
    """One line for an endpoint error, without secrets."""
    if isinstance(error, openai.APIStatusError):
        try:
            detail = json.dumps(error.body) if error.body else error.message
        except (TypeError, ValueError):
            detail = str(error.message)
        detail = redact(" ".join(str(detail)[:2000].split()))  # redacted before the cut: a half key is not one
        return f"HTTP {error.status_code} from {public_url(base_url)}: {detail[:240]}"
    if isinstance(error, UnreadableAnswer):
        return f"unreadable answer from {public_url(base_url)}: {error}"
    if isinstance(error, DeadlineExceeded):
        return f"timeout talking to {public_url(base_url)}: {error}"
    if isinstance(error, openai.APITimeoutError):
        return f"timeout talking to {public_url(base_url)}"
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        return f"cannot reach {public_url(base_url)}: {' '.join(str(cause).split())[:200] or type(cause).__name__}"
    if isinstance(error, ValueError):  # a 200 whose body is not JSON (a proxy's HTML page)
        return f"unreadable answer from {public_url(base_url)}: {error}"
    return f"{type(error).__name__} from {public_url(base_url)}: {error}"
