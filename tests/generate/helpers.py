"""Run one category in-process against the fake teacher and read the run folder back."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.config import RunConfig, TeacherConfig
from pipeline.job import run as run_job
from tests.fake_openai import FakeOpenAI


def run_category(fake: FakeOpenAI, out: Path, category: str, mode: str, n: int = 8, **config: Any) -> dict[str, Any]:
    """Run `category` to --n accepted; returns exit code, accepted, rejected, manifest and codes."""
    teacher = {"base_url": fake.base_url, "model": "fake", "concurrency": 4, **config.pop("teacher", {})}
    run = RunConfig(
        category=category,
        n=n,
        mode=mode,
        out=str(out),
        seed=config.pop("seed", 7),
        report=config.pop("report", False),  # the report has its own tests (tests/test_htmlreport.py)
        teacher=TeacherConfig(**teacher),
        **config,
    )
    code = run_job(run)
    read = lambda name: [json.loads(line) for line in (out / name).read_text().splitlines() if line.strip()]  # noqa: E731
    rejected = read("rejected.jsonl")
    codes = Counter(code for entry in rejected for code in entry["meta"]["codes"])
    return {
        "code": code,
        "accepted": read("accepted.jsonl"),
        "rejected": rejected,
        "codes": codes,
        "manifest": json.loads((out / "manifest.json").read_text()),
    }


def yield_of(result: dict[str, Any]) -> float:
    """Accepted (before the quota cut) over candidates."""
    counts = result["manifest"]["counts"]
    return (counts["accepted"] + counts["surplus_dropped"]) / counts["candidates"]
