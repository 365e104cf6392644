"""Benchmark: --executor ray with 1, 2 and 4 workers beside the local executor (not a test).

    python bench/ray_scale.py [--category single] [--n 400] [--latency 0.2] [--local 8,32] [--workers 1,2,4]
                              [--skip-rate]

One fake teacher (tests/fake_openai.py, every answer after a fixed `--latency`) answers a
`--mode blueprint` job of `--n` records, run as `python -m pipeline.run` in a subprocess:
locally (`--local`: `--concurrency 8`, and 32, as many in flight as 4 workers) and on a Ray
cluster started by `ray start --head` on 127.0.0.1 with 4 CPUs, with each worker count
(`--concurrency 8` per worker). Reported per run: records/s over the whole command, records/s
once the workers were ready (the log's "ready in" line), the driver's CPU seconds (the
subprocess's), each worker's CPU seconds (the manifest's executor.worker_cpu_seconds), the fake
teacher's CPU seconds (this process), and whether the files equal the first run's. Then the
rate-limit accuracy: 4 workers under --rpm 600 against a fake that enforces 10 requests/s (a
bucket of 2 s) until --max-requests 400: the arrival rate after the first second's burst and
the share of 429s.
Prints one JSON object and a table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from tests.fake_openai import FakeOpenAI  # noqa: E402

FILES = ("accepted.jsonl", "rejected.jsonl", "pairs.jsonl")
ENV = {"OPENAI_API_KEY": "sk-bench", "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "PYTHONPATH": str(ROOT)}


def run(args: list[str], out: Path, fake: FakeOpenAI) -> dict:
    """One `python -m pipeline.run` with `args`; its wall time, CPU seconds and what it wrote."""
    before, fake_cpu = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
    clock = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.run", *args, "--out", str(out), "--base-url", fake.base_url]
        + ["--model", "fake-model", "--no-report"],
        env={**os.environ, **ENV},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    wall, fake_cpu = time.monotonic() - clock, time.process_time() - fake_cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    manifest = json.loads((out / "manifest.json").read_text()) if (out / "manifest.json").is_file() else {}
    ready = re.search(r"ready in ([\d.]+) s", (out / "run.log").read_text()) if (out / "run.log").is_file() else None
    accepted = len((out / "accepted.jsonl").read_text().splitlines()) if (out / "accepted.jsonl").is_file() else 0
    return {
        "code": done.returncode,
        "accepted": accepted,
        "wall_s": round(wall, 1),
        "workers_ready_s": float(ready.group(1)) if ready else 0.0,
        "driver_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "worker_cpu_s": (manifest.get("executor") or {}).get("worker_cpu_seconds"),
        "fake_teacher_cpu_s": round(fake_cpu, 1),  # this process: the fake server's threads
        "requests": (manifest.get("usage") or {}).get("requests"),
        "digest": hashlib.sha256(
            b"".join((out / name).read_bytes() for name in FILES if (out / name).is_file())
        ).hexdigest()[:12],
        "stderr": done.stderr[-400:] if done.returncode not in (0, 1, 3) else "",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--category", default="single")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument(
        "--local", default="8,32", help="--concurrency of the local runs (32: as many in flight as 4 workers)"
    )
    parser.add_argument("--skip-rate", action="store_true")
    options = parser.parse_args()
    job = ["--category", options.category, "--mode", "blueprint", "--n", str(options.n)]
    ray_cli, port = shutil.which("ray"), free_port()
    env = {**os.environ, **ENV}
    start = [ray_cli, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=4"]
    subprocess.run(
        [*start, "--include-dashboard=false", "--disable-usage-stats"], env=env, check=True, capture_output=True
    )
    results: dict = {"n": options.n, "latency_s": options.latency, "cores": os.cpu_count(), "runs": {}}
    try:
        with tempfile.TemporaryDirectory() as folder, FakeOpenAI() as fake:
            fake.delay = options.latency
            for concurrency in [c for c in options.local.split(",") if c]:
                args = [*job, "--concurrency", concurrency]
                results["runs"][f"local-{concurrency}"] = run(args, Path(folder) / f"local-{concurrency}", fake)
            for count in [int(w) for w in options.workers.split(",") if w]:
                args = [*job, "--concurrency", "8", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}"]
                args += ["--workers", str(count)]
                results["runs"][f"ray-{count}"] = run(args, Path(folder) / f"ray-{count}", fake)
            if not options.skip_rate:
                fake.delay, fake.times = options.latency, []
                fake.enforce_limit(10, burst=20)
                args = [*job, "--n", "1000", "--concurrency", "8", "--executor", "ray"]
                args += ["--ray-address", f"127.0.0.1:{port}"]
                args += ["--workers", "4", "--rpm", "600", "--max-requests", "400"]
                outcome = run(args, Path(folder) / "rate", fake)
                times = fake.times[10:]
                results["rate"] = {
                    "cap_per_s": 10,
                    "measured_per_s": round((len(times) - 1) / (times[-1] - times[0]), 3),
                    "requests": len(fake.times),
                    "limited_429": fake.limited,
                    "code": outcome["code"],
                }
    finally:
        subprocess.run([ray_cli, "stop", "--force"], env=env, capture_output=True)
    local = next(iter(results["runs"].values()))["digest"]
    for outcome in results["runs"].values():
        outcome["same_as_local"] = outcome["digest"] == local
        seconds = outcome["wall_s"] - outcome["workers_ready_s"]
        outcome["records_per_s"] = round(outcome["accepted"] / outcome["wall_s"], 2)
        outcome["records_per_s_after_start"] = round(outcome["accepted"] / seconds, 2)
    print(json.dumps(results, indent=1))
    print(
        f"\n{'run':8} {'rec/s':>6} {'rec/s*':>7} {'wall':>6} {'start':>6} {'driver':>7} {'fake':>6}  "
        "workers' CPU s  same"
    )
    for name, o in results["runs"].items():
        print(
            f"{name:8} {o['records_per_s']:6} {o['records_per_s_after_start']:7} {o['wall_s']:6} "
            f"{o['workers_ready_s']:6} {o['driver_cpu_s']:7} {o['fake_teacher_cpu_s']:6}  {o['worker_cpu_s'] or '-'}  "
            f"{o['same_as_local']}"
        )
    if "rate" in results:
        r = results["rate"]
        print(
            f"rate: {r['measured_per_s']}/s against {r['cap_per_s']}/s; {r['limited_429']} of {r['requests']} were 429"
        )


if __name__ == "__main__":
    main()
