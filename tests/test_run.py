"""`python -m pipeline.run` end to end as a subprocess against the fake server (real HTTP)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from filters.checks import FUNNEL
from pipeline.generate.single import literal_examples
from pipeline.seeds import load_examples
from tests.conftest import ROOT, run_cli
from tests.fake_openai import FakeOpenAI, asked_keys

SECRET = "sk-test-SECRET-do-not-leak-123"
FAST = ("--max-attempts", "2")  # a request that keeps failing gives up after one retry
ALLOWED_TOOL_KEYS = {"type", "function"}
ALLOWED_FUNCTION_KEYS = {"name", "description", "parameters"}


def _keys(value, found):
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(key)
            _keys(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys(item, found)
    return found


def _run(fake: FakeOpenAI, out: Path, *extra: str, env=None):
    return run_cli(
        ["--category", "single", "--base-url", fake.base_url, "--model", "fake-model", "--out", str(out), *extra],
        env={"OPENAI_API_KEY": SECRET, **(env or {})},
    )


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_blueprint_run_writes_valid_records_and_manifest(fake, tmp_path):
    out = tmp_path / "run"
    result = _run(fake, out, "--n", "6", "--mode", "blueprint", "--seed", "3", "--concurrency", "4")
    assert result.returncode == 0, result.stderr
    accepted = _records(out / "accepted.jsonl")
    assert len(accepted) == 6
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["counts"]["accepted"] == 6 and manifest["counts"]["requested"] == 6
    assert manifest["teacher"]["structured_output"] == "json_schema"
    assert manifest["short_cells"] == []
    assert manifest["tool_results"]["without_executor"] == "simulated by the teacher"  # an endpoint writes them
    assert set(manifest["funnel"]["removed_by_check"]) == set(FUNNEL)  # every stage, in filters.checks' order
    assert {"generate", "format", "schema", "grounding", "category", "quality", "judge", "dedup"} <= set(FUNNEL)
    assert [row["category"] for row in manifest["funnel"]["by_slice"]] == ["single"] * len(
        manifest["funnel"]["by_slice"]
    )
    assert sum(row["candidates"] for row in manifest["funnel"]["by_slice"]) == manifest["counts"]["candidates"]
    assert manifest["usage"]["requests"] == len(fake.requests)
    for record in accepted:
        assert record["category"] == "single"
        meta = record["meta"]
        assert meta["teacher"]["model"] == "fake-model"
        assert meta["teacher"]["temperature"] in (0.2, 0.7, 1.0)
        assert len(meta["prompt_version"]) == 12 and meta["task"] and meta["now"].endswith("Z")
        assert meta["reference"][0]["calls"][0]["name"] == record["messages"][-1]["tool_calls"][0]["function"]["name"]
        for tool in record["tools"]:
            assert set(tool) <= ALLOWED_TOOL_KEYS and set(tool["function"]) <= ALLOWED_FUNCTION_KEYS
            assert not any(key.startswith("x-") for key in _keys(tool, set()))
        assert isinstance(record["messages"][-1]["tool_calls"][0]["function"]["arguments"], dict)
    check = run_cli([str(out / "accepted.jsonl")], module="pipeline.validate")
    assert check.returncode == 0, check.stdout
    assert len(check.stdout.splitlines()) == 6
    for path in out.rglob("*"):  # the response cache too
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path
    assert SECRET not in result.stdout + result.stderr
    assert fake.requests and all(body["model"] == "fake-model" for body in fake.requests)


def test_solve_pass_is_never_told_the_target(fake, tmp_path):
    out = tmp_path / "run"
    assert _run(fake, out, "--n", "2", "--mode", "blueprint").returncode == 0
    pick_steps = [b for b in fake.requests if asked_keys(b) == {"action"}]
    assert pick_steps
    for body in pick_steps:
        enum = body["response_format"]["json_schema"]["schema"]["properties"]["action"]["enum"]
        assert len(enum) >= 2 and len(set(enum)) == len(
            enum
        )  # the target and at least one distractor, never the target alone
        system = body["messages"][0]["content"]
        assert all(f"- {option}" in system for option in enum)


def test_free_mode_with_user_tools(fake, tmp_path):
    tools = tmp_path / "tools.json"
    tools.write_text(
        json.dumps(
            [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "description": "Current weather in a city.",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    },
                },
                {
                    "type": "function",
                    "function": {
                        "name": "get_time",
                        "description": "Local time in a city.",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    },
                },
            ]
        )
    )
    out = tmp_path / "run"
    result = _run(fake, out, "--n", "4", "--mode", "free", "--tools", str(tools))
    assert result.returncode == 0, result.stderr
    accepted = _records(out / "accepted.jsonl")
    assert len(accepted) == 4
    assert {r["messages"][-1]["tool_calls"][0]["function"]["name"] for r in accepted} == {"get_weather", "get_time"}
    assert all("reference" not in r["meta"] for r in accepted)


def test_rejected_round_trips_are_topped_up(fake, tmp_path):
    def spoil(number, body, content):
        if asked_keys(body) == {"arguments"} and number % 3 == 0:
            answer = json.loads(content)
            answer["arguments"] = {
                key: (value + "X" if isinstance(value, str) else value) for key, value in answer["arguments"].items()
            }
            if not any(isinstance(v, str) for v in answer["arguments"].values()):
                answer["arguments"]["unexpected"] = 1
            return json.dumps(answer)
        return content

    fake.corrupt = spoil
    out = tmp_path / "run"
    result = _run(fake, out, "--n", "8", "--mode", "blueprint")
    assert result.returncode == 0, result.stderr
    assert len(_records(out / "accepted.jsonl")) == 8
    rejected = _records(out / "rejected.jsonl")
    assert rejected, "some candidates must have been spoiled"
    for entry in rejected:
        assert entry["meta"]["codes"] and entry["meta"]["issues"]
        assert set(entry["meta"]["codes"]) & {
            "wrong_value",
            "unexpected_argument",
            "constraint_violation",
            "enum_violation",
            "wrong_type",
        }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["candidates"] == 8 + len(rejected) + manifest["counts"]["surplus_dropped"]
    assert sum(manifest["funnel"]["removed_by_check"].values()) == len(rejected)


def test_a_request_missing_a_value_is_rejected_before_the_solve_pass(fake, tmp_path):
    dropped = []

    def drop_a_value(number, body, content):
        if asked_keys(body) == {"request"} and number % 2 == 0:
            dropped.append(number)
            return json.dumps({"request": "Could you sort this out for me, please?"})
        return content

    fake.corrupt = drop_a_value
    out = tmp_path / "run"
    result = _run(fake, out, "--n", "4", "--mode", "blueprint")
    assert result.returncode == 0, result.stderr
    assert len(_records(out / "accepted.jsonl")) == 4
    rejected = _records(out / "rejected.jsonl")
    assert rejected
    for entry in rejected:
        assert entry["meta"]["codes"] == ["ungrounded_value"]
        issue = entry["meta"]["issues"][0]
        assert issue["check"] == "generate" and issue["path"].startswith(
            f"messages[{len(entry['messages']) - 1}].tool_calls[0].function.arguments."
        )
        assert (
            next(m["content"] for m in entry["messages"] if m["role"] == "user")
            == "Could you sort this out for me, please?"
        )
        assert entry["meta"]["raw"]["phrase"]
    # the first solves: a second solve (pairs.second_solve, 0.9 by default with an endpoint) asks again
    steps = [asked_keys(b) for b in fake.requests if b.get("temperature") != 0.9]
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    assert steps.count({"request"}) == counts["candidates"] + counts["unneeded_tasks"]  # one phrase per task that ran
    assert steps.count({"action"}) == steps.count({"request"}) - len(
        dropped
    )  # solve only requests that state every value
    assert 0 < len(rejected) <= len(dropped)


def test_a_request_that_copies_a_few_shot_is_rejected_before_the_solve_pass(fake, tmp_path):
    copied = []

    def copy_the_last_example(number, body, content):
        if asked_keys(body) == {"request"} and number % 2 == 0:
            copied.append(number)
            return body["messages"][-2]["content"]  # the nearest few-shot answer, verbatim
        return content

    fake.corrupt = copy_the_last_example
    out = tmp_path / "run"
    assert _run(fake, out, "--n", "3", "--mode", "blueprint").returncode == 0
    rejected = _records(out / "rejected.jsonl")
    assert rejected and all(entry["meta"]["codes"] == ["fewshot_copy"] for entry in rejected)
    assert all(  # the request: the first user turn (a write tool's confirmation turns follow it)
        entry["meta"]["issues"][0]["path"]
        == f"messages[{[m['role'] for m in entry['messages']].index('user')}].content"
        for entry in rejected
    )
    # the first solves: a second solve (pairs.second_solve, 0.9 by default with an endpoint) asks again
    steps = [asked_keys(b) for b in fake.requests if b.get("temperature") != 0.9]
    assert steps.count({"action"}) == steps.count({"request"}) - len(copied)  # no solve request for a copy
    assert 0 < len(rejected) <= len(copied)  # (a task that ran after its cell filled is not a candidate)


def test_free_mode_rejects_a_copied_few_shot(fake, tmp_path):
    def copy_the_last_example(number, body, content):
        return body["messages"][-2]["content"] if "call" in asked_keys(body) and number % 2 == 0 else content

    fake.corrupt = copy_the_last_example
    out = tmp_path / "run"
    _run(fake, out, "--n", "3", "--mode", "free")  # which tasks get spoiled depends on arrival order
    copies = [entry for entry in _records(out / "rejected.jsonl") if "fewshot_copy" in entry["meta"]["codes"]]
    examples = {example["request"] for example in load_examples("single")}
    assert copies and all(entry["messages"][-2]["content"] in examples for entry in copies)
    assert not any(record["messages"][-2]["content"] in examples for record in _records(out / "accepted.jsonl"))


def test_blueprint_prompts_show_only_examples_that_state_their_values(fake, tmp_path):
    literal = {e["request"] for e in literal_examples(load_examples("single"))}
    assert _run(fake, tmp_path / "run", "--n", "3", "--mode", "blueprint").returncode == 0
    shown = [m["content"] for body in fake.requests for m in body["messages"][1:-1] if m["role"] == "assistant"]
    requests = [json.loads(text)["request"] for text in shown if "request" in json.loads(text)]
    assert requests and set(requests) <= literal


def test_cells_left_short_exit_1_and_are_named(tmp_path):
    with FakeOpenAI(
        responder=lambda body: (
            '{"name": "nope"}' if "name" in json.dumps(body.get("response_format", {})) else '{"answer": "yes"}'
        )
    ) as fake:
        out = tmp_path / "run"
        result = _run(fake, out, "--n", "2", "--max-candidates", "6", "--mode", "blueprint")
    assert result.returncode == 1, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["accepted"] == 0 and manifest["counts"]["candidates"] == 6
    assert len(manifest["short_cells"]) == 2
    assert "short" in result.stderr


def test_same_seed_same_records(fake, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(fake, a, "--n", "5", "--seed", "11", "--mode", "blueprint").returncode == 0
    assert _run(fake, b, "--n", "5", "--seed", "11", "--mode", "blueprint").returncode == 0
    assert (a / "accepted.jsonl").read_text() == (b / "accepted.jsonl").read_text()
    c = tmp_path / "c"
    assert _run(fake, c, "--n", "5", "--seed", "12", "--mode", "blueprint").returncode == 0
    assert (a / "accepted.jsonl").read_text() != (c / "accepted.jsonl").read_text()


def test_default_out_goes_to_outputs_run_name(fake, tmp_path):
    result = run_cli(["--category", "single", "--n", "1", "--base-url", fake.base_url, "--model", "m"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    runs = list((tmp_path / "outputs").iterdir())
    assert len(runs) == 1 and runs[0].name.startswith("single-free-seed0-")
    assert (runs[0] / "manifest.json").is_file()


def test_bad_seed_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "travel.json"
    good = {"name": "a", "description": "x", "parameters": {"type": "object", "properties": {}}}
    typo = {
        "name": "d",
        "description": "x",
        "parameters": {"type": "object", "properties": {"date": {"type": "strnig"}}},
    }
    bad.write_text(json.dumps({"tools": [{**good, "name": f"t{i}"} for i in range(3)] + [typo]}))
    result = run_cli(["--category", "single", "--tools", str(bad)], cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.strip() == "error: travel.json: tools[3].parameters.properties.date: 'strnig' is not a valid type"
    )
    bad.write_text(json.dumps({"tools": [good, good]}))
    result = run_cli(["--category", "single", "--tools", str(bad)], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: travel.json: tools[1].name: duplicate tool name 'a' (also in travel.json tools[0])"
    ]
    bad.write_text('{"tools": [')
    result = run_cli(["--category", "single", "--tools", str(bad)], cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("error: travel.json: invalid JSON")
    assert not (tmp_path / "outputs").exists()


def test_a_tools_file_runs_no_code_unless_allowed(fake, tmp_path):
    shell = {
        "name": "shell",
        "description": "Run a shell command and return its output.",
        "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]},
        "executor": f"{subprocess.__file__}:getoutput",
    }
    (tmp_path / "tools.json").write_text(json.dumps({"tools": [shell]}))
    result = run_cli(["--category", "nested", "--tools", "tools.json", "--out", "run"], cwd=tmp_path)
    folder = Path(subprocess.__file__).parent
    assert result.returncode == 2 and result.stderr.strip() == (
        f"error: tools.json: tools[0].executor: executor '{subprocess.__file__}' is Python code nobody allowed "
        f"to run; to run it, pass --executors {folder} (or `executors: [{folder}]` in a job file)"
    )
    assert not (tmp_path / "run").exists()
    (tmp_path / "job.json").write_text(json.dumps({"tools": ["tools.json"], "executors": [str(folder)], "n": 1}))
    for allow in (["--executors", str(folder)], ["--config", "job.json"]):
        args = ["--category", "single", "--tools", "tools.json", "--n", "1", "--out", f"run-{allow[0][2:]}"]
        result = run_cli([*args, *allow, "--base-url", fake.base_url, "--model", "m"], cwd=tmp_path)
        assert result.returncode == 0, result.stderr


def test_missing_file_and_unknown_category_exit_2(tmp_path):
    result = run_cli(["--category", "single", "--tools", str(tmp_path / "nope.json")])
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "nope.json: no such file or folder" in result.stderr
    result = run_cli(["--category", "banana"])
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "--category" in result.stderr
    result = run_cli(["--category", "single", "--base-url", "http://127.0.0.1:9/v1"])
    assert result.returncode == 2 and "--model" in result.stderr
    for flags, message in (
        (["--temperatures", "3"], "error: --temperatures: must be <= 2"),
        (["--n", "0"], "error: --n: must be >= 1"),
    ):
        result = run_cli(["--category", "single", *flags])
        assert result.returncode == 2 and result.stderr.strip() == message


def _closed_port() -> tuple[socket.socket, str]:
    """A loopback port bound but not listening (a connection is refused; nothing else can take it)."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    return holder, f"http://127.0.0.1:{holder.getsockname()[1]}/v1"


