"""Deterministic tasks: task i is drawn from hash(seed, category, i) alone.

The target tool of task i is `order[i % len(order)]`, where the order is a seeded shuffle of
the tool names; so every block of len(order) consecutive tasks covers each tool once, and a
task never depends on --n, on the running yield, or on other tasks.
"""

from __future__ import annotations

import hashlib
import json
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
    surfaces: list[dict[str, str]] = field(default_factory=list)  # per blueprint call: argument -> how the request says it
    targets: list[str] = field(default_factory=list)  # the tools the sample calls, in order (free mode too)
    links: list[dict[str, Any]] = field(default_factory=list)  # nested: {"step", "input", "from_step", "output"}
    turns: list[dict[str, Any]] = field(default_factory=list)  # multi_turn: {"kind": chat|call|followup, "call": i, "changed": [...]}
    kind: str | None = None  # no_call: unrelated, missing_value or unavailable_tool
    missing: str | None = None  # no_call missing_value: the required argument the request leaves out
    rules: list[dict[str, Any]] = field(default_factory=list)  # system-prompt rules (pipeline.policy)
    system_style: str = "none"  # none, simple or complex

    @property
    def surface(self) -> dict[str, str]:
        return self.surfaces[0] if self.surfaces else {}

    @property
    def cell(self) -> tuple[str, str, str]:
        return (self.category, self.target, self.mode)


