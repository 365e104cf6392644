"""pipeline.eval.sources: a run's split, its Hub folder, a records file and BFCL names give the
same items wherever they are the same records."""

from __future__ import annotations

import json
import shutil

import pytest

from pipeline.errors import InputError
from pipeline.eval.sources import bfcl_file, load_items
from tests.conftest import run_cli


def _ids(items):
    return [item.id for item in items]


def test_the_splits_of_a_run_partition_its_items(run):
    test, described = load_items(run, "test")
    train, _ = load_items(run, "train")
    every, _ = load_items(run, "all")
    assert described == "run (test split)" and test
    assert sorted(_ids(test) + _ids(train)) == sorted(_ids(every))
    assert not {i.record_id for i in test} & {i.record_id for i in train}  # a record is in one split


def test_a_hub_folder_gives_the_published_split(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    result = run_cli([str(copy), "--dry-run"], module="pipeline.publish")
    assert result.returncode == 0, result.stderr
    from_run, _ = load_items(copy, "test")
    from_hub, described = load_items(copy / "hub", "test")
    assert described == "hub (test split)"
    by_id = {item.id: item for item in from_run}
    assert from_hub and all(by_id[i.id].answers == i.answers and by_id[i.id].messages == i.messages for i in from_hub)


def test_a_records_file_and_its_openai_export(run, tmp_path):
    records = (run / "accepted.jsonl").read_text().splitlines()[:5]
    path = tmp_path / "some.jsonl"
    path.write_text("\n".join(records) + "\n")
    items, described = load_items(path)
    assert described == "some.jsonl" and {i.record_id for i in items} == {json.loads(r)["id"] for r in records}
    exported = tmp_path / "openai.jsonl"
    result = run_cli([str(path), "--format", "openai", "--out", str(exported)], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    again, _ = load_items(exported)
    assert [i.answers for i in again] == [i.answers for i in items]


def test_a_bad_record_names_its_file_and_path(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "a", "category": "single", "tools": [], "messages": [{"role": "robot"}]}\n')
    with pytest.raises(InputError) as caught:
        load_items(path)
    assert str(caught.value).startswith(f"{path}: [0].messages.0")


def test_bfcl_names_resolve_in_the_installed_package():
    pytest.importorskip("bfcl_eval")
    assert bfcl_file("simple_python").name.endswith("_simple_python.json")
    items, described = load_items(bfcl_file("parallel"))
    assert described.endswith("parallel.json") and len(items) > 100 and all(len(i.answers) > 1 for i in items)
    with pytest.raises(InputError, match="no such BFCL category"):
        bfcl_file("nope")
