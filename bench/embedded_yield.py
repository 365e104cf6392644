"""Benchmark: yield and speed of the embedded teacher per model, category and mode (not a test).

    python bench/embedded_yield.py --candidates 40 [--models qwen2.5-coder-0.5b,smollm2-135m]
        [--categories single,parallel] [--modes blueprint] [--slots 1] [--out /tmp/bench]

Runs `python -m pipeline.run` on the embedded llama.cpp teacher once per model x category x mode
with a fixed candidate budget, then prints accepted / candidates, seconds per candidate, seconds
per accepted record and accepted records per minute, read from each run's manifest.json (with
--temperatures, yield per temperature too). Run it on an idle machine: the times are wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def run_one(model: str, category: str, mode: str, candidates: int, out: Path, seed: int, slots: int) -> dict:
    """One run at a fixed candidate budget (--n is set high so the budget is what stops it)."""
    command = [
        sys.executable,
        "-m",
        "pipeline.run",
        "--category",
        category,
        "--mode",
        mode,
        "--embedded-model",
        model,
        "--embedded-slots",
        str(slots),
        "--n",
        str(candidates),
        "--max-candidates",
        str(candidates),
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if not (out / "manifest.json").is_file():
        raise SystemExit(f"{' '.join(command)} wrote no manifest (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads((out / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=40)
    parser.add_argument("--models", default="qwen2.5-coder-0.5b,qwen2.5-coder-1.5b,smollm2-135m")
    parser.add_argument("--categories", default="single")
    parser.add_argument("--modes", default="blueprint")
    parser.add_argument("--slots", type=int, default=1)
    parser.add_argument("--temperatures", action="store_true", help="also print yield per temperature")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/bench-embedded")
    args = parser.parse_args()
    header = f"{'model':20} {'category':10} {'mode':9} {'accepted':>8} {'cand.':>5} {'yield':>6} "
    print(header + f"{'s/cand':>7} {'s/acc':>7} {'acc/min':>7} {'requests':>8}", flush=True)
    for model in args.models.split(","):
        for category in args.categories.split(","):
            for mode in args.modes.split(","):
                out = Path(args.out) / f"{model}-{category}-{mode}-slots{args.slots}"
                manifest = run_one(model, category, mode, args.candidates, out, args.seed, args.slots)
                counts, seconds = manifest["counts"], manifest["wall_seconds"]
                accepted = counts["accepted"] + counts["surplus_dropped"]
                candidates = max(1, counts["candidates"])
                print(
                    f"{model:20} {category:10} {mode:9} {accepted:>8} {counts['candidates']:>5} "
                    f"{accepted / candidates:>6.3f} {seconds / candidates:>7.1f} "
                    f"{(seconds / accepted) if accepted else float('inf'):>7.1f} "
                    f"{60 * accepted / max(1.0, seconds):>7.2f} {manifest['usage']['requests']:>8}",
                    flush=True,
                )
                if args.temperatures:
                    for temperature, row in manifest["yield_by_temperature"].items():
                        print(
                            f"{'':20} t={temperature:<8} {row['accepted']:>8} {row['candidates']:>5} {row['yield']:>6}"
                        )
                print(f"{'':20} removed by: {manifest['funnel']['removed_by_check']}", flush=True)


if __name__ == "__main__":
    main()