class Planner:
    """Draws tasks for one (seed, category, mode) over a tool catalog."""

    def __init__(self, config: RunConfig, catalog: list[SeedTool], example_tools: Sequence[str], system_prompts: list[str],
                 links: Sequence[Any] = (), category: str | None = None):
        """`example_tools[i]` is the tool that few-shot example i calls first; `links` are the
        seeds' pipeline.links.Link objects (nested chains follow them)."""
        self.config, self.category, self.mode = config, category or config.category, config.resolved_mode
        if config.read_only:
            catalog = [tool for tool in catalog if tool.read_only]
        self.catalog = {tool.name: tool for tool in catalog}
        self.domains = {tool.name: tool.domain for tool in catalog}
        self.example_tools, self.system_prompts = list(example_tools), system_prompts
        self.links = [link for link in links if link.source in self.catalog and link.target in self.catalog]
        self.undrawable: dict[str, str] = {}
        names = sorted(self.catalog)
        if self.mode == "blueprint":
            names = [name for name in names if self._drawable(name)]
        if self.category == "nested":  # a chain starts at a tool whose result feeds another
            names = [name for name in names if self._next_links(name)]
        if self.category == "parallel" and config.teacher.embedded:
            # a 135M teacher phrases and solves two short read-only calls at times, never two long ones
            names = [name for name in names if short_call(self.catalog[name])] or names
        random.Random(stable_int(config.seed, self.category, "order")).shuffle(names)
        self.order = names

    def _drawable(self, name: str) -> bool:
        """A blueprint needs every parameter drawable; try a few draws to find out."""
        if name in self.undrawable:
            return False
        rng, now = random.Random(0), datetime(2026, 1, 1, tzinfo=timezone.utc)
        sampler = ArgumentSampler(rng, now, optional_rate=1.0)
        try:
            for _ in range(3):
                sampler.arguments(self.catalog[name].parameters)
        except NotDrawable as error:
            self.undrawable[name] = str(error)
            return False
        return True

    def _next_links(self, name: str) -> list[Any]:
        return [link for link in self.links if link.source == name and (self.mode == "free" or self._drawable(link.target))]

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
        extra = random.Random(stable_int(config.seed, self.category, index, "shape"))  # category shape: its own stream
        shape = self._shape(target, tools, now, extra)
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
                call["arguments"], surface = surface_forms(keep, parameters, now, config.resolved_alias_rate, surface_rng)
                if step in followups:  # "and for Apple?": what did not change is what the last call used
                    changed = followups[step]
                    call["arguments"] = {**blueprint[step - 1]["arguments"], **{k: v for k, v in call["arguments"].items() if k in changed}}
                    surface = {k: v for k, v in surface.items() if k in changed}
                surfaces.append(surface)
        call_ids = [new_call_id(rng) for _ in range(max(4, 2 * len(blueprint or targets)))]
        system_style, rules = ("simple" if system else "none"), []
        policy_rng = random.Random(stable_int(config.seed, self.category, index, "policy"))
        if system and self.category != "no_call" and policy_rng.random() < config.complex_prompt_rate:
            rules = self._rules(tools, targets, policy_rng)
            if rules:
                from pipeline.policy import render_rules
                system, system_style = render_rules(rules, policy_rng), "complex"
        task_id = f"{self.category}-{self.mode}-{config.seed}-{index}"
        return Task(index, task_id, self.category, self.mode, target, tools, temperature, fewshot, system,
                    style, now, blueprint, call_ids, surfaces, targets, rules=rules, system_style=system_style, **shape)

    # -- category shapes ----------------------------------------------------------------------

    def _draw(self, name: str, now: str, rng: random.Random) -> dict[str, Any]:
        sampler = ArgumentSampler(rng, datetime.fromisoformat(now.replace("Z", "+00:00")), self.config.resolved_optional_rate)
        return {"name": name, "arguments": sampler.arguments(self.catalog[name].parameters)}

    def _shape(self, target: str, tools: list[str], now: str, rng: random.Random) -> dict[str, Any]:
        """targets, blueprint and the category's own fields for one task."""
        blueprint_mode = self.mode == "blueprint"
        category = self.category
        if category == "parallel":
            low, high = self.config.parallel_calls
            count = rng.randint(low, low if self.config.teacher.embedded else high)  # a 135M teacher: the fewest
            same = [n for n in tools if n != target and self.domains[n] == self.domains[target] and (not blueprint_mode or self._drawable(n))]
            if rng.random() < 0.5 or not same:  # the same function with other values ("Nvidia and Apple")
                targets = [target] * count
            else:
                targets = [target] + [rng.choice(same) for _ in range(count - 1)]
            if not blueprint_mode:
                return {"targets": targets, "blueprint": None}
            calls: dict[str, dict[str, Any]] = {}
            for name in targets:  # two equal calls are one: draw again, then fall back to another tool
                options = [name] * 4 + [n for n in same if n != name] + [n for n in tools if n not in targets and (not blueprint_mode or self._drawable(n))]
                for option in options:
                    call = self._draw(option, now, rng)
                    if json_key(call) not in calls:
                        calls[json_key(call)] = call
                        break
            calls_list = list(calls.values())
            return {"targets": [c["name"] for c in calls_list], "blueprint": calls_list}
        if category == "nested":
            return self._chain(target, now, rng)
        if category == "multi_turn":
            return self._turns(target, tools, now, rng)
        if category == "no_call":
            return self._no_call(target, tools, now, rng)
        return {"targets": [target], "blueprint": [self._draw(target, now, rng)] if blueprint_mode else None}

    def _chain(self, target: str, now: str, rng: random.Random) -> dict[str, Any]:
        low, high = self.config.chain_length
        length, targets, links = rng.randint(low, high), [target], []
        while len(targets) < length:
            options = [link for link in self._next_links(targets[-1]) if link.target not in targets]
            if not options:
                break
            link = rng.choice(options)
            links.append({"step": len(targets), "input": link.input, "from_step": len(targets) - 1, "output": link.output})
            targets.append(link.target)
        calls = None
        if self.mode == "blueprint":
            calls = [self._draw(name, now, rng) for name in targets]
            for link in links:  # a linked argument is always passed, whatever the optional rate drew
                calls[link["step"]]["arguments"].pop(link["input"], None)
        return {"targets": targets, "blueprint": calls, "links": links}

    def _turns(self, target: str, tools: list[str], now: str, rng: random.Random) -> dict[str, Any]:
        low, high = self.config.turns
        count = rng.randint(low, high)
        usable = [n for n in tools if self.mode == "free" or self._drawable(n)]
        turns: list[dict[str, Any]] = [{"kind": "call", "call": 0, "changed": []}]
        targets = [target]
        while len(turns) < count:
            roll = rng.random()
            if roll < 0.3:
                turns.append({"kind": "chat", "call": None, "changed": []})
                continue
            previous = targets[-1]
            properties = list((self.catalog[previous].parameters.get("properties") or {}))
            if roll < 0.65 and properties:  # "and for Apple?": the last call again, one value changed
                turns.append({"kind": "followup", "call": len(targets), "changed": [rng.choice(properties)]})
                targets.append(previous)
            else:
                turns.append({"kind": "call", "call": len(targets), "changed": []})
                targets.append(rng.choice(usable))
        calls = None
        if self.mode == "blueprint":
            calls = []
            for turn in turns:
                if turn["kind"] == "call":
                    calls.append(self._draw(targets[turn["call"]], now, rng))
                elif turn["kind"] == "followup":
                    calls.append(self._followup(calls[-1], turn, now, rng))
        return {"targets": targets, "blueprint": calls, "turns": turns}

    def _followup(self, previous: dict[str, Any], turn: dict[str, Any], now: str, rng: random.Random) -> dict[str, Any]:
        """The previous call with its `changed` argument drawn again (until it differs)."""
        key = turn["changed"][0]
        arguments = dict(previous["arguments"])
        for _ in range(8):
            fresh = self._draw(previous["name"], now, rng)["arguments"]
            sampler = ArgumentSampler(rng, datetime.fromisoformat(now.replace("Z", "+00:00")), 1.0)
            value = fresh.get(key, sampler.arguments(self.catalog[previous["name"]].parameters).get(key))
            if value is not None and value != arguments.get(key):
                arguments[key] = value
                break
        return {"name": previous["name"], "arguments": arguments}

    def _no_call(self, target: str, tools: list[str], now: str, rng: random.Random) -> dict[str, Any]:
        weights = self.config.no_call_kinds
        kinds = [k for k in ("unrelated", "missing_value", "unavailable_tool") if weights.get(k, 0) > 0]
        kind = rng.choices(kinds, [weights[k] for k in kinds])[0]
        call = self._draw(target, now, rng) if self.mode == "blueprint" else None
        shape: dict[str, Any] = {"kind": kind, "targets": [target], "blueprint": [call] if call else None}
        if kind == "missing_value":
            properties = self.catalog[target].parameters.get("properties") or {}
            # a value a request can leave out and a user can then give in a few words: not an enum or a
            # flag (grounding reads those as implied by the request), not an object (an address is a form)
            required = [k for k in self.catalog[target].parameters.get("required") or []
                        if not {"enum", "const"} & set(properties.get(k) or {}) and _said_in_words(properties.get(k) or {})]
            if not required:  # nothing can be missing: the request is about something else
                shape["kind"] = "unrelated"
            else:
                shape["missing"] = rng.choice(required)
        if shape["kind"] == "unavailable_tool":  # the tool it needs is not offered; its neighbours are
            shape["tools"] = [name for name in tools if name != target] or self._tool_set(target, rng, exclude=target)
        return shape

    def _rules(self, tools: list[str], targets: list[str], rng: random.Random) -> list[dict[str, Any]]:
        """System-prompt rules for the tool set that the planned calls can obey (pipeline.policy)."""
        from pipeline.policy import draw_rules
        rules = draw_rules([self.catalog[name] for name in tools], rng, 3, targets=targets)
        kept = []
        for rule in rules:
            if rule["type"] == "never_call" and rule["tool"] in targets:
                continue
            if rule["type"] == "requires_before" and rule["tool"] in targets and (
                    self.category == "parallel"  # one turn: a call in the same turn does not come before
                    or rule["before"] not in targets or targets.index(rule["before"]) > targets.index(rule["tool"])):
                continue
            kept.append(rule)
        return kept

    def _with_targets(self, tools: list[str], targets: list[str], rng: random.Random) -> list[str]:
        missing = [name for name in dict.fromkeys(targets) if name not in tools]
        if not missing:
            return tools
        tools = tools + missing
        rng.shuffle(tools)
        return tools

    def _now(self, rng: random.Random) -> str:
        latest = datetime.fromisoformat(self.config.now.replace("Z", "+00:00"))
        moment = latest - timedelta(days=rng.randint(0, 364), hours=rng.randint(0, 12), minutes=rng.choice([0, 10, 25, 40]))
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _tool_set(self, target: str, rng: random.Random, exclude: str | None = None) -> list[str]:
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


def _said_in_words(schema: dict[str, Any]) -> bool:
    """A string, a number, or a list of plain strings or numbers: what a user can say in one message."""
    if schema.get("type") == "array":
        items = schema.get("items") or {}
        return items.get("type") in ("string", "number", "integer") and "enum" not in items
    return schema.get("type") in ("string", "number", "integer")


def short_call(tool: SeedTool) -> bool:
    """A read-only tool whose required arguments are at most two plain values (no objects or lists)."""
    properties = tool.parameters.get("properties") or {}
    required = tool.parameters.get("required") or []
    plain = all((properties.get(key) or {}).get("type") in ("string", "number", "integer") for key in required)
    return tool.read_only and len(required) <= 2 and plain


def json_key(call: dict[str, Any]) -> str:
    """A canonical text of a call, for spotting two equal planned calls."""
    return json.dumps(call, sort_keys=True, ensure_ascii=False)
