"""Benchmark: teacher throughput against a loopback fake teacher, with distilabel as the peer (not a test).

    python bench/throughput.py [--scenarios fixed,rpm,rpm_tight,longtail,cpu] [--quick] [--no-peer] [--profile]

Each scenario starts bench/latency_server.py in its own process (so only the client's CPU is
measured here), warms up, resets the server's counters, then fires N distinct ~1.5 KB requests
with asyncio.gather through pipeline.backends.teacher.build_teacher's teacher, each task taking one
of `concurrency` slots first, as pipeline.engine does (the teacher's own semaphore bounds it
too). Reported: samples/s against the ceiling min(concurrency / mean latency, RPM / 60), client
CPU per request (time.process_time of this process / answers) and the server's 429 count.
Scenarios:
  fixed      200 ms, 20 in flight, no cap: ceiling 100/s, target >= 95% of it
  rpm        200 ms, 20 in flight, server cap 1200 RPM (1 s burst), client rpm=1200: target >= 95% of 20/s, < 1% 429s
  rpm_tight  the same against a server whose bucket holds 0.25 s (informational: bucket mismatch)
  longtail   lognormal p50 200 ms / p99 2 s, 20 in flight: ours vs distilabel OpenAILLM, target >= 2x
  cpu        no latency, 64 in flight: the CPU-bound maximum and CPU per request (informational)
The peer runs bench/distilabel_peer.py in bench/.venv-distilabel, a venv made on first use with
`python -m venv bench/.venv-distilabel && bench/.venv-distilabel/bin/pip install
"distilabel[openai]==1.5.3" openai==<this environment's version> requests` (distilabel 1.5.3
imports requests without declaring it). Prints one JSON object and a short summary.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import pstats
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openai

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from pipeline.backends.base import ChatRequest  # noqa: E402
from pipeline.backends.teacher import build_teacher  # noqa: E402

MEDIAN, P99, Z99 = 0.2, 2.0, 2.3263
SIGMA = math.log(P99 / MEDIAN) / Z99
TIMEOUT = 60.0
DISTILABEL = "1.5.3"
PEER_VENV = HERE / ".venv-distilabel"
SCENARIOS = {  # name: latency, concurrency, server/client rpm, server burst seconds, N, N with --quick, peer run
    "fixed": {"latency": "fixed", "concurrency": 20, "rpm": None, "burst": 1.0, "n": 2000, "quick": 200, "peer": False},
    "rpm": {"latency": "fixed", "concurrency": 20, "rpm": 1200, "burst": 1.0, "n": 600, "quick": 120, "peer": False},
    "rpm_tight": {
        "latency": "fixed",
        "concurrency": 20,
        "rpm": 1200,
        "burst": 0.25,
        "n": 400,
        "quick": 120,
        "peer": False,
    },
    "longtail": {
        "latency": "lognormal",
        "concurrency": 20,
        "rpm": None,
        "burst": 1.0,
        "n": 1000,
        "quick": 200,
        "peer": True,
    },
    "cpu": {"latency": "none", "concurrency": 64, "rpm": None, "burst": 1.0, "n": 5000, "quick": 600, "peer": False},
}
SYSTEM = (
    "You write one realistic user request for a function-calling dataset. The assistant has these tools:\n"
    + json.dumps(
        [
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": f"{name.replace('_', ' ').capitalize()} for the signed-in user.",
                    "parameters": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "string", "description": "The record's identifier."},
                            "date": {"type": "string", "format": "date"},
                            "limit": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            }
            for name in ("book_table", "send_email", "get_weather")
        ]
    )
    + "\nState every required value in plain words; do not name the function; answer as JSON."
)


def workload(n: int) -> list[list[dict]]:
    """N distinct chat inputs of ~1.5 KB each (shared system prompt, varying user text)."""
    cities = ("Lisbon", "Oslo", "Lima", "Quito", "Hanoi", "Accra", "Tunis", "Porto", "Cusco", "Turku")
    return [
        [
            {"role": "system", "content": SYSTEM},
            {
                "role": "user",
                "content": f"Blueprint #{i}: call book_table with id 'R-{i:05d}', date 2026-0{1 + i % 9}-1{i % 10}"
                f" and limit {1 + i % 7}, for a dinner in {cities[i % len(cities)]}. Make the "
                "request sound like a busy person typing on a phone, with one polite phrase, "
                'and keep it under forty words. Reply with {"request": ..., "notes": ...}.',
            },
        ]
        for i in range(n)
    ]


def start_server(latency: str, rpm: float | None, burst: float, seed: int = 0) -> tuple[subprocess.Popen, str]:
    """Start the fake teacher in its own process; (process, base URL)."""
    command = [
        sys.executable,
        str(HERE / "latency_server.py"),
        "--latency",
        latency,
        "--median",
        str(MEDIAN),
        "--p99",
        str(P99),
        "--burst",
        str(burst),
        "--seed",
        str(seed),
    ] + (["--rpm", str(rpm)] if rpm else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().split()
    if len(line) != 2 or line[0] != "PORT":
        process.kill()
        raise RuntimeError(f"fake teacher did not start: {line}")
    return process, f"http://127.0.0.1:{line[1]}/v1"


def server_call(base_url: str, path: str) -> dict:
    """GET /stats or POST /reset on the fake teacher."""
    data = b"" if path == "/reset" else None
    with urllib.request.urlopen(
        urllib.request.Request(base_url.removesuffix("/v1") + path, data=data), timeout=10
    ) as answer:
        return json.loads(answer.read())


def stop_server(process: subprocess.Popen) -> None:
    """Stop the fake teacher started by start_server."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


