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
    shares = {name: total * size / available for name, size in sizes.items() if size}
    counts = {name: int(share) for name, share in shares.items()}
    for name in sorted(shares, key=lambda name: (-shares[name], name)):  # the floor of one, largest first
        if counts[name] == 0 and sum(counts.values()) < total:
            counts[name] = 1
    while sum(counts.values()) < total:  # the rest to the largest remainders still short of their share
        name = max(
            (name for name in shares if counts[name] < sizes[name]),
            key=lambda name: (shares[name] - counts[name], name),
        )
        counts[name] += 1
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


def stored_sample(run_dir: Path) -> list[str]:
    """The ids of the sample the review page last drew ([] before the first review)."""
    path = run_dir / REVIEW_FOLDER / SAMPLE_NAME
    return list(json.loads(path.read_text(encoding="utf-8")).get("ids", [])) if path.is_file() else []


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
