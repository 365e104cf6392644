"""pipeline.engine: quotas, top-up rounds sized from the running yield, and no task run in vain."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from filters.base import Issue
from pipeline.config import RunConfig, TeacherConfig
from pipeline.engine import Engine
from pipeline.generate.common import Candidate
from pipeline.plan import Planner, stable_int
from pipeline.record import Conversation, Message
from pipeline.seeds import load_tools

REMOTE = TeacherConfig(base_url="http://x", model="m")


@pytest.fixture(scope="module")
def planner():
    return Planner(RunConfig(teacher=REMOTE, mode="free"), load_tools(), [], [])


def _generator(keep, content=lambda index: "hi"):
    """A generator that accepts task i when keep(i), else rejects it; it logs the tasks it ran. Task i
    yields to the event loop a number of times drawn from i, so tasks finish in another order than
    they start (no clock involved)."""
    ran = []

    async def generate(task):
        ran.append(task.index)
        for _ in range(stable_int("yields", task.index) % 5):
            await asyncio.sleep(0)
        if not keep(task.index):
            return Candidate(task, None, [Issue("generate", "unparseable_output", "", "no")])
        record = Conversation(
            id=task.id,
            category=task.category,
            tools=[],
            messages=[Message(role="user", content=content(task.index)), Message(role="assistant", content="hello")],
        )
        return Candidate(task, record)

    return generate, ran


def _same_content(pairs):
    """A dedup: a record whose user turn repeats a lower-numbered one's is a duplicate."""
    seen, dropped = set(), {}
    for index, record in pairs:
        text = record.messages[0].content
        if text in seen:
            dropped[index] = Issue("dedup", "duplicate", "", "same text")
        seen.add(text)
    return dropped


def test_one_at_a_time_no_task_runs_for_a_cell_already_full(planner):
    generate, ran = _generator(lambda index: True)
    result = asyncio.run(Engine(planner, generate, 5, 50, initial_yield=0.5, concurrency=1).run())
    assert len(result.accepted) == 5 and result.surplus == 0
    assert result.candidates == len(ran) == 5  # the first round planned 2 per cell; the second of each was skipped
    assert sum(cell.candidates for cell in result.cells) == 5


def test_many_in_flight_no_task_runs_that_its_running_siblings_could_make_surplus(planner):
    generate, ran = _generator(lambda index: True)
    result = asyncio.run(Engine(planner, generate, 5, 50, initial_yield=0.5, concurrency=64).run())
    assert len(result.accepted) == 5 and sorted(ran) == [
        0,
        1,
        2,
        3,
        4,
    ]  # 10 planned; each cell's second waited, then was skipped
    assert result.candidates == 5 and result.unneeded == 0 and result.surplus == 0


def test_the_first_round_at_initial_yield_one_schedules_exactly_the_deficit(planner):
    n = len(planner.order) + 7  # the first 7 cells want 2
    engine = Engine(planner, _generator(lambda index: True)[0], n, 10 * n, initial_yield=1.0)
    batch = engine._next_round()
    assert len(batch) == n
    per_cell = Counter(task.index % len(planner.order) for task in batch)
    assert all(per_cell[cell.position] == cell.quota for cell in engine.cells)
    generate, ran = _generator(lambda index: True)
    result = asyncio.run(Engine(planner, generate, n, 10 * n, initial_yield=1.0, concurrency=8).run())
    assert len(ran) == result.candidates == len(result.accepted) == n and result.unneeded == 0


def test_a_cell_with_a_low_running_yield_gets_more_tasks_than_one_with_a_high_yield(planner):
    size = len(planner.order)
    engine = Engine(planner, _generator(lambda index: True)[0], 2 * size, 100 * size, initial_yield=1.0)
    for cell in engine.cells:  # as if some rounds had run: every cell full but two, each missing one record
        cell.accepted, cell.candidates = cell.quota, cell.quota + 1
    low, high = engine.cells[0], engine.cells[1]
    low.accepted, low.candidates = 1, 12  # kept 1 of 12
    high.accepted, high.candidates = 1, 1  # kept the only one it tried
    engine.result.candidates = sum(cell.candidates for cell in engine.cells)
    per_cell = Counter(task.index % size for task in engine._next_round())
    assert set(per_cell) == {low.position, high.position}
    assert per_cell[low.position] > per_cell[high.position] >= 1
    assert per_cell[low.position] <= 10  # MIN_YIELD bounds a cell that keeps almost nothing


def test_a_cell_with_nothing_counted_yet_is_sized_from_the_run_yield(planner):
    size = len(planner.order)
    engine = Engine(planner, _generator(lambda index: True)[0], size, 100 * size, initial_yield=1.0)
    for cell in engine.cells[1:]:
        cell.accepted, cell.candidates = cell.quota, 4 * cell.quota  # the run keeps 1 in 4
    engine.result.candidates = sum(cell.candidates for cell in engine.cells)
    assert Counter(task.index % size for task in engine._next_round()) == {0: 4}


