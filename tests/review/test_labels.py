"""pipeline.review.labels: labels are validated, the last one per record wins, a torn last line
is skipped, and the accept rate comes with its Wilson interval."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from pipeline.errors import InputError
from pipeline.review.labels import (
    Label,
    append_label,
    human_rejected,
    labels_path,
    read_labels,
    review_line,
    summarize,
)


@pytest.mark.parametrize(
    "body, message",
    [
        ({"record_id": "a", "verdict": "reject"}, "a rejection needs a reason"),
        ({"record_id": "a", "verdict": "reject", "reason": "ugly"}, "a rejection needs a reason"),
        ({"record_id": "a", "verdict": "accept", "reason": "wrong_call"}, "an acceptance has no reason"),
        ({"record_id": "a", "verdict": "reject", "reason": "other"}, "the reason 'other' needs a note"),
        ({"record_id": "a", "verdict": "maybe"}, "Input should be 'accept' or 'reject'"),
        ({"record_id": "", "verdict": "accept"}, "at least 1 character"),
    ],
)
def test_bad_labels_are_refused(body, message):
    with pytest.raises(ValidationError, match=message):
        Label.model_validate(body)


def test_the_last_label_wins_and_a_torn_line_is_skipped(tmp_path):
    append_label(tmp_path, Label(record_id="a", category="single", verdict="reject", reason="wrong_call"))
    append_label(tmp_path, Label(record_id="b", category="nested", verdict="accept"))
    append_label(tmp_path, Label(record_id="a", category="single", verdict="accept"))  # went back, changed it
    with labels_path(tmp_path).open("a") as handle:
        handle.write('{"record_id": "c", "verd')  # a kill mid-write
    labels = read_labels(tmp_path)
    assert {i: label.verdict for i, label in labels.items()} == {"b": "accept", "a": "accept"}
    assert list(labels) == ["b", "a"] and labels["a"].at  # stamped
    assert human_rejected(labels) == set()


def test_a_label_after_a_torn_line_starts_a_line_of_its_own(tmp_path):
    append_label(tmp_path, Label(record_id="a", verdict="accept"))
    with labels_path(tmp_path).open("a") as handle:
        handle.write('{"record_id": "b", "verd')  # killed mid-write: the page never heard "saved"
    append_label(tmp_path, Label(record_id="c", verdict="reject", reason="bad_answer"))
    append_label(tmp_path, Label(record_id="d", verdict="accept"))
    assert list(read_labels(tmp_path)) == ["a", "c", "d"]
    assert labels_path(tmp_path).read_text().count("\n") == 3


def test_a_bad_line_in_the_middle_names_the_file_and_line(tmp_path):
    labels_path(tmp_path).parent.mkdir()
    labels_path(tmp_path).write_text(
        json.dumps({"record_id": "a", "verdict": "nope"})
        + "\n"
        + json.dumps({"record_id": "b", "verdict": "accept"})
        + "\n"
    )
    with pytest.raises(InputError) as error:
        read_labels(tmp_path)
    assert str(error.value).startswith(f"{labels_path(tmp_path)}: [0]: not a review label")


def test_summary_per_category_with_reasons():
    labels = {
        f"r{i}": Label(record_id=f"r{i}", category="single" if i < 6 else "nested", verdict="accept") for i in range(10)
    }
    labels["r1"] = Label(record_id="r1", category="single", verdict="reject", reason="implausible_values")
    labels["r7"] = Label(record_id="r7", category="nested", verdict="reject", reason="other", note="chain breaks")
    summary = summarize(labels, record_ids={f"r{i}" for i in range(9)})  # r9 is no longer in the run
    assert (summary["reviewed"], summary["accepted"]) == (9, 7)
    assert summary["categories"]["single"]["accepted"] == 5 and summary["categories"]["nested"]["reviewed"] == 3
    assert summary["reasons"] == {"implausible_values": 1, "other": 1}
    assert summary["notes"] == [{"record_id": "r7", "reason": "other", "note": "chain breaks"}]
    assert review_line(summary) == "human review: 7/9 accepted, 77.8% [45.3, 93.7]"
