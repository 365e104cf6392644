"""Live progress of a run, per category: records passed of its share, candidates, yield so far,
records/min, candidates/min and an ETA from the rate so far.

On a terminal it is a rich bar, redrawn in place, that fits 80 columns
(`single ━━━━━━━━━━ 4/10 75% kept, 5.0 rec/min, 6.7 cand/min, ETA 1m 12s`); the same numbers go
to run.log as a plain line every PLAIN_EVERY seconds (and to stderr too when it is not a
terminal), never as terminal frames. The rates count from the category's start in this
invocation (a resumed run reads its cached answers fast, so its first minutes look quicker than
the teacher is).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pipeline import log
from pipeline.engine import RunResult

PLAIN_EVERY = 60.0  # seconds between two plain progress lines of a category


@dataclass
class Rates:
    """A category's progress at one moment."""

    passed: int  # candidates that passed every check so far (dedup and quotas may drop a few at the end)
    done: int  # candidates finished so far
    n: int  # the category's share of --n
    seconds: float  # since the category started

    @property
    def records_per_minute(self) -> float:
        return 60 * self.passed / self.seconds if self.seconds > 0 else 0.0

    @property
    def candidates_per_minute(self) -> float:
        return 60 * self.done / self.seconds if self.seconds > 0 else 0.0

    @property
    def yield_(self) -> float | None:
        """The share of finished candidates that passed, None before any finished."""
        return self.passed / self.done if self.done else None

    @property
    def eta_seconds(self) -> float | None:
        """Seconds to the category's share at the rate so far; None before the first record passed."""
        left = max(0, self.n - self.passed)
        if not left:
            return 0.0
        return left / self.passed * self.seconds if self.passed and self.seconds > 0 else None

    def summary(self, eta: bool = True) -> str:
        """`yield 40%, 6.1 records/min, 15.2 candidates/min, ETA 6m 10s` (ETA ? before a record passed)."""
        yield_ = "?" if self.yield_ is None else f"{self.yield_:.0%}"
        text = f"yield {yield_}, {self.records_per_minute:.1f} records/min"
        text += f", {self.candidates_per_minute:.1f} candidates/min"
        if eta:
            text += f", ETA {'?' if self.eta_seconds is None else duration(self.eta_seconds)}"
        return text

    def compact(self) -> str:
        """`40% kept, 5.0 rec/min, 12.5 cand/min, ETA 8m 00s`: the bar's text, short enough for 80 columns."""
        kept = "?" if self.yield_ is None else f"{self.yield_:.0%}"
        eta = "?" if self.eta_seconds is None else duration(self.eta_seconds)
        return (
            f"{kept} kept, {self.records_per_minute:.1f} rec/min, {self.candidates_per_minute:.1f} cand/min, ETA {eta}"
        )


def duration(seconds: float) -> str:
    """`45s`, `6m 10s`, `2h 05m`: a length of time to read at a glance."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


class RunProgress:
    """The run's progress display: `category(name, n)` gives the engine's on_progress callback."""

    def __init__(self, bar: Progress, clock: Callable[[], float] = time.monotonic):
        self.bar, self.clock = bar, clock

    def category(self, name: str, n: int) -> Callable[[RunResult], None]:
        """The progress callback of one category (its bar starts now): the bar on each finished
        candidate, a plain line to run.log (and a plain stderr) at most every PLAIN_EVERY seconds."""
        task = self.bar.add_task(name, total=n, stats="")
        started = last_line = self.clock()

        def update(result: RunResult) -> None:
            nonlocal last_line
            now = self.clock()
            rates = Rates(result.passed, result.done, n, now - started)
            self.bar.update(
                task,
                completed=min(result.passed, n),  # live: counted in task order when each round ends
                stats=rates.compact(),
            )
            if now - last_line >= PLAIN_EVERY:
                last_line = now
                passed = min(result.passed, n)
                log.LOGGER.info(
                    f"{name}: {passed} of {n} passed so far, {result.done} candidates, {rates.summary()}",
                    extra={"run_log_only": log.interactive()},  # the terminal has the bar
                )

        update.started = started  # type: ignore[attr-defined]
        return update

    def rates(self, update: Callable[[RunResult], None], result: RunResult, n: int) -> Rates:
        """A category's rates now (`update`: its callback), for its closing line."""
        return Rates(result.passed, result.done, n, self.clock() - update.started)  # type: ignore[attr-defined]


@contextmanager
def run_progress(clock: Callable[[], float] = time.monotonic) -> Iterator[RunProgress]:
    """The progress display for one run: a rich bar on stderr when it is a terminal (at INFO)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=10),
        MofNCompleteColumn(),
        TextColumn("{task.fields[stats]}"),
        console=Console(stderr=True),
        transient=False,
        disable=not log.interactive(),
    ) as bar:
        yield RunProgress(bar, clock)
