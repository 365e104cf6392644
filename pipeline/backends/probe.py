"""The structured-output probe: which way of asking for JSON an endpoint honours.

One tiny question per style, in order: json_schema, then json_object + schema (llama.cpp), then
a GBNF grammar (llama.cpp, when llama_cpp is importable), then none (the prompt alone asks for
JSON). The first style whose answer fits the question's schema wins. A style the endpoint
rejects answers 4xx, or 5xx from a server that validates late ("validation error", "not
supported"...): that style is skipped without retrying; an auth failure is never hidden.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import openai

from pipeline.backends.base import ChatRequest, Completion
from pipeline.backends.retry import is_transient
from pipeline.backends.structured import grammar_for
from pipeline.errors import TeacherError

STYLES = ("json_schema", "json_object", "grammar", "none")
_PROBE_SCHEMA = {
    "type": "object",
    "properties": {"answer": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["answer"],
}
_UNSUPPORTED_HINTS = ("validation error", "invalid", "not supported", "unsupported", "input should be", "unknown")

Complete = Callable[..., Awaitable[Completion]]  # Teacher.complete(request, style, retry=...)


async def find_style(complete: Complete) -> str:
    """The first structured-output style the endpoint behind `complete` honours ("none" when no other does)."""
    request = ChatRequest(
        messages=[
            {
                "role": "user",
                "content": 'Is the sky blue on a clear day? Reply as JSON: {"answer": "yes"} or {"answer": "no"}.',
            }
        ],
        temperature=0.0,
        max_tokens=24,
        json_schema=_PROBE_SCHEMA,
    )
    for style in STYLES:
        if style == "grammar" and grammar_for(_PROBE_SCHEMA) is None:
            continue
        try:
            completion = await _probe_once(complete, request, style)
        except _Unsupported:
            continue
        if style == "none" or _fits(completion.text):
            return style
    return "none"


async def _probe_once(complete: Complete, request: ChatRequest, style: str) -> Completion:
    try:
        return await complete(request, style, retry=_probe_transient)
    except TeacherError as error:
        cause = error.__cause__
        if isinstance(cause, (openai.AuthenticationError, openai.PermissionDeniedError)):
            raise
        # a style the endpoint rejects answers 4xx, or 5xx from a server that validates late
        if (
            isinstance(cause, openai.APIStatusError)
            and style != "none"
            and (cause.status_code < 500 or _says_invalid(cause))
        ):
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
