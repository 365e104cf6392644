"""Benchmark: dedup at scale on synthetic canonical records with planted near duplicates (not a test).

    python bench/dedup_scale.py --n 100000 [--seed 0] [--no-cap-run]

Renders plain-dict records from the bundled seeds (a tool, arguments drawn from x-pool / enum /
examples / formats, a user request from per-tool sentence templates, so many records share one),
plants 10% near duplicates (a copy of an earlier record with a small text edit and the same calls),
and runs filters.dedup.find_duplicates over them with the template cap off. Records are rendered
lazily while dedup reads them; the time spent rendering is measured and subtracted. Prints one
JSON object and a short summary line; a second run with the default cap counts template-cap drops.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import string
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from filters.dedup import DedupOptions, find_duplicates, near_score, near_text, normalize_text  # noqa: E402
from filters.match import call_key, match_calls  # noqa: E402
from pipeline.sampler import ArgumentSampler  # noqa: E402
from pipeline.seeds import load_tools  # noqa: E402

PLANT_RATE = 0.10
TEMPLATES_PER_TOOL = 40
NOW = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)

OPENERS = [
    "",
    "Can you",
    "Could you",
    "Could you please",
    "Please",
    "Hey, can you",
    "Hi! Please",
    "I need you to",
    "I'd like you to",
    "Would you",
    "Go ahead and",
    "Help me",
    "Quick favor:",
    "Just",
    "Hey assistant,",
    "Can you quickly",
    "Pls",
    "I want to",
    "Let's",
    "Could you go and",
    "Kindly",
    "OK so can you",
    "Hello, I need to",
    "Mind if we",
    "Time to",
]
VERBS = {
    "get": ["get", "fetch", "look up", "check", "pull up", "show me"],
    "search": ["search for", "find", "look for"],
    "list": ["list", "show", "give me"],
    "find": ["find", "look for", "figure out"],
    "create": ["create", "make", "add", "set up"],
    "set": ["set", "change", "adjust", "update"],
    "send": ["send", "fire off", "write"],
    "book": ["book", "reserve", "grab"],
    "cancel": ["cancel", "call off"],
    "delete": ["delete", "remove", "drop"],
    "share": ["share", "send over"],
    "place": ["place", "put in", "submit"],
    "search_": ["search"],
    "log": ["log", "record", "track"],
}
ARTICLES = ["the", "my", "a", ""]
PHRASES = {
    "string": [
        "for {v}",
        "{k} {v}",
        "{k}: {v}",
        "with {k} {v}",
        "using {v}",
        "({v})",
        "{k} = {v}",
        "where {k} is {v}",
        "with {v} as the {k}",
        "and set {k} to {v}",
        "{v}",
        "{k} should be {v}",
    ],
    "number": [
        "{k} {v}",
        "{v} {k}",
        "with {k} {v}",
        "{k} of {v}",
        "{k} set to {v}",
        "{k}={v}",
        "({k}: {v})",
        "about {v} for {k}",
    ],
    "date": ["on {v}", "for {v}", "{k} {v}", "{k} on {v}", "dated {v}", "with {k} {v}", "{k}: {v}"],
    "list": ["for {v}", "{k}: {v}", "with {k} {v}", "including {v}", "{k} {v}", "covering {v}"],
    "object": ["{k} {v}", "with {k} ({v})", "{k}: {v}", "using {v} for {k}"],
    "true": ["with {k}", "{k} on", "{k}: yes", "and turn on {k}"],
    "false": ["without {k}", "{k} off", "{k}: no", "and no {k}"],
}
JOINERS = [", ", " ", " and ", "; "]
CLOSERS = [
    "",
    ".",
    "?",
    " please.",
    ", thanks!",
    " for me?",
    " asap.",
    " when you get a chance.",
    " thx",
    "!",
    " - thanks in advance.",
    " right now.",
    ", if you can.",
    " :)",
]
SYNONYMS = {
    "please": "pls",
    "can": "could",
    "could": "can",
    "the": "my",
    "my": "the",
    "for": "to",
    "with": "w/",
    "thanks": "thank you",
    "get": "grab",
    "find": "locate",
    "show": "display",
    "and": "&",
    "set": "put",
}


class Generator:
    """Deterministic records: record i depends only on (seed, i); planted copies re-render their source."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.tools = load_tools(None)
        self.specs = [tool.to_tool().model_dump() for tool in self.tools]
        self.schemas = {spec["function"]["name"]: spec["function"]["parameters"] for spec in self.specs}
        by_domain: dict[str, list[int]] = {}
        for i, tool in enumerate(self.tools):
            by_domain.setdefault(tool.domain, []).append(i)
        self.peers = [by_domain[tool.domain] for tool in self.tools]
        rng = random.Random(seed)
        self.templates = [[self._template(tool, rng) for _ in range(TEMPLATES_PER_TOOL)] for tool in self.tools]
        self.weights = [1 / (rank + 1) for rank in range(TEMPLATES_PER_TOOL)]  # Zipf: a few templates dominate

    def _template(self, tool, rng: random.Random) -> dict[str, Any]:
        words = tool.name.split("_")
        verbs = VERBS.get(words[0], [words[0]])
        params = list(tool.parameters.get("properties") or {})
        if rng.random() < 0.5:
            rng.shuffle(params)
        return {
            "opener": rng.choice(OPENERS),
            "verb": rng.choice(verbs),
            "article": rng.choice(ARTICLES),
            "object": " ".join(words[1:]),
            "order": params,
            "joiner": rng.choice(JOINERS),
            "closer": rng.choice(CLOSERS),
            "phrase": {p: rng.randrange(1 << 16) for p in params},
        }

    def planted(self, i: int) -> int | None:
        """The source index of record i when it is a planted near duplicate, else None."""
        rng = random.Random(self.seed * 1_000_003 + i * 7 + 1)
        return rng.randrange(i) if i and rng.random() < PLANT_RATE else None

    def record(self, i: int) -> dict[str, Any]:
        """Record i (a planted copy when planted(i) says so)."""
        source = self.planted(i)
        if source is not None:
            record = self.record(source)
            rng = random.Random(self.seed * 1_000_003 + i * 7 + 2)
            record["messages"][1] = {"role": "user", "content": edit(record["messages"][1]["content"], rng)}
            record["id"], record["meta"] = f"r{i}", {"task_index": i}
            return record
        rng = random.Random(self.seed * 1_000_003 + i * 7)
        t = rng.randrange(len(self.tools))
        tool = self.tools[t]
        arguments = ArgumentSampler(rng, NOW).arguments(tool.parameters)
        template = rng.choices(self.templates[t], self.weights)[0]
        offered = sorted({t, *rng.sample(self.peers[t], min(len(self.peers[t]), rng.randint(0, 2)))})
        call_id = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(9))
        encoded = json.dumps(arguments) if rng.random() < 0.2 else arguments  # readers accept both
        return {
            "id": f"r{i}",
            "category": "single",
            "tools": [self.specs[k] for k in offered],
            "messages": [
                {"role": "system", "content": "You are a helpful assistant with tools."},
                {"role": "user", "content": render(template, arguments)},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": call_id, "type": "function", "function": {"name": tool.name, "arguments": encoded}}
                    ],
                },
            ],
            "meta": {"task_index": i},
        }


