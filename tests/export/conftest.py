"""The export tests' shared run: an `all` run of the fake teacher, every category, with pairs."""

from __future__ import annotations

import json

import pytest

from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category

CATEGORIES = {"single", "parallel", "nested", "multi_turn", "no_call"}


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """An `all` run of the fake teacher: every category, with pairs."""
    folder = tmp_path_factory.mktemp("export") / "run"
    with FakeOpenAI() as fake:
        result = run_category(fake, folder, "all", "blueprint", n=20)
    pairs = [json.loads(line) for line in (folder / "pairs.jsonl").read_text().splitlines()]
    assert {r["category"] for r in result["accepted"]} == CATEGORIES and pairs
    return {"folder": folder, "records": result["accepted"], "pairs": pairs}
