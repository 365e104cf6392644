"""--executor ray on a real local Ray cluster (127.0.0.1) against the fake teacher.

One run starts its own cluster (ray.init inside the job, the default); the others join one that
`ray start --head` started, as a job on an existing cluster does, so a worker process can be
killed from outside. Each run is compared with a local run of the same command and seed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI
from tests.test_golden import flawed_teacher

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.ray

FILES = ("accepted.jsonl", "rejected.jsonl", "pairs.jsonl")
ARGS = ["--category", "all", "--model", "fake-model", "--mode", "blueprint", "--n", "20"]
# the cluster `ray start` makes authenticates by the token it writes to ~/.ray/auth_token, which a
# job joining it by address reads only with RAY_AUTH_MODE=token
ENV = {"OPENAI_API_KEY": "sk-ray-test", "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token"}


def digests(out: Path) -> dict[str, str]:
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def local_run(tmp_path_factory) -> dict[str, str]:
    """The files a local run of ARGS writes."""
    out = tmp_path_factory.mktemp("local") / "run"
    with FakeOpenAI(responder=flawed_teacher) as fake:
        result = run_cli([*ARGS, "--out", str(out), "--base-url", fake.base_url], env=ENV)
    assert result.returncode == 0, result.stderr
    return digests(out)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Ray head on 127.0.0.1 with 4 CPUs, started by `ray start` (stopped after the module)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ray_cli = shutil.which("ray")
    env = {**os.environ, **ENV}
    started = subprocess.run(
        [ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=4"]
        + ["--include-dashboard=false", "--disable-usage-stats"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([ray_cli, "stop", "--force"], env=env, capture_output=True, timeout=120)


def worker_pids(out: Path) -> list[int]:
    """The job's Ray worker processes, as its run.log names them once they are ready."""
    log = (out / "run.log").read_text() if (out / "run.log").is_file() else ""
    found = re.search(r"Ray: \d+ workers \(pids ([\d, ]+)\)", log)
    return [int(pid) for pid in found.group(1).split(", ")] if found else []


def test_a_ray_run_writes_what_a_local_run_writes(tmp_path, local_run):
    out = tmp_path / "run"
    with FakeOpenAI(responder=flawed_teacher) as fake:
        result = run_cli(
            [*ARGS, "--executor", "ray", "--workers", "2", "--out", str(out), "--base-url", fake.base_url], env=ENV
        )
    assert result.returncode == 0, result.stderr
    assert digests(out) == local_run
    manifest = json.loads((out / "manifest.json").read_text())
    executor = manifest["executor"]
    assert (executor["kind"], executor["workers"], executor["nodes"]) == ("ray", 2, 1)
    assert len(executor["worker_cpu_seconds"]) == 2
    assert "sk-ray-test" not in (out / "run.log").read_text() + (out / "manifest.json").read_text()


def test_a_worker_killed_mid_job_is_restarted_without_a_duplicate_or_a_repaid_answer(tmp_path, local_run, cluster):
    out = tmp_path / "run"
    with FakeOpenAI(responder=flawed_teacher) as fake:
        fake.delay = 0.05
        killed: list[int] = []

        def kill_one() -> None:  # once a quarter of the run's requests are answered
            deadline = time.monotonic() + 240
            while len(fake.answered) < 150 and time.monotonic() < deadline:
                time.sleep(0.05)
            pids = worker_pids(out)
            if pids:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(len(fake.answered))

        killer = threading.Thread(target=kill_one, daemon=True)
        killer.start()
        result = run_cli(
            [*ARGS, "--executor", "ray", "--ray-address", cluster, "--workers", "2", "--concurrency", "4"]
            + ["--out", str(out), "--base-url", fake.base_url],
            env=ENV,
        )
        killer.join(timeout=5)
    assert killed and killed[0] < 500, "the kill should land mid-job"
    assert result.returncode == 0, result.stderr
    assert digests(out) == local_run  # no duplicate record, no lost one: the same files
    answered_twice = sum(count - 1 for count in Counter(fake.answered).values())
    assert answered_twice <= 4, "only the killed worker's requests in flight (--concurrency 4) may be paid again"


def test_four_workers_keep_to_one_rate_limit(tmp_path, cluster):
    rpm, per_second = 600, 10
    with FakeOpenAI(responder=flawed_teacher) as fake:
        fake.delay = 0.2
        fake.enforce_limit(per_second, burst=2 * per_second)
        result = run_cli(
            [*ARGS, "--n", "200", "--executor", "ray", "--ray-address", cluster, "--workers", "4"]
            + ["--rpm", str(rpm), "--max-requests", "300", "--out", str(tmp_path / "run"), "--base-url", fake.base_url],
            env=ENV,
            timeout=600,
        )
        times, limited = list(fake.times), fake.limited
    assert result.returncode == 3, result.stderr  # the request budget ended it
    assert limited <= 0.01 * len(times), f"{limited} of {len(times)} requests were over the limit (429)"
    steady = times[per_second:]  # after the first second's burst (the bucket starts full)
    rate = (len(steady) - 1) / (steady[-1] - steady[0])
    assert abs(rate - per_second) <= 0.05 * per_second, f"{rate:.2f} requests/s against a cap of {per_second}"


def test_four_workers_share_one_request_budget_and_a_rerun_pays_nothing_twice(tmp_path, local_run, cluster):
    out = tmp_path / "run"
    ray_args = [*ARGS, "--executor", "ray", "--ray-address", cluster, "--workers", "4", "--out", str(out)]
    with FakeOpenAI(responder=flawed_teacher) as fake:
        fake.delay = 0.05
        stopped = run_cli([*ray_args, "--max-requests", "60", "--base-url", fake.base_url], env=ENV)
        sent = len(fake.requests)
        manifest = json.loads((out / "manifest.json").read_text())
        resumed = run_cli([*ray_args, "--base-url", fake.base_url], env=ENV)
    assert stopped.returncode == 3, stopped.stderr
    assert manifest["status"] == "budget_reached"
    assert sent == manifest["usage"]["requests"] == 60  # in flight counted as sent: not one more
    assert resumed.returncode == 0, resumed.stderr
    assert digests(out) == local_run
    assert max(Counter(fake.answered).values()) == 1  # the rerun read the 60 answers from the cache
