"""The fault suite: a run through 10% 429 (with Retry-After), 5% 500, 2% timeouts, 2% garbage
bodies and 1% truncated answers ends with every task accepted, rejected with a reason or failed
with a reason, and the records it keeps are valid."""

from __future__ import annotations

import random
import time

from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI, chat_reply
from tests.generate.helpers import run_category


def _slow():
    time.sleep(1.5)  # past the client's 1 s timeout
    return 500, {"error": {"message": "too late"}}, {}


def faults(seed: int, count: int = 4000) -> dict:
    """Per request number, from a seeded generator (a rerun meets the same faults at the same numbers)."""
    rng, out = random.Random(seed), {}
    for number in range(2, count):  # the first request is the style probe
        roll = rng.random()
        if roll < 0.10:
            out[number] = (429, {"error": {"message": "rate limited"}}, {"Retry-After": "0"})
        elif roll < 0.15:
            out[number] = (500, {"error": {"message": "server error"}}, {})
        elif roll < 0.17:
            out[number] = _slow
        elif roll < 0.19:
            out[number] = (200, b"<html>502 Bad Gateway</html>", {})
        elif roll < 0.20:
            out[number] = (200, chat_reply('{"request": "Please', "length"), {})
    return out


def test_every_task_ends_accepted_rejected_or_failed_with_a_reason(tmp_path):
    with FakeOpenAI() as fake:
        fake.faults = faults(11)
        result = run_category(fake, tmp_path / "run", "all", "blueprint", n=20,
                              teacher={"timeout": 1.0, "retry_initial": 0.01, "retry_max": 0.05, "max_attempts": 6})
        hit = [number for number in fake.faults if number <= len(fake.requests)]
    assert result["code"] in (0, 1)
    assert len(hit) > 50  # the run really went through the faults
    counts = result["manifest"]["counts"]
    assert counts["candidates"] == counts["accepted"] + counts["surplus_dropped"] + counts["rejected"]
    for entry in result["rejected"]:
        assert entry["meta"]["codes"] and all(issue["message"] for issue in entry["meta"]["issues"])
    assert result["manifest"]["usage"]["retries"] > 0
    assert len(result["accepted"]) >= 15
    assert run_cli([str(tmp_path / "run" / "accepted.jsonl")], module="pipeline.validate").returncode == 0