def _run_timed(args: list[str]) -> tuple[int, list[tuple[float, str]]]:
    """Run `python -m pipeline.run args`; (exit code, [(seconds after start, stderr line)])."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.run", *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = [(time.monotonic() - started, line.rstrip("\n")) for line in process.stderr]
    return process.wait(timeout=120), lines


@pytest.mark.parametrize("where", ["closed port", "unresolvable name"])
def test_an_unreachable_teacher_says_so_then_fails_leaving_no_folder(tmp_path, where):
    holder, url = _closed_port() if where == "closed port" else (None, "http://no-such-teacher.invalid:8000/v1")
    out = tmp_path / "new" / "run"
    try:
        code, lines = _run_timed(
            ["--category", "single", "--base-url", url, "--model", "m", "--max-attempts", "3", "--out", str(out)]
        )
    finally:
        if holder is not None:
            holder.close()
    text = "\n".join(line for _, line in lines)
    assert code == 2 and "Traceback" not in text, text
    assert lines[0][1] == f"asking the teacher m at {url}"
    notice = [(at, line) for at, line in lines if "retrying" in line]
    # 3 attempts: waits of at most 1+1 and 2+1 s (jitter included) before the 2 retries
    assert len(notice) == 1 and re.fullmatch(
        rf"cannot reach {re.escape(url)}: .+; retrying 2 more times, waiting up to 5 s in all between tries",
        notice[0][1],
    ), text
    assert lines[-1][1].startswith(f"error: teacher: cannot reach {url}: ") and len(lines) == 3, text
    assert notice[0][0] < lines[-1][0] - 1.0 < 120  # said before the backoff, not with the error
    assert not (tmp_path / "new").exists()  # nothing left: not the run folder, not the parent it made


def test_an_unreachable_teacher_leaves_a_previous_runs_folder_whole(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "accepted.jsonl").write_text("{}\n")
    holder, url = _closed_port()
    with holder:
        result = run_cli(["--category", "single", "--base-url", url, "--model", "m", *FAST, "--out", str(out)])
    assert result.returncode == 2 and "cannot reach" in result.stderr
    assert (out / "accepted.jsonl").read_text() == "{}\n"
    assert {path.name for path in out.iterdir()} >= {"accepted.jsonl", "settings.json", "run.log"}


def test_auth_error_is_not_retried(tmp_path):
    with FakeOpenAI() as fake:
        fake.faults = {i: (401, {"error": {"message": "Incorrect API key provided"}}, {}) for i in range(1, 50)}
        result = _run(fake, tmp_path / "run", "--n", "1")
        assert len(fake.requests) == 1
    assert result.returncode == 2
    assert "HTTP 401" in result.stderr and SECRET not in result.stderr


def test_sigterm_leaves_an_interrupted_run_and_no_hub_folder(tmp_path):
    with FakeOpenAI() as fake:
        fake.delay = 0.5
        out = tmp_path / "run"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipeline.run",
                "--category",
                "single",
                "--n",
                "50",
                "--base-url",
                fake.base_url,
                "--model",
                "m",
                "--out",
                str(out),
                "--concurrency",
                "1",
                "--dry-run",
                "--license",
                "mit",
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.monotonic() + 60
        while len(fake.requests) < 3 and time.monotonic() < deadline:  # the run is under way
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "terminated" in stderr and "run the same command again" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["stopped"] == "SIGTERM received"
    assert manifest["counts"]["accepted"] < 50 and manifest["unfinished_cells"] and not manifest["short_cells"]
    assert (out / "accepted.jsonl").is_file() and (out / "run.log").is_file()
    assert not (out / "hub").exists()  # a partial run never gets a Hub folder (--dry-run asked for one)
    assert "interrupted" in (out / "run.log").read_text()


def test_judge_runs_only_on_candidates_that_passed_and_its_no_rejects(fake, tmp_path):
    def judge_and_spoil(number, body, content):
        keys = asked_keys(body)
        if keys == {"arguments"} and number % 4 == 0:  # spoil some solves: those must never reach the judge
            answer = json.loads(content)
            answer["arguments"] = {
                key: (value + "X" if isinstance(value, str) else value) for key, value in answer["arguments"].items()
            }
            return json.dumps(answer)
        if "verdict" in keys and number % 3 == 0:
            return json.dumps({"verdict": "no", "reason": "the request asks for something else"})
        if "verdict" in keys and number % 5 == 0:
            return "I think it is fine"
        return content

    fake.corrupt = judge_and_spoil
    out = tmp_path / "run"
    # one at a time: every task that runs is a candidate (none runs after its cell filled), so judge
    # requests can be counted
    result = _run(fake, out, "--n", "6", "--mode", "blueprint", "--judge", "--concurrency", "1")
    assert result.returncode == 0, result.stderr
    accepted, rejected = _records(out / "accepted.jsonl"), _records(out / "rejected.jsonl")
    assert len(accepted) == 6 and all(
        r["meta"]["judge"]["verdict"] == "yes" and r["meta"]["judge"]["reason"] for r in accepted
    )
    judged = {
        entry["meta"]["task"]
        for entry in rejected
        if {"judge_rejected", "judge_unparseable"} & set(entry["meta"]["codes"])
    }
    assert judged, "some verdicts were spoiled"
    for entry in rejected:
        if entry["meta"]["task"] in judged:
            assert [i["check"] for i in entry["meta"]["issues"]] == ["judge"]
    asked = sum("verdict" in asked_keys(body) for body in fake.requests)
    passed_checks = len(accepted) + len(judged) + _records_surplus(out)
    assert asked == passed_checks  # a candidate the checks rejected never cost a judge request
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["funnel"]["removed_by_check"]["judge"] == len(judged)
    assert "judge/calls" in manifest["versions"]["prompts"]


def _records_surplus(out: Path) -> int:
    return json.loads((out / "manifest.json").read_text())["counts"]["surplus_dropped"]


def test_category_all_splits_n_by_the_mix_and_reports_every_category(fake, tmp_path):
    out = tmp_path / "run"
    result = run_cli(
        [
            "--category",
            "all",
            "--n",
            "10",
            "--base-url",
            fake.base_url,
            "--model",
            "fake-model",
            "--out",
            str(out),
            "--mode",
            "blueprint",
            "--concurrency",
            "4",
        ],
        env={"OPENAI_API_KEY": SECRET},
    )
    assert result.returncode == 0, result.stderr
    accepted = _records(out / "accepted.jsonl")
    counts = {
        category: sum(r["category"] == category for r in accepted)
        for category in ("single", "parallel", "nested", "multi_turn", "no_call")
    }
    assert counts == {
        "single": 3,
        "parallel": 2,
        "nested": 2,
        "multi_turn": 1,
        "no_call": 2,
    }  # the default mix 25/20/20/15/20
    manifest = json.loads((out / "manifest.json").read_text())
    assert {row["category"] for row in manifest["funnel"]["by_slice"]} == set(counts)
    assert {"parallel/split", "nested/phrase", "tools/simulate", "system/complex"} <= set(
        manifest["versions"]["prompts"]
    )
    assert set(manifest["versions"]["fewshot"]) == set(counts)
    for record in accepted:  # each record names the versions of the prompts and few-shots that made it
        assert (
            record["meta"]["prompt_version"] == record["meta"]["prompt_version"].strip()
            and len(record["meta"]["prompt_version"]) == 12
        )
        assert record["meta"]["fewshot_version"] == manifest["versions"]["fewshot"][record["category"]]
    check = run_cli(
        [str(out / "accepted.jsonl"), "--checks", "format,schema,grounding,category,reference,quality"],
        module="pipeline.validate",
    )
    assert check.returncode == 0, check.stdout
    assert SECRET not in (out / "manifest.json").read_text() + (out / "accepted.jsonl").read_text()


def test_nested_without_links_is_one_line_exit_2_before_any_request(tmp_path):
    tools = tmp_path / "tools.json"
    tools.write_text(
        json.dumps(
            {
                "tools": [
                    {
                        "name": "find_item",
                        "description": "Find an item.",
                        "read_only": True,
                        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
                    }
                ]
            }
        )
    )
    with FakeOpenAI() as fake:
        result = run_cli(
            [
                "--category",
                "nested",
                "--tools",
                str(tools),
                "--base-url",
                fake.base_url,
                "--model",
                "m",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        assert fake.requests == []
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {tools}: links: no links") and not (tmp_path / "run").exists()


def test_failed_tasks_over_the_threshold_exit_1_naming_them(fake, tmp_path):
    def html_pages(count: int):  # the first `count` requests after the probe get a proxy's HTML page on every
        pages: set[str] = set()  # attempt (an unreadable answer is retried): those tasks fail at the teacher

        def plan(body, attempt):
            key = json.dumps(body, sort_keys=True)
            if asked_keys(body) != {"answer"} and len(pages) < count:
                pages.add(key)
            return (200, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"}) if key in pages else None

        return plan

    fake.fault_plan = html_pages(6)
    tolerant = _run(fake, tmp_path / "tolerant", "--n", "4", "--mode", "blueprint", "--max-failed-share", "1", *FAST)
    assert tolerant.returncode == 0, tolerant.stderr
    failed = json.loads((tmp_path / "tolerant" / "manifest.json").read_text())["counts"]["failed_tasks"]
    assert failed >= 2
    fake.fault_plan = html_pages(6)
    strict = _run(fake, tmp_path / "strict", "--n", "4", "--mode", "blueprint", *FAST)  # default max_failed_share 0.05
    assert strict.returncode == 1
    said = " ".join(strict.stderr.split())  # rich wraps long lines
    assert "failed tasks:" in said and "over max_failed_share 0.05" in said
    assert (
        tmp_path / "strict" / "manifest.json"
    ).is_file()  # done: the records are written, the exit code says what failed


def test_accepted_records_say_how_each_argument_is_grounded(fake, tmp_path):
    out = tmp_path / "run"
    assert _run(fake, out, "--n", "3", "--mode", "blueprint", "--seed", "5").returncode == 0
    for record in _records(out / "accepted.jsonl"):
        paths = {
            f"messages[{index}].tool_calls[{number}].function.arguments.{key}"
            for index, message in enumerate(record["messages"])
            for number, call in enumerate(message.get("tool_calls") or [])
            for key in call["function"]["arguments"]
        }
        grounding = record["meta"]["grounding"]
        assert paths and all(
            any(p == path or p.startswith(path + ".") or p.startswith(path + "[") for p in grounding) for path in paths
        )
        assert set(grounding.values()) <= {
            "implied",
            "default",
            "result",
            "said",
            "alias",
            "fuzzy",
            "text",
            "enum",
            "synonym",
            "date",
            "time",
            "number",
            "constant",
            "gazetteer",
        }


def test_all_records_with_a_cell_below_quota_exit_0_with_a_warning(pipeline_logs, caplog):
    from pipeline.config import RunConfig
    from pipeline.engine import Cell, RunResult
    from pipeline.job import done_code
    from pipeline.record import Conversation

    cells = [Cell("single", tool, "blueprint", i, 1, 1, 25) for i, tool in enumerate(["a", "b"])]
    cells[0].accepted, cells[0].candidates = 2, 3  # a made up for b, which got none in 25 candidates
    cells[1].candidates = 25
    records = [Conversation(id=f"r{i}", category="single", tools=[], messages=[]) for i in range(2)]
    config = RunConfig(category="single", n=2)
    with caplog.at_level("WARNING", logger="pipeline"):
        assert done_code(config, RunResult(accepted=records, cells=cells, candidates=28)) == 0
    assert "uneven:" in caplog.text and "1 cell(s) below their quota" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="pipeline"):
        assert done_code(config, RunResult(accepted=records[:1], cells=cells, candidates=28)) == 1
    assert "short:" in caplog.text and "1 of 2 records" in caplog.text
