"""Benchmark: how well a teacher solves clean requests (not a test).

    python bench/solve_accuracy.py [--base-url URL --model M] [--distractors 2] [--limit 40]

Runs the blueprint solve pass (pick a tool by what it does, then fill its arguments) on the
human-written few-shot examples, each with its own tool plus same-domain distractors and the
other examples as few-shots (leave-one-out). Prints how often the tool, and then the whole
call, come out right. Without --base-url it starts the embedded llama.cpp teacher. A teacher
that cannot solve clean requests cannot verify phrased ones: this bounds blueprint yield.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from filters.match import match_calls  # noqa: E402
from pipeline.backends.embedded import EmbeddedServer  # noqa: E402
from pipeline.backends.teacher import build_teacher  # noqa: E402
from pipeline.generate.common import Context  # noqa: E402
from pipeline.generate.single import _solve  # noqa: E402
from pipeline.plan import Task  # noqa: E402
from pipeline.seeds import load_examples, load_tools  # noqa: E402


async def evaluate(base_url: str, model: str, distractors: int, limit: int) -> None:
    catalog = load_tools()
    tools = {tool.name: tool.to_tool() for tool in catalog}
    domains = {tool.name: tool.domain for tool in catalog}
    examples = load_examples("single")
    examples = random.Random(0).sample(examples, min(limit, len(examples)))
    teacher = build_teacher(
        base_url, model, os.environ.get("OPENAI_API_KEY"), timeout=300, concurrency=1, max_attempts=2
    )
    await teacher.probe()
    picked = exact = 0
    started = time.monotonic()
    for index, example in enumerate(examples):
        rng = random.Random(index)
        target = example["call"]["name"]
        same = sorted(name for name in tools if domains[name] == domains[target] and name != target)
        rng.shuffle(same)
        shown = [target] + same[:distractors]
        rng.shuffle(shown)
        task = Task(
            index,
            f"solve-{index}",
            "single",
            "blueprint",
            target,
            shown,
            0.0,
            [],
            None,
            "",
            "2026-11-23T10:00:00Z",
            [example["call"]],
        )
        others = examples[:index] + examples[index + 1 :]  # leave this one out of the few-shots
        call, _ = await _solve(task, teacher, Context(tools, others, model, domains=domains), example["request"])
        if call and call["name"] == target:
            picked += 1
            exact += match_calls([example["call"]], [call], {target: tools[target].function.parameters}).ok
    await teacher.close()
    count = len(examples)
    print(
        f"{count} requests, {distractors} distractors (chance {1 / (distractors + 1):.0%}): "
        f"tool right {picked}/{count} "
        f"({picked / count:.0%}), whole call right {exact}/{count} ({exact / count:.0%}), "
        f"{(time.monotonic() - started) / count:.1f} s per request"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--distractors", type=int, default=2)
    parser.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args()
    if args.base_url:
        asyncio.run(evaluate(args.base_url, args.model or "default", args.distractors, args.limit))
        return
    with EmbeddedServer() as server:
        asyncio.run(evaluate(server.base_url, server.model, args.distractors, args.limit))


if __name__ == "__main__":
    main()
