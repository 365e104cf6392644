"""Shared fixtures: the fake OpenAI server, the repo root, and a subprocess runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _datasets_cache(tmp_path, monkeypatch):
    """Each test loads datasets through its own cache: never the user's, never a stale entry."""
    import datasets.config

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-datasets-cache")


@pytest.fixture
def pipeline_logs(monkeypatch):
    """caplog sees each of the pipeline's messages once: the `pipeline` logger propagates again
    (an earlier in-process log.setup() turns that off). Set here, in the test's setup, before pytest
    attaches its capture handlers for the call: pytest >= 9.2 also attaches them to every logger that
    does not propagate, so a logger turned propagating inside the test hands them each record twice."""
    from pipeline import log

    monkeypatch.setattr(log.LOGGER, "propagate", True)


@pytest.fixture
def fake():
    """A running fake OpenAI-compatible server on 127.0.0.1."""
    with FakeOpenAI() as server:
        yield server


def run_cli(
    args: list[str],
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    timeout: float = 300,
    module: str = "pipeline.run",
) -> subprocess.CompletedProcess:
    """Run `python -m <module> args` as a subprocess and capture its output. A run writes no HTML
    report unless the test asks (`--report`): the report has its own tests and costs seconds."""
    if module == "pipeline.run" and "--report" not in args:
        args = [*args, "--no-report"]
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", module, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="session")
def finished_run(tmp_path_factory) -> Path:
    """A finished fake-teacher run of every category (n 20; the flawed teacher, so some candidates
    are rejected) with the HTML report the run wrote. Read-only: a test that changes it copies it."""
    from tests.generate.helpers import run_category
    from tests.test_golden import flawed_teacher

    out = tmp_path_factory.mktemp("finished") / "run"
    with FakeOpenAI(responder=flawed_teacher) as fake:
        result = run_category(fake, out, "all", "blueprint", n=20, report=True)
    assert result["code"] == 0, result["codes"]
    return out
