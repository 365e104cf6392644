"""Benchmark: what second solves (pairs.second_solve) cost and give on a fake-teacher run (issue 17; not a test).

    python bench/second_solve.py [--n 200] [--disagree 0.2] [--out /tmp/second-solve]

Runs `--category all --mode blueprint` twice against the fake teacher (tests/fake_openai.py), with
pairs.second_solve "off" and at its endpoint default, and prints the requests each run sent, the
accepted records with an alternative per category and the sibling pairs (generated pairs of
accepted records) per category and code. The echo teacher solves every request the same way
twice, so the second solves (the only requests at temperature 0.9) are spoilt at rate
`--disagree` (by a hash of the request body, as tests/test_golden.py's flawed teacher does: another
tool picked, or one argument value changed).
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import RunConfig, TeacherConfig  # noqa: E402
from pipeline.job import run as run_job  # noqa: E402
from tests.fake_openai import FakeOpenAI, echo_teacher  # noqa: E402


def _mutate(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + " extra"
    return value


def disagreeing(rate: float, temperature: float):
    """A `corrupt` hook: answers at `temperature` (the second solves) spoilt at `rate`."""

    def corrupt(number, body, content):
        if body.get("temperature") != temperature:
            return content
        if zlib.crc32(json.dumps(body, sort_keys=True).encode()) % 1000 >= rate * 1000:
            return content
        try:
            answer = json.loads(content)
        except ValueError:
            return content
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema") or {}
        options = ((schema.get("properties") or {}).get("action") or {}).get("enum") or []
        if isinstance(answer, dict) and "action" in answer and len(options) > 1:
            at = options.index(answer["action"]) if answer["action"] in options else -1
            answer["action"] = options[(at + 1) % len(options)]
        elif isinstance(answer, dict) and isinstance(answer.get("arguments"), dict) and answer["arguments"]:
            key = sorted(answer["arguments"])[0]
            answer["arguments"][key] = _mutate(answer["arguments"][key])
        else:
            return content
        return json.dumps(answer)

    return corrupt


def _robust(body):
    """The echo teacher; a step it cannot answer (the fill of a tool a spoilt pick chose: it wrote no
    request for that tool) gets an answer the pipeline cannot read, as tests/test_golden.py's does."""
    try:
        return echo_teacher(body)
    except Exception:
        return "I cannot help with that."


def one_run(out: Path, n: int, second_solve, rate: float) -> dict:
    with FakeOpenAI(_robust) as fake:
        fake.corrupt = disagreeing(rate, 0.9)
        config = RunConfig(
            category="all",
            n=n,
            mode="blueprint",
            out=str(out),
            teacher=TeacherConfig(base_url=fake.base_url, model="fake", concurrency=4),
            pairs={"second_solve": second_solve},
        )
        code = run_job(config)
        requests = len(fake.requests)
        second = sum(1 for body in fake.requests if body.get("temperature") == 0.9)
    read = lambda name: [json.loads(line) for line in (out / name).read_text().splitlines() if line.strip()]  # noqa: E731
    accepted, pairs = read("accepted.jsonl"), read("pairs.jsonl")
    ids = {record["id"]: record for record in accepted}
    siblings = [p for p in pairs if p["source"] == "generated" and p["record_id"] in ids]
    return {
        "exit": code,
        "requests": requests,
        "second_solve_requests": second,
        "accepted": Counter(record["category"] for record in accepted),
        "with_alternative": Counter(r["category"] for r in accepted if r["meta"].get("alternatives")),
        "alternatives": sum(len(r["meta"].get("alternatives") or []) for r in accepted),
        "siblings": Counter(p["category"] for p in siblings),
        "sibling_codes": Counter(p["code"] for p in siblings),
        "pairs": len(pairs),
        "examples": siblings,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--disagree", type=float, default=0.2)
    parser.add_argument("--out", default="/tmp/second-solve")
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    runs = {
        name: one_run(Path(args.out) / name, args.n, value, args.disagree)
        for name, value in (("off", "off"), ("default", None))
    }
    for name, run in runs.items():
        print(
            f"== second_solve {name}: exit {run['exit']}, {run['requests']} requests "
            f"({run['second_solve_requests']} at 0.9), {sum(run['accepted'].values())} accepted, {run['pairs']} pairs"
        )
        print("   accepted per category:", dict(sorted(run["accepted"].items())))
        print(
            "   records with an alternative:",
            dict(sorted(run["with_alternative"].items())),
            "alternatives",
            run["alternatives"],
        )
        print(
            "   sibling pairs per category:",
            dict(sorted(run["siblings"].items())),
            "total",
            sum(run["siblings"].values()),
        )
        print("   sibling pair codes:", dict(run["sibling_codes"].most_common()))
    extra = runs["default"]["requests"] - runs["off"]["requests"]
    print(f"extra requests with second solves: {extra} ({extra / runs['off']['requests']:.1%} more)")
    for pair in runs["default"]["examples"][: args.show]:
        print(
            json.dumps({k: pair[k] for k in ("category", "code")}),
            "\n  chosen:",
            json.dumps(pair["chosen"][0].get("tool_calls") or pair["chosen"][0].get("content"))[:300],
            "\n  rejected:",
            json.dumps(pair["rejected"][0].get("tool_calls"))[:300],
        )


if __name__ == "__main__":
    main()
