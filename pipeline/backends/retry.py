"""The retry layer: a send that fails for a transient reason is tried again.

tenacity retries 429, 5xx, timeouts, connection errors (openai's errors) and a transport's
TransientError, with exponential backoff and jitter, honouring Retry-After (capped at
retry_max); a 429 also pauses every other request (`on_rate_limited`: the rate-limit layer's
pause), and a stop signal cuts the backoff short. 400/401/403/404 and TeacherError are not
retried. Each answer the transport gives is counted in Usage (requests, tokens), and so is each
retry and each request that fails for good; such a failure becomes a one-line TeacherError (the
transport's `describe`, without secrets) carrying the start of an unreadable answer (`raw`).

An endpoint that cannot be reached (connection refused, a name that does not resolve, a
timeout) is announced at its first retry, once until an answer comes back: the transport's
one line, how many retries are left and the longest backoff they can add up to (`notice`,
by default a warning on the `pipeline` logger), so a dead URL is not minutes of silence.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable
from datetime import timezone

import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from pipeline.backends.base import ChatRequest, Completion, DeadlineExceeded, TeacherState, TransientError
from pipeline.errors import TeacherError

NOTICE = logging.getLogger("pipeline.backends").warning


def is_transient(error: BaseException) -> bool:
    """429, 5xx, timeouts, connection errors and TransientError are worth another try."""
    if isinstance(error, (TransientError, openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return False


def is_unreachable(error: BaseException | None) -> bool:
    """No answer at all: the connection failed (refused, unresolved name, reset) or timed out."""
    return isinstance(error, (openai.APIConnectionError, DeadlineExceeded))  # APITimeoutError included


def backoff_bound(failed: int, max_attempts: int, initial: float, most: float) -> float:
    """The longest the backoff before the remaining retries can add up to, after attempt `failed`
    (1-based) failed: attempt k waits at most min(initial * 2**(k-1) + initial (jitter), most)."""
    return sum(min(initial * 2 ** (k - 1) + initial, most) for k in range(failed, max_attempts))


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


class RetryLayer:
    """Try the inner send up to `max_attempts` times; count answers, retries and failures."""

    def __init__(
        self,
        inner,
        state: TeacherState,
        describe: Callable[[BaseException], str],
        *,
        max_attempts: int = 6,
        retry_initial: float = 1.0,
        retry_max: float = 60.0,
        on_rate_limited: Callable[[float], None] | None = None,
        notice: Callable[[str], None] | None = NOTICE,
    ):
        self.inner, self.state, self.describe = inner, state, describe
        self.max_attempts, self.retry_initial, self.retry_max = max_attempts, retry_initial, retry_max
        self.on_rate_limited, self.notice = on_rate_limited, notice
        self.announced = False  # an unreachable endpoint was announced and has not answered since

    def _wait(self, attempt: RetryCallState) -> float:
        error = attempt.outcome.exception() if attempt.outcome else None
        asked = retry_after(error)
        wait = (
            min(asked, self.retry_max)
            if asked is not None
            else wait_exponential_jitter(multiplier=self.retry_initial, max=self.retry_max, jitter=self.retry_initial)(
                attempt
            )
        )
        if isinstance(error, openai.RateLimitError) and self.on_rate_limited is not None:
            self.on_rate_limited(wait)  # the endpoint is over its limit: every request pauses, not only this one
        return wait

    def _count_retry(self, attempt: RetryCallState) -> None:
        self.state.usage.retries += 1
        error = attempt.outcome.exception() if attempt.outcome else None
        if self.notice is not None and not self.announced and is_unreachable(error):
            self.announced = True
            left = self.max_attempts - attempt.attempt_number
            bound = backoff_bound(attempt.attempt_number, self.max_attempts, self.retry_initial, self.retry_max)
            self.notice(
                f"{self.describe(error)}; retrying {left} more time{'s' if left != 1 else ''}, "
                f"waiting up to {bound:.0f} s in all between tries"
            )

    async def _sleep(self, seconds: float) -> None:
        """The backoff before a retry, cut short by a stop signal (the retry then sends nothing)."""
        end = time.monotonic() + seconds
        while not self.state.stopped_by and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(0.25, left))

    async def send(
        self, request: ChatRequest, style: str, retry: Callable[[BaseException], bool] = is_transient
    ) -> Completion:
        """The inner layer's answer, retried while `retry(error)` says so; TeacherError when it cannot succeed."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=self._wait,
            retry=retry_if_exception(retry),
            before_sleep=self._count_retry,
            sleep=self._sleep,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    completion = await self.inner.send(request, style)
                    self.announced = False  # it answers: a later outage is announced again
                    self.state.usage.add(completion)
                    return completion
        except TeacherError:
            self.state.usage.failures += 1
            raise
        except (openai.OpenAIError, TransientError, ValueError) as error:
            self.state.usage.failures += 1
            raise TeacherError(self.describe(error), getattr(error, "raw", "")) from error
        raise AssertionError("unreachable")
