"""pipeline.pairs.student: a loopback student (a real HTTP server the real openai client talks to)
answers every decision prompt of a fake-teacher run, wrong on purpose for about 30% of them; the
student pairs' rejected sides are exactly its wrong answers and the manifest's accuracy is its
real one."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from pipeline.config import RunConfig
from pipeline.job import pair_checks
from pipeline.pairs.student import KINDS, decision_kind, student_decisions, student_request
from pipeline.record import parse_record
from pipeline.seeds import load_tools
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI
from tests.generate.helpers import run_category

CATALOG = load_tools()
SECRET = "sk-student-SECRET-4f9a8b7c6d5e"
MISTAKES = ("wrong_value", "wrong_function", "missing_call", "prose")


def _key(messages, tools) -> str:
    """A prompt's key: its messages and tools (two records may share a request and differ in tools)."""
    return hashlib.sha256(json.dumps([messages, tools], sort_keys=True).encode()).hexdigest()


def _openai(turn: dict) -> dict:
    """An accepted turn as the chat API returns it (arguments as a JSON string)."""
    out = {"content": turn.get("content")}
    if turn.get("tool_calls"):
        out["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["function"]["name"], "arguments": json.dumps(call["function"]["arguments"])},
            }
            for call in turn["tool_calls"]
        ]
    return out


