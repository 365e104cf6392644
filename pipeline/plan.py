"""Deterministic tasks: task i is drawn from hash(seed, category, i) alone.

The target tool of task i is `order[i % len(order)]`, where the order is a seeded shuffle of
the tool names; so every block of len(order) consecutive tasks covers each tool once, and a
task never depends on --n, on the running yield, or on other tasks.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

from pipeline.config import RunConfig
from pipeline.record import new_call_id
from pipeline.sampler import ArgumentSampler, NotDrawable
from pipeline.surface import surface_forms
from pipeline.seeds import SeedTool

STYLES = ("short and direct", "polite and complete", "casual, like a chat message",
          "with a little context about why the user needs it", "terse, a few words")


def nearest_examples(example_tools: Sequence[str], domains: Mapping[str, str], tool: str, k: int,
                     rng: random.Random) -> list[int]:
    """Indices of k few-shot examples for `tool`: its own first, then its domain's, then any.

    Returned nearest last, right before the question, where a small teacher looks hardest.
    """
    domain = domains.get(tool)
    own = [i for i, name in enumerate(example_tools) if name == tool]
    near = [i for i, name in enumerate(example_tools) if name != tool and domain is not None and domains.get(name) == domain]
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
    """Everything a generator needs for one candidate; identical for the same (seed, category, index)."""

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
    surface: dict[str, str] = field(default_factory=dict)  # argument -> how the request says it (alias, relative date)

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.category, self.target, self.mode)


class Planner:
    """Draws tasks for one (seed, category, mode) over a tool catalog."""

    def __init__(self, config: RunConfig, catalog: list[SeedTool], example_tools: Sequence[str], system_prompts: list[str]):
        """`example_tools[i]` is the tool that few-shot example i calls."""
        self.config, self.category, self.mode = config, config.category, config.resolved_mode
        self.catalog = {tool.name: tool for tool in catalog}
        self.domains = {tool.name: tool.domain for tool in catalog}
        self.example_tools, self.system_prompts = list(example_tools), system_prompts
        names = sorted(self.catalog)
        random.Random(stable_int(config.seed, self.category, "order")).shuffle(names)
        self.undrawable: dict[str, str] = {}
        if self.mode == "blueprint":
            names = [name for name in names if self._drawable(name)]
        self.order = names

    def _drawable(self, name: str) -> bool:
        """A blueprint needs every parameter drawable; try a few draws to find out."""
        rng, now = random.Random(0), datetime(2026, 1, 1, tzinfo=timezone.utc)
        sampler = ArgumentSampler(rng, now, optional_rate=1.0)
        try:
            for _ in range(3):
                sampler.arguments(self.catalog[name].parameters)
        except NotDrawable as error:
            self.undrawable[name] = str(error)
            return False
        return True

    def task(self, index: int) -> Task:
        """Task number `index`."""
        config = self.config
        rng = random.Random(stable_int(config.seed, self.category, index))
        target = self.order[index % len(self.order)]
        now = self._now(rng)
        tools = self._tool_set(target, rng)
        temperature = rng.choice(config.teacher.schedule)
        fewshot = nearest_examples(self.example_tools, self.domains, target, 3, rng)
        system = rng.choice(self.system_prompts) if self.system_prompts and rng.random() < config.system_prompt_rate else None
        style = rng.choice(STYLES)
        blueprint = None
        if self.mode == "blueprint":
            sampler = ArgumentSampler(rng, datetime.fromisoformat(now.replace("Z", "+00:00")), config.resolved_optional_rate)
            blueprint = [{"name": target, "arguments": sampler.arguments(self.catalog[target].parameters)}]
        call_ids = [new_call_id(rng) for _ in range(4)]
        surface: dict[str, str] = {}
        if blueprint is not None:  # its own stream, so the rest of the plan does not move with the rate
            blueprint[0]["arguments"], surface = surface_forms(blueprint[0]["arguments"], self.catalog[target].parameters, now,
                                                               config.resolved_alias_rate, random.Random(stable_int(config.seed, self.category, index, "surface")))
        task_id = f"{self.category}-{self.mode}-{config.seed}-{index}"
        return Task(index, task_id, self.category, self.mode, target, tools, temperature, fewshot, system,
                    style, now, blueprint, call_ids, surface)

    def _now(self, rng: random.Random) -> str:
        latest = datetime.fromisoformat(self.config.now.replace("Z", "+00:00"))
        moment = latest - timedelta(days=rng.randint(0, 364), hours=rng.randint(0, 12), minutes=rng.choice([0, 10, 25, 40]))
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _tool_set(self, target: str, rng: random.Random) -> list[str]:
        """Target plus distractors, same domain first, shown in a random order."""
        low, high = self.config.distractor_range
        count = rng.randint(low, high)
        domain = self.catalog[target].domain
        same = sorted(n for n, t in self.catalog.items() if t.domain == domain and n != target)
        other = sorted(n for n, t in self.catalog.items() if t.domain != domain)
        rng.shuffle(same)
        rng.shuffle(other)
        tools = [target] + (same + other)[:count]
        rng.shuffle(tools)
        return tools
