"""Budgets: --max-requests / --max-tokens / --max-cost stop sending, keep what is done, exit 3,
and the same command with a larger budget continues from the cached answers."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI


def _run(fake, out, *flags):
    return run_cli(
        [
            "--category",
            "single",
            "--n",
            "12",
            "--out",
            str(out),
            "--base-url",
            fake.base_url,
            "--model",
            "fake",
            "--concurrency",
            "2",
            *flags,
        ]
    )


def test_a_spent_budget_stops_cleanly_and_a_rerun_continues(tmp_path):
    out = tmp_path / "run"
    with FakeOpenAI() as fake:
        stopped = _run(fake, out, "--max-requests", "8")  # 12 records need 12 requests and the probe
        sent = len(fake.requests)
        assert stopped.returncode == 3, stopped.stderr[-1500:]
        assert "budget reached" in stopped.stderr and "--max-requests 8 reached" in stopped.stderr
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["status"] == "budget_reached" and manifest["stopped"].startswith("--max-requests 8")
        assert (
            8 <= manifest["usage"]["requests"] <= 8 + 2 and sent == manifest["usage"]["requests"]
        )  # in-flight requests may finish
        kept = [json.loads(line) for line in (out / "accepted.jsonl").read_text().splitlines()]
        assert 0 < len(kept) < 12
        assert run_cli([str(out / "accepted.jsonl")], module="pipeline.validate").returncode == 0
        # the cells the budget cut are unfinished, not short (their candidate limit did not run out)
        assert manifest["short_cells"] == [] and manifest["unfinished_cells"]
        assert sum(c["requested"] - c["accepted"] for c in manifest["unfinished_cells"]) == 12 - len(kept)
        assert "unfinished:" in stopped.stderr and "short cell" not in stopped.stderr
        assert [i["status"] for i in manifest["invocations"]] == ["budget_reached"]
        resumed = _run(fake, out, "--max-requests", "1000")
        assert resumed.returncode == 0, resumed.stderr[-1500:]
        again = json.loads((out / "manifest.json").read_text())
        assert (
            again["status"] == "complete" and again["invocations"][-1]["usage"]["cached"] > 0
        )  # what was paid for is read, not sent again
        assert len(fake.requests) - sent == again["invocations"][-1]["usage"]["requests"]
        assert len((out / "accepted.jsonl").read_text().splitlines()) == 12
    # counts and times are the run's, over both invocations; each invocation's own are listed
    first, last = again["invocations"]
    assert first["status"] == "budget_reached" and first["stopped"].startswith("--max-requests 8")
    assert first["usage"] == manifest["usage"] and last["status"] == "complete" and last["accepted"] == 12
    assert again["usage"]["requests"] == len(fake.requests) == first["usage"]["requests"] + last["usage"]["requests"]
    assert again["usage"]["cached"] == first["usage"]["cached"] + last["usage"]["cached"]
    assert again["wall_seconds"] == round(first["wall_seconds"] + last["wall_seconds"], 2)
    assert again["started_at"] == manifest["started_at"] and again["finished_at"] == last["finished_at"]
    assert again["short_cells"] == again["unfinished_cells"] == []
    assert "over 2 invocations" in resumed.stderr


def test_a_token_budget_and_a_cost_budget(tmp_path):
    with FakeOpenAI() as fake:
        tokens = _run(fake, tmp_path / "tokens", "--max-tokens", "100")  # the whole run takes 195
        assert tokens.returncode == 3 and "--max-tokens 100 reached" in tokens.stderr
        (tmp_path / "job.yaml").write_text("budget:\n  price_prompt: 1000\n  price_completion: 1000\n")
        cost = _run(fake, tmp_path / "cost", "--config", str(tmp_path / "job.yaml"), "--max-cost", "0.1")
        assert cost.returncode == 3 and "--max-cost 0.1 reached" in cost.stderr
        assert json.loads((tmp_path / "cost" / "manifest.json").read_text())["usage"]["cost_usd"] >= 0.1
        # the rerun's cost is the run's (both invocations), its own apart
        again = _run(fake, tmp_path / "cost", "--config", str(tmp_path / "job.yaml"), "--max-cost", "10")
        assert again.returncode == 0, again.stderr[-1500:]
        manifest = json.loads((tmp_path / "cost" / "manifest.json").read_text())
        first, last = (i["usage"]["cost_usd"] for i in manifest["invocations"])
        assert first >= 0.1 and manifest["usage"]["cost_usd"] == pytest.approx(first + last, abs=2e-6)


def test_a_cost_budget_without_prices_is_bad_input(tmp_path):
    result = run_cli(["--category", "single", "--max-cost", "5", "--out", str(tmp_path / "run")])
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: budget: max_cost needs the teacher's prices: budget.price_prompt and budget.price_completion "
        "(USD per million tokens)"
    )