def render(template: dict[str, Any], arguments: dict[str, Any]) -> str:
    """The user request: opener, verb, object, one phrase per present argument, closer."""
    parts = []
    for name in template["order"]:
        value = arguments.get(name)
        if value is None:
            continue
        kind = kind_of(value)
        bank = PHRASES[kind]
        phrase = bank[template["phrase"][name] % len(bank)]
        parts.append(phrase.format(k=name.replace("_", " "), v=spoken(value)))
    head = " ".join(w for w in (template["opener"], template["verb"], template["article"], template["object"]) if w)
    text = head + " " + template["joiner"].join(parts) + template["closer"]
    return text[:1].upper() + text[1:]


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    return "date" if len(value) >= 10 and value[:4].isdigit() and value[4] == "-" else "string"


def spoken(value: Any) -> str:
    if isinstance(value, list):
        items = [spoken(item) for item in value]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
    if isinstance(value, dict):
        return ", ".join(f"{key.replace('_', ' ')} {spoken(item)}" for key, item in value.items() if item is not None)
    return str(value)


def edit(text: str, rng: random.Random) -> str:
    """A small edit: punctuation, case, two words swapped, a word replaced, or a word dropped."""
    words = text.split()
    kind = rng.randrange(5)
    if kind == 0:
        stripped = text.rstrip(".?!:) ")
        return stripped + rng.choice(["", "?", "!", "..."]) if stripped != text else text + rng.choice(["?", "!", "."])
    if kind == 1:
        return rng.choice([text.lower(), text.upper(), text.capitalize(), text.swapcase()])
    if len(words) < 3:
        return text + "?"
    at = rng.randrange(len(words) - 1)
    if kind == 2:
        words[at], words[at + 1] = words[at + 1], words[at]
    elif kind == 3:
        known = [j for j, word in enumerate(words) if word.lower() in SYNONYMS]
        if known:
            j = rng.choice(known)
            words[j] = SYNONYMS[words[j].lower()]
        else:
            words[at], words[at + 1] = words[at + 1], words[at]
    else:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def the_call(record: dict[str, Any]) -> dict[str, Any]:
    """The record's one call with decoded arguments."""
    call = record["messages"][2]["tool_calls"][0]["function"]
    arguments = call["arguments"] if isinstance(call["arguments"], dict) else json.loads(call["arguments"])
    return {"name": call["name"], "arguments": arguments}


