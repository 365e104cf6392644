"""The hand-labelled corpus (tests/filters/corpus/): every check's recall and false rejects.

Issue 4's bar: each check finds >= 95% of the records planted with its codes and rejects <= 3%
of the clean half; every code has a planted record failing with exactly that code whose clean
base (a near-identical record) passes.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from filters.checks import CHECKS, default_checks
from filters.codes import CODES, check_of
from filters.dedup import find_duplicates
from filters.grounding import GroundingOptions
from filters.plausibility import PlausibilityOptions
from filters.roles import annotations_of
from pipeline.record import parse_record
from pipeline.seeds import alias_table, load_tools
from pipeline.validate import validate_object

LINES = [
    json.loads(line)
    for line in (Path(__file__).parent / "corpus" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
CLEAN = [line for line in LINES if line["label"] == "clean"]
PLANTED = [line for line in LINES if line["label"] not in ("clean", "duplicate")]


@pytest.fixture(scope="module")
def verdicts():
    """Record id -> set of (check, code) the per-record checks report."""
    seeds = load_tools()
    checks = default_checks(
        None,
        grounding=GroundingOptions(aliases=alias_table(seeds)),
        plausibility=PlausibilityOptions(annotations=annotations_of(seeds)),
    )
    return {
        line["record"]["id"]: {(i.check, i.code) for i in validate_object(line["record"], checks)} for line in LINES
    }


def test_corpus_is_big_enough_and_balanced():
    assert len(LINES) >= 300 and len(CLEAN) >= 150 and len(LINES) - len(CLEAN) >= 150


@pytest.mark.parametrize("check", list(CHECKS))
def test_each_check_recall_and_false_rejects(check, verdicts):
    planted = [line for line in PLANTED if check_of(line["label"]) == check]
    found = [line for line in planted if (check, line["label"]) in verdicts[line["record"]["id"]]]
    rejected = [line["record"]["id"] for line in CLEAN if any(c == check for c, _ in verdicts[line["record"]["id"]])]
    assert planted, f"the corpus plants nothing for {check}"
    assert len(found) / len(planted) >= 0.95, f"{check}: recall {len(found)}/{len(planted)}"
    assert len(rejected) / len(CLEAN) <= 0.03, f"{check}: false rejects {rejected}"


def test_every_code_has_an_exact_failure_with_a_passing_base(verdicts):
    exact = defaultdict(list)
    for line in PLANTED:
        base = line.get("base")
        if verdicts[line["record"]["id"]] == {(check_of(line["label"]), line["label"])} and base and not verdicts[base]:
            exact[line["label"]].append(line["record"]["id"])
    missing = sorted({line["label"] for line in PLANTED} - set(exact))
    assert not missing, f"no exact fail/pass pair for {missing}"


def test_dedup_recall_and_no_clean_record_dropped():
    records = [
        (index, parse_record(line["record"]))
        for index, line in enumerate(LINES)
        if line["label"] in ("clean", "duplicate")
    ]
    dropped = find_duplicates(records)
    by_index = dict(enumerate(LINES))
    planted = {index for index, line in by_index.items() if line["label"] == "duplicate"}
    assert planted <= set(dropped), (
        f"missed duplicates: {[by_index[i]['record']['id'] for i in planted - set(dropped)]}"
    )
    assert not set(dropped) - planted, (
        f"clean records dropped: {[by_index[i]['record']['id'] for i in set(dropped) - planted]}"
    )
    for index in planted:
        assert by_index[index]["duplicate_of"] in dropped[index].message


def test_label_counts_cover_every_code_of_the_checks():
    labels = Counter(line["label"] for line in LINES)
    wanted = {code for code, (check, _) in CODES.items() if check in (*CHECKS, "dedup")} - {
        "invalid_record",
        "check_error",
    }  # shapes and crashes, not planted values
    assert wanted <= set(labels), f"codes without planted records: {sorted(wanted - set(labels))}"
