"""Benchmark: how coherent the planner's values are, and how requests say them (issue 24; not a test).

    python bench/scenario_quality.py [--tasks 200] [--n 1000] [--out /tmp/bench-scenario] [--skip-run] [--mode free]
                                     [--repetition-tasks 2000]

1. The plan before any filtering: for every category, --tasks blueprint tasks are planned (no
   teacher involved) and each task's planned calls are checked by the plausibility check
   (filters/plausibility.py: implausible_date, range_order, inconsistent_entity,
   implausible_magnitude, contradictory_arguments) as one record with the task's `now`. `ungrounded_flag` is left out:
   it is about the request, which a plan does not have yet. Prints the defect rate per category
   and the codes found.
2. The planner's repetition: pipeline.diversity.repetition over the planned calls of
   --repetition-tasks tasks per category (no teacher), where every parameter has enough uses.
3. A --n record `--category all --mode blueprint` run on the fake teacher of tests/fake_openai.py
   (loopback, the real openai client), then: the manifest's `raw_forms` (share of user turns with
   an ISO date or timestamp, a snake_case token or an opaque id) and `repetition` (parameters
   whose most used value is above 5%), and every check of `python -m pipeline.validate` run again
   over accepted.jsonl with the seeds' annotations (the plausibility codes must find nothing).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from filters.checks import default_checks  # noqa: E402
from pipeline.categories import CATEGORIES  # noqa: E402
from pipeline.config import RunConfig, TeacherConfig  # noqa: E402
from pipeline.job import planner_for  # noqa: E402
from pipeline.record import parse_record  # noqa: E402
from pipeline.seeds import load_tools  # noqa: E402
from pipeline.seeds.links import load_links  # noqa: E402

PLAN_CODES = {
    "implausible_date",
    "range_order",
    "inconsistent_entity",
    "implausible_magnitude",
    "contradictory_arguments",
}


def plan_record(task, catalog) -> dict:
    """The task's planned calls as one record (a placeholder request; no results)."""
    tools = {tool.name: tool for tool in catalog}
    calls = [
        {"id": f"c{i:08d}", "type": "function", "function": {"name": call["name"], "arguments": call["arguments"]}}
        for i, call in enumerate(task.blueprint or [])
    ]
    return {
        "id": task.id,
        "category": task.category,
        "tools": [tools[name].to_tool().model_dump() for name in dict.fromkeys(c["name"] for c in task.blueprint)],
        "messages": [{"role": "user", "content": "(the planned request)"}, {"role": "assistant", "tool_calls": calls}],
        "meta": {"now": task.now},
    }


def plan_defects(tasks: int) -> None:
    catalog = load_tools()
    links = load_links(None, catalog)
    checks = default_checks(["plausibility"], **_options(catalog))
    print(f"plan defects over {tasks} blueprint tasks per category (before any teacher or filter):")
    total = bad = 0
    for category in CATEGORIES:
        config = RunConfig(category=category, mode="blueprint", teacher=TeacherConfig(base_url="http://x", model="m"))
        planner = planner_for(config, category, catalog, links)
        codes: Counter = Counter()
        defective = 0
        for index in range(tasks):
            task = planner.task(index)
            if not task.blueprint:
                continue
            record = parse_record(plan_record(task, catalog))
            found = {issue.code for check in checks for issue in check(record)} & PLAN_CODES
            codes.update(found)
            defective += bool(found)
        total, bad = total + tasks, bad + defective
        print(f"  {category:<11} {defective:>4}/{tasks} = {defective / tasks:6.1%}  {dict(codes)}")
    print(f"  {'all':<11} {bad:>4}/{total} = {bad / total:6.1%}")


def plan_repetition(tasks: int) -> None:
    """pipeline.diversity.repetition over the planned calls of `tasks` blueprint tasks per category:
    the planner's own value distribution, with enough uses per parameter for a 5% share to mean
    something (a 1000-record run gives most parameters 20-40 uses, where two repeats pass 5%)."""
    from pipeline.diversity import repetition

    catalog = load_tools()
    links = load_links(None, catalog)
    records = []
    for category in CATEGORIES:
        config = RunConfig(category=category, mode="blueprint", teacher=TeacherConfig(base_url="http://x", model="m"))
        planner = planner_for(config, category, catalog, links)
        records += [
            parse_record(plan_record(task, catalog))
            for task in (planner.task(index) for index in range(tasks))
            if task.blueprint
        ]
    found = repetition(records, top=25)
    print(f"planned repetition over {len(records)} planned tasks: {found['over_limit']} of {found['parameters']}")
    print("  parameters have a value above 5% (of those with 20+ uses); worst:")
    for row in found["worst"]:
        print(f"  {row['tool']}.{row['parameter']} = {row['value']!r}: {row['share']:.1%} of {row['uses']}")


def _options(catalog) -> dict:
    """The plausibility check's options filled from the seeds, as a run fills them."""
    from filters.plausibility import PlausibilityOptions
    from filters.roles import annotations_of

    return {"plausibility": PlausibilityOptions(annotations=annotations_of(catalog))}


def fake_run(n: int, out: Path, mode: str = "blueprint") -> None:
    from tests.fake_openai import FakeOpenAI

    with FakeOpenAI() as fake:
        command = [
            sys.executable, "-m", "pipeline.run", "--category", "all", "--mode", mode, "--n", str(n),
            "--base-url", fake.base_url, "--model", "fake-model", "--out", str(out), "--concurrency", "8",
        ]  # fmt: skip
        subprocess.run(command, cwd=ROOT, check=False)
    manifest = json.loads((out / "manifest.json").read_text())
    print(f"fake run: {manifest['counts']}")
    print(f"raw forms in user turns: {manifest['raw_forms']}")
    repetition = manifest["repetition"]
    print(f"repetition: {repetition['over_limit']} of {repetition['parameters']} parameters over 5%; worst:")
    for row in repetition["worst"][:10]:
        print(f"  {row['tool']}.{row['parameter']} = {row['value']!r}: {row['share']:.1%} of {row['uses']}")
    validated = subprocess.run(
        [sys.executable, "-m", "pipeline.validate", str(out / "accepted.jsonl")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    codes = Counter(
        error["code"] for line in validated.stdout.splitlines() for error in json.loads(line).get("errors", [])
    )
    print(f"validate on accepted.jsonl: {dict(codes) or 'no issue'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-scenario"))
    parser.add_argument("--skip-run", action="store_true")
    parser.add_argument("--mode", choices=["blueprint", "free"], default="blueprint", help="the fake run's mode")
    parser.add_argument("--repetition-tasks", type=int, default=2000, help="planned tasks per category (0: skip)")
    args = parser.parse_args()
    plan_defects(args.tasks)
    if args.repetition_tasks:
        plan_repetition(args.repetition_tasks)
    if not args.skip_run:
        fake_run(args.n, args.out, args.mode)


if __name__ == "__main__":
    main()