def truth_key(record: dict[str, Any], schemas: dict[str, Any]) -> int:
    """Generator identity of a record: normalised user text and its call (collisions are genuine duplicates)."""
    call = json.dumps(call_key(the_call(record), schemas), sort_keys=True)
    return xxhash.xxh3_64_intdigest(f"{normalize_text(record['messages'][1]['content'])}\x1d{call}".encode())


def same_pair(generator: Generator, i: int, j: int, threshold: float) -> bool:
    """Whether records i and j are near duplicates by definition: the same call, user texts passing near_score."""
    a, b = generator.record(i), generator.record(j)
    texts = [near_text(r["messages"][1]["content"]) for r in (a, b)]
    options = DedupOptions(threshold=threshold)
    return bool(near_score(*texts, options)) and match_calls([the_call(a)], [the_call(b)], generator.schemas).ok


def run(n: int, seed: int = 0, template_cap: int = 10**9, options: DedupOptions | None = None) -> dict[str, Any]:
    """Render n records, dedup them, and score the drops against the planted duplicates."""
    generator = Generator(seed)
    options = options or DedupOptions(template_cap=template_cap)
    planted = np.zeros(n, bool)
    qualified = np.zeros(n, bool)  # planted and passing near_score against its source (a duplicate by definition)
    keys = np.zeros(n, np.uint64)
    spent = [0.0, 0.0]  # wall and CPU seconds spent rendering inside the stream

    def stream() -> Iterator[tuple[int, dict[str, Any]]]:
        for i in range(n):
            wall, cpu = time.perf_counter(), time.process_time()
            record = generator.record(i)
            source = generator.planted(i)
            if source is not None:
                planted[i] = True
                original = generator.record(source)["messages"][1]["content"]
                qualified[i] = bool(
                    near_score(near_text(record["messages"][1]["content"]), near_text(original), options)
                )
            keys[i] = truth_key(record, generator.schemas)
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
            yield i, record

    wall, cpu = time.perf_counter(), time.process_time()
    issues = find_duplicates(stream(), options)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    dropped = np.zeros(n, bool)
    dropped[list(issues)] = True
    _, first = np.unique(keys, return_index=True)
    collision = np.ones(n, bool)
    collision[first] = False
    collision &= ~planted  # generator collisions: same text and call as an earlier record, not planted
    genuine = planted | collision
    stages = {
        kind: sum(issue.message.startswith(kind) for issue in issues.values()) for kind in ("exact", "near", "template")
    }
    false_drops = np.flatnonzero(dropped & ~genuine)
    natural = sum(
        same_pair(generator, int(i), int(re.search(r"\br(\d+)", issues[int(i)].message).group(1)), options.threshold)
        for i in false_drops
        if not issues[int(i)].message.startswith("template")
    )
    missed = np.flatnonzero(qualified & ~dropped)
    source_dropped = sum(generator.planted(int(i)) in issues for i in missed)
    rusage = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return {
        "records": n,
        "seed": seed,
        "template_cap": options.template_cap,
        "options": {
            "threshold": options.threshold,
            "num_perm": options.num_perm,
            "bands": options.bands,
            "shingle": options.shingle,
        },
        "dedup_wall_s": round(wall - spent[0], 2),
        "dedup_cpu_s": round(cpu - spent[1], 2),
        "render_wall_s": round(spent[0], 2),
        "peak_rss_mb": round(rusage / 1024),
        "planted": int(planted.sum()),
        "planted_within_threshold": int(qualified.sum()),
        "generator_collisions": int(collision.sum()),
        "dropped": int(dropped.sum()),
        "dropped_by": stages,
        "recall": round(float((dropped & planted).sum() / max(1, planted.sum())), 4),
        "recall_within_threshold": round(float((dropped & qualified).sum() / max(1, qualified.sum())), 4),
        "precision": round(float((dropped & genuine).sum() / max(1, dropped.sum())), 4),
        "missed_within_threshold": {
            "source_dropped": int(source_dropped),
            "no_candidate": int(len(missed) - source_dropped),
        },
        "precision_by_definition": round(float(((dropped & genuine).sum() + natural) / max(1, dropped.sum())), 4),
        "false_drops": int(len(false_drops)),
        "false_drops_near_by_definition": int(natural),
        "false_drop_examples": [
            {"record": generator.record(int(i))["messages"][1]["content"], "issue": issues[int(i)].message}
            for i in false_drops[:3]
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--bands", type=int, default=DedupOptions.bands)
    parser.add_argument("--shingle", type=int, default=DedupOptions.shingle)
    parser.add_argument("--num-perm", type=int, default=DedupOptions.num_perm)
    parser.add_argument("--no-cap-run", action="store_true", help="skip the second run with the default template cap")
    args = parser.parse_args()
    options = DedupOptions(template_cap=10**9, bands=args.bands, shingle=args.shingle, num_perm=args.num_perm)
    result = run(args.n, args.seed, options=options)
    if not args.no_cap_run:
        capped = run(
            args.n, args.seed, options=DedupOptions(bands=args.bands, shingle=args.shingle, num_perm=args.num_perm)
        )
        result["with_default_cap"] = {
            key: capped[key] for key in ("template_cap", "dropped", "dropped_by", "dedup_wall_s")
        }
    print(json.dumps(result, indent=1))
    print(
        f"{result['records']} records: dedup {result['dedup_wall_s']} s wall, {result['dedup_cpu_s']} s CPU, "
        f"peak RSS {result['peak_rss_mb']} MB; recall {result['recall']} "
        f"({result['recall_within_threshold']} within threshold), precision {result['precision']}; "
        f"{result['generator_collisions']} generator collisions"
        + (
            f"; template cap {result['with_default_cap']['template_cap']} drops "
            f"{result['with_default_cap']['dropped_by']['template']}"
            if "with_default_cap" in result
            else ""
        )
    )


if __name__ == "__main__":
    main()
