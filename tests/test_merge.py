"""pipeline.merge: shards (`--shard i/N`) join into the run one job would have written; the merge
refuses until every shard is complete and drops duplicates across shards."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.fake_openai import FakeOpenAI

ENV = {"PYTHONPATH": str(ROOT), "OPENAI_API_KEY": "sk-test", "PATH": "/usr/bin:/bin"}
OUTPUTS = ("accepted.jsonl", "rejected.jsonl", "pairs.jsonl")


def _run(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", module, *args], env=ENV, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A whole `all --n 12` run, and the same job as 3 shards (not merged yet)."""
    root = tmp_path_factory.mktemp("merge")
    with FakeOpenAI() as fake:
        job = [
            "--category",
            "all",
            "--n",
            "12",
            "--mode",
            "blueprint",
            "--seed",
            "4",
            "--base-url",
            fake.base_url,
            "--model",
            "fake",
        ]
        assert _run("pipeline.run", *job, "--out", str(root / "whole")).returncode == 0
        early = _run("pipeline.merge", str(root / "sharded"))
        shards = [_run("pipeline.run", *job, "--out", str(root / "sharded"), "--shard", f"{i}/3") for i in (1, 2, 3)]
    return root, early, shards


def test_every_shard_runs_its_part_of_the_plan(runs):
    root, _, shards = runs
    assert [shard.returncode for shard in shards] == [0, 0, 0], [shard.stderr for shard in shards]
    accepted = [
        len((root / "sharded" / "shards" / f"{i}-of-3" / "accepted.jsonl").read_text().splitlines()) for i in (1, 2, 3)
    ]
    assert sum(accepted) == 12 and all(accepted)
    assert not (root / "sharded" / "manifest.json").exists() and "pipeline.merge" in shards[0].stderr


def test_the_merge_equals_the_run_one_job_writes(runs, tmp_path):
    root, _, _ = runs
    merged = _run("pipeline.merge", str(root / "sharded"), "--dry-run")
    assert merged.returncode == 0, merged.stderr
    for name in OUTPUTS:
        assert (root / "sharded" / name).read_bytes() == (root / "whole" / name).read_bytes(), name
    whole, joined = (json.loads((root / folder / "manifest.json").read_text()) for folder in ("whole", "sharded"))
    assert (
        joined["funnel"] == whole["funnel"] and joined["cells"] == whole["cells"] and joined["pairs"] == whole["pairs"]
    )
    assert [shard["shard"] for shard in joined["shards"]] == ["1/3", "2/3", "3/3"]
    assert joined["usage"]["requests"] > 0 and (root / "sharded" / "hub" / "README.md").is_file()
    assert joined["shard_spills"] == 0 and joined["cross_shard_duplicates"] == 0  # (equality holds only then)


def test_the_merge_refuses_until_every_shard_is_complete(runs, tmp_path):
    root, early, _ = runs
    assert early.returncode == 2 and early.stderr.startswith(
        f"error: {root / 'sharded' / 'shards'}: no shards to merge"
    )
    broken = tmp_path / "broken"
    (broken / "shards" / "1-of-2").mkdir(parents=True)
    missing = _run("pipeline.merge", str(broken))
    assert missing.returncode == 2 and "shard 1/2 is not complete" in missing.stderr and "--shard 1/2" in missing.stderr
    (broken / "shards" / "1-of-2" / "manifest.json").write_text(json.dumps({"status": "budget_reached"}))
    (broken / "shards" / "2-of-2").mkdir()
    (broken / "shards" / "2-of-2" / "manifest.json").write_text(json.dumps({"status": "complete"}))
    stopped = _run("pipeline.merge", str(broken))
    assert stopped.returncode == 2 and "shard 1/2 stopped (budget_reached)" in stopped.stderr
    assert not (broken / "manifest.json").exists() and len(stopped.stderr.strip().splitlines()) == 1
    (broken / "shards" / "1-of-2" / "manifest.json").write_text('{"status": "comp')  # torn
    torn = _run("pipeline.merge", str(broken))
    assert torn.returncode == 2 and len(torn.stderr.strip().splitlines()) == 1 and "Traceback" not in torn.stderr
    assert torn.stderr.startswith(f"error: {broken / 'shards' / '1-of-2' / 'manifest.json'}: unreadable")
    (broken / "shards" / "1-of-2" / "manifest.json").write_text(json.dumps({"status": "complete"}))
    no_config = _run("pipeline.merge", str(broken))
    assert (
        no_config.returncode == 2 and "config.json: missing" in no_config.stderr and "Traceback" not in no_config.stderr
    )


def test_a_duplicate_across_shards_is_dropped_by_the_merge(runs, tmp_path):
    root, _, _ = runs
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(root / "sharded" / "shards", copy / "shards")
    first = (copy / "shards" / "1-of-3" / "accepted.jsonl").read_text().splitlines()[0]
    with open(copy / "shards" / "2-of-3" / "accepted.jsonl", "a") as handle:
        handle.write(first.replace('"id": "', '"id": "copy-') + "\n")  # the same conversation, made by another shard
    merged = _run("pipeline.merge", str(copy))
    assert merged.returncode == 0, merged.stderr  # all 12 records are there; one cell is short (a warning)
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["funnel"]["removed_by_check"]["dedup"] == 1 and manifest["counts"]["accepted"] == 12
    assert manifest["cross_shard_duplicates"] == 1 and manifest["shard_spills"] == 0
    rejected = [json.loads(line) for line in (copy / "rejected.jsonl").read_text().splitlines()]
    assert [entry["meta"]["codes"] for entry in rejected if entry["id"].startswith("copy-")] == [["duplicate"]]


def test_a_shard_cannot_publish_and_takes_a_valid_shard_flag(tmp_path):
    bad = _run(
        "pipeline.run",
        "--category",
        "single",
        "--shard",
        "3/2",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
        "--out",
        str(tmp_path / "x"),
    )
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --shard: must be i/N with 1 <= i <= N, not 3/2"
    publishing = _run(
        "pipeline.run",
        "--category",
        "single",
        "--shard",
        "1/2",
        "--dry-run",
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
        "--out",
        str(tmp_path / "x"),
    )
    assert publishing.returncode == 2 and "a shard does not publish" in publishing.stderr
    assert not (tmp_path / "x").exists()
