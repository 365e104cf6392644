"""Several endpoints serving one model (a fleet of vLLM servers) as one transport.

Requests go round the endpoints in turn, each sender starting at its own offset (a Ray worker's
number), so a fleet is spread evenly whatever the number of workers. An endpoint that fails for
a reason another endpoint would not share (connection refused or reset, a timeout, a 5xx, an
unreadable answer) is taken out of rotation for `cooldown` seconds and the failure is raised
as usual: the retry layer's next try goes to another endpoint. A 429 is the provider's limit,
not the server's fault, and takes no endpoint out. When every endpoint is out, the one that
comes back first is asked.

The fleet's answers are one model's: the response cache knows them under the fleet's identity,
its first URL (the identity a single `base_url` has), so adding or removing a server keeps every
cached answer and a resumed run never pays twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import openai

from pipeline.backends.base import ChatRequest, Completion, Transport
from pipeline.backends.openai_backend import OpenAITransport
from pipeline.backends.retry import is_transient
from pipeline.redact import public_url


class FleetTransport(Transport):
    """Round-robin over OpenAITransports of `base_urls`, skipping those that failed lately."""

    def __init__(
        self,
        base_urls: list[str],
        model: str,
        api_key: str | None,
        *,
        timeout: float = 60.0,
        identity: str | None = None,
        start: int = 0,
        cooldown: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.endpoints = [OpenAITransport(url, model, api_key, timeout=timeout) for url in base_urls]
        self.model, self.identity = model, identity or public_url(base_urls[0])
        self.next, self.cooldown, self.clock = start % len(base_urls), cooldown, clock
        self.out_until = [0.0] * len(base_urls)  # monotonic time each endpoint is out of rotation until
        self.taken_out: list[int] = [0] * len(base_urls)  # times each was taken out (for tests and the log)
        self.sent: list[int] = [0] * len(base_urls)  # requests sent to each

    @property
    def on_headers(self) -> Callable[[Mapping[str, str]], None] | None:
        return self.endpoints[0].on_headers

    @on_headers.setter
    def on_headers(self, hook: Callable[[Mapping[str, str]], None] | None) -> None:
        for endpoint in self.endpoints:
            endpoint.on_headers = hook

    def pick(self) -> int:
        """The next endpoint in rotation that is not out; when all are, the one back soonest."""
        now, count = self.clock(), len(self.endpoints)
        order = [(self.next + step) % count for step in range(count)]
        chosen = next((i for i in order if self.out_until[i] <= now), None)
        if chosen is None:
            chosen = min(order, key=lambda i: self.out_until[i])
        self.next = (chosen + 1) % count
        return chosen

    async def send(self, request: ChatRequest, style: str) -> Completion:
        """One try at the next endpoint in rotation."""
        index = self.pick()
        self.sent[index] += 1
        try:
            return await self.endpoints[index].send(request, style)
        except Exception as error:
            error.fleet_endpoint = index  # describe() names it, whatever else failed meanwhile
            if is_transient(error) and not isinstance(error, openai.RateLimitError):
                self.out_until[index] = self.clock() + self.cooldown
                self.taken_out[index] += 1
            raise

    async def close(self) -> None:
        """Release every endpoint's client."""
        for endpoint in self.endpoints:
            await endpoint.close()

    def describe(self, error: BaseException) -> str:
        """The line of the endpoint that failed (it names its URL, without secrets)."""
        return self.endpoints[getattr(error, "fleet_endpoint", 0)].describe(error)
