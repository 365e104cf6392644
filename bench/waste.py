"""Benchmark: teacher requests spent on tasks that never reach the output (not a test).

    python bench/waste.py [--n 60] [--categories single,all] [--yields 1.0,0.7,0.3] [--modes default]
                          [--concurrency 8] [--delay 0] [--out /tmp/bench-waste]

For every (category, mode, teacher yield) it starts the fake OpenAI-compatible teacher of
tests/fake_openai.py on loopback, runs `python -m pipeline.run --category C --n N --base-url
URL --model fake-model` against it in a fresh run folder (empty response cache), and counts:

- sent: the requests the fake received (every one of them is paid for on a real endpoint);
- useful: the requests of tasks whose candidate reached accepted.jsonl or rejected.jsonl;
- wasted: sent - useful, as a share of sent: requests of tasks the engine ran but did not count
  (manifest `unneeded_tasks`: their cell filled first in task order), of tasks whose accepted
  record was dropped as a cell's surplus, and requests that belong to no task (the start-up
  probe of the structured-output style).

Attribution is exact, not an estimate. Every request the generators send carries
`seed = stable_int(task.id, step) % 2**31` (pipeline.generate.common.seed_for). The run is
started through this script (`bench/waste.py --child MAP -- <pipeline.run arguments>`, which
calls pipeline.run.main with exactly those arguments), after wrapping that module's
`stable_int` so that each (task id, step) -> seed it computes is written to MAP. Each request
the fake received is then assigned to the task whose id produced its `seed`; a task counts as
useful when its id is the `meta.task` of a record in accepted.jsonl or rejected.jsonl (a task
that ran in vain in one round and counted in a later one, from the response cache, is useful).
Requests without a seed belong to no task: the probe (these runs pass --no-judge: the judge,
on by default for endpoints, is not generation). A seed produced by two task ids would make the
attribution ambiguous; the script counts such requests and fails if there are any.

Teacher yield: the echo teacher of tests/fake_openai.py answers every step correctly (yield
1.0 up to the checks). For a lower yield, a deterministic share 1 - y of the answers that carry
a choice of tool or values (a solve step's `action` or `arguments`, a free-mode `call`) is
spoiled: another tool is picked, or a string or number argument is changed, so the candidate
fails the schema, grounding or reference check. Which answers are spoiled is decided by a CRC-32
of something stable per task: in blueprint mode the request being solved (the last user message,
the same for the name and the arguments step of one solve, so one decision per solve); in free
mode the request's `seed` (its last user message names only the tool, the same for every task of
a cell, which would fail whole cells instead of a share of tasks). Every run sees the same
flaws. Categories with several solve steps per task (parallel per-call, nested, multi_turn) fail
more often than 1 - y; the table's `yield` column is the measured one (accepted + surplus over
counted candidates, from the manifest).

`--delay S` makes the fake answer each request after S seconds, like a real endpoint, so the
`wall s` column (the manifest's wall_seconds) shows what the engine's scheduling costs in time.

Targets (issue 14): at most 5% wasted at teacher yield 1.0 and 15% at 0.3. The script prints a
table and exits 1 when a row misses its target (or a request could not be attributed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {1.0: 0.05, 0.3: 0.15}  # teacher yield -> most wasted share


def child(map_path: str, argv: list[str]) -> int:
    """Run pipeline.run.main(argv), recording which task id produced each request seed."""
    sys.path.insert(0, str(ROOT))
    import pipeline.generate.common as common

    original, seeds = common.stable_int, {}

    def recording(*parts):
        value = original(*parts)
        if len(parts) == 2 and isinstance(parts[0], str):  # seed_for(task, step) = stable_int(task.id, step) % 2**31
            seeds.setdefault(value % 2**31, set()).add(parts[0])
        return value

    common.stable_int = recording
    from pipeline.run import main as run_main

    try:
        return run_main(argv)
    finally:
        Path(map_path).write_text(json.dumps({str(seed): sorted(ids) for seed, ids in seeds.items()}))


def flawed(teacher_yield: float):
    """The echo teacher, spoiling a deterministic share 1 - teacher_yield of its tool/value choices."""
    from tests.fake_openai import echo_teacher, response_schema

    def respond(body: dict) -> str:
        try:
            text = echo_teacher(body)
        except Exception:  # a later step of a task whose earlier answer was spoiled: the fake lost track of it
            return "I cannot help with that."
        if teacher_yield >= 1.0:
            return text
        try:
            answer = json.loads(text)
        except ValueError:
            return text
        if not isinstance(answer, dict) or not ({"action", "arguments", "call"} & set(answer)):
            return text
        # blueprint solve steps: the request being solved (one decision for a solve's name and arguments steps);
        # free mode: the request seed (its last user message only names the tool, the same for a whole cell)
        key = (
            body.get("seed")
            if "call" in answer
            else next((m.get("content") or "" for m in reversed(body["messages"]) if m.get("role") == "user"), "")
        )
        if zlib.crc32(str(key).encode()) % 1000 >= round((1 - teacher_yield) * 1000):
            return text
        options = ((response_schema(body).get("properties") or {}).get("action") or {}).get("enum") or []
        if "action" in answer and len(options) > 1:
            answer["action"] = (
                options[(options.index(answer["action"]) + 1) % len(options)]
                if answer["action"] in options
                else options[0]
            )
            return json.dumps(answer)
        arguments = answer.get("arguments") if "arguments" in answer else (answer.get("call") or {}).get("arguments")
        for key in sorted(arguments or {}):
            value = arguments[key]
            if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
                arguments[key] = value + " extra" if isinstance(value, str) else value + 7
                return json.dumps(answer)
        return "I cannot help with that."  # nothing to spoil in place: an unreadable answer

    return respond


def run_one(
    category: str, mode: str | None, teacher_yield: float, n: int, concurrency: int, out: Path, delay: float = 0.0
) -> dict:
    """One run against a fresh fake teacher; the row of the table."""
    sys.path.insert(0, str(ROOT))
    from tests.fake_openai import FakeOpenAI

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    seed_map = out / "seeds.json"
    args = [
        "--category",
        category,
        "--n",
        str(n),
        "--model",
        "fake-model",
        "--out",
        str(out / "run"),
        "--concurrency",
        str(concurrency),
        "--no-judge",  # the judge is on by default for endpoints; this bench measures generation waste
    ]
    if mode:
        args += ["--mode", mode]
    with FakeOpenAI(responder=flawed(teacher_yield)) as fake:
        fake.delay = delay
        done = subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                str(seed_map),
                "--",
                *args,
                "--base-url",
                fake.base_url,
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-bench"},
            capture_output=True,
            text=True,
        )
        bodies = list(fake.requests)
    manifest_path = out / "run" / "manifest.json"
    if done.returncode not in (0, 1) or not manifest_path.is_file():
        raise SystemExit(
            f"{category} {mode} {teacher_yield}: run failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    manifest = json.loads(manifest_path.read_text())
    seeds = {int(seed): ids for seed, ids in json.loads(seed_map.read_text()).items()}
    counted = {
        json.loads(line)["meta"]["task"]
        for name in ("accepted.jsonl", "rejected.jsonl")
        for line in (out / "run" / name).read_text().splitlines()
        if line.strip()
    }
    useful = no_task = ambiguous = 0
    for body in bodies:
        ids = seeds.get(body["seed"]) if body.get("seed") is not None else None
        if not ids:
            no_task += 1
        elif len(ids) > 1:
            ambiguous += 1
        elif ids[0] in counted:
            useful += 1
    counts = manifest["counts"]
    sent = len(bodies)
    return {
        "category": category,
        "mode": manifest["config"].get("mode") or mode or "?",
        "teacher": teacher_yield,
        "yield": (counts["accepted"] + counts["surplus_dropped"]) / max(1, counts["candidates"]),
        "accepted": counts["accepted"],
        "candidates": counts["candidates"],
        "unneeded": counts["unneeded_tasks"],
        "surplus": counts["surplus_dropped"],
        "sent": sent,
        "useful": useful,
        "no_task": no_task,
        "ambiguous": ambiguous,
        "wasted": (sent - useful) / max(1, sent),
        "exit": done.returncode,
        "wall": manifest["wall_seconds"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--categories", default="single,all")
    parser.add_argument("--yields", default="1.0,0.7,0.3")
    parser.add_argument(
        "--modes",
        default="default",
        help="comma-separated: default (the pipeline's: free with an endpoint), free, blueprint",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds the fake takes per answer")
    parser.add_argument("--out", default="/tmp/bench-waste")
    args = parser.parse_args()
    header = (
        f"{'category':9} {'mode':9} {'teacher':>7} {'yield':>6} {'accepted':>8} {'cand.':>6} "
        f"{'unneeded':>8} {'surplus':>7} "
        f"{'sent':>6} {'useful':>6} {'no task':>7} {'wasted':>7} {'target':>6} {'wall s':>7}"
    )
    print(header)
    missed = 0
    for category in args.categories.split(","):
        for mode in args.modes.split(","):
            for teacher_yield in (float(y) for y in args.yields.split(",")):
                row = run_one(
                    category,
                    None if mode == "default" else mode,
                    teacher_yield,
                    args.n,
                    args.concurrency,
                    Path(args.out) / f"{category}-{mode}-{teacher_yield}",
                    args.delay,
                )
                target = TARGETS.get(teacher_yield)
                ok = row["ambiguous"] == 0 and (target is None or row["wasted"] <= target)
                missed += not ok
                print(
                    f"{row['category']:9} {row['mode']:9} {teacher_yield:>7.2f} {row['yield']:>6.2f} "
                    f"{row['accepted']:>8} {row['candidates']:>6} "
                    f"{row['unneeded']:>8} {row['surplus']:>7} {row['sent']:>6} {row['useful']:>6} {row['no_task']:>7} "
                    f"{row['wasted']:>7.1%} {(f'{target:.0%}' if target is not None else '-'):>6} {row['wall']:>7.1f}"
                    + ("" if ok else "  MISSED")
                    + (f"  ({row['ambiguous']} ambiguous)" if row["ambiguous"] else ""),
                    flush=True,
                )
    return 1 if missed else 0


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2], sys.argv[4:] if sys.argv[3:4] == ["--"] else sys.argv[3:]))
    sys.exit(main())
