"""The budget layer: nothing is sent after a stop signal, or once a budget is spent.

It is checked before each request (a truncated answer's re-ask is one more request), never in
the middle of one: a request's retries finish. The stop signal also ends a wait for a slot or a
pause (pipeline.backends.ratelimit). StopSending's subclasses say why: Interrupted (a signal)
or BudgetReached (--max-requests, --max-tokens, --max-cost).
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.backends.base import ChatRequest, Completion, TeacherState, Usage
from pipeline.errors import BudgetReached, Interrupted


def budget_reason(budget, usage: Usage, in_flight: int = 0) -> str | None:
    """Which limit of `budget` (None: no budget) `usage` has reached, the requests `in_flight`
    counted as sent; None while there is room for one more request."""
    return budget.spent(replace(usage, requests=usage.requests + in_flight)) if budget is not None else None


class BudgetLayer:
    """Refuse to send once stopped or spent; otherwise pass the request on. With `reserve` (a
    batch transport, where thousands of requests wait at once) the requests in flight count
    toward --max-requests as they are sent, not when their answers come back."""

    def __init__(self, inner, state: TeacherState, budget=None, reserve: bool = False):
        self.inner, self.state = inner, state
        self.budget = budget  # anything with spent(usage) -> reason | None (pipeline.config.BudgetConfig)
        self.reserve, self.in_flight = reserve, 0

    def check(self) -> None:
        """Raise Interrupted after a stop signal, BudgetReached once the budget is spent."""
        if self.state.stopped_by:
            raise Interrupted(f"{self.state.stopped_by} received")
        reached = budget_reason(self.budget, self.state.usage, self.in_flight)
        if reached:
            raise BudgetReached(reached)

    async def send(self, request: ChatRequest, style: str, retry) -> Completion:
        """The inner layer's answer, asked only while the run may still send."""
        self.check()
        self.in_flight += self.reserve
        try:
            return await self.inner.send(request, style, retry)
        finally:
            self.in_flight -= self.reserve
