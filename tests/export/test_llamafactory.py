"""The `llamafactory` and `llamafactory-dpo` exports, read by LLaMA-Factory's own code: its
dataset_info.json parser, its sharegpt converter (the alternation and count rules, where a broken
row is dropped with a warning) and its function/tool formatters (which json.loads what we wrote)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import datasets
import pytest

from pipeline.export.exporters import Skip, TextOptions, llamafactory, llamafactory_dpo
from tests.conftest import run_cli
from tests.export.llamafactory_code import KeptWarnings, load

DATA_ARGS = SimpleNamespace(streaming=False, preprocessing_num_workers=None, overwrite_cache=True, media_dir="")
TRAINING_ARGS = SimpleNamespace(local_process_index=0)


def _aligned(code, folder, name):
    """What LLaMA-Factory trains on: its DatasetAttr from our dataset_info.json, the file loaded as
    its loader loads a local file, then its align_dataset."""
    attr = code.parser.get_dataset_list([name], str(folder))[0]
    assert attr.load_from == "file" and attr.formatting == "sharegpt"
    dataset = datasets.load_dataset("json", data_files=str(folder / attr.dataset_name), split="train")
    KeptWarnings.warnings.clear()
    aligned = code.converter.align_dataset(dataset, attr, DATA_ARGS, TRAINING_ARGS)
    return attr, list(aligned)


def _calls_of(record):
    return [
        [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in m["tool_calls"]]
        for m in record["messages"]
        if m.get("tool_calls")
    ]


def test_llamafactory_rows_train_in_llamafactory_with_every_call_intact(run, tmp_path):
    code = load()
    out = tmp_path / "lf" / "ours.jsonl"
    result = run_cli([str(run["folder"]), "--format", "llamafactory", "--out", str(out)], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    info = json.loads((out.parent / "dataset_info.json").read_text())
    assert info["ours"]["file_name"] == "ours.jsonl" and info["ours"]["columns"]["tools"] == "tools"
    attr, aligned = _aligned(code, out.parent, "ours")
    assert KeptWarnings.warnings == []  # no row dropped as "abnormal"
    assert len(aligned) == len(run["records"])
    function = code.formatter.FunctionFormatter(slots=["{{content}}"], tool_format="qwen")
    tools = code.formatter.ToolFormatter(tool_format="qwen")
    for row, record in zip(aligned, run["records"]):
        assert row["_prompt"] and row["_response"]
        turns = row["_prompt"] + row["_response"]
        calls = [json.loads(t["content"]) for t in turns if t["role"] == "function"]
        assert calls == _calls_of(record)  # arguments are objects, never double-encoded strings
        for turn in turns:
            if turn["role"] == "function":  # the formatter parses it and renders Qwen's <tool_call> blocks
                rendered = function.apply(content=turn["content"])[0]
                inner = [
                    json.loads(block)
                    for block in rendered.split("<tool_call>\n")[1:]
                    for block in [block.split("\n</tool_call>")[0]]
                ]
                assert all(isinstance(call["arguments"], dict) for call in inner)
        prompt = tools.apply(content=row["_tools"])[0]
        assert all(tool["function"]["name"] in prompt for tool in record["tools"])
        system = next((m["content"] for m in record["messages"] if m["role"] == "system"), "")
        assert row["_system"] == system
    results = sum(m["role"] == "tool" for r in run["records"] for m in r["messages"])
    observations = [t for row in aligned for t in row["_prompt"] + row["_response"] if t["role"] == "observation"]
    assert results >= len(observations) > 0


def test_llamafactory_dpo_rows_are_ranking_rows_llamafactory_reads(run, tmp_path):
    code = load()
    out = tmp_path / "lf" / "ours_dpo.jsonl"
    (tmp_path / "lf").mkdir()
    (tmp_path / "lf" / "dataset_info.json").write_text(json.dumps({"theirs": {"file_name": "x.json"}}))
    result = run_cli([str(run["folder"]), "--format", "llamafactory-dpo", "--out", str(out)], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    info = json.loads((out.parent / "dataset_info.json").read_text())
    assert info["theirs"] == {"file_name": "x.json"} and info["ours_dpo"]["ranking"] is True  # other entries kept
    attr, aligned = _aligned(code, out.parent, "ours_dpo")
    assert attr.ranking and KeptWarnings.warnings == []
    assert len(aligned) == len(run["pairs"])
    for row in aligned:
        chosen, rejected = row["_response"]
        assert chosen != rejected and chosen["role"] in ("assistant", "function")


def test_rows_llamafactory_cannot_hold_are_skipped_with_the_reason():
    record = {
        "tools": [],
        "messages": [{"role": "user", "content": "hi"}, {"role": "user", "content": "again"}],
    }
    with pytest.raises(Skip, match="alternate"):
        llamafactory(record, TextOptions())
    with pytest.raises(Skip, match="end on an assistant"):
        llamafactory({"tools": [], "messages": [{"role": "user", "content": "hi"}]}, TextOptions())
    pair = {
        "tools": [],
        "prompt": [{"role": "user", "content": "hi"}],
        "chosen": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}],
        "rejected": [{"role": "assistant", "content": "c"}],
    }
    with pytest.raises(Skip, match="one chosen"):
        llamafactory_dpo(pair, TextOptions())


def test_parallel_results_are_one_observation_and_words_beside_calls_are_dropped():
    call = {"type": "function", "function": {"name": "f", "arguments": {"a": 1}}}
    record = {
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "two"},
            {"role": "assistant", "content": "Checking.", "tool_calls": [{**call, "id": "a"}, {**call, "id": "b"}]},
            {"role": "tool", "tool_call_id": "a", "content": "1"},
            {"role": "tool", "tool_call_id": "b", "content": "2"},
            {"role": "assistant", "content": "Both done."},
        ],
    }
    row = llamafactory(record, TextOptions())
    assert row["system"] == "Be brief." and json.loads(row["tools"]) == [{"name": "f", "parameters": {}}]
    assert [t["from"] for t in row["conversations"]] == ["human", "function_call", "observation", "gpt"]
    assert json.loads(row["conversations"][1]["value"]) == [{"name": "f", "arguments": {"a": 1}}] * 2
    assert row["conversations"][2]["value"] == "1\n</tool_response>\n<tool_response>\n2"


def test_a_broken_dataset_info_is_one_line_and_exit_2(run, tmp_path):
    (tmp_path / "dataset_info.json").write_text("{not json")
    result = run_cli(
        [str(run["folder"]), "--format", "llamafactory", "--out", str(tmp_path / "x.jsonl")],
        module="pipeline.export",
    )
    assert result.returncode == 2 and "dataset_info.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
