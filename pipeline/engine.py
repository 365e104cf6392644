"""Rounds of candidates until --n accepted: per-cell quotas, top-ups from the running yield.

A cell is (category, target tool, mode). --n is split over the cells in the planner's tool
order; each round schedules, for every cell still short, deficit / yield new tasks (cell c's
k-th task is index pos(c) + k * len(order), so tasks stay those of the plan). The first round
uses the configured initial yield (1.0 with an endpoint: exactly the deficit); later rounds use
the cell's running yield, drawn toward the run's running yield while the cell has few counted
candidates, and never below MIN_YIELD. A cell that spends its candidate budget (its quota x the
candidates per record, at most half the run's) without filling hands its remaining quota to the
next cells, tried or not, so the run still reaches --n when the teacher can; the manifest names
every cell left short.

Within a round, `--concurrency` workers take tasks lowest index first, but a task starts only
while fewer of its cell's lower tasks are running than the cell still needs, so it counts even
if all of them pass: a task that its running siblings could make surplus waits (a worker takes
another cell's task meanwhile) and is skipped when they fill the cell. No request is spent on a
task that cannot count; the price is a cell's tasks running one after another, not side by side,
once fewer cells are short than there are workers.

Timing never decides the output: a round's outcomes are counted in task order when the round
ends, and a task counts only while its cell is still short at that point in the order; a task is
skipped only when lower-numbered tasks of its cell have already filled the cell, so it would not
have counted anyway. A cell's tasks that did not count are its next ones if the cell is short
again (a duplicate dropped, quota handed over), so round sizes do not decide which tasks count
either, except at the budgets: which round a cell spends its budget in, and so which cells are
still trying and take over its quota, or which cells' tasks the last of --max-candidates goes to,
depend on the rounds. With the same answers (the response cache, a deterministic teacher), an
interrupted run resumed and an uninterrupted one keep the same records.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from filters.base import Issue
from filters.checks import FUNNEL
from pipeline.errors import StopSending, TeacherError
from pipeline.generate.common import Candidate
from pipeline.plan import Planner
from pipeline.record import Conversation
from pipeline.task import Task

MIN_YIELD = 0.1  # a cell that keeps nothing still schedules at most 10 tasks per missing record a round
PRIOR_WEIGHT = 3  # a cell's running yield counts as this many candidates at the run's yield more than it has
Dedup = Callable[[list[tuple[int, Conversation]]], dict[int, Issue]]


@dataclass
class Cell:
    """Quota and progress of one (category, tool, mode) cell."""

    category: str
    tool: str
    mode: str
    position: int
    requested: int
    quota: int
    budget: int
    candidates: int = 0  # counted (between rounds; during one, also the scheduled tasks)
    accepted: int = 0
    next_k: int = 0
    unfinished: bool = False  # a stop (budget, signal, error) cut it while it was short and could still try

    @property
    def deficit(self) -> int:
        return max(0, self.quota - self.accepted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "tool": self.tool,
            "mode": self.mode,
            "requested": self.requested,
            "quota": self.quota,
            "accepted": self.accepted,
            "candidates": self.candidates,
        }


@dataclass
class RunResult:
    """Everything the writer and the funnel table need."""

    accepted: list[Conversation] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    removed_by: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    by_temperature: dict[str, list[int]] = field(default_factory=dict)
    # (category, mode, teacher, temperature) -> Counter of "candidates", "accepted" and removing stage
    slices: dict[tuple[str, str, str, str], Counter] = field(default_factory=dict)
    candidates: int = 0
    failed: int = 0
    surplus: int = 0
    unneeded: int = 0  # tasks that ran but came after their cell was full in task order (not counted as candidates)
    done: int = 0  # tasks finished so far, counted or not (live, for progress)
    passed: int = 0  # of those, how many passed every check (live, for progress)
    stopped: str | None = None  # why the run stopped early (a budget, a signal), None when it ran to the end

    @property
    def short_cells(self) -> list[Cell]:
        """Cells below their request whose candidate limit ran out (not those a stop cut: unfinished)."""
        return [cell for cell in self.cells if cell.accepted < cell.requested and not cell.unfinished]

    @property
    def unfinished_cells(self) -> list[Cell]:
        """Cells below their request that a stop cut while they still had candidates to try."""
        return [cell for cell in self.cells if cell.unfinished]


def merge_results(results: list[RunResult]) -> RunResult:
    """One RunResult for several engines (one per category of a `--category all` run)."""
    merged = RunResult()
    for result in results:
        merged.accepted += result.accepted
        merged.rejected += result.rejected
        merged.cells += result.cells
        merged.removed_by += result.removed_by
        merged.codes += result.codes
        for temperature, (candidates, accepted) in result.by_temperature.items():
            tally = merged.by_temperature.setdefault(temperature, [0, 0])
            tally[0] += candidates
            tally[1] += accepted
        for key, counter in result.slices.items():
            merged.slices.setdefault(key, Counter()).update(counter)
        merged.candidates += result.candidates
        merged.failed += result.failed
        merged.surplus += result.surplus
        merged.unneeded += result.unneeded
        merged.done += result.done
        merged.passed += result.passed
        merged.stopped = merged.stopped or result.stopped
    return merged


def count_outcome(result: RunResult, slice_key: tuple[str, str, str, str], issues: list[tuple[str, str]]) -> None:
    """Count one candidate into the funnel: `slice_key` is (category, mode, teacher, temperature),
    `issues` its (check, code) pairs (none: accepted); the first check in FUNNEL removed it."""
    result.candidates += 1
    tally = result.by_temperature.setdefault(slice_key[3], [0, 0])
    tally[0] += 1
    slice_ = result.slices.setdefault(slice_key, Counter())
    slice_["candidates"] += 1
    if not issues:
        tally[1] += 1
        slice_["accepted"] += 1
        return
    checks = [check for check, _ in issues]
    first = next((stage for stage in FUNNEL if stage in checks), checks[0])
    result.removed_by[first] += 1
    slice_[first] += 1
    for key in issues:
        result.codes[key] += 1
    result.failed += any(code == "teacher_error" for _, code in issues)


def rejected_entry(candidate: Candidate, issues: list[Issue]) -> dict[str, Any]:
    """A rejected candidate as a record with its issues and codes in meta (raw text when no record)."""
    task = candidate.task
    if candidate.record is not None:
        entry = candidate.record.to_dict()
    else:
        entry = {
            "id": task.id,
            "category": task.category,
            "tools": [],
            "messages": [],
            "meta": {
                "task": task.id,
                "task_index": task.index,
                "mode": task.mode,
                "now": task.now,
                "teacher": {"temperature": task.temperature},
            },
        }
    entry["meta"]["codes"] = sorted({issue.code for issue in issues})
    entry["meta"]["issues"] = [issue.to_dict() for issue in issues]
    if candidate.raw and (candidate.record is None or any(i.check == "generate" for i in issues)):
        entry["meta"]["raw"] = candidate.raw
    return entry


class Engine:
    """Drives generation and checking until the quota is met or the candidate limit is spent."""

    def __init__(
        self,
        planner: Planner,
        candidate: Callable[[Task], Awaitable[Candidate]],
        n: int,
        max_candidates: int,
        on_progress: Callable[[RunResult], None] | None = None,
        initial_yield: float = 1.0,
        max_consecutive_failures: int = 12,
        concurrency: int = 8,
        dedup: Dedup | None = None,
        teacher: str = "",
        shard: tuple[int, int] | None = None,
        per_record: int | None = None,
    ):
        """`candidate(task)` makes one checked candidate (pipeline.job: generate -> check -> judge);
        its issues decide accepted or rejected. `dedup` runs over the accepted records after each round."""
        self.dedup, self.teacher = dedup, teacher
        self.max_consecutive_failures, self._consecutive_failures = max_consecutive_failures, 0
        self.planner, self.candidate = planner, candidate
        self.n, self.max_candidates, self.on_progress = n, max_candidates, on_progress
        self.initial_yield, self.concurrency = initial_yield, concurrency
        size = len(planner.order)
        # candidates a cell spends per wanted record before its quota moves on (default: all of them, evenly)
        self.per_unit = max(3, per_record or math.ceil(max_candidates / n))
        # no cell spends more than half the candidates while another tool could be tried: with --n 1
        # (a category's share of a small `all` run) one hard tool spent them all
        most = math.ceil(max_candidates / 2) if size > 1 else max_candidates
        self.cells = []
        for position, tool in enumerate(planner.order):
            quota = n // size + (1 if position < n % size else 0)
            budget = min(quota * self.per_unit, most)
            self.cells.append(Cell(planner.category, tool, planner.mode, position, quota, quota, budget))
        if (
            shard is not None
        ):  # shard i of N (1-based) runs cells i-1, i-1+N, ...: the same quotas and tasks as the whole plan's
            index, count = shard
            self.cells = [cell for cell in self.cells if cell.position % count == index - 1]
            self.n = sum(cell.quota for cell in self.cells)
            self.max_candidates = math.ceil(max_candidates * self.n / n) if n else 0
        self._by_position = {cell.position: cell for cell in self.cells}
        self.result = RunResult(cells=self.cells)
        self._kept: list[tuple[int, Conversation]] = []
        self._tasks: dict[int, Task] = {}
        self._unneeded: set[int] = set()  # tasks that ran but have not counted (a later round may count them)
        self._pending: list[Task] = []  # the round running now (scheduled, not yet counted)

    async def run(self) -> RunResult:
        """Run rounds until done; returns the accepted records in task order."""
        result = self.result
        while self._filled() < self.n and result.candidates < self.max_candidates and not result.stopped:
            self._spill()
            batch = self._next_round()
            if not batch:
                break
            self._pending = batch
            outcomes = await self._run_round(batch)
            self._pending = []
            self._count(batch, [outcomes.get(task.index) for task in batch])
            self._drop_duplicates()
        self._finish()
        return result

    def stop(self, reason: str) -> RunResult:
        """The result so far of an engine that was stopped from outside (an error, a second signal)
        or never started: the rounds counted so far, every cell still short marked unfinished."""
        self.result.stopped = self.result.stopped or reason
        for task in self._pending:  # a round the stop cut before it was counted: none of it counts
            self._cell_of(task.index).candidates -= 1
        self._pending = []
        self._finish()
        return self.result

    def _cell_of(self, index: int) -> Cell:
        """The cell task `index` belongs to: task i targets order[i % len(order)]."""
        return self._by_position[index % len(self.planner.order)]

    def _filled(self) -> int:
        """Accepted records that count toward --n (a cell's surplus does not)."""
        return sum(min(cell.accepted, cell.quota) for cell in self.cells)

    def _yield(self, cell: Cell) -> float:
        """The share of `cell`'s next tasks expected to pass: initial_yield before anything is counted,
        then the cell's running yield with PRIOR_WEIGHT candidates at the run's running yield added
        (a cell with none counted yet gets the run's), at least MIN_YIELD."""
        done = self.result.candidates
        if not done:
            return self.initial_yield
        run_yield = sum(c.accepted for c in self.cells) / done
        return max(MIN_YIELD, (cell.accepted + PRIOR_WEIGHT * run_yield) / (cell.candidates + PRIOR_WEIGHT))

    def _next_round(self) -> list[Task]:
        room = self.max_candidates - self.result.candidates
        size = len(self.planner.order)
        batch = []
        for cell in self.cells:
            want = min(math.ceil(cell.deficit / self._yield(cell)), cell.budget - cell.candidates, room - len(batch))
            for _ in range(max(0, want)):
                batch.append(self.planner.task(cell.position + cell.next_k * size))
                cell.next_k += 1
                cell.candidates += 1
        return batch

    def _spent(self, cell: Cell) -> bool:
        """True when `cell` (or the whole engine) has no candidate left to try."""
        return cell.candidates >= cell.budget or self.result.candidates >= self.max_candidates

    def _spill(self) -> None:
        """Move the deficit of cells out of budget to the next cells that still have budget."""
        count = len(self.cells)
        for i, cell in enumerate(self.cells):
            if cell.deficit == 0 or cell.candidates < cell.budget:
                continue
            receivers = [self.cells[(i + j) % count] for j in range(1, count)]
            receivers = [r for r in receivers if r.candidates < r.budget or not r.candidates]  # or untried
            moved = cell.deficit
            for j in range(moved):
                if not receivers:
                    break
                receiver = receivers[j % len(receivers)]
                receiver.quota += 1
                receiver.budget += self.per_unit
                cell.quota -= 1

    async def _run_round(self, batch: list[Task]) -> dict[int, tuple[Candidate, list[Issue]]]:
        """Run a round's tasks on `concurrency` workers; returns the outcomes of the tasks that ran
        (a task missing from it was skipped: its cell filled in task order, or the run stopped)."""
        queues: dict[int, list[Task]] = {}
        for task in sorted(batch, key=lambda task: task.index, reverse=True):
            queues.setdefault(task.index % len(self.planner.order), []).append(task)  # each cell's lowest index last
        running: Counter = Counter()
        passed: Counter = Counter()
        outcomes: dict[int, tuple[Candidate, list[Issue]]] = {}
        changed = asyncio.Condition()

        async def worker() -> None:
            while True:
                async with changed:
                    while (task := self._pick(queues, running, passed)) is None:
                        if not any(queues.values()):
                            return
                        await changed.wait()
                    position = task.index % len(self.planner.order)
                    running[position] += 1
                outcome = None
                try:
                    outcome = await self._one(task)
                finally:
                    async with changed:
                        running[position] -= 1
                        if outcome is not None:
                            outcomes[task.index] = outcome
                            passed[position] += not outcome[1]
                        changed.notify_all()

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(batch)))))
        return outcomes

    def _pick(self, queues: dict[int, list[Task]], running: Counter, passed: Counter) -> Task | None:
        """The lowest-numbered task whose cell needs it even if every running task of the cell
        passes, or None. Drops the tasks of cells that lower-numbered tasks of this round have
        filled (they could not count), and every task once the run stopped."""
        needed = None
        for position, queue in queues.items():
            short = (
                self._by_position[position].deficit - passed[position]
            )  # still missing after this round's finished tasks
            if short <= 0 or self.result.stopped:
                queue.clear()
            elif queue and running[position] < short and (needed is None or queue[-1].index < needed[-1].index):
                needed = queue
        return needed.pop() if needed else None

    async def _one(self, task: Task) -> tuple[Candidate, list[Issue]] | None:
        """Generate and check one task; None when a budget or a stop signal stopped it."""
        if self.result.stopped:
            return None
        try:
            candidate = await self.candidate(task)
        except (
            StopSending
        ) as reason:  # a budget or a stop signal; this task's paid answers stay in the cache for a rerun
            self.result.stopped = self.result.stopped or str(reason)
            return None
        issues = list(candidate.issues)
        self.result.done += 1
        self.result.passed += not issues
        teacher_failed = any(i.code == "teacher_error" for i in issues)
        self._consecutive_failures = self._consecutive_failures + 1 if teacher_failed else 0
        if self._consecutive_failures >= self.max_consecutive_failures:
            message = next(i.message for i in issues if i.code == "teacher_error")
            raise TeacherError(f"{self._consecutive_failures} tasks in a row failed; last: {message}")
        if self.on_progress:
            self.on_progress(self.result)
        return candidate, issues

    def _count(self, batch: list[Task], outcomes: list[tuple[Candidate, list[Issue]] | None]) -> None:
        """Count a round's outcomes in task order: a task counts while its cell is still short; the
        others hand their budget back and are the cell's next tasks if it is short again."""
        size, resume = len(self.planner.order), {}
        for task, outcome in sorted(zip(batch, outcomes), key=lambda pair: pair[0].index):
            cell = self._cell_of(task.index)
            if outcome is None or cell.deficit == 0:
                cell.candidates -= 1  # never ran, or ran in vain: not a candidate of this run
                if outcome is not None:
                    self._unneeded.add(task.index)
                resume.setdefault(cell.position, task.index // size)
                continue
            resume.pop(
                cell.position, None
            )  # (a task after a gap counted: only when a stop cut the round; no round follows)
            self._unneeded.discard(task.index)
            self._record(task, cell, *outcome)
        for position, k in resume.items():
            self._by_position[position].next_k = k
        self.result.unneeded = len(self._unneeded)

    def _record(self, task: Task, cell: Cell, candidate: Candidate, issues: list[Issue]) -> None:
        count_outcome(
            self.result,
            (task.category, task.mode, self.teacher, str(task.temperature)),
            [(issue.check, issue.code) for issue in issues],
        )
        if issues:
            self.result.rejected.append(rejected_entry(candidate, issues))
        else:
            cell.accepted += 1
            self._kept.append((task.index, candidate.record))
            self._tasks[task.index] = task

    def _slice(self, task: Task) -> Counter:
        key = (task.category, task.mode, self.teacher, str(task.temperature))
        return self.result.slices.setdefault(key, Counter())

    def _drop_duplicates(self) -> None:
        """Dedup the accepted records so far (after a whole round, so finishing order never
        matters): a duplicate leaves its cell, which the next round tops up."""
        if not self.dedup or len(self._kept) < 2:
            return
        dropped = self.dedup(sorted(self._kept, key=lambda pair: pair[0]))
        if not dropped:
            return
        result, records = self.result, dict(self._kept)
        for index, issue in sorted(dropped.items()):
            task, record = self._tasks[index], records[index]
            self._cell_of(index).accepted -= 1
            result.by_temperature[str(task.temperature)][1] -= 1
            slice_ = self._slice(task)
            slice_["accepted"] -= 1
            slice_["dedup"] += 1
            result.removed_by["dedup"] += 1
            result.codes[("dedup", issue.code)] += 1
            result.rejected.append(rejected_entry(Candidate(task, record), [issue]))
        self._kept = [(i, record) for i, record in self._kept if i not in dropped]

    def _finish(self) -> None:
        """Keep at most each cell's quota (in task order) and at most --n records in all."""
        per_cell: Counter = Counter()
        quotas = {cell.tool: cell.quota for cell in self.cells}
        kept = []
        for index, record in sorted(self._kept, key=lambda pair: pair[0]):
            tool = self.planner.order[index % len(self.planner.order)]
            if per_cell[tool] < quotas[tool] and len(kept) < self.n:
                per_cell[tool] += 1
                kept.append(record)
        for cell in self.cells:
            cell.accepted = per_cell[cell.tool]
            cell.unfinished = bool(self.result.stopped) and cell.accepted < cell.requested and not self._spent(cell)
        self.result.surplus = len(self._kept) - len(kept)
        self.result.accepted = kept
        self.result.rejected.sort(key=lambda entry: entry["meta"].get("task_index", 0))
