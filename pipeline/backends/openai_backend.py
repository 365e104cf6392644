"""The OpenAI-compatible transport: one chat completion over HTTP through the official async client.

It sends and reads, nothing more: the response cache, budgets, retries, rate limits, the
truncation re-ask and the structured-output probe are the layers pipeline.backends.teacher
stacks over it. The client has max_retries=0 (the retry layer alone retries), and the headers of
every HTTP response go up to `on_headers` (the rate-limit layer reads x-ratelimit-* there). The
embedded llama.cpp server (pipeline.backends.embedded) is one more endpoint it talks to.
"""

from __future__ import annotations

import json
from typing import Any

import openai

from pipeline.backends.base import ChatRequest, Completion, Transport
from pipeline.backends.structured import structured_kwargs
from pipeline.errors import TeacherError
from pipeline.redact import public_url


class OpenAITransport(Transport):
    """Chat completions from any OpenAI-compatible endpoint (OpenAI, vLLM, SGLang, Ollama, llama.cpp...)."""

    def __init__(
        self, base_url: str, model: str, api_key: str | None, *, timeout: float = 60.0, identity: str | None = None
    ):
        self.base_url, self.model = base_url, model
        self.identity = identity or public_url(base_url)  # the endpoint as the cache key knows it
        # the response hook hands the headers of every answer up, whatever the call path
        http = openai.DefaultAsyncHttpxClient(timeout=timeout, event_hooks={"response": [self._on_response]})
        self.client = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "no-key", timeout=timeout, max_retries=0, http_client=http
        )

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """One chat completion (openai's errors raised as they come; TeacherError on an empty answer)."""
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
        response = await self.client.chat.completions.create(**kwargs)
        if not response.choices:
            raise TeacherError(f"empty choices from {public_url(self.base_url)}")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            finish_reason=choice.finish_reason or "stop",
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
        )

    async def _on_response(self, response) -> None:
        if self.on_headers is not None:
            self.on_headers(response.headers)

    async def close(self) -> None:
        """Release the HTTP client."""
        await self.client.close()

    def describe(self, error: BaseException) -> str:
        """One line for a failure at this endpoint, without secrets."""
        return describe(error, self.base_url)


def describe(error: BaseException, base_url: str) -> str:
    """One line for an endpoint error, without secrets."""
    if isinstance(error, openai.APIStatusError):
        try:
            detail = json.dumps(error.body)[:200] if error.body else error.message
        except (TypeError, ValueError):
            detail = str(error.message)
        return f"HTTP {error.status_code} from {public_url(base_url)}: {' '.join(str(detail).split())[:240]}"
    if isinstance(error, openai.APITimeoutError):
        return f"timeout talking to {public_url(base_url)}"
    if isinstance(error, openai.APIConnectionError):
        cause = error.__cause__ or error
        return f"cannot reach {public_url(base_url)}: {' '.join(str(cause).split())[:200] or type(cause).__name__}"
    if isinstance(error, ValueError):  # a 200 whose body is not JSON (a proxy's HTML page)
        return f"unreadable answer from {public_url(base_url)}: {error}"
    return f"{type(error).__name__} from {public_url(base_url)}: {error}"
