"""The teacher the pipeline talks to: one transport with the shared layers stacked over it.

    Teacher.complete -> CacheLayer -> TruncationLayer -> BudgetLayer -> RetryLayer -> RateLimitLayer -> transport
                        (cache.py)    (truncation.py)    (budget.py)    (retry.py)    (ratelimit.py)

Each layer has one job and knows nothing of the others' state but the shared TeacherState
(usage, stop signal); `probe()` is pipeline.backends.probe. A new backend is a Transport
(pipeline.backends.base) and nothing more: `stack(MyTransport(...), ...)` gives it the response
cache, budgets, retries, rate limits, the truncation re-ask and the probe. `build_teacher` is
the run's teacher: an OpenAI-compatible endpoint (the embedded llama.cpp server included).
"""

from __future__ import annotations

from pipeline.backends.base import ChatRequest, Completion, TeacherState, Transport, Usage
from pipeline.backends.batch import BatchTransport
from pipeline.backends.budget import BudgetLayer
from pipeline.backends.cache import CacheLayer, ResponseCache
from pipeline.backends.fleet import FleetTransport
from pipeline.backends.ledger import LedgerBudgetLayer, LedgerCacheLayer, LedgerPacer, UsageReport
from pipeline.backends.openai_backend import OpenAITransport
from pipeline.backends.probe import find_style
from pipeline.backends.ratelimit import RateLimitLayer
from pipeline.backends.retry import RetryLayer, is_transient
from pipeline.backends.truncation import TruncationLayer


class Teacher:
    """complete(), probe(), usage, learned, stopped_by and close() over a stack of layers."""

    def __init__(
        self,
        transport: Transport,
        top,
        state: TeacherState,
        rate_limits: RateLimitLayer,
        style: str = "auto",
        report: UsageReport | None = None,
    ):
        self.transport, self.top, self.state, self.rate_limits = transport, top, state, rate_limits
        self.style = style  # "auto" until probe() finds the endpoint's structured-output style
        self.report = report  # a Ray worker's: what its usage grew by since it last told the ledger

    @property
    def usage(self) -> Usage:
        """Running totals for the manifest."""
        return self.state.usage

    @property
    def stopped_by(self) -> str | None:
        """A signal's name once one asked the run to stop: nothing more is sent."""
        return self.state.stopped_by

    @stopped_by.setter
    def stopped_by(self, name: str | None) -> None:
        self.state.stopped_by = name

    @property
    def learned(self) -> dict[str, int]:
        """Rate limits read from the endpoint's x-ratelimit-* headers (for the manifest)."""
        return self.rate_limits.learned

    async def complete(self, request: ChatRequest, style: str | None = None, retry=is_transient) -> Completion:
        """Send one request (retrying transient failures), or read it from the response cache;
        TeacherError when it cannot succeed, StopSending once the run sends no more."""
        return await self.top.send(request, style or self.style, retry)

    async def probe(self) -> str:
        """Find and remember the first structured-output style the endpoint honours."""
        if self.style != "auto":
            return self.style
        self.style = await find_style(self.complete)
        return self.style

    async def close(self) -> None:
        """Release the transport (its HTTP client)."""
        await self.transport.close()


def stack(
    transport: Transport,
    *,
    concurrency: int = 8,
    max_attempts: int = 6,
    retry_initial: float = 1.0,
    retry_max: float = 60.0,
    style: str = "auto",
    cache: ResponseCache | bool | None = None,
    budget=None,
    rpm: int | None = None,
    tpm: int | None = None,
    reask_truncated: bool = True,
    ledger=None,
    worker: int = 0,
) -> Teacher:
    """A Teacher over `transport` with every shared layer: the response cache (when given), the
    truncation re-ask (unless `reask_truncated` is False: a model under evaluation gets the room
    it is given), the budget and stop check (`budget`: pipeline.config.BudgetConfig or None),
    retries, and the rate limits (configured rpm/tpm, else learned from headers).

    With `ledger` (a Ray worker's teacher: a handle to the job's pipeline.backends.ledger.Ledger,
    this worker's number `worker`), the rate limits, the budget and the cache (when `cache` is
    true) are the job's, kept by the ledger; `budget`, `rpm` and `tpm` are the ledger's then."""
    state = TeacherState()
    pacer = LedgerPacer(ledger) if ledger is not None else None
    rate_limits = RateLimitLayer(
        transport, state, concurrency=concurrency, rpm=rpm, tpm=tpm, max_pause=retry_max, pacer=pacer
    )
    transport.on_headers = rate_limits.headers_seen
    layer = RetryLayer(
        rate_limits,
        state,
        transport.describe,
        max_attempts=max_attempts,
        retry_initial=retry_initial,
        retry_max=retry_max,
        on_rate_limited=rate_limits.pause,
    )
    report = UsageReport(state.usage) if ledger is not None else None
    if ledger is not None:
        layer = LedgerBudgetLayer(layer, state, ledger, worker, report)
    else:
        layer = BudgetLayer(layer, state, budget, reserve=isinstance(transport, BatchTransport))
    if reask_truncated:
        layer = TruncationLayer(layer, state)
    if ledger is not None and cache:
        layer = LedgerCacheLayer(layer, state, ledger, transport.identity, transport.model)
    elif cache is not None and not isinstance(cache, bool):
        layer = CacheLayer(layer, state, cache, transport.identity, transport.model)
    return Teacher(transport, layer, state, rate_limits, style, report)


def build_teacher(
    base_url: str,
    model: str,
    api_key: str | None,
    *,
    timeout: float = 60.0,
    identity: str | None = None,
    batch: dict | None = None,
    base_urls: list[str] | None = None,
    start: int = 0,
    **layers,
) -> Teacher:
    """The teacher of an OpenAI-compatible endpoint: OpenAITransport under every layer (`layers`:
    stack()'s settings; `identity`: the endpoint as the cache key knows it, by default its URL
    without credentials; `batch`: BatchTransport's settings, its `ledger` path included, to answer
    through the provider's Batch API once `transport.batching` is switched on; `base_urls`: a fleet
    of endpoints serving `model`, asked in turn from the `start`-th, pipeline.backends.fleet)."""
    if batch is not None:
        transport: Transport = BatchTransport(base_url, model, api_key, timeout=timeout, identity=identity, **batch)
    elif base_urls and len(base_urls) > 1:
        transport = FleetTransport(base_urls, model, api_key, timeout=timeout, identity=identity, start=start)
    else:
        transport = OpenAITransport(base_url, model, api_key, timeout=timeout, identity=identity)
    return stack(transport, **layers)
