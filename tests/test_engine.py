"""pipeline.engine: quotas, top-up rounds, and no wasted surplus."""

from __future__ import annotations

import asyncio

import pytest

from filters.base import Issue
from pipeline.config import RunConfig, TeacherConfig
from pipeline.engine import Engine
from pipeline.generate.common import Candidate
from pipeline.plan import Planner
from pipeline.record import Conversation, Message
from pipeline.seeds import load_tools

REMOTE = TeacherConfig(base_url="http://x", model="m")


@pytest.fixture(scope="module")
def planner():
    return Planner(RunConfig(teacher=REMOTE, mode="free"), load_tools(), [], [])


def _generator(keep):
    """A generator that accepts task i when keep(i), else rejects it; it logs the tasks it ran."""
    ran = []

    async def generate(task):
        ran.append(task.index)
        await asyncio.sleep(0)
        if not keep(task.index):
            return Candidate(task, None, [Issue("generate", "unparseable_output", "", "no")])
        record = Conversation(id=task.id, category=task.category, tools=[],
                              messages=[Message(role="user", content="hi"), Message(role="assistant", content="hello")])
        return Candidate(task, record)
    return generate, ran


def test_one_at_a_time_no_task_runs_for_a_cell_already_full(planner):
    generate, ran = _generator(lambda index: True)
    result = asyncio.run(Engine(planner, generate, [], 5, 50, concurrency=1).run())
    assert len(result.accepted) == 5 and result.surplus == 0
    assert result.candidates == len(ran) == 5  # the first round planned 2 per cell; the second of each was skipped
    assert sum(cell.candidates for cell in result.cells) == 5


def test_many_in_flight_may_overshoot_but_only_the_first_in_task_order_count(planner):
    generate, ran = _generator(lambda index: True)
    result = asyncio.run(Engine(planner, generate, [], 5, 50, concurrency=64).run())
    assert len(result.accepted) == 5 and len(ran) == 10
    assert result.candidates == 5 and result.unneeded == 5 and result.surplus == 0  # counted in task order: the first of each cell


def test_low_yield_tops_up_until_the_quota(planner):
    generate, ran = _generator(lambda index: index % 4 == 0 or index >= len(planner.order) * 3)
    result = asyncio.run(Engine(planner, generate, [], 6, 200, concurrency=1).run())
    assert len(result.accepted) == 6 and result.surplus == 0
    assert result.candidates == len(ran) == len(result.rejected) + 6