async def drive_ours(base_url: str, inputs: list, concurrency: int, rpm: float | None, profile: bool) -> dict:
    """Warm up, reset the server, then send every input through the pipeline's teacher; the client's numbers."""
    warm = build_teacher(base_url, "fake", None, timeout=TIMEOUT, concurrency=concurrency, max_attempts=1)
    await asyncio.gather(
        *(warm.complete(ChatRequest(m, 0.7, 128, seed=-1 - i)) for i, m in enumerate(inputs[:concurrency])),
        return_exceptions=True,
    )  # a capped server may refuse some: fine, it is reset below
    await warm.close()
    server_cpu = server_call(base_url, "/reset")["cpu_s"]
    teacher = build_teacher(base_url, "fake", None, timeout=TIMEOUT, concurrency=concurrency, rpm=rpm, cache=None)
    requests = [ChatRequest(messages=m, temperature=0.7, max_tokens=128, seed=i) for i, m in enumerate(inputs)]
    finished: list[float] = []
    slots = asyncio.Semaphore(concurrency)  # as pipeline.engine feeds the teacher: a task takes a slot before it asks

    async def one(request: ChatRequest):
        """One request, noting when it finished."""
        async with slots:
            try:
                return await teacher.complete(request)
            finally:
                finished.append(time.perf_counter())

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(one(r) for r in requests), return_exceptions=True)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if profiler:
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        print(text.getvalue(), file=sys.stderr)
    await teacher.close()
    errors = [r for r in results if isinstance(r, BaseException)]
    samples = len(results) - len(errors)
    return {
        "client": f"pipeline teacher (openai {openai.__version__})",
        "requests": len(inputs),
        "samples": samples,
        "failures": len(errors),
        "errors": sorted({str(e)[:160] for e in errors})[:3],
        "retries": teacher.usage.retries,
        "wall_s": round(wall, 3),
        "samples_per_s": round(samples / wall, 2),
        "steady_samples_per_s": steady_rate(finished),
        "first_answer_s": round(min(finished) - started, 3),
        "cpu_ms_per_request": round(1000 * cpu / max(1, samples), 3),
        "client_cpu_share": round(cpu / wall, 3),
        "server_cpu_start": server_cpu,
    }


