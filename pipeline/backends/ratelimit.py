"""The rate-limit layer: bounded concurrency, requests and tokens per minute, and a shared pause.

A token bucket refills continuously at `per_minute / 60` a second and holds at most one second's
worth (never less than one request's), so a run paces itself at the endpoint's limit instead of
bursting into 429s. The limits are --rpm/--tpm; without them, the ones an endpoint announces in
x-ratelimit-* headers (handed up by the transport) pace the run. A 429 (the retry layer) or a
spent limit (x-ratelimit-remaining-* 0) pauses every request; a stop signal cuts a pause short.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping

from pipeline.backends.base import ChatRequest, Completion, TeacherState
from pipeline.errors import Interrupted


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


class Pacer:
    """The limits every sender of one endpoint shares: the request and token buckets and the pause.

    A local run has one per teacher (in RateLimitLayer); a Ray run one for the whole job, in its
    ledger actor (pipeline.backends.ledger), which every worker asks before sending."""

    def __init__(self, rpm: int | None = None, tpm: int | None = None, max_pause: float = 60.0):
        self.max_pause = max_pause
        self.requests_bucket = TokenBucket(rpm) if rpm else None  # paced to the endpoint's limits
        self.tokens_bucket = TokenBucket(tpm) if tpm else None
        self.learn_limits = not rpm and not tpm  # none configured: take them from x-ratelimit-* headers
        self.learned: dict[str, int] = {}  # limits read from the endpoint's headers (for the manifest)
        self.paused_until = 0.0  # monotonic time before which nothing is sent (a 429's Retry-After, limits spent)

    async def wait(self, tokens: int, stopped: Callable[[], str | None]) -> None:
        """Return once any pause is over and the buckets allow one request of `tokens`; Interrupted
        when `stopped()` names a stop signal (it also cuts the pause short)."""
        while self.paused_until > time.monotonic() and not stopped():
            await asyncio.sleep(min(0.25, self.paused_until - time.monotonic()))
        if stopped():  # a retry (or a wait for a slot or a pause) outlived a stop signal
            raise Interrupted(f"{stopped()} received")
        if self.requests_bucket is not None:
            await self.requests_bucket.take()
        if self.tokens_bucket is not None:
            await self.tokens_bucket.take(tokens)

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (a pause already longer stays)."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def headers_seen(self, headers: Mapping[str, str]) -> None:
        """Learn from a response's headers, unless --rpm/--tpm were given."""
        if self.learn_limits:
            self._learn(headers)

    def _learn(self, headers: Mapping[str, str]) -> None:
        """Pace to the limits an endpoint announces (x-ratelimit-limit-requests/-tokens) when they are
        per minute (their reset is at most a minute away; a per-day limit, as Groq's requests, is not
        paced), and pause until the reset, at most max_pause, when one is spent (x-ratelimit-remaining-* 0)."""
        for kind, bucket in (("requests", "requests_bucket"), ("tokens", "tokens_bucket")):
            limit, reset = (
                _number(headers.get(f"x-ratelimit-limit-{kind}")),
                duration(headers.get(f"x-ratelimit-reset-{kind}")),
            )
            if limit and reset is not None and reset <= 60 and getattr(self, bucket) is None:
                setattr(self, bucket, TokenBucket(limit))
                self.learned[f"{kind}_per_minute"] = int(limit)
            if _number(headers.get(f"x-ratelimit-remaining-{kind}")) == 0:
                self.pause(min(reset if reset is not None else 1.0, self.max_pause))


class RateLimitLayer:
    """At most `concurrency` sends at once, each one after any pause and paced by the buckets
    (`pacer`: this teacher's own Pacer by default, or one shared with other processes)."""

    def __init__(
        self,
        inner,
        state: TeacherState,
        *,
        concurrency: int = 8,
        rpm: int | None = None,
        tpm: int | None = None,
        max_pause: float = 60.0,
        pacer=None,
    ):
        self.inner, self.state = inner, state
        self.pacer = pacer if pacer is not None else Pacer(rpm, tpm, max_pause)
        self.semaphore = asyncio.Semaphore(max(1, concurrency))

    @property
    def learned(self) -> dict[str, int]:
        """Rate limits read from the endpoint's x-ratelimit-* headers (for the manifest)."""
        return self.pacer.learned

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """The inner send, once a slot is free, any pause is over and the buckets allow it."""
        async with self.semaphore:
            await self.pacer.wait(estimated_tokens(request.messages, request.max_tokens), lambda: self.state.stopped_by)
            return await self.inner.send(request, style)

    def pause(self, seconds: float) -> None:
        """Send nothing for `seconds` from now (every sender sharing the pacer waits)."""
        self.pacer.pause(seconds)

    def headers_seen(self, headers: Mapping[str, str]) -> None:
        """Learn from a response's headers, unless --rpm/--tpm were given."""
        self.pacer.headers_seen(headers)