class ScriptedStudent:
    """Knows every decision's accepted turn (by its prompt) and answers it, except when the
    prompt's hash says to make a mistake (30%): a wrong value, another tool, a call left out,
    words instead of the call, or a call where the accepted answer was words."""

    def __init__(self, records):
        checks = pair_checks(RunConfig(), CATALOG)
        self.table = {}
        for decision in student_decisions(records, checks):
            request = student_request(decision, 0.0, 512)
            key = _key(request.messages, request.tools)
            self.table[key] = decision
        self.answers: dict[str, tuple[str | None, dict]] = {}  # prompt key -> (mistake or None, message sent)
        self.authorization: set[str] = set()

    def __call__(self, body):
        key = _key(body["messages"], body["tools"])
        decision = self.table[key]
        chosen = _openai(decision.chosen)
        digest = int(key[:12], 16)
        mistake, message = None, chosen
        if digest % 100 < 30:
            calls = chosen.get("tool_calls") or []
            if not calls:
                tool = body["tools"][digest % len(body["tools"])]["function"]["name"]
                mistake = "call_in_no_call"
                message = {"content": None, "tool_calls": [self._call("s0", tool, {})]}
            else:
                mistake = MISTAKES[(digest // 100) % len(MISTAKES)]
                message = self._mistake(mistake, calls, body["tools"], digest)
        self.answers[key] = (mistake, message)
        return message

    @staticmethod
    def _call(call_id, name, arguments):
        return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}

    def _mistake(self, mistake, calls, tools, digest):
        first = calls[0]["function"]
        arguments = json.loads(first["arguments"])
        keys = sorted(key for key, value in arguments.items() if value is not None)  # a null stays a null
        if mistake == "wrong_value" and keys:
            key = keys[digest % len(keys)]
            value = arguments[key]
            arguments[key] = (
                (not value)
                if isinstance(value, bool)
                else value + 7
                if isinstance(value, (int, float))
                else f"{value} Springfield"
                if isinstance(value, str)
                else [value]
            )
            return {"content": None, "tool_calls": [self._call(calls[0]["id"], first["name"], arguments), *calls[1:]]}
        if mistake == "wrong_function":
            others = [t["function"]["name"] for t in tools if t["function"]["name"] != first["name"]]
            if others:
                name = others[digest % len(others)]
                return {"content": None, "tool_calls": [self._call(calls[0]["id"], name, arguments), *calls[1:]]}
        if mistake == "missing_call" and len(calls) > 1:
            return {"content": None, "tool_calls": calls[:-1]}
        return {"content": "Sure, I'll look into that for you.", "tool_calls": []}


@pytest.fixture(scope="module")
def student_run(tmp_path_factory):
    """An `all` blueprint run against the fake teacher, then the same run again (every teacher
    answer from the cache) with the scripted student asked."""
    folder = tmp_path_factory.mktemp("student")
    previous = os.environ.get("OPENAI_API_KEY")
    os.environ["OPENAI_API_KEY"] = SECRET
    try:
        with FakeOpenAI() as teacher:
            first = run_category(teacher, folder / "run", "all", "blueprint", n=120)
            records = [parse_record(r) for r in first["accepted"]]
            student = ScriptedStudent(records)
            with FakeOpenAI(student) as server:
                second = run_category(
                    teacher,
                    folder / "run",
                    "all",
                    "blueprint",
                    n=120,
                    student={"base_url": server.base_url, "model": "student-1"},
                )
                student.authorization.add(server.authorization)
    finally:
        if previous is None:
            os.environ.pop("OPENAI_API_KEY", None)
        else:
            os.environ["OPENAI_API_KEY"] = previous
    pairs = [json.loads(line) for line in (folder / "run" / "pairs.jsonl").read_text().splitlines()]
    return {"first": first, "second": second, "student": student, "pairs": pairs, "folder": folder / "run"}


def test_the_rejected_sides_of_student_pairs_are_exactly_the_students_wrong_answers(student_run):
    student, second = student_run["student"], student_run["second"]
    assert second["accepted"] == student_run["first"]["accepted"]  # the same records, read from the cache
    assert len(student.answers) == len(student.table) > 100  # every decision asked once
    pairs = [p for p in student_run["pairs"] if p["source"] == "student"]
    by_prompt = {}
    for pair in pairs:
        key = next(
            key
            for key, d in student.table.items()
            if d.record.id == pair["record_id"] and d.index == len(pair["prompt"])
        )
        assert key not in by_prompt  # one pair per wrong answer
        by_prompt[key] = pair
    wrong = {key for key, (mistake, _) in student.answers.items() if mistake}
    undetected = wrong - set(by_prompt)
    assert set(by_prompt) <= wrong  # no right answer was made a pair
    for key, pair in by_prompt.items():
        sent = student.answers[key][1]
        rejected = pair["rejected"][0]
        assert [c["function"]["name"] for c in rejected.get("tool_calls") or []] == [
            c["function"]["name"] for c in sent.get("tool_calls") or []
        ]
        assert [c["function"]["arguments"] for c in rejected.get("tool_calls") or []] == [
            json.loads(c["function"]["arguments"]) for c in sent.get("tool_calls") or []
        ]
        decision = student.table[key]
        assert pair["chosen"] == [decision.chosen] and pair["code"] == pair["type"]
    print(f"\nwrong answers {len(wrong)}, paired {len(by_prompt)}, undetected {len(undetected)}")
    print(Counter(student.answers[k][0] for k in wrong), Counter(p["code"] for p in pairs).most_common(8))
    assert not undetected, [student.answers[k] for k in undetected]  # a call where words were right too


def test_the_manifest_reports_the_students_accuracy_within_a_point(student_run):
    student, report = student_run["student"], student_run["second"]["manifest"]["student"]
    answers = list(student.answers.values())
    wrong_share = sum(1 for mistake, _ in answers if mistake) / len(answers)
    assert abs(wrong_share - 0.3) < 0.06, wrong_share  # the script's rate, drawn by hashing the prompts
    assert abs((1 - report["accuracy"]) - wrong_share) <= 0.01, (report["accuracy"], wrong_share)
    assert report["decisions"] == report["answered"] == report["prompts_sent"] == len(answers)
    assert report["pairs"] == sum(1 for p in student_run["pairs"] if p["source"] == "student")
    assert student_run["second"]["manifest"]["pairs"]["by_source"]["student"] == report["pairs"]
    assert set(report["by_kind"]) <= set(KINDS)
    assert {"no_call_answer", "parallel_calls", "call"} <= set(report["by_kind"])
    assert set(report["by_category"]) == {"single", "parallel", "nested", "multi_turn", "no_call"}
    for name, section in report["by_kind"].items():  # each kind's accuracy is its own answers'
        kinds = [student.answers[key][0] for key, decision in student.table.items() if decision_kind(decision) == name]
        assert section["answered"] == len(kinds)
    print("\n", json.dumps({k: v for k, v in report.items() if k.startswith("by_")}, indent=1))


def test_the_student_key_is_sent_but_never_written(student_run):
    assert student_run["student"].authorization == {f"Bearer {SECRET}"}
    for path in Path(student_run["folder"]).rglob("*"):
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path


def test_a_run_with_the_student_flags_writes_its_section_and_a_rerun_asks_nothing_again(tmp_path):
    """End to end through `python -m pipeline.run`: the student's key from the env var the job
    file's `student:` names, its prompts cached like the teacher's."""
    with FakeOpenAI() as teacher, FakeOpenAI(lambda body: {"content": "I cannot do that."}) as student:
        job = tmp_path / "job.yaml"
        job.write_text("student:\n  api_key_env: STUDENT_KEY\n  model: tiny-student\n")
        args = [
            "--config",
            str(job),
            "--category",
            "single",
            "--n",
            "5",
            "--mode",
            "blueprint",
            "--base-url",
            teacher.base_url,
            "--model",
            "fake",
            "--student-url",
            student.base_url,
            "--out",
            str(tmp_path / "run"),
        ]
        env = {"STUDENT_KEY": SECRET, "OPENAI_API_KEY": "sk-teacher-key-0000"}
        done = run_cli(args, env=env)
        assert done.returncode == 0, done.stderr
        assert student.authorization == f"Bearer {SECRET}"
        assert SECRET not in done.stdout + done.stderr
        manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
        section = manifest["student"]
        assert section["model"] == "tiny-student" and section["accuracy"] == 0.0
        assert section["decisions"] == section["prompts_sent"] >= 3
        assert section["by_kind"]["call"]["correct"] == 0
        assert "no_call_when_needed" in section["codes"]  # words where the call was needed
        assert manifest["config"]["student"]["api_key_env"] == "STUDENT_KEY"
        for path in (tmp_path / "run").rglob("*"):
            if path.is_file():
                assert SECRET not in path.read_text(errors="replace"), path
        asked = len(student.requests)
        again = run_cli(args, env=env)
        assert again.returncode == 0, again.stderr
        assert len(student.requests) == asked  # every answer from the run's response cache
        rerun = json.loads((tmp_path / "run" / "manifest.json").read_text())["student"]
        assert rerun["prompts_sent"] == 0 and rerun["cached"] == section["decisions"]
        assert rerun["by_kind"] == section["by_kind"]


def test_a_student_url_needs_a_model(tmp_path):
    done = run_cli(["--category", "single", "--student-url", "http://127.0.0.1:9/v1", "--out", str(tmp_path / "x")])
    assert done.returncode == 2 and "student model is required" in done.stderr, done.stderr
