"""pipeline.lock: one job per run folder; a dead job's lock is taken over."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import subprocess
import sys
import time

import pytest

from pipeline.errors import InputError
from pipeline.lock import LOCK_NAME, RunLock
from tests.conftest import run_cli


def test_the_lock_records_host_pid_and_start_and_is_released(tmp_path):
    with RunLock(tmp_path):
        holder = json.loads((tmp_path / LOCK_NAME).read_text())
        assert (
            holder["host"] == socket.gethostname() and holder["pid"] == os.getpid() and holder["started"].endswith("Z")
        )
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_live_holder_stops_a_second_job(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / LOCK_NAME).write_text(
            json.dumps({"host": socket.gethostname(), "pid": sleeper.pid, "started": "2026-11-24T10:00:00Z"})
        )
        with pytest.raises(InputError, match=f"another job writes this run .*pid {sleeper.pid}"):
            RunLock(tmp_path).acquire()
        result = run_cli(
            [
                "--category",
                "single",
                "--n",
                "1",
                "--out",
                str(tmp_path),
                "--base-url",
                "http://127.0.0.1:9/v1",
                "--model",
                "m",
            ]
        )
        assert (
            result.returncode == 2
            and "another job writes this run" in result.stderr
            and "\n" not in result.stderr.strip()
        )
        assert (tmp_path / LOCK_NAME).exists()  # not the second job's to remove
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / LOCK_NAME).write_text(
        json.dumps({"host": socket.gethostname(), "pid": dead.pid, "started": "2026-11-24T10:00:00Z"})
    )
    with RunLock(tmp_path):
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_another_hosts_lock_is_respected(tmp_path):
    (tmp_path / LOCK_NAME).write_text(
        json.dumps({"host": "elsewhere.example", "pid": 1, "started": "2026-11-24T10:00:00Z"})
    )
    with pytest.raises(InputError, match="host elsewhere.example"):
        RunLock(tmp_path).acquire()


RACERS, ROUNDS, HOLD = 8, 50, 0.02


def _race(folder, index, barrier, won, holding, most):
    """One racer process: each round, wait for every racer, try the lock, and while holding it count
    how many hold it at once (`most` keeps the largest count seen)."""
    for round_ in range(ROUNDS):
        barrier.wait()
        lock = RunLock(folder)
        try:
            lock.acquire()
        except InputError:
            continue
        with holding.get_lock():
            holding.value += 1
            most.value = max(most.value, holding.value)
        time.sleep(HOLD)
        with holding.get_lock():
            holding.value -= 1
        won[round_ * RACERS + index] = 1
        lock.release()


class _NextRound:
    """The barrier's action (run by one racer when all have arrived): a fresh folder state for the round."""

    def __init__(self, folder, stale: dict | None):
        self.folder, self.stale = folder, stale

    def __call__(self) -> None:
        (self.folder / LOCK_NAME).unlink(missing_ok=True)
        if self.stale is not None:
            (self.folder / LOCK_NAME).write_text(json.dumps(self.stale))


@pytest.mark.parametrize("stale", [False, True], ids=["no-lock", "stale-lock"])
def test_racing_processes_never_hold_the_lock_together(tmp_path, stale):
    """8 processes race for run.lock 50 times (released together by a barrier), with and without a
    lock left by a dead process on this host: never two holders at once, and every round has a winner."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    left = {"host": socket.gethostname(), "pid": dead.pid, "started": "2026-11-24T10:00:00Z"} if stale else None
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(RACERS, action=_NextRound(tmp_path, left))
    won, holding, most = context.Array("b", RACERS * ROUNDS), context.Value("i", 0), context.Value("i", 0)
    racers = [
        context.Process(target=_race, args=(tmp_path, index, barrier, won, holding, most)) for index in range(RACERS)
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(60)
    assert [racer.exitcode for racer in racers] == [0] * RACERS
    winners = [sum(won[round_ * RACERS : (round_ + 1) * RACERS]) for round_ in range(ROUNDS)]
    assert most.value == 1, f"two holders at once; winners per round: {winners}"
    assert min(winners) >= 1, winners


def test_a_job_killed_while_holding_the_lock_is_taken_over(tmp_path):
    """A holder in another process keeps a second job out; once it is killed (SIGKILL: no cleanup
    runs), its lock file is still there and the next job takes it over."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from pipeline.lock import RunLock\n"
            f"RunLock(Path({str(tmp_path)!r})).acquire(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(InputError, match=f"another job writes this run .*pid {holder.pid}") as refused:
            RunLock(tmp_path).acquire()
        assert "delete" not in str(refused.value)  # it holds the OS lock: it surely runs
    finally:
        holder.kill()
        holder.wait()
    assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == holder.pid
    with RunLock(tmp_path):
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()
