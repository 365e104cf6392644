"""The records a reviewer reads: a seeded random sample stratified by category, kept in
`RUN_DIR/review/sample.json` so a restart shows the same records in the same order."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

from pipeline.review.labels import REVIEW_FOLDER
from pipeline.writer import write_json

SAMPLE_NAME = "sample.json"


def allocate(sizes: dict[str, int], total: int) -> dict[str, int]:
    """How many of `total` draws each category gets: in proportion to its size (largest
    remainder), at least one for every category while draws remain, never more than it has."""
    available = sum(sizes.values())
    if total >= available:
        return dict(sizes)
    shares = {name: total * size / available for name, size in sizes.items()}
    counts = {name: min(size, max(1, int(shares[name]))) for name, size in sizes.items() if size}
    while sum(counts.values()) > total:  # the floor of one overshot: take from the largest
        largest = max(counts, key=lambda name: (counts[name], name))
        counts[largest] -= 1
    by_remainder = sorted(sizes, key=lambda name: (-(shares[name] - int(shares[name])), name))
    while sum(counts.values()) < total:
        for name in by_remainder:
            if sum(counts.values()) < total and counts.get(name, 0) < sizes[name]:
                counts[name] = counts.get(name, 0) + 1
    return counts


def draw_sample(records: list[dict[str, Any]], size: int, seed: int = 0) -> list[str]:
    """Record ids: `size` records drawn per category as `allocate` says, then shuffled, all from
    `seed` (the same records and seed give the same sample)."""
    ids: dict[str, list[str]] = defaultdict(list)
    for record in records:
        ids[str(record.get("category") or "?")].append(str(record["id"]))
    counts = allocate({name: len(group) for name, group in ids.items()}, size)
    drawn = [
        record_id
        for name in sorted(ids)
        for record_id in random.Random(f"{seed}:{name}").sample(sorted(ids[name]), counts.get(name, 0))
    ]
    random.Random(seed).shuffle(drawn)
    return drawn


def load_sample(run_dir: Path, records: list[dict[str, Any]], size: int, seed: int) -> list[str]:
    """The run's review sample: the stored one when it was drawn with this size and seed and all
    its records are still there, else a new one (stored). Labels are kept by record id either way."""
    path = run_dir / REVIEW_FOLDER / SAMPLE_NAME
    present = {str(record["id"]) for record in records}
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("size") == size and stored.get("seed") == seed and set(stored.get("ids", [])) <= present:
            return list(stored["ids"])
    ids = draw_sample(records, size, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, {"size": size, "seed": seed, "ids": ids})
    return ids
