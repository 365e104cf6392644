"""The truncation layer: an answer cut off by max_tokens is asked again with room to finish.

finish_reason "length" -> the same request with double max_tokens, up to MAX_TOKENS_CAP; each
re-ask counts as a retry in Usage and passes the budget check again. The layer above (the
response cache) stores the whole answer under the key of the request as first asked.
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.backends.base import ChatRequest, Completion, TeacherState

MAX_TOKENS_CAP = 4096  # a truncated answer is asked again with double max_tokens, up to this


class TruncationLayer:
    """Re-ask truncated answers with more room."""

    def __init__(self, inner, state: TeacherState):
        self.inner, self.state = inner, state

    async def send(self, request: ChatRequest, style: str, retry) -> Completion:
        """The inner layer's answer; a truncated one asked again until it finishes or hits the cap."""
        completion = await self.inner.send(request, style, retry)
        asked = request
        while completion.finish_reason == "length" and asked.max_tokens < MAX_TOKENS_CAP:
            asked = replace(asked, max_tokens=min(asked.max_tokens * 2, MAX_TOKENS_CAP))
            self.state.usage.retries += 1
            completion = await self.inner.send(asked, style, retry)
        return completion