def steady_rate(finished: list[float]) -> float | None:
    """Answers per second between the 10th and the 90th percentile of finish times (no start-up or drain)."""
    times, n = sorted(finished), len(finished)
    low, high = n // 10, 9 * n // 10
    return round((high - low) / (times[high] - times[low]), 2) if n >= 20 and times[high] > times[low] else None


def ensure_peer() -> Path:
    """The distilabel venv's python, creating the venv on first use (never the project's environment)."""
    python = PEER_VENV / "bin" / "python"
    if (
        python.exists()
        and subprocess.run([python, "-c", "import distilabel.models.llms"], capture_output=True).returncode == 0
    ):
        return python
    print(f"creating {PEER_VENV} with distilabel {DISTILABEL} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            f"distilabel[openai]=={DISTILABEL}",
            f"openai=={openai.__version__}",
            "requests",
        ],
        check=True,
    )
    return python


def drive_peer(python: Path, base_url: str, inputs: list, concurrency: int) -> dict:
    """Run bench/distilabel_peer.py over the same inputs in batches of `concurrency`; its numbers."""
    job = {
        "base_url": base_url,
        "model": "fake",
        "timeout": TIMEOUT,
        "batch_size": concurrency,
        "max_new_tokens": 128,
        "temperature": 0.7,
        "inputs": inputs,
    }
    done = subprocess.run(
        [python, str(HERE / "distilabel_peer.py")], input=json.dumps(job), capture_output=True, text=True, timeout=3600
    )
    if done.returncode != 0 or not done.stdout.strip():
        return {"error": done.stderr.strip()[-600:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def server_view(cpu_start: float, after: dict, samples: int) -> dict:
    """What the server saw during one measured run (counters since the reset after warm-up)."""
    return {
        "requests": after["requests"],
        "rejected_429": after["rejected_429"],
        "rejected_at_s": after["rejected_at"],
        "max_inflight": after["max_inflight"],
        "mean_latency_s": round(after["mean_latency"], 4) if after["mean_latency"] is not None else None,
        "cpu_ms_per_request": round(1000 * (after["cpu_s"] - cpu_start) / max(1, samples), 3),
    }


def measure(spec: dict, inputs: list, client: str, python: Path | None, profile: bool) -> dict:
    """One run (ours or the peer) against a fresh fake teacher with the same seed; client and server numbers."""
    process, base_url = start_server(spec["latency"], spec["rpm"], spec["burst"])
    try:
        if client == "ours":
            result = asyncio.run(drive_ours(base_url, inputs, spec["concurrency"], spec["rpm"], profile))
        else:
            result = drive_peer(python, base_url, inputs, spec["concurrency"])
        if "server_cpu_start" in result:
            result["server"] = server_view(
                result.pop("server_cpu_start"), server_call(base_url, "/stats"), result["samples"]
            )
    finally:
        stop_server(process)
    return result


def ceiling(concurrency: int, mean_latency: float, rpm: float | None) -> float:
    """min(concurrency / mean latency, RPM / 60) in requests per second."""
    return min(concurrency / mean_latency if mean_latency > 0 else math.inf, rpm / 60 if rpm else math.inf)


def scenario(name: str, quick: bool, peer: Path | None, profile: bool) -> dict:
    """Run one scenario and judge its target."""
    spec = SCENARIOS[name]
    n = spec["quick"] if quick else spec["n"]
    inputs = workload(n)
    ours = measure(spec, inputs, "ours", None, profile and name == "cpu")
    mean = {"fixed": MEDIAN, "lognormal": MEDIAN * math.exp(SIGMA**2 / 2), "none": 0.0}[spec["latency"]]
    out = {
        "latency": spec["latency"],
        "concurrency": spec["concurrency"],
        "rpm": spec["rpm"],
        "server_burst_s": spec["burst"],
        "requests": n,
        "mean_latency_s": round(mean, 4),
        "ours": ours,
    }
    if spec["latency"] == "none":
        out["note"] = "CPU-bound: no latency, so no ceiling; samples/s is the client's maximum on this box"
        return out
    out["ceiling_per_s"] = round(ceiling(spec["concurrency"], mean, spec["rpm"]), 2)
    out["ours_vs_ceiling"] = round(ours["samples_per_s"] / out["ceiling_per_s"], 3)
    if name == "fixed":
        out["target"], out["met"] = "ours >= 95% of the ceiling", out["ours_vs_ceiling"] >= 0.95
    elif name.startswith("rpm"):
        out["share_429"] = round(ours["server"]["rejected_429"] / max(1, ours["server"]["requests"]), 4)
        ok = out["ours_vs_ceiling"] >= 0.95 and out["share_429"] < 0.01
        if name == "rpm":
            out["target"], out["met"] = "ours >= 95% of RPM/60 with < 1% of requests answered 429", ok
        else:  # informational: the server's bucket is smaller than the client's one-second burst
            out["within_rpm_target"] = ok
    elif name == "longtail":
        realized = ours["server"]["mean_latency_s"]
        out["ceiling_realized_per_s"] = round(ceiling(spec["concurrency"], realized, None), 2)
        out["ours_vs_realized_ceiling"] = round(ours["samples_per_s"] / out["ceiling_realized_per_s"], 3)
        if peer is not None:
            out["peer"] = theirs = measure(spec, inputs, "peer", peer, False)
            if "samples_per_s" in theirs:
                out["peer_vs_ceiling"] = round(theirs["samples_per_s"] / out["ceiling_per_s"], 3)
                out["ours_vs_peer"] = round(ours["samples_per_s"] / max(1e-9, theirs["samples_per_s"]), 2)
                out["target"], out["met"] = "ours >= 2x distilabel's samples/s", out["ours_vs_peer"] >= 2.0
    return out


def summary(name: str, result: dict) -> str:
    """One line per scenario for people."""
    ours = result["ours"]
    line = f"{name:9} ours {ours['samples_per_s']:7.1f}/s cpu {ours['cpu_ms_per_request']:.2f} ms/req"
    if "ceiling_per_s" in result:
        line += f" | ceiling {result['ceiling_per_s']:.1f}/s ({100 * result['ours_vs_ceiling']:.1f}%)"
    if "share_429" in result:
        line += f" | 429s {ours['server']['rejected_429']} ({100 * result['share_429']:.2f}%)"
    if "ours_vs_peer" in result:
        line += (
            f" | distilabel {result['peer']['samples_per_s']:.1f}/s cpu {result['peer']['cpu_ms_per_request']:.2f} "
            f"ms/req -> {result['ours_vs_peer']:.2f}x"
        )
    if "met" in result:
        line += f" | target {'met' if result['met'] else 'NOT met'}"
    if "within_rpm_target" in result:
        line += f" | informational ({'within' if result['within_rpm_target'] else 'outside'} the rpm target)"
    return line


def main() -> None:
    """Parse the flags, run the chosen scenarios, print the JSON report and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated, from: " + ", ".join(SCENARIOS)
    )
    parser.add_argument("--quick", action="store_true", help="small N for a smoke run")
    parser.add_argument("--no-peer", action="store_true", help="skip distilabel (no venv is created)")
    parser.add_argument("--profile", action="store_true", help="cProfile our client in the cpu scenario (to stderr)")
    args = parser.parse_args()
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    peer = None if args.no_peer or "longtail" not in names else ensure_peer()
    started = time.perf_counter()
    results = {name: scenario(name, args.quick, peer, args.profile) for name in names}
    report = {
        "machine": {"python": sys.version.split()[0], "openai": openai.__version__, "quick": args.quick},
        "scenarios": results,
        "targets_met": {name: r["met"] for name, r in results.items() if "met" in r},
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))
    for name, result in results.items():
        print(summary(name, result))


if __name__ == "__main__":
    main()
