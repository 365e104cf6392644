"""Benchmark: CPU cost of the non-LLM record checks, schema checks/s, and dedup at scale (not a test).

    python bench/checks.py            # checks + dedup at 100k and 1M records
    python bench/checks.py --quick    # checks + dedup at 100k only

Per-record checks (format, schema, grounding, category, reference, quality) run on the hand-labelled
corpus (tests/filters/corpus/records.jsonl): records are parsed once, then the checks are timed with
time.process_time over many repetitions, after one untimed warm-up pass (the schema validators are
cached per parameters schema, as they are in a real run). Parsing is timed separately through
pipeline.validate.validate_object on the decoded dicts.

"A schema check" is one call's arguments validated against its tool's parameters. It is reported
two ways: SchemaCheck() on whole records that have calls (includes looking up each tool's cached
validator), and the bare per-call ArgumentValidator.errors() with the validator already in hand
(is_valid, the fastjsonschema path alone with no error listing, is reported beside it).

Dedup runs bench/dedup_scale.py in a subprocess per size, so its peak RSS is its own. Prints one
JSON object on stdout and a short summary with the issue's targets and PASS/FAIL on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.base import run_check  # noqa: E402
from filters.checks import default_checks  # noqa: E402
from filters.grounding import GroundingOptions  # noqa: E402
from filters.quality import QualityOptions  # noqa: E402
from filters.schema import SchemaCheck, validator_for  # noqa: E402
from pipeline.record import parse_record  # noqa: E402
from pipeline.seeds import alias_table, load_tools  # noqa: E402
from pipeline.validate import validate_object  # noqa: E402

CORPUS = ROOT / "tests" / "filters" / "corpus" / "records.jsonl"
TARGET_US_PER_RECORD = 1000.0  # <= 1 ms CPU per record, all non-LLM checks
TARGET_SCHEMA_PER_S = 50_000  # >= 50k schema checks per second per core
TARGET_DEDUP_1M_S = 120.0  # 1M near-dup in under 2 minutes (2 cores)
TARGET_DEDUP_RSS_MB = 4096  # under 4 GB


def cpu_seconds(fn, reps: int) -> float:
    """CPU seconds for `reps` calls of fn()."""
    start = time.process_time()
    for _ in range(reps):
        fn()
    return time.process_time() - start


def _try_parse(obj):
    try:
        return parse_record(obj)
    except ValueError:  # pydantic.ValidationError
        return None


def bench_checks(dicts: list[dict], reps: int) -> dict:
    """Mean CPU microseconds per record: all checks, each check, and validate_object (parse + checks)."""
    checks = default_checks(grounding=GroundingOptions(aliases=alias_table(load_tools())), quality=QualityOptions())
    records = [r for r in map(_try_parse, dicts) if r is not None]  # shape errors never reach the checks
    crashes = {c.name: 0 for c in checks}
    start = time.process_time()  # the cold first pass is also the warm-up
    for record in records:
        for check in checks:
            crashes[check.name] += any("check crashed" in issue.message for issue in run_check(check, record))
    cold = time.process_time() - start
    per_check = {}
    for check in checks:
        seconds = cpu_seconds(lambda check=check: [run_check(check, r) for r in records], reps)
        per_check[check.name] = round(seconds / (reps * len(records)) * 1e6, 1)
    together = cpu_seconds(lambda: [run_check(c, r) for r in records for c in checks], reps)
    with_parse = cpu_seconds(lambda: [validate_object(obj, checks) for obj in dicts], reps)
    parse_only = cpu_seconds(lambda: [_try_parse(obj) for obj in dicts], reps)
    return {
        "corpus_records": len(dicts),
        "parsed_records": len(records),
        "repetitions": reps,
        "us_per_record_all_checks": round(together / (reps * len(records)) * 1e6, 1),
        "us_per_record_by_check": per_check,
        "us_per_record_first_pass_cold": round(cold / len(records) * 1e6, 1),
        "us_per_record_parse_only": round(parse_only / (reps * len(dicts)) * 1e6, 1),
        "us_per_record_validate_object": round(with_parse / (reps * len(dicts)) * 1e6, 1),
        "check_crashes": {k: v for k, v in crashes.items() if v},
    }


def bench_schema(dicts: list[dict], reps: int) -> dict:
    """Schema checks per CPU second: SchemaCheck per record with calls, and bare per-call validation."""
    records = [r for r in map(_try_parse, dicts) if r is not None and any(m.tool_calls for m in r.messages)]
    check = SchemaCheck()
    calls = []  # (validator, arguments) for every call SchemaCheck would validate
    for record in records:
        tools = {t.function.name: t.function.parameters for t in record.tools}
        for message in record.messages:
            for call in message.tool_calls or []:
                name, arguments = call.function.name, call.function.arguments
                if name in tools and not isinstance(arguments, str) and validator_for(tools[name]).problem is None:
                    calls.append((validator_for(tools[name]), arguments))
    invalid = sum(bool(v.errors(a)) for v, a in calls)  # also warms the validator cache
    per_record = cpu_seconds(lambda: [check(r) for r in records], reps)
    per_call = cpu_seconds(lambda: [v.errors(a) for v, a in calls], reps * 20)
    fast_only = cpu_seconds(lambda: [v.is_valid(a) for v, a in calls], reps * 20)
    return {
        "records_with_calls": len(records),
        "calls_validated": len(calls),
        "calls_with_errors": invalid,
        "records_per_s": round(reps * len(records) / per_record),
        "calls_per_s_via_SchemaCheck": round(reps * len(calls) / per_record),
        "calls_per_s_bare_errors": round(reps * 20 * len(calls) / per_call),
        "calls_per_s_bare_is_valid": round(reps * 20 * len(calls) / fast_only),
    }


def bench_dedup(n: int, seed: int) -> dict:
    """bench/dedup_scale.py --n N in its own process; its JSON object, plus the outside wall time."""
    script = ROOT / "bench" / "dedup_scale.py"
    command = [sys.executable, str(script), "--n", str(n), "--seed", str(seed), "--no-cap-run"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    outside = round(time.perf_counter() - start, 1)
    if done.returncode != 0 or "{" not in done.stdout:
        return {"records": n, "error": (done.stderr or done.stdout)[-2000:], "subprocess_wall_s": outside}
    result, _ = json.JSONDecoder().raw_decode(done.stdout[done.stdout.index("{") :])
    result.pop("false_drop_examples", None)
    result["subprocess_wall_s"] = outside
    return result


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, dedup at 100k only")
    parser.add_argument("--reps", type=int, default=None, help="repetitions over the corpus (default 20, --quick 5)")
    parser.add_argument("--dedup-sizes", default=None, help="comma-separated record counts (default 100000,1000000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    reps = args.reps or (5 if args.quick else 20)
    sizes = [int(s) for s in (args.dedup_sizes or ("100000" if args.quick else "100000,1000000")).split(",") if s]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        ).stdout.strip()
    except OSError:
        commit = ""
    dicts = [json.loads(line)["record"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "git_commit": commit or None,
        "checks": bench_checks(dicts, reps),
        "schema": bench_schema(dicts, reps),
        "dedup": [bench_dedup(n, args.seed) for n in sizes],
    }
    c, s = report["checks"], report["schema"]
    report["targets"] = {
        "checks_us_per_record<=1000": verdict(c["us_per_record_all_checks"] <= TARGET_US_PER_RECORD),
        "schema_calls_per_s>=50000 (via SchemaCheck)": verdict(s["calls_per_s_via_SchemaCheck"] >= TARGET_SCHEMA_PER_S),
        "schema_calls_per_s>=50000 (bare)": verdict(s["calls_per_s_bare_errors"] >= TARGET_SCHEMA_PER_S),
    }
    for d in report["dedup"]:
        if "error" not in d and d["records"] >= 1_000_000:
            report["targets"][f"dedup_{d['records']}_wall<120s"] = verdict(d["dedup_wall_s"] < TARGET_DEDUP_1M_S)
        if "error" not in d:
            report["targets"][f"dedup_{d['records']}_rss<4GB"] = verdict(d["peak_rss_mb"] < TARGET_DEDUP_RSS_MB)
    print(json.dumps(report, indent=1))

    say = lambda text: print(text, file=sys.stderr)  # noqa: E731
    m = report["machine"]
    say(f"machine: {m['cpu_count']} CPUs, {m['platform']}, Python {m['python']}; commit {report['git_commit']}")
    say(
        f"checks: {c['us_per_record_all_checks']} us CPU/record over {c['parsed_records']} records x {reps} "
        f"(target <= 1000 us) {verdict(c['us_per_record_all_checks'] <= TARGET_US_PER_RECORD)}"
    )
    say(
        "  by check: "
        + ", ".join(f"{k} {v}" for k, v in c["us_per_record_by_check"].items())
        + f"; parse {c['us_per_record_parse_only']}, "
        f"validate_object (parse + checks) {c['us_per_record_validate_object']}"
        + f"; cold first pass {c['us_per_record_first_pass_cold']}"
    )
    say(
        f"schema: {s['calls_per_s_via_SchemaCheck']} calls/s via SchemaCheck ({s['records_per_s']} records/s), "
        f"{s['calls_per_s_bare_errors']} calls/s bare (target >= 50000) "
        f"{verdict(s['calls_per_s_via_SchemaCheck'] >= TARGET_SCHEMA_PER_S)} / "
        f"{verdict(s['calls_per_s_bare_errors'] >= TARGET_SCHEMA_PER_S)}"
    )
    for d in report["dedup"]:
        if "error" in d:
            say(f"dedup {d['records']}: ERROR {d['error'][-300:]}")
            continue
        wall = (
            f"(target < 120 s at 1M) {verdict(d['dedup_wall_s'] < TARGET_DEDUP_1M_S)}"
            if d["records"] >= 1_000_000
            else ""
        )
        say(
            f"dedup {d['records']}: {d['dedup_wall_s']} s wall {wall}, {d['dedup_cpu_s']} s CPU, peak RSS "
            f"{d['peak_rss_mb']} MB (target < 4096) {verdict(d['peak_rss_mb'] < TARGET_DEDUP_RSS_MB)}; "
            f"recall {d['recall']} ({d.get('recall_within_threshold')} within threshold), precision {d['precision']}"
        )


if __name__ == "__main__":
    main()
