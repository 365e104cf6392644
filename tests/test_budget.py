"""Budgets: --max-requests / --max-tokens / --max-cost stop sending, keep what is done, exit 3,
and the same command with a larger budget continues from the cached answers."""

from __future__ import annotations

import json

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
        resumed = _run(fake, out, "--max-requests", "1000")
        assert resumed.returncode == 0, resumed.stderr[-1500:]
        again = json.loads((out / "manifest.json").read_text())
        assert (
            again["status"] == "complete" and again["usage"]["cached"] > 0
        )  # what was paid for is read, not sent again
        assert len(fake.requests) - sent == again["usage"]["requests"]
        assert len((out / "accepted.jsonl").read_text().splitlines()) == 12


def test_a_token_budget_and_a_cost_budget(tmp_path):
    with FakeOpenAI() as fake:
        tokens = _run(fake, tmp_path / "tokens", "--max-tokens", "100")  # the whole run takes 195
        assert tokens.returncode == 3 and "--max-tokens 100 reached" in tokens.stderr
        (tmp_path / "job.yaml").write_text("budget:\n  price_prompt: 1000\n  price_completion: 1000\n")
        cost = _run(fake, tmp_path / "cost", "--config", str(tmp_path / "job.yaml"), "--max-cost", "0.1")
        assert cost.returncode == 3 and "--max-cost 0.1 reached" in cost.stderr
        assert json.loads((tmp_path / "cost" / "manifest.json").read_text())["usage"]["cost_usd"] >= 0.1


def test_a_cost_budget_without_prices_is_bad_input(tmp_path):
    result = run_cli(["--category", "single", "--max-cost", "5", "--out", str(tmp_path / "run")])
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: budget: max_cost needs the teacher's prices: budget.price_prompt and budget.price_completion "
        "(USD per million tokens)"
    )
