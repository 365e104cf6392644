"""A fake-teacher run of every category, shared by the eval tests (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category


@pytest.fixture(scope="session")
def run(tmp_path_factory) -> Path:
    """60 accepted records of every category (the echo teacher), report off."""
    out = tmp_path_factory.mktemp("eval") / "run"
    with FakeOpenAI() as teacher:
        result = run_category(teacher, out, "all", "blueprint", n=60)
    assert result["code"] == 0
    return out
