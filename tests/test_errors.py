"""pipeline.errors: a first SIGINT/SIGTERM stops sending and lets in-flight requests finish (their
answers reach the cache), then the run exits 130/143 saying how to resume; a second one stops at once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fake_openai import Drip, FakeOpenAI, asked_keys, chat_reply

ENV = {"PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-test", "PATH": "/usr/bin:/bin"}
RUN = ["-m", "pipeline.run", "--category", "single", "--n", "6", "--mode", "blueprint", "--model", "fake"]


def _start(fake: FakeOpenAI, out) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.run",
            "--category",
            "single",
            "--n",
            "6",
            "--mode",
            "blueprint",
            "--base-url",
            fake.base_url,
            "--model",
            "fake",
            "--out",
            str(out),
            "--concurrency",
            "4",
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_signal_lets_in_flight_requests_finish_then_exits(tmp_path, signum, code):
    out = tmp_path / "run"
    with FakeOpenAI() as fake:
        fake.delay = 1.0  # every answer takes a second: the signal lands with requests in flight
        process = _start(fake, out)
        _wait_for(lambda: len(fake.requests) >= 5)
        time.sleep(0.3)  # the burst that answer set off has reached the server
        in_flight = len(fake.requests) - len(fake.answered)
        sent = len(fake.requests)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=60)
        assert len(fake.requests) == sent  # nothing sent after the signal
        answered = list(fake.answered)
        stopped = json.loads((out / "manifest.json").read_text())
        assert stopped["status"] == "interrupted"  # what it had, saying it is not finished

        fake.delay, fake.answered = 0.0, []  # the rerun continues: no answer already received is asked for again
        rerun = _start(fake, out)
        _, rerun_stderr = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, rerun_stderr
        assert not set(fake.answered) & set(answered)
    assert in_flight >= 1
    assert process.returncode == code, stderr
    assert "Traceback" not in stderr and "run the same command again to continue" in stderr
    assert "sending no more requests" in stderr
    assert len(answered) == sent  # the requests in flight at the signal were answered, not abandoned
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["invocations"][-1]["usage"]["cached"] == sent  # every one of them came from the cache
    assert manifest["status"] == "complete" and [i["status"] for i in manifest["invocations"]] == [
        "interrupted",
        "complete",
    ]
    assert manifest["usage"]["requests"] == sent + manifest["invocations"][-1]["usage"]["requests"]


def _finish(command: list[str], fake: FakeOpenAI, out) -> subprocess.CompletedProcess:
    """Run `command` against `fake` into `out` to the end."""
    return subprocess.run(
        [sys.executable, *command, "--base-url", fake.base_url, "--out", str(out)],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_sigint_after_the_first_records_keeps_them_and_the_rerun_finishes_the_same_job(tmp_path):
    """Ctrl-C after the first records were accepted: they are in a readable accepted.jsonl with an
    `interrupted` manifest, exit 130; the same command finishes the job with the same records an
    uninterrupted run with the same seed keeps (same answers: the response cache)."""
    whole, out = tmp_path / "whole", tmp_path / "run"
    command = [*RUN, "--n", "12", "--concurrency", "2", "--seed", "4"]
    with FakeOpenAI() as fake:
        done = _finish(command, fake, whole)
        assert done.returncode == 0, done.stderr
        fake.delay = 0.1
        process = subprocess.Popen(
            [sys.executable, *command, "--base-url", fake.base_url, "--out", str(out)],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        before = len(fake.requests)
        _wait_for(lambda: len(fake.requests) - before >= 25)  # two tasks of ~6 requests each at a time: some done
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert "Traceback" not in stderr and "interrupted" in stderr and "run the same command again" in stderr
        manifest = json.loads((out / "manifest.json").read_text())
        kept = [json.loads(line) for line in (out / "accepted.jsonl").read_text().splitlines()]
        assert manifest["status"] == "interrupted" and manifest["stopped"] == "SIGINT received"
        assert 0 < len(kept) < 12 and manifest["counts"]["accepted"] == len(kept)
        assert manifest["unfinished_cells"] and manifest["short_cells"] == []
        assert sum(c["requested"] - c["accepted"] for c in manifest["unfinished_cells"]) == 12 - len(kept)
        assert (out / "rejected.jsonl").is_file() and (out / "pairs.jsonl").is_file()
        assert "interrupted" in (out / "run.log").read_text()
        first = manifest["invocations"][0]["usage"]["requests"]

        fake.delay = 0.0
        rerun = _finish(command, fake, out)
    assert rerun.returncode == 0, rerun.stderr
    for name in ("accepted.jsonl", "rejected.jsonl", "pairs.jsonl"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert {r["id"] for r in kept} <= {json.loads(line)["id"] for line in (whole / "accepted.jsonl").open()}
    final = json.loads((out / "manifest.json").read_text())
    assert final["status"] == "complete" and final["unfinished_cells"] == [] and "stopped" not in final
    assert [i["status"] for i in final["invocations"]] == ["interrupted", "complete"]
    assert final["usage"]["requests"] == first + final["invocations"][1]["usage"]["requests"]
    assert final["wall_seconds"] == pytest.approx(sum(i["wall_seconds"] for i in final["invocations"]), abs=0.02)


@pytest.mark.parametrize(
    "first, second, code, said",
    [
        (signal.SIGINT, signal.SIGINT, 130, "interrupted"),
        (signal.SIGTERM, signal.SIGTERM, 143, "terminated"),
        (signal.SIGINT, signal.SIGTERM, 143, "terminated"),
    ],
)
def test_a_second_signal_stops_at_once(tmp_path, first, second, code, said):
    with FakeOpenAI() as fake:
        fake.delay = 8.0
        process = _start(fake, tmp_path / "run")
        _wait_for(lambda: len(fake.requests) >= 2)  # the probe answered; the first phrasing requests are out
        started = time.monotonic()
        process.send_signal(first)
        time.sleep(0.5)
        process.send_signal(second)
        _, stderr = process.communicate(timeout=60)
        elapsed = time.monotonic() - started
    assert process.returncode == code, stderr
    assert elapsed < 5  # did not wait for the 8-second answers
    assert "Traceback" not in stderr and "Exception in callback" not in stderr and said in stderr


def test_sigterm_exits_within_the_request_deadline_while_the_teacher_drips(tmp_path):
    """A server dripping a byte every half second never lets a per-read timeout fire; --timeout is
    a deadline for the whole request, so the first SIGTERM waits for the in-flight requests at
    most that long (plus the exit), not for their whole bodies (over two minutes each)."""
    with FakeOpenAI() as fake:
        fake.fault_plan = lambda body, attempt: (
            None if asked_keys(body) == {"answer"} else (200, Drip(chat_reply("late"), 0.5), {})
        )  # the style probe answers at once; every other request drips
        process = subprocess.Popen(
            [sys.executable, *RUN, "--base-url", fake.base_url, "--out", str(tmp_path / "run"), "--timeout", "2"],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for(lambda: len(fake.requests) >= 3)  # requests are dripping in flight
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=30)
        finally:
            process.kill()
        elapsed = time.monotonic() - started
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "terminated" in stderr
    assert elapsed < 2 + 6  # the deadline plus a generous margin for a busy machine
