"""`fc-datagen eval` against loopback models (real HTTP, the real openai client): one that answers
every reference (100%), one with scripted mistakes of each kind (scored exactly as scripted), one
that answers broken JSON or prose (wrong with a reason, never a crash); --compare; the cache; bad input."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections import Counter
from pathlib import Path

import pytest

from filters.possible import first_calls
from pipeline.eval.ask import request_for
from pipeline.eval.sources import load_items
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI

SECRET = "sk-eval-SECRET-0a1b2c3d4e5f"


def _key(messages, tools) -> str:
    return hashlib.sha256(json.dumps([messages, tools], sort_keys=True).encode()).hexdigest()


def _message(calls=(), content=None, broken=False) -> dict:
    """An assistant message as the chat API returns it (arguments as JSON strings)."""
    return {
        "content": content,
        "tool_calls": [
            {
                "id": f"call{n}",
                "type": "function",
                "function": {
                    "name": call["name"],
                    "arguments": '{"oops": ' if broken else json.dumps(call["arguments"]),
                },
            }
            for n, call in enumerate(calls)
        ],
    }


WORDS = {
    "no_call": "Happy to help with that in words.",
    "question": "Which date would you like?",
    "decline": "Sorry, I can't do that with the tools I have.",
    "confirm": "Shall I go ahead with that?",
}


class Model:
    """Answers each item by its prompt: the reference, or (with `mistakes`) a scripted mistake on
    some items, remembering which code each one must get."""

    def __init__(self, items, mistakes: bool = False):
        self.items = {_key(request_for(i, "native").messages, i.tools): i for i in items}
        self.mistakes, self.expected = mistakes, {}

    def __call__(self, body):
        item = self.items[_key(body["messages"], body["tools"])]
        right = first_calls(item.answers, item.schemas) if item.expect == "call" else []
        code, message = "", _message(right, None if right else WORDS.get(item.expect, WORDS["no_call"]))
        if self.mistakes:
            code, message = self.mistake(item, right, message)
        self.expected[item.id] = code
        return message

    def mistake(self, item, right, message):
        """One mistake by the item's hash (a third of the items stay right)."""
        digest = int(hashlib.sha256(item.id.encode()).hexdigest()[:8], 16)
        if item.expect != "call":
            if not digest % 3:
                return "", message
            code = "no_confirmation" if item.expect == "confirm" else "unneeded_call"
            return code, _message([{"name": item.tools[0]["function"]["name"], "arguments": {}}])
        if len(right) > 1:
            return ("wrong_call_count", _message(right[:-1])) if digest % 3 else ("", message)
        call = right[0]
        schema = item.schemas[call["name"]]
        strings = sorted(k for k, v in call["arguments"].items() if isinstance(v, str) and v)
        required = sorted(schema.get("required") or [])
        others = [t["function"]["name"] for t in item.tools if t["function"]["name"] != call["name"]]
        options = {
            "wrong_value": strings and {**call["arguments"], strings[0]: strings[0] + " Springfield"},
            "wrong_type": strings and {**call["arguments"], strings[0]: 12345},
            "missing_argument": required and {k: v for k, v in call["arguments"].items() if k != required[0]},
            "unexpected_argument": {**call["arguments"], "zz_extra": 1},
            "wrong_function": others,
            "missing_call": True,
            "unreadable_answer": True,
            "": True,
        }
        code = list(options)[digest % len(options)]
        if not options[code]:
            return "", message
        if code == "wrong_function":
            return code, _message([{"name": others[0], "arguments": call["arguments"]}])
        if code == "missing_call":
            return code, _message([], "Let me think about that.")
        if code == "unreadable_answer":
            return code, _message([call], broken=True)
        if code:
            return code, _message([{"name": call["name"], "arguments": options[code]}])
        return code, message


def evaluate(run: Path, model, out: Path, *extra: str, server: FakeOpenAI | None = None):
    with FakeOpenAI(model) if server is None else contextlib.nullcontext(server) as server:
        before = len(server.requests)
        result = run_cli(
            [
                "eval",
                str(run),
                "--split",
                "all",
                "--base-url",
                server.base_url,
                "--model",
                "m/1",
                "--out",
                str(out),
                *extra,
            ],
            module="pipeline.cli",
            env={"OPENAI_API_KEY": SECRET},
        )
        sent = len(server.requests) - before
    rows = [json.loads(line) for line in (out / "eval.jsonl").read_text().splitlines()] if result.returncode < 2 else []
    return result, rows, sent


def test_a_model_that_answers_the_references_scores_100_percent(run, tmp_path):
    items, _ = load_items(run, "all")
    assert Counter(item.expect for item in items).keys() >= {"call", "no_call", "question"}
    with FakeOpenAI(Model(items)) as server:  # one endpoint: the cache is keyed by it
        result, rows, sent = evaluate(run, None, tmp_path / "ref", server=server)
        again, rows_again, sent_again = evaluate(run, None, tmp_path / "ref", server=server)  # the cache answers
    assert result.returncode == 0, result.stderr
    assert sent == len(items) == len(rows) and all(row["verdict"] == "correct" for row in rows)
    summary = json.loads((tmp_path / "ref" / "summary.json").read_text())
    assert summary["accuracy"] == 1.0 and summary["mistakes"] == {} and summary["model"] == "m/1"
    assert set(summary["by_category"]) == {item.category for item in items}
    assert SECRET not in result.stdout + result.stderr + (tmp_path / "ref" / "summary.json").read_text()
    assert again.returncode == 0 and sent_again == 0 and rows_again == rows


