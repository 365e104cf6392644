"""A token bucket for requests per minute and tokens per minute, shared by a teacher's requests.

The bucket refills continuously at `per_minute / 60` a second and holds at most one second's
worth (never less than one request's), so a run paces itself at the endpoint's limit instead of
bursting into 429s.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Take `amount` (1 request, or n tokens) when the bucket has it; wait while it does not."""

    def __init__(self, per_minute: float, clock=time.monotonic):
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, self.rate)
        self.level, self.clock = self.capacity, clock
        self.updated = clock()
        self.lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self.clock()
        self.level = min(self.capacity, self.level + (now - self.updated) * self.rate)
        self.updated = now

    async def take(self, amount: float = 1.0) -> None:
        """Wait until `amount` is available (an amount above the capacity waits for a full bucket), then take it."""
        amount = min(amount, self.capacity)
        async with self.lock:  # first come, first served
            self._refill()
            while self.level < amount:
                await asyncio.sleep((amount - self.level) / self.rate)
                self._refill()
            self.level -= amount


def estimated_tokens(messages: list[dict], max_tokens: int) -> int:
    """A request's token cost before it is sent: ~4 characters a token of prompt, plus the completion budget."""
    return sum(len(str(message.get("content") or "")) for message in messages) // 4 + max_tokens
