"""Benchmark: the student route on a finished run's records (issue 17; not a test).

    python bench/student_route.py RUN_DIR

Sends every decision prompt of RUN_DIR's accepted records to a loopback student
(tests/pairs/test_student.py's ScriptedStudent: the accepted turn, or on about 30% of prompts,
by a hash of the prompt, a wrong value, another tool, a call left out, words instead of the call,
or a call where the answer was words) through pipeline.job.ask_the_student, and prints the
scripted error rate, the student pairs, the answers the checks could not tell from right, and the
accuracy the manifest would report (overall, per kind and per category). No generation, no cache.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.config import RunConfig  # noqa: E402
from pipeline.engine import RunResult  # noqa: E402
from pipeline.job import ask_the_student  # noqa: E402
from pipeline.pairs.student import student_pairs, student_request  # noqa: E402
from pipeline.record import parse_record  # noqa: E402
from pipeline.seeds import load_tools  # noqa: E402
from tests.fake_openai import FakeOpenAI  # noqa: E402
from tests.pairs.test_student import ScriptedStudent, _key  # noqa: E402


def main() -> None:
    run = Path(sys.argv[1])
    records = [parse_record(json.loads(line)) for line in (run / "accepted.jsonl").read_text().splitlines()]
    student = ScriptedStudent(records)
    with FakeOpenAI(student) as server:
        config = RunConfig(
            category="all",
            teacher={"base_url": "http://127.0.0.1:9/v1", "model": "unused"},
            student={"base_url": server.base_url, "model": "scripted"},
        )
        result = RunResult.__new__(RunResult)  # only .accepted is read
        result.accepted = records
        outcomes, report = ask_the_student(config, load_tools(), result, None)
    pairs = student_pairs(outcomes)
    by_key = {}
    for outcome in outcomes:
        request = student_request(outcome.decision, 0.0, 512)
        by_key[_key(request.messages, request.tools)] = outcome
    wrong = {key for key, (mistake, _) in student.answers.items() if mistake}
    undetected = [key for key in wrong if not by_key[key].codes]
    flagged_right = [key for key, outcome in by_key.items() if outcome.codes and key not in wrong]
    print(f"{len(records)} records, {report['decisions']} decisions, {report['prompts_sent']} prompts sent")
    print(
        f"scripted wrong {len(wrong)} ({len(wrong) / len(student.answers):.4f}), student pairs {len(pairs)}, "
        f"undetected {len(undetected)}, right answers flagged {len(flagged_right)}"
    )
    print(f"manifest accuracy {report['accuracy']} (1 - accuracy = {1 - report['accuracy']:.4f})")
    print("by kind:", {name: section["accuracy"] for name, section in report["by_kind"].items()})
    print("by category:", {name: section["accuracy"] for name, section in report["by_category"].items()})
    print("mistakes:", dict(Counter(student.answers[key][0] for key in wrong)))
    print("pair codes:", Counter(pair.code for pair in pairs).most_common(10))


if __name__ == "__main__":
    main()
