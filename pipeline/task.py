"""A Task: everything a generator needs for one candidate (pipeline.plan draws them), and the
seeded helpers plans and generators share. Depends on nothing else in the project, so that
generators, the engine and the category registry can use it without importing the planner."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def nearest_examples(
    example_tools: Sequence[str], domains: Mapping[str, str], tool: str, k: int, rng: random.Random
) -> list[int]:
    """Indices of k few-shot examples for `tool`: its own first, then its domain's, then any.

    Returned nearest last, right before the question, where a small teacher looks hardest.
    """
    domain = domains.get(tool)
    own = [i for i, name in enumerate(example_tools) if name == tool]
    near = [
        i for i, name in enumerate(example_tools) if name != tool and domain is not None and domains.get(name) == domain
    ]
    rest = [i for i, name in enumerate(example_tools) if i not in own and i not in near]
    for group in (own, near, rest):
        rng.shuffle(group)
    return (own + near + rest)[:k][::-1]


def stable_int(*parts: object) -> int:
    """A 64-bit integer from the parts, stable across processes and Python versions."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class Task:
    """Everything a generator needs for one candidate; identical for the same (seed, category, index).

    `blueprint` holds the planned calls (blueprint mode): one for single, 2+ for parallel, the
    chain for nested (a linked argument is absent until the earlier result gives it, see
    `links`), every call turn's call for multi_turn, and the call a no_call request is about.
    """

    index: int
    id: str
    category: str
    mode: str
    target: str
    tools: list[str]
    temperature: float
    fewshot: list[int]
    system_prompt: str | None
    style: str
    now: str
    blueprint: list[dict[str, Any]] | None
    call_ids: list[str] = field(default_factory=list)
    surfaces: list[dict[str, str]] = field(
        default_factory=list
    )  # per blueprint call: argument -> how the request says it
    targets: list[str] = field(default_factory=list)  # the tools the sample calls, in order (free mode too)
    links: list[dict[str, Any]] = field(default_factory=list)  # nested: {"step", "input", "from_step", "output"}
    recovery: dict[str, Any] | None = None  # nested: {"kind", "step"} a chain step whose tool errs
    turns: list[dict[str, Any]] = field(
        default_factory=list
    )  # multi_turn: {"kind": chat|call|followup, "call": i, "changed": [...]}
    kind: str | None = None  # no_call: unrelated, missing_value, unavailable_tool or forbidden
    missing: str | None = None  # no_call missing_value: the required argument the request leaves out
    rules: list[dict[str, Any]] = field(default_factory=list)  # system-prompt rules (pipeline.policy)
    system_style: str = "none"  # none, simple or complex
    careful: bool = False  # the system prompt asks to confirm what cannot be undone (prompts/system/careful.txt)
    scenario: dict[str, Any] = field(default_factory=dict)  # who, when, which entities (pipeline.scenario)

    @property
    def surface(self) -> dict[str, str]:
        return self.surfaces[0] if self.surfaces else {}

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.category, self.target, self.mode)