def test_an_interrupted_eval_resumes_without_asking_again(run, tmp_path):
    items, _ = load_items(run, "all")
    with FakeOpenAI(Model(items)) as server:
        first, rows, sent = evaluate(run, None, tmp_path / "part", "--limit", "10", server=server)
        assert first.returncode == 0 and sent == len(rows) == 10
        whole, rows, sent = evaluate(run, None, tmp_path / "part", server=server)
    assert whole.returncode == 0 and len(rows) == len(items) and sent == len(items) - 10


def test_scripted_mistakes_are_scored_exactly_as_scripted(run, tmp_path):
    items, _ = load_items(run, "all")
    model = Model(items, mistakes=True)
    result, rows, _ = evaluate(run, model, tmp_path / "mistakes")
    assert result.returncode == 0, result.stderr
    got = {row["id"]: (row["codes"][0] if row["codes"] else "") for row in rows}
    assert got == model.expected
    scripted = Counter(code for code in model.expected.values() if code)
    assert len(scripted) >= 8, scripted  # every kind of mistake was made
    summary = json.loads((tmp_path / "mistakes" / "summary.json").read_text())
    assert summary["mistakes"] == dict(scripted)
    assert summary["correct"] == sum(not code for code in model.expected.values())
    table = result.stdout
    assert "mistake: wrong_value" in table and "accuracy" in table

    compared = run_cli(
        ["eval", "--compare", str(tmp_path / "mistakes"), str(tmp_path / "mistakes")], module="pipeline.cli"
    )
    assert compared.returncode == 0 and "+0.0" in compared.stdout


def test_broken_json_and_prose_are_wrong_with_a_reason(run, tmp_path):
    items, _ = load_items(run, "all")
    table = Model(items).items

    def broken(body):
        item = table[_key(body["messages"], body["tools"])]
        if int(hashlib.sha256(item.id.encode()).hexdigest()[:2], 16) % 2:
            return _message([{"name": "x", "arguments": {}}], broken=True)
        return {"content": "I would rather write a poem about " + item.category, "tool_calls": []}

    result, rows, _ = evaluate(run, broken, tmp_path / "broken")
    assert result.returncode == 0, result.stderr
    for row in rows:
        if row["expect"] in ("call", "any_call"):
            assert row["verdict"] == "wrong" and row["codes"][0] in ("unreadable_answer", "missing_call")
            assert row["message"]
    assert {code for row in rows for code in row["codes"]} >= {"unreadable_answer", "missing_call"}


def test_compare_finds_the_better_model(run, tmp_path):
    items, _ = load_items(run, "all")
    evaluate(run, Model(items), tmp_path / "good")
    evaluate(run, Model(items, mistakes=True), tmp_path / "bad")
    result = run_cli(["eval", "--compare", str(tmp_path / "bad"), str(tmp_path / "good")], module="pipeline.cli")
    assert result.returncode == 0, result.stderr
    assert "McNemar" in result.stdout and "*" in result.stdout  # significant


@pytest.mark.parametrize(
    "args, message",
    [
        (["/nonexistent/run"], "/nonexistent/run: no such file or folder"),
        (["--compare", "/nope/a", "/nope/b"], "/nope/a: not an eval folder (no eval.jsonl)"),
        (["RUN", "--base-url", "http://127.0.0.1:9/v1"], "--base-url needs --model"),
        (["RUN", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--timeout", "1"], "error: teacher:"),
    ],
)
def test_bad_input_is_one_line_and_no_output(run, tmp_path, args, message):
    args = [str(run) if arg == "RUN" else arg for arg in args]
    result = run_cli(
        ["eval", *args, "--out", str(tmp_path / "o")] if "--compare" not in args else ["eval", *args],
        module="pipeline.cli",
    )
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o" / "eval.jsonl").exists()


def test_bfcl_files_without_answers_or_with_a_bad_row_name_the_file(tmp_path):
    data = tmp_path / "BFCL_v4_simple_python.json"
    data.write_text('{"id": "a", "question": [[{"role": "user", "content": "hi"}]], "function": [{"name": 3}]}\n')
    result = run_cli(["eval", str(data), "--out", str(tmp_path / "o")], module="pipeline.cli")
    answers = tmp_path / "possible_answer" / data.name
    assert result.returncode == 2 and f"{answers}: no possible-answer file" in result.stderr, result.stderr
    answers.parent.mkdir()
    answers.write_text('{"id": "a", "ground_truth": [{"f": {"x": [1]}}]}\n')
    result = run_cli(["eval", str(data), "--out", str(tmp_path / "o")], module="pipeline.cli")
    assert result.returncode == 2 and f"{data} line 1: function[0]: expected a function" in result.stderr, result.stderr
    multi = tmp_path / "BFCL_v4_multi_turn_base.json"
    multi.write_text("")
    result = run_cli(["eval", str(multi)], module="pipeline.cli")
    assert result.returncode == 2 and "scored by running BFCL's own API classes" in result.stderr
