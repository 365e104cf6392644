"""pipeline.backends.fleet over real HTTP: fake servers on 127.0.0.1 stand in for a vLLM fleet."""

from __future__ import annotations

import asyncio
import socket

import pytest

from pipeline.backends.fleet import FleetTransport
from pipeline.backends.teacher import build_teacher
from pipeline.config import RunConfig, TeacherConfig
from tests.backends.test_stack import REQUEST
from tests.fake_openai import FakeOpenAI


def dead_url() -> str:
    """A base URL nothing listens at (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def ask(urls: list[str], count: int, start: int = 0):
    async def main():
        teacher = build_teacher(urls[0], "m", None, base_urls=urls, start=start, retry_initial=0.001, retry_max=0.01)
        try:
            for _ in range(count):
                await teacher.complete(REQUEST, style="none")
            return teacher.transport, teacher.usage
        finally:
            await teacher.close()

    return asyncio.run(main())


def test_requests_go_round_the_fleet_from_each_senders_own_place():
    with FakeOpenAI() as a, FakeOpenAI() as b, FakeOpenAI() as c:
        fleet, _ = ask([a.base_url, b.base_url, c.base_url], 7, start=1)
        assert [len(a.requests), len(b.requests), len(c.requests)] == [2, 3, 2]
        assert fleet.sent == [2, 3, 2]


def test_a_dead_endpoint_is_taken_out_and_the_retry_goes_elsewhere():
    with FakeOpenAI() as alive:
        fleet, usage = ask([dead_url(), alive.base_url], 6)
    assert len(alive.requests) == 6 and usage.requests == 6
    assert fleet.taken_out == [1, 0] and fleet.sent[0] == 1  # tried once, then out for the cooldown
    assert usage.retries == 1


def test_a_429_is_the_providers_limit_and_takes_no_endpoint_out():
    with FakeOpenAI() as a, FakeOpenAI() as b:
        a.faults[1] = (429, {"error": {"message": "slow down"}}, {"retry-after": "0"})
        fleet, usage = ask([a.base_url, b.base_url], 2)
    assert fleet.taken_out == [0, 0] and usage.retries == 1


def test_when_every_endpoint_is_out_the_one_back_first_is_asked():
    now = [0.0]
    fleet = FleetTransport(["http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1"], "m", None, clock=lambda: now[0])
    fleet.out_until = [20.0, 10.0]
    assert fleet.pick() == 1
    now[0] = 15.0
    assert fleet.pick() == 1 and fleet.pick() == 1  # endpoint 0 is still out
    now[0] = 25.0
    assert {fleet.pick(), fleet.pick()} == {0, 1}


def test_the_cache_knows_a_fleet_by_its_first_url():
    fleet = FleetTransport(["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1"], "m", None)
    single = build_teacher("http://10.0.0.1:8000/v1", "m", None).transport
    assert fleet.identity == single.identity == "http://10.0.0.1:8000/v1"


def test_base_urls_name_the_fleet_and_its_first_is_the_base_url():
    config = TeacherConfig(base_urls=["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1"], model="m")
    assert config.base_url == "http://10.0.0.1:8000/v1" and not config.embedded
    with pytest.raises(ValueError, match="give base_urls alone"):
        TeacherConfig(base_url="http://10.0.0.9:8000/v1", base_urls=["http://10.0.0.1:8000/v1"])
    with pytest.raises(ValueError, match=r"\[1\] credentials") as refused:
        TeacherConfig(base_urls=["http://10.0.0.1:8000/v1", "http://user:sk-secret@10.0.0.2:8000/v1"])
    assert "sk-secret" not in str(refused.value)
    with pytest.raises(ValueError, match="teacher.batch goes to one provider"):
        RunConfig(teacher={"base_urls": ["http://10.0.0.1:8000/v1", "http://10.0.0.2:8000/v1"], "batch": True})
