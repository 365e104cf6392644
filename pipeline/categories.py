"""The categories: what each one is made of. The only place to add one.

A category is its plan shape (pipeline.shapes: which tools a task calls and with which values),
an optional condition on the tools a task may start at, its generator (pipeline.generate: a Task
in, a Candidate out), the prompt templates its records are made with per mode (their versions go
in the manifest), its few-shot file (seeds/examples/<examples>.jsonl), whether complex
system-prompt rules apply, and how many candidates per wanted record the embedded teacher gets.
The CLI, the planner, the job and the manifest learn of a category from CATEGORIES alone, and
a run checks every file a category names before it sends any request (`check_files`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pipeline import shapes
from pipeline.generate.common import Candidate
from pipeline.generate.multi_turn import generate_multi_turn
from pipeline.generate.nested import generate_nested
from pipeline.generate.no_call import generate_no_call
from pipeline.generate.parallel import generate_parallel
from pipeline.generate.single import generate_single
from pipeline.prompts import load_prompt
from pipeline.seeds.examples import load_examples

_SOLVE = ("single/solve", "single/fill")
_ANSWER = ("reply/assistant", "tools/simulate")
SYSTEM_PROMPTS = ("system/simple", "system/complex", "system/confirm")  # every category may draw these
JUDGE_PROMPTS = ("judge/calls",)  # when the judge runs (default with an endpoint; --judge/--no-judge)


@dataclass(frozen=True)
class Category:
    """One category's parts (see the module docstring)."""

    name: str
    shape: Callable[..., dict[str, Any]]  # (planner, target, tools, now, rng) -> targets, blueprint, own fields
    generate: Callable[..., Awaitable[Candidate]]  # (task, teacher, context) -> Candidate
    prompts: Mapping[str, tuple[str, ...]]  # mode -> the templates its records are made with
    starts: Callable[..., list[str]] | None = None  # (planner, tool names) -> the ones a task may target
    rules: bool = True  # complex system prompts with rules (pipeline.policy) may be drawn
    embedded_candidates: int | None = (
        None  # candidates per wanted record on the embedded teacher (None: config.SMALL_TEACHER's)
    )

    @property
    def examples(self) -> str:
        """The few-shot file's name: seeds/examples/<name>.jsonl."""
        return self.name


CATEGORIES: dict[str, Category] = {
    c.name: c
    for c in (
        Category(
            "single",
            shapes.single,
            generate_single,
            {"blueprint": ("single/phrase", *_SOLVE), "free": ("single/free",)},
        ),
        Category(
            "parallel",
            shapes.parallel,
            generate_parallel,
            {"blueprint": ("parallel/phrase", "parallel/split", *_SOLVE), "free": ("parallel/free",)},
            starts=shapes.short_starts,
        ),
        # each candidate costs 10-25 requests; the 0.5B model kept 1-2 in 20 (phrased step by
        # step, docs/measurements.md), so 10 per cell (x3 in all, config.candidate_limit_for)
        Category(
            "nested",
            shapes.nested,
            generate_nested,
            {
                "blueprint": ("nested/phrase", "nested/step", *_SOLVE, *_ANSWER),
                "free": ("nested/free", "nested/next", *_ANSWER),
            },
            starts=shapes.nested_starts,
            embedded_candidates=10,
        ),
        Category(
            "multi_turn",
            shapes.multi_turn,
            generate_multi_turn,
            {
                "blueprint": ("single/phrase", *_SOLVE, "reply/user", *_ANSWER),
                "free": ("multi_turn/free", "multi_turn/call", *_ANSWER),
            },
            embedded_candidates=10,
        ),
        Category(
            "no_call",
            shapes.no_call,
            generate_no_call,
            {
                "blueprint": (
                    "no_call/phrase",
                    *_SOLVE,
                    "reply/assistant",
                    "reply/user",
                    "no_call/missing",
                    "no_call/topics",
                ),
                "free": ("no_call/free", "no_call/topics"),
            },
            rules=False,
        ),
    )
}


def prompt_names(categories: list[str], mode: str, judge: bool = False) -> list[str]:
    """Every template the given categories' records may have been made with, in a stable order."""
    names = [name for category in categories for name in CATEGORIES[category].prompts[mode]]
    return list(dict.fromkeys([*names, *SYSTEM_PROMPTS, *(JUDGE_PROMPTS if judge else ())]))


def check_files(categories: list[str], mode: str, judge: bool = False) -> None:
    """Read every prompt template and few-shot file the categories name (InputError naming the
    file on the first one missing or malformed): before any request, not after hours of them."""
    for name in prompt_names(categories, mode, judge):
        load_prompt(name)
    for category in dict.fromkeys(["single", *categories]):  # single's few-shots phrase and solve in every category
        load_examples(CATEGORIES[category].examples)
