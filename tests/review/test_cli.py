"""`fc-datagen review`: --summary, --export jsonl|argilla, bad input as one line; and what the
labels change in publishing (the card's human review, --drop-human-rejected)."""

from __future__ import annotations

import json

import pandas
import pytest
import yaml

from pipeline.publish.cli import main as publish_main
from pipeline.review.labels import Label, append_label
from pipeline.review.sample import load_sample
from tests.conftest import run_cli


def _ids(run_dir) -> list[str]:
    return [json.loads(line)["id"] for line in (run_dir / "accepted.jsonl").read_text().splitlines()]


def _label_some(run_dir) -> list[str]:
    ids = _ids(run_dir)
    append_label(run_dir, Label(record_id=ids[0], category="x", verdict="reject", reason="wrong_call"))
    append_label(run_dir, Label(record_id=ids[1], category="x", verdict="reject", reason="other", note="odd date"))
    for record_id in ids[2:6]:
        append_label(run_dir, Label(record_id=record_id, category="x", verdict="accept"))
    return ids


def test_summary_without_labels_says_how_to_get_them(run_copy):
    result = run_cli([str(run_copy), "--summary"], module="pipeline.review.cli")
    assert result.returncode == 1 and "no labels yet" in result.stdout


@pytest.mark.parametrize(
    "args, error",
    [
        (["{missing}"], "error: {missing}: not a finished run (no manifest.json; a run writes it last)"),
        (["{run}", "--sample", "0"], "fc-datagen review: error: --sample must be at least 1"),
    ],
)
def test_bad_input_is_one_line(run_copy, tmp_path, args, error):
    names = {"missing": str(tmp_path / "nowhere"), "run": str(run_copy)}
    result = run_cli([arg.format(**names) for arg in args], module="pipeline.review.cli")
    assert result.returncode == 2 and result.stderr.strip().splitlines()[-1] == error.format(**names)


def test_export_jsonl_and_argilla(run_copy):
    ids = _label_some(run_copy)
    done = run_cli([str(run_copy), "--export", "jsonl"], module="pipeline.review.cli")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in (run_copy / "review" / "labelled.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == ids[:6] and rows[1]["review"]["note"] == "odd date"
    assert rows[0]["messages"] and rows[0]["review"]["reason"] == "wrong_call"

    load_sample(run_copy, [json.loads(line) for line in (run_copy / "accepted.jsonl").read_text().splitlines()], 10, 0)
    stored = (run_copy / "review" / "sample.json").read_text()
    done = run_cli([str(run_copy), "--export", "argilla"], module="pipeline.review.cli")
    assert done.returncode == 0, done.stderr
    assert (run_copy / "review" / "sample.json").read_text() == stored  # the sample reviewed, not a new draw
    rows = [json.loads(line) for line in (run_copy / "review" / "argilla.jsonl").read_text().splitlines()]
    by_id = {row["record_id"]: row for row in rows}
    sampled = json.loads(stored)["ids"]
    assert [row["record_id"] for row in rows[:10]] == sampled  # the sample, then labelled records outside it
    assert set(by_id) == set(sampled) | set(ids[:6])
    assert by_id[ids[1]]["verdict"] == "reject" and by_id[ids[1]]["reason"] == "other"
    chat = by_id[ids[0]]["chat"]
    assert all(set(turn) == {"role", "content"} and isinstance(turn["content"], str) for turn in chat)
    calls = [turn for row in rows for turn in row["chat"] if turn["role"] == "assistant" and "-> " in turn["content"]]
    assert calls and all("(" in turn["content"] for turn in calls)  # calls written out as name(args)
    assert isinstance(json.loads(by_id[ids[0]]["tools"]), list)


def test_publish_shows_the_review_and_can_drop_what_the_reviewer_rejected(run_copy):
    ids = _label_some(run_copy)
    assert publish_main([str(run_copy), "--dry-run"]) == 0
    card = (run_copy / "hub" / "README.md").read_text()
    assert "## Human review" in card and "human review: 4/6 accepted, 66.7% [30.0, 90.3]" in card
    assert "Rejected for: wrong call (1), other (1)." in card
    assert publish_main([str(run_copy), "--dry-run", "--drop-human-rejected"]) == 0
    card = (run_copy / "hub" / "README.md").read_text()
    assert "2 records the reviewer rejected are left out of this dataset." in card
    header = yaml.safe_load(card.split("---")[1])
    assert header["configs"]
    published = set()
    for path in (run_copy / "hub" / "data").glob("*/*.parquet"):
        if path.parent.name != "pairs":
            published |= set(pandas.read_parquet(path, columns=["id"])["id"])
    assert ids[0] not in published and ids[1] not in published and ids[2] in published
