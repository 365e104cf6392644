"""Any OpenAI-compatible endpoint through the official async client.

The client has max_retries=0; tenacity alone retries 429, 5xx, timeouts and connection errors
with exponential backoff and jitter, honouring Retry-After; a 429 pauses every request, and
without --rpm/--tpm the limits an endpoint announces in x-ratelimit-* headers pace the run. 400/401/403/404 are not retried:
they become a one-line TeacherError. At start, `probe()` finds which structured-output style the
endpoint accepts: json_schema, then json_object + schema (llama.cpp), then a GBNF grammar
(llama.cpp, when llama_cpp is importable), then none (the prompt alone asks for JSON).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from dataclasses import replace
from datetime import timezone
from typing import Any

import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from pipeline.backends.base import ChatRequest, Completion, Usage
from pipeline.backends.cache import ResponseCache, fingerprint
from pipeline.backends.ratelimit import TokenBucket, estimated_tokens
from pipeline.errors import BudgetReached, Interrupted, TeacherError
from pipeline.redact import public_url

STYLES = ("json_schema", "json_object", "grammar", "none")
_PROBE_SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
                 "required": ["answer"]}
_UNSUPPORTED_HINTS = ("validation error", "invalid", "not supported", "unsupported", "input should be", "unknown")


def is_transient(error: BaseException) -> bool:
    """429, 5xx, timeouts and connection errors are worth another try."""
    if isinstance(error, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return False


def retry_after(error: BaseException | None) -> float | None:
    """Seconds asked by a Retry-After (or retry-after-ms) header, if any."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    if headers.get("retry-after-ms"):
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None  # unreadable: fall back to exponential backoff
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return max(0.0, parsed.timestamp() - time.time())


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def duration(value: str | None) -> float | None:
    """Seconds in an x-ratelimit-reset-* value: "1s", "6m0s", "20ms", "1h2m3.5s" (None when unreadable)."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", value or "")
    if not parts:
        return _number(value)
    return sum(float(amount) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit] for amount, unit in parts)


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
    return f"{type(error).__name__} from {public_url(base_url)}: {error}"


MAX_TOKENS_CAP = 4096  # a truncated answer is asked again with double max_tokens, up to this


class OpenAITeacher:
    """Async teacher over an OpenAI-compatible endpoint with bounded concurrency and retries."""

    def __init__(self, base_url: str, model: str, api_key: str | None, *, timeout: float = 60.0,
                 concurrency: int = 8, max_attempts: int = 6, retry_initial: float = 1.0,
                 retry_max: float = 60.0, style: str = "auto", cache: ResponseCache | None = None, identity: str | None = None,
                 budget=None, rpm: int | None = None, tpm: int | None = None):
        self.base_url, self.model, self.style = base_url, model, style
        self.cache, self.identity = cache, identity or public_url(base_url)  # identity: the endpoint as the cache key knows it
        self.budget = budget  # anything with spent(usage) -> reason | None (pipeline.config.BudgetConfig); checked before each send
        self.requests_bucket = TokenBucket(rpm) if rpm else None  # paced to the endpoint's limits
        self.tokens_bucket = TokenBucket(tpm) if tpm else None
        self.learn_limits = not rpm and not tpm  # none configured: take them from x-ratelimit-* headers
        self.learned: dict[str, int] = {}  # limits read from the endpoint's headers (for the manifest)
        self.paused_until = 0.0  # monotonic time before which nothing is sent (a 429's Retry-After, limits spent)
        self.max_attempts, self.retry_initial, self.retry_max = max_attempts, retry_initial, retry_max
        # the response hook reads rate-limit headers off every answer, whatever the call path
        http = openai.DefaultAsyncHttpxClient(timeout=timeout, event_hooks={"response": [self._on_response]})
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "no-key", timeout=timeout, max_retries=0,
                                         http_client=http)
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.usage = Usage()
        self.stopped_by: str | None = None  # a signal's name once one asked the run to stop: nothing more is sent

    def _may_send(self) -> None:
        """Raise Interrupted after a stop signal, BudgetReached once a budget is spent."""
        if self.stopped_by:
            raise Interrupted(f"{self.stopped_by} received")
        reached = self.budget.spent(self.usage) if self.budget is not None else None
        if reached:
            raise BudgetReached(reached)

    async def close(self) -> None:
        """Release the HTTP client."""
        await self.client.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        asked = retry_after(error)
        wait = min(asked, self.retry_max) if asked is not None else \
            wait_exponential_jitter(multiplier=self.retry_initial, max=self.retry_max, jitter=self.retry_initial)(state)
        if isinstance(error, openai.RateLimitError):  # the endpoint is over its limit: every request pauses, not only this one
            self._pause(wait)
        return wait

    def _pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def _learn(self, headers) -> None:
        """Pace to the limits an endpoint announces (x-ratelimit-limit-requests/-tokens) when they are
        per minute (their reset is at most a minute away; a per-day limit, as Groq's requests, is not
        paced), and pause until the reset, at most retry_max, when one is spent (x-ratelimit-remaining-* 0)."""
        for kind, bucket in (("requests", "requests_bucket"), ("tokens", "tokens_bucket")):
            limit, reset = _number(headers.get(f"x-ratelimit-limit-{kind}")), duration(headers.get(f"x-ratelimit-reset-{kind}"))
            if limit and reset is not None and reset <= 60 and getattr(self, bucket) is None:
                setattr(self, bucket, TokenBucket(limit))
                self.learned[f"{kind}_per_minute"] = int(limit)
            if _number(headers.get(f"x-ratelimit-remaining-{kind}")) == 0:
                self._pause(min(reset if reset is not None else 1.0, self.retry_max))

    def _count_retry(self, state: RetryCallState) -> None:
        self.usage.retries += 1

    async def complete(self, request: ChatRequest, style: str | None = None, retry=is_transient) -> Completion:
        """Send one request (retrying transient failures), or read it from the response cache;
        TeacherError when it cannot succeed."""
        style = style or self.style
        key = fingerprint(self.identity, self.model, request, style) if self.cache is not None else None
        if key is not None and (hit := self.cache.get(key)) is not None:
            self.usage.cached += 1
            return hit
        self._may_send()
        completion = await self._complete(request, style, retry)
        asked = request
        while completion.finish_reason == "length" and asked.max_tokens < MAX_TOKENS_CAP:
            # truncated: the same request with room to finish (a truncated answer is never cached)
            asked = replace(asked, max_tokens=min(asked.max_tokens * 2, MAX_TOKENS_CAP))
            self.usage.retries += 1
            self._may_send()
            completion = await self._complete(asked, style, retry)
        if key is not None:
            self.cache.put(key, completion)  # under the asked-for request's key: a rerun gets the whole answer
        return completion

    async def _complete(self, request: ChatRequest, style: str, retry) -> Completion:
        retrying = AsyncRetrying(stop=stop_after_attempt(self.max_attempts), wait=self._wait,
                                 retry=retry_if_exception(retry), before_sleep=self._count_retry,
                                 reraise=True)
        try:
            async for attempt in retrying:
                with attempt:
                    async with self.semaphore:
                        while self.paused_until > time.monotonic() and not self.stopped_by:  # a stop signal cuts the pause short
                            await asyncio.sleep(min(0.25, self.paused_until - time.monotonic()))
                        if self.stopped_by:  # a retry (or a wait for a slot or a pause) outlived a stop signal
                            raise Interrupted(f"{self.stopped_by} received")
                        if self.requests_bucket is not None:
                            await self.requests_bucket.take()
                        if self.tokens_bucket is not None:
                            await self.tokens_bucket.take(estimated_tokens(request.messages, request.max_tokens))
                        return await self._send(request, style)
        except openai.OpenAIError as error:
            self.usage.failures += 1
            raise TeacherError(describe(error, self.base_url)) from error
        except ValueError as error:  # a 200 whose body is not JSON (a proxy's HTML page)
            self.usage.failures += 1
            raise TeacherError(f"unreadable answer from {public_url(self.base_url)}: {error}") from error
        except TeacherError:
            self.usage.failures += 1
            raise
        raise AssertionError("unreachable")

    async def _send(self, request: ChatRequest, style: str) -> Completion:
        kwargs: dict[str, Any] = {"model": self.model, "messages": request.messages,
                                  "temperature": request.temperature, "max_tokens": request.max_tokens}
        if request.seed is not None:
            kwargs["seed"] = request.seed
        if request.json_schema is not None:
            kwargs.update(structured_kwargs(style, request.json_schema))
        response = await self.client.chat.completions.create(**kwargs)
        if not response.choices:
            raise TeacherError(f"empty choices from {public_url(self.base_url)}")
        choice = response.choices[0]
        usage = response.usage
        completion = Completion(text=choice.message.content or "", finish_reason=choice.finish_reason or "stop",
                                prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                                completion_tokens=getattr(usage, "completion_tokens", 0) or 0)
        self.usage.add(completion)
        return completion

    async def _on_response(self, response) -> None:
        if self.learn_limits:
            self._learn(response.headers)

    async def probe(self) -> str:
        """Find and remember the first structured-output style the endpoint honours."""
        if self.style != "auto":
            return self.style
        request = ChatRequest(messages=[{"role": "user", "content": 'Is the sky blue on a clear day? Reply as JSON: {"answer": "yes"} or {"answer": "no"}.'}],
                              temperature=0.0, max_tokens=24, json_schema=_PROBE_SCHEMA)
        for style in STYLES:
            if style == "grammar" and grammar_for(_PROBE_SCHEMA) is None:
                continue
            try:
                completion = await self._probe_once(request, style)
            except _Unsupported:
                continue
            if style == "none" or _fits(completion.text):
                self.style = style
                return style
        self.style = "none"
        return "none"

    async def _probe_once(self, request: ChatRequest, style: str) -> Completion:
        try:
            return await self.complete(request, style, retry=_probe_transient)
        except TeacherError as error:
            cause = error.__cause__
            if isinstance(cause, (openai.AuthenticationError, openai.PermissionDeniedError)):
                raise
            # a style the endpoint rejects answers 4xx, or 5xx from a server that validates late
            if isinstance(cause, openai.APIStatusError) and style != "none" and (cause.status_code < 500 or _says_invalid(cause)):
                raise _Unsupported() from error
            raise


class _Unsupported(Exception):
    pass


def _probe_transient(error: BaseException) -> bool:
    """While probing, a 5xx may mean "style unsupported": retry only timeouts, resets and 429."""
    if isinstance(error, openai.APIStatusError):
        return error.status_code == 429 or (error.status_code >= 500 and not _says_invalid(error))
    return is_transient(error)


def _says_invalid(error: openai.APIStatusError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return any(hint in text for hint in _UNSUPPORTED_HINTS)


def _fits(text: str) -> bool:
    try:
        return json.loads(text).get("answer") in ("yes", "no")
    except (ValueError, AttributeError):
        return False


def grammar_for(schema: dict[str, Any]) -> str | None:
    """A GBNF grammar for the schema, when llama_cpp's converter is importable."""
    try:
        from llama_cpp.llama_grammar import json_schema_to_gbnf
    except Exception:
        return None
    try:
        return json_schema_to_gbnf(json.dumps(schema))
    except Exception:
        return None


_GRAMMAR_UNSAFE = ("minLength", "maxLength", "minItems", "maxItems")


def grammar_safe(schema: Any) -> Any:
    """Drop keywords llama.cpp's grammars handle badly: regexes with escapes fail to parse, and
    length bounds expand into nesting that overflows the server's stack. The checks still apply
    them. Plain patterns (no backslash) are kept: they constrain values usefully."""
    if isinstance(schema, list):
        return [grammar_safe(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {key: grammar_safe(value) for key, value in schema.items()
            if not (key in _GRAMMAR_UNSAFE and isinstance(value, int))
            and not (key == "pattern" and isinstance(value, str) and "\\" in value)}


def structured_kwargs(style: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The request fields that ask for output fitting `schema` in a given style."""
    if style == "json_schema":
        return {"response_format": {"type": "json_schema", "json_schema": {"name": "output", "schema": schema, "strict": False}}}
    schema = grammar_safe(schema)
    if style == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if style == "grammar":
        grammar = grammar_for(schema)
        return {"extra_body": {"grammar": grammar}} if grammar else {}
    return {}
