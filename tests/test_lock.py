"""pipeline.lock: one job per run folder; a dead job's lock is taken over."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

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
