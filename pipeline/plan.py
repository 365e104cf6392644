"""Deterministic tasks: task i is drawn from hash(seed, category, i) alone.

The target tool of task i is `order[i % len(order)]`, where the order is a seeded shuffle of
the tool names; so every block of len(order) consecutive tasks covers each tool once, and a
task never depends on --n, on the running yield, or on other tasks.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from pipeline.categories import CATEGORIES
from pipeline.config import RunConfig
from pipeline.policy import IRREVERSIBLE, NICE_NUMBERS, draw_rules, max_arg_rule, render_rules
from pipeline.prompts import load_prompt
from pipeline.record import new_call_id
from pipeline.sampler import ArgumentSampler, NotDrawable
from pipeline.scenario import Scenario
from pipeline.seeds import SeedTool
from pipeline.seeds.entities import Tables, bundled_entities
from pipeline.surface import surface_forms
from pipeline.task import Task, nearest_examples, stable_int

STYLES = (
    "short and direct",
    "polite and complete",
    "casual, like a chat message",
    "with a little context about why the user needs it",
    "terse, a few words",
)


class Planner:
    """Draws tasks for one (seed, category, mode) over a tool catalog."""

    def __init__(
        self,
        config: RunConfig,
        catalog: list[SeedTool],
        example_tools: Sequence[str],
        system_prompts: list[str],
        links: Sequence[Any] = (),
        category: str | None = None,
        entities: Tables | None = None,
    ):
        """`example_tools[i]` is the tool that few-shot example i calls first; `links` are the
        seeds' pipeline.seeds.links.Link objects (nested chains follow them); `category` defaults
        to the config's (its shape comes from pipeline.categories); `entities` are the tables
        scenarios draw from (default: the bundled seeds/entities)."""
        self.entities = bundled_entities() if entities is None else entities
        self.config, self.category, self.mode = config, category or config.category, config.resolved_mode
        self.spec = CATEGORIES[self.category]
        if config.plan.read_only:
            catalog = [tool for tool in catalog if tool.read_only]
        self.catalog = {tool.name: tool for tool in catalog}
        self.domains = {tool.name: tool.domain for tool in catalog}
        self.example_tools, self.system_prompts = list(example_tools), system_prompts
        self.links = [link for link in links if link.source in self.catalog and link.target in self.catalog]
        self.undrawable: dict[str, str] = {}
        names = sorted(self.catalog)
        if self.mode == "blueprint":
            names = [name for name in names if self.drawable(name) and self.sayable(name)]
        if self.spec.starts is not None:  # the category's own condition on a target (a nested chain needs a link)
            names = self.spec.starts(self, names)
        random.Random(stable_int(config.seed, self.category, "order")).shuffle(names)
        self.order = names

    def drawable(self, name: str) -> bool:
        """A blueprint needs every parameter drawable; try a few draws to find out."""
        if name in self.undrawable:
            return False
        rng, now = random.Random(0), datetime(2026, 1, 1, tzinfo=timezone.utc)
        sampler = ArgumentSampler(rng, now, 1.0, Scenario(random.Random(0), now, self.entities))
        try:
            for _ in range(3):
                sampler.arguments(self.catalog[name].parameters)
        except NotDrawable as error:
            self.undrawable[name] = str(error)
            return False
        return True

    def sayable(self, name: str) -> bool:
        """Whether a user can ask for a call of `name` in words: no required value is one the user
        cannot know (`x-user-knows: false`, an internal id) unless people have names for its values
        (`x-aliases`). A tool that is not stays reachable as a later chain step, whose id comes
        from an earlier result."""
        parameters = self.catalog[name].parameters
        properties = parameters.get("properties") or {}

        def unknowable(schema: dict[str, Any]) -> bool:  # itself, or the items of a list of ids
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            return any(s.get("x-user-knows") is False and not s.get("x-aliases") for s in (schema, items))

        return not any(unknowable(properties.get(key) or {}) for key in parameters.get("required") or [])

    def next_links(self, name: str) -> list[Any]:
        return [
            link for link in self.links if link.source == name and (self.mode == "free" or self.drawable(link.target))
        ]

    def task(self, index: int) -> Task:
        """Task number `index`."""
        config = self.config
        rng = random.Random(stable_int(config.seed, self.category, index))
        target = self.order[index % len(self.order)]
        now = self._now(rng)
        scenario = Scenario(
            random.Random(stable_int(config.seed, self.category, index, "scenario")),
            datetime.fromisoformat(now.replace("Z", "+00:00")),
            self.entities,
        )
        tools = self.tool_set(target, rng)
        temperature = rng.choice(config.teacher.schedule)
        fewshot = nearest_examples(self.example_tools, self.domains, target, 3, rng)
        system = (
            rng.choice(self.system_prompts)
            if self.system_prompts and rng.random() < config.plan.system_prompt_rate
            else None
        )
        style = rng.choice(STYLES)
        extra = random.Random(stable_int(config.seed, self.category, index, "shape"))  # category shape: its own stream
        shape = self.spec.shape(self, target, tools, scenario, extra)
        targets = shape.pop("targets")
        tools = shape.pop("tools", None) or self._with_targets(tools, targets, extra)
        blueprint = shape.pop("blueprint")
        surfaces: list[dict[str, str]] = []
        if blueprint is not None:  # its own stream, so the rest of the plan does not move with the rate
            surface_rng = random.Random(stable_int(config.seed, self.category, index, "surface"))
            linked = {(link["step"], link["input"]) for link in shape.get("links", [])}
            followups = {turn["call"]: turn["changed"] for turn in shape.get("turns", []) if turn["kind"] == "followup"}
            for step, call in enumerate(blueprint):
                parameters = self.catalog[call["name"]].parameters
                keep = {k: v for k, v in call["arguments"].items() if (step, k) not in linked}
                call["arguments"], surface = surface_forms(
                    keep, parameters, now, config.resolved_alias_rate, surface_rng, config.resolved_spoken_rate
                )
                if step in followups:  # "and for Apple?": what did not change is what the last call used
                    changed = followups[step]
                    call["arguments"] = {
                        **blueprint[step - 1]["arguments"],
                        **{k: v for k, v in call["arguments"].items() if k in changed},
                    }
                    surface = {k: v for k, v in surface.items() if k in changed}
                surfaces.append(surface)
        call_ids = [new_call_id(rng) for _ in range(max(4, 2 * len(blueprint or targets)))]
        system_style, rules = ("simple" if system else "none"), []
        policy_rng = random.Random(stable_int(config.seed, self.category, index, "policy"))
        forbidden = shape.get("kind") == "forbidden"  # no_call: the request asks for what a rule forbids
        if forbidden or (system and self.spec.rules and policy_rng.random() < config.plan.complex_prompt_rate):
            rules = self._rules(tools, targets, policy_rng)
            if forbidden:
                rules = [{"type": "never_call", "tool": target, "exercised": True}] + _without(rules, target)
            elif blueprint is not None and self.category in ("single", "parallel"):
                self._exceed(rules, blueprint, policy_rng)
            if rules:
                system, system_style = render_rules(rules, policy_rng), "complex"
        careful = False
        offered = shape.get("kind") in (None, "missing_value")  # no_call's other kinds make no call of it
        if (
            system
            and offered
            and any(IRREVERSIBLE.search(name) and not self.catalog[name].read_only for name in targets)
        ):
            careful = policy_rng.random() < config.plan.confirm_irreversible
            if careful:  # the visible reason this sample's assistant asks before what cannot be undone
                line = policy_rng.choice(careful_lines())
                system = f"{system}\n{line}"
        task_id = f"{self.category}-{self.mode}-{config.seed}-{index}"
        return Task(
            index,
            task_id,
            self.category,
            self.mode,
            target,
            tools,
            temperature,
            fewshot,
            system,
            style,
            now,
            blueprint,
            call_ids,
            surfaces,
            targets,
            rules=rules,
            system_style=system_style,
            careful=careful,
            scenario=scenario.describe(),
            **shape,
        )

    # -- category shapes ----------------------------------------------------------------------

    def draw(self, name: str, scenario: Scenario, rng: random.Random, variant: int = 0) -> dict[str, Any]:
        """A planned call of `name` with values from `scenario`; `variant` > 0 for a further call of
        the same function in one task (its entities are other ones: another city, another stock)."""
        parameters = self.catalog[name].parameters
        sampler = self.sampler(scenario, rng, variant)
        properties = parameters.get("properties") or {}
        required = parameters.get("required") or []
        sampler.move_user = bool(required) and all("x-entity" in (properties.get(key) or {}) for key in required)
        return {"name": name, "arguments": sampler.arguments(parameters)}

    def sampler(self, scenario: Scenario, rng: random.Random, variant: int | str = 0) -> ArgumentSampler:
        """An argument sampler for one task's scenario."""
        return ArgumentSampler(rng, scenario.now, self.config.resolved_optional_rate, scenario, variant)

    def _rules(self, tools: list[str], targets: list[str], rng: random.Random) -> list[dict[str, Any]]:
        """System-prompt rules for the tool set that the planned calls can obey (pipeline.policy)."""
        rules = draw_rules([self.catalog[name] for name in tools], rng, 3, targets=targets)
        kept = []
        for rule in rules:
            if rule["type"] == "never_call" and rule["tool"] in targets:
                continue
            if (
                rule["type"] == "requires_before"
                and rule["tool"] in targets
                and (
                    self.category == "parallel"  # one turn: a call in the same turn does not come before
                    or rule["before"] not in targets
                    or targets.index(rule["before"]) > targets.index(rule["tool"])
                )
            ):
                continue
            kept.append(rule)
        return kept

    def _exceed(self, rules: list[dict[str, Any]], blueprint: list[dict[str, Any]], rng: random.Random) -> None:
        """At `plan.rule_test_rate` per planned call of a tool with an amount-like number, a max_arg
        rule on it (the drawn one, or a new one) whose max is a round number below the planned
        value: the request runs into the rule, and the call must be confirmed first. The value
        stays as drawn (plausible); the rule moves. The rule is marked `exercised`."""
        for call in blueprint:
            tool = self.catalog[call["name"]]
            if tool.read_only or rng.random() >= self.config.plan.rule_test_rate:
                continue
            rule = next((r for r in rules if r["type"] == "max_arg" and r["tool"] == call["name"]), None)
            fresh = rule is None
            rule = max_arg_rule(tool, rng) if fresh else rule
            limit = _below(call["arguments"].get(rule["argument"])) if rule else None
            if rule is None or limit is None:
                continue
            if fresh:
                rules.insert(0, rule)
            rule["max"], rule["exercised"] = limit, True

    def _with_targets(self, tools: list[str], targets: list[str], rng: random.Random) -> list[str]:
        missing = [name for name in dict.fromkeys(targets) if name not in tools]
        if not missing:
            return tools
        tools = tools + missing
        rng.shuffle(tools)
        return tools

    def _now(self, rng: random.Random) -> str:
        latest = datetime.fromisoformat(self.config.plan.now.replace("Z", "+00:00"))
        moment = latest - timedelta(
            days=rng.randint(0, 364), hours=rng.randint(0, 12), minutes=rng.choice([0, 10, 25, 40])
        )
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def tool_set(self, target: str, rng: random.Random, exclude: str | None = None) -> list[str]:
        """Target plus distractors, same domain first, shown in a random order."""
        low, high = self.config.distractor_range
        count = rng.randint(low, high)
        domain = self.catalog[target].domain
        same = sorted(n for n, t in self.catalog.items() if t.domain == domain and n != target)
        other = sorted(n for n, t in self.catalog.items() if t.domain != domain)
        rng.shuffle(same)
        rng.shuffle(other)
        tools = [name for name in [target] + (same + other)[:count] if name != exclude]
        rng.shuffle(tools)
        return tools


def _without(rules: list[dict[str, Any]], tool: str) -> list[dict[str, Any]]:
    """`rules` with nothing about `tool` (and no second never_call): the forbidden tool's own rule leads."""
    kept = []
    for rule in rules:
        if rule["type"] == "confirm_before":
            tools = [name for name in rule["tools"] if name != tool]
            if tools:
                kept.append({**rule, "tools": tools})
        elif rule["type"] != "never_call" and tool not in (rule.get("tool"), rule.get("before")):
            kept.append(rule)
    return kept


def _below(value: Any) -> int | float | None:
    """A round number a little below a planned amount (1240 -> 1000, 75.5 -> 50), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 1:
        return None
    for limit in sorted(NICE_NUMBERS, reverse=True):
        if value / 3 <= limit < value:
            return int(limit) if limit == int(limit) else limit
    return None


@functools.cache
def careful_lines() -> tuple[str, ...]:
    """The phrasings of prompts/system/careful.txt (read once, not per task)."""
    return tuple(line for line in load_prompt("system/careful").lines() if not line.startswith("#"))
