"""Benchmark: yield and speed of the embedded teacher, per mode and temperature (not a test).

    python bench/embedded_yield.py --candidates 60 [--modes blueprint,free] [--out /tmp/bench]

Runs `python -m pipeline.run` on the embedded llama.cpp teacher once per mode with a fixed
candidate budget, then prints accepted / candidates per temperature and seconds per
candidate and per accepted record, read from each run's manifest.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def run_mode(mode: str, candidates: int, out: Path, seed: int) -> dict:
    """One run at a fixed candidate budget (--n is set high so the budget is what stops it)."""
    command = [
        sys.executable,
        "-m",
        "pipeline.run",
        "--category",
        "single",
        "--mode",
        mode,
        "--n",
        str(candidates),
        "--max-candidates",
        str(candidates),
        "--seed",
        str(seed),
        "--out",
        str(out / mode),
    ]
    subprocess.run(command, check=False, capture_output=True, text=True)
    return json.loads((out / mode / "manifest.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--modes", default="blueprint,free")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="/tmp/bench-embedded")
    args = parser.parse_args()
    print(f"{'mode':10} {'temperature':>11} {'accepted':>9} {'candidates':>10} {'yield':>6}")
    for mode in args.modes.split(","):
        manifest = run_mode(mode, args.candidates, Path(args.out), args.seed)
        for temperature, row in manifest["yield_by_temperature"].items():
            print(f"{mode:10} {temperature:>11} {row['accepted']:>9} {row['candidates']:>10} {row['yield']:>6}")
        counts, seconds = manifest["counts"], manifest["wall_seconds"]
        accepted = counts["accepted"] + counts["surplus_dropped"]
        print(
            f"{mode:10} {'all':>11} {accepted:>9} {counts['candidates']:>10} "
            f"{accepted / max(1, counts['candidates']):>6.3f}"
            f"   {seconds / max(1, counts['candidates']):.1f} s/candidate, "
            f"{(seconds / accepted) if accepted else float('inf'):.1f} s/accepted, "
            f"{manifest['usage']['requests']} requests"
        )
        print(f"{'':10} removed by: {manifest['funnel']['removed_by_check']}")


if __name__ == "__main__":
    main()
