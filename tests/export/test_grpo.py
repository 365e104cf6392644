"""`--format grpo` rows and pipeline.rewards.tool_call_reward, called as TRL's GRPOTrainer calls a
reward function (prompts, completions, completion_ids, every other column as a list, and its own
keywords). TRL itself needs torch, which this machine has not; its calling convention is
`GRPOTrainer._calculate_rewards` (trl/trainer/grpo_trainer.py)."""

from __future__ import annotations

import json

import datasets

from filters.possible import first_calls
from pipeline.eval.items import record_items
from pipeline.record import parse_record
from pipeline.rewards import tool_call_reward
from tests.conftest import run_cli


def _rows(run, tmp_path):
    out = tmp_path / "grpo.jsonl"
    result = run_cli([str(run["folder"]), "--format", "grpo", "--out", str(out)], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    return out, [json.loads(line) for line in out.read_text().splitlines()]


def _trl_call(rows, completions):
    """Rewards as GRPOTrainer._calculate_rewards asks for them."""
    keys = [key for key in rows[0] if key not in ("prompt", "completion", "completion_ids")]
    reward_kwargs = {key: [row[key] for row in rows] for key in keys}
    reward_kwargs.update(trainer_state=None, log_extra=lambda *a: None, log_metric=lambda *a: None)
    return tool_call_reward(
        prompts=[row["prompt"] for row in rows],
        completions=completions,
        completion_ids=[[1, 2]] * len(rows),
        **reward_kwargs,
    )


def _reference_text(row):
    calls = first_calls(
        json.loads(row["answers"]),
        {t["function"]["name"]: t["function"]["parameters"] for t in json.loads(row["tools"])},
    )
    return "\n".join(f"<tool_call>\n{json.dumps(call)}\n</tool_call>" for call in calls)


WORDS = {
    "no_call": "Happy to chat about that.",
    "question": "Which city do you mean?",
    "decline": "Sorry, I can't do that with the tools I have.",
    "confirm": "Shall I go ahead and place it?",
}


def test_one_row_per_decision_turn_with_the_tools_in_the_prompt(run, tmp_path):
    out, rows = _rows(run, tmp_path)
    items = list(record_items(parse_record(r) for r in run["records"]))
    assert [row["id"] for row in rows] == [item.id for item in items] and rows
    for row in rows:
        assert row["prompt"][0]["role"] == "system" and "<tools>" in row["prompt"][0]["content"]
        assert "Today is" in row["prompt"][0]["content"]  # the moment relative dates were resolved against
        assert row["prompt"][-1]["role"] == "user"  # a prompt-only row ends where the model speaks
        assert isinstance(row["answers"], str) and isinstance(row["tools"], str)
    loaded = datasets.load_dataset("json", data_files=str(out), split="train")  # one Arrow type for every row
    assert loaded.num_rows == len(rows) and loaded[0]["answers"] == rows[0]["answers"]


def test_the_reference_scores_1_and_mistakes_score_0(run, tmp_path):
    _, rows = _rows(run, tmp_path)
    right = [_reference_text(row) if row["expect"] == "call" else WORDS[row["expect"]] for row in rows]
    assert _trl_call(rows, right) == [1.0] * len(rows)
    wrong = []
    for row, text in zip(rows, right):
        if row["expect"] == "call":
            wrong.append(text.replace('"arguments": {', '"arguments": {"surplus": 1, ', 1))
        else:
            tool = json.loads(row["tools"])[0]["function"]["name"]
            wrong.append(f'<tool_call>\n{{"name": "{tool}", "arguments": {{}}}}\n</tool_call>')
    assert _trl_call(rows, wrong) == [0.0] * len(rows)


def test_completions_as_messages_with_parsed_tool_calls_are_read(run, tmp_path):
    _, rows = _rows(run, tmp_path)
    calls = [row for row in rows if row["expect"] == "call"]
    schemas = lambda row: {t["function"]["name"]: t["function"]["parameters"] for t in json.loads(row["tools"])}  # noqa: E731
    parsed = [
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {"type": "function", "function": call}
                    for call in first_calls(json.loads(row["answers"]), schemas(row))
                ],
            }
        ]
        for row in calls
    ]
    assert _trl_call(calls, parsed) == [1.0] * len(calls)
    text = [[{"role": "assistant", "content": _reference_text(row)}] for row in calls]
    assert _trl_call(calls, text) == [1.0] * len(calls)
    broken = [[{"role": "assistant", "content": '<tool_call>\n{"name": "x", "arguments": \n</tool_call>'}]] * len(calls)
    assert _trl_call(calls, broken) == [0.0] * len(calls)


def test_a_parsed_completion_is_read_as_evals_native_reader_reads_it():
    from pipeline.eval.ask import read_native
    from pipeline.rewards import _answer

    for calls in (
        [{"type": "function", "function": {"name": "ping", "arguments": ""}}],  # "" is {} for eval too
        [{"type": "function", "function": {"name": "ping", "arguments": '{"a": 1}'}}],
        [{"type": "function", "function": {"name": "ping", "arguments": '{"a": 1, "a": 2}'}}],  # not strict JSON
    ):
        message = {"role": "assistant", "content": "", "tool_calls": calls}
        assert _answer([message]) == read_native(json.dumps({"content": "", "tool_calls": calls}))
    bare = _answer([{"role": "assistant", "content": None, "tool_calls": [{"name": "ping", "arguments": {"a": 1}}]}])
    assert bare.calls == [{"name": "ping", "arguments": {"a": 1}}]
