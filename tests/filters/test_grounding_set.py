"""The world-knowledge grounding set (tests/filters/grounding_set.jsonl, bench/make_grounding_set.py).

Issue 24 item 6: correct calls whose values need what people know (a city's state, country,
airport, timezone or currency; a unit or enum abbreviation; a date in another format or with the
year from `meta.now`; a common-sense constant; a documented default or starting point) must pass
(false rejects <= 3%), and their planted twins with a value nobody grounds must still fail
(>= 95% caught).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from filters.grounding import GroundingCheck
from pipeline.record import parse_record

LINES = [
    json.loads(line)
    for line in (Path(__file__).parent / "grounding_set.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
CLASSES = {"city_state", "city_country", "airport", "station", "currency", "timezone", "country", "unit", "date"}
CLASSES |= {"constant", "default"}


@pytest.fixture(scope="module")
def verdicts():
    check = GroundingCheck()
    return {line["record"]["id"]: check(parse_record(line["record"])) for line in LINES}


def test_the_set_is_big_enough_and_covers_every_class():
    labels = Counter(line["label"] for line in LINES)
    assert labels["clean"] >= 150 and labels["ungrounded_value"] >= 150
    assert {line["class"] for line in LINES if line["label"] == "clean"} == CLASSES
    assert {line["class"] for line in LINES if line["label"] != "clean"} == CLASSES


def test_correct_calls_pass_and_planted_values_are_caught(verdicts):
    clean = [line for line in LINES if line["label"] == "clean"]
    planted = [line for line in LINES if line["label"] == "ungrounded_value"]
    rejected = [line["record"]["id"] for line in clean if verdicts[line["record"]["id"]]]
    missed = [
        line["record"]["id"]
        for line in planted
        if not any(issue.code == "ungrounded_value" for issue in verdicts[line["record"]["id"]])
    ]
    assert len(rejected) / len(clean) <= 0.03, f"false rejects: {rejected}"
    assert 1 - len(missed) / len(planted) >= 0.95, f"missed: {missed}"