def test_a_cell_short_again_after_a_duplicate_takes_its_next_task_whatever_the_round_size(planner):
    size = len(planner.order)
    content = lambda index: "hi 0" if index == 1 else f"hi {index}"  # noqa: E731  task 1 (cell 1) repeats task 0
    for initial_yield in (1.0, 0.2):
        generate, ran = _generator(lambda index: True, content)
        result = asyncio.run(
            Engine(planner, generate, size, 10 * size, initial_yield=initial_yield, dedup=_same_content).run()
        )
        assert [
            record.id for record in result.accepted if record.id.endswith(f"-{1 + size}")
        ]  # cell 1's next task, not a later one
        assert [entry["id"] for entry in result.rejected] == ["single-free-0-1"]


def test_same_records_whatever_the_initial_yield_and_concurrency(planner):
    """Round sizes and timing decide how many tasks are in flight, never which records are kept."""
    keep = lambda index: stable_int("keep", index) % 10 < 4  # noqa: E731  a 40% teacher
    content = lambda index: f"hi {stable_int('text', index) % 97}"  # noqa: E731  some duplicates across cells
    runs = {}
    for initial_yield, concurrency in ((1.0, 1), (1.0, 8), (0.2, 1), (0.2, 8), (0.05, 64)):
        generate, ran = _generator(keep, content)
        result = asyncio.run(
            Engine(
                planner, generate, 40, 400, initial_yield=initial_yield, concurrency=concurrency, dedup=_same_content
            ).run()
        )
        assert result.unneeded == 0 and result.surplus == 0
        assert len(set(ran)) == len(ran) == result.candidates  # every task run counted, none twice
        runs[initial_yield, concurrency] = (
            [record.id for record in result.accepted],
            [(entry["id"], entry["meta"]["codes"]) for entry in result.rejected],
        )
    first = next(iter(runs.values()))
    assert len(first[0]) == 40 and any(codes == ["duplicate"] for _, codes in first[1])
    assert all(outcome == first for outcome in runs.values())


def test_low_yield_tops_up_until_the_quota(planner):
    generate, ran = _generator(lambda index: index % 4 == 0 or index >= len(planner.order) * 3)
    result = asyncio.run(Engine(planner, generate, 6, 200, concurrency=1).run())
    assert len(result.accepted) == 6 and result.surplus == 0
    assert result.candidates == len(ran) == len(result.rejected) + 6


def test_cells_a_stop_cut_are_unfinished_and_cells_out_of_candidates_are_short(planner):
    from pipeline.errors import BudgetReached

    generate, ran = _generator(lambda index: True)

    async def stops_after_three(task):
        if len(ran) >= 3:
            raise BudgetReached("--max-requests 3 reached")
        return await generate(task)

    stopped = asyncio.run(Engine(planner, stops_after_three, 6, 60, concurrency=1).run())
    assert stopped.stopped == "--max-requests 3 reached" and len(stopped.accepted) == 3
    assert stopped.short_cells == [] and [c.accepted for c in stopped.unfinished_cells] == [0, 0, 0]
    assert sum(c.candidates for c in stopped.cells) == 3  # the tasks the stop skipped are no candidates

    rejects, _ = _generator(lambda index: False)
    short = asyncio.run(Engine(planner, rejects, 2, 6, concurrency=1).run())  # the candidate limit runs out
    assert short.stopped is None and len(short.short_cells) == 2 and short.unfinished_cells == []


def test_an_engine_an_error_stopped_keeps_the_rounds_it_counted(planner):
    size = len(planner.order)
    generate, ran = _generator(lambda index: index < size // 2)  # round one keeps half the cells

    async def fails_in_round_two(task):
        if task.index >= size:  # round one is tasks 0 .. size-1 (one per cell)
            raise RuntimeError("teacher gone")
        return await generate(task)

    engine = Engine(planner, fails_in_round_two, size, 1000, concurrency=1)
    with pytest.raises(RuntimeError):
        asyncio.run(engine.run())
    result = engine.stop("RuntimeError: teacher gone")
    assert result.stopped == "RuntimeError: teacher gone"
    assert len(result.accepted) == size // 2 and result.candidates == size  # round one, counted; round two cut
    assert sum(c.candidates for c in result.cells) == size and len(result.rejected) == size - size // 2
    assert len(result.unfinished_cells) == size - size // 2 and result.short_cells == []


def test_with_one_record_wanted_a_hard_first_tool_leaves_candidates_for_another(planner):
    size = len(planner.order)
    generate, ran = _generator(lambda index: index % size != 0)  # the first tool never passes
    result = asyncio.run(Engine(planner, generate, 1, 10, concurrency=1, initial_yield=0.2).run())
    assert len(result.accepted) == 1 and result.accepted[0].id  # another tool made the record
    assert sum(1 for index in ran if index % size == 0) == 5  # the first tool spent half the candidates
    assert [cell.tool for cell in result.short_cells] == [planner.order[0]]


def test_a_cell_spends_its_own_share_and_the_rest_goes_to_other_tools(planner):
    size = len(planner.order)
    generate, ran = _generator(lambda index: index % size == 2)  # only the third tool passes
    result = asyncio.run(Engine(planner, generate, 1, 30, concurrency=1, initial_yield=0.2, per_record=8).run())
    assert len(result.accepted) == 1 and result.accepted[0].id
    tried = Counter(index % size for index in ran)
    assert tried[0] == tried[1] == 8 and tried[2] >= 1 and sum(tried.values()) <= 30
