"""Benchmark: the HTML report of a large run folder (not a test).

    python bench/report_scale.py RUN_DIR --accepted 20000 --rejected 400000 [--out /tmp/report-bench]

Builds a run folder from a real one (RUN_DIR: any finished run) by repeating its accepted and
rejected records under new ids until there are --accepted and --rejected of them (pairs and the
manifest are copied), then writes its report in a fresh process and prints one JSON object: the
sizes, the wall time, the peak resident memory of that process, and the report's size. The
rejected file is read in one pass (pipeline.htmlreport.Rejected), so memory should follow the
accepted records, not the rejected ones.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _repeat(rows: list[dict], count: int, target: Path) -> None:
    with target.open("w", encoding="utf-8") as handle:
        for index, row in zip(range(count), itertools.cycle(rows)):
            handle.write(json.dumps({**row, "id": f"{row['id']}-x{index}"}, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir")
    parser.add_argument("--accepted", type=int, default=20_000)
    parser.add_argument("--rejected", type=int, default=400_000)
    parser.add_argument("--out", default="/tmp/report-bench")
    args = parser.parse_args()
    source, out = Path(args.run_dir), Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name in ("manifest.json", "pairs.jsonl"):
        shutil.copy(source / name, out / name)
    _repeat(_lines(source / "accepted.jsonl"), args.accepted, out / "accepted.jsonl")
    _repeat(_lines(source / "rejected.jsonl"), args.rejected, out / "rejected.jsonl")
    started = time.monotonic()
    measured = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "pipeline.htmlreport", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    result = {
        "accepted": args.accepted,
        "rejected": args.rejected,
        "rejected_mb": round((out / "rejected.jsonl").stat().st_size / 2**20, 1),
        "accepted_mb": round((out / "accepted.jsonl").stat().st_size / 2**20, 1),
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(int(measured.stderr.strip().splitlines()[-1]) / 1024, 1),
        "report_kb": round((out / "report" / "index.html").stat().st_size / 1024),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
