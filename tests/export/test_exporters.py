"""pipeline.exporters and pipeline.export: every format read back by its consumer's rules, and
every category rendered through four real chat templates (tests/fixtures/templates/SOURCE.md)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from pipeline.export.exporters import (
    Skip,
    TextOptions,
    glaive,
    hermes,
    openai_dpo,
    openai_sft,
    python,
    python_call,
    sharegpt,
    trl_dpo,
    trl_sft,
    xlam,
)
from pipeline.export.templates import load_template
from pipeline.seeds.importers import convert
from tests.conftest import run_cli

TEMPLATES = Path(__file__).parent.parent / "fixtures" / "templates"
CATEGORIES = {"single", "parallel", "nested", "multi_turn", "no_call"}
JSON = TextOptions()


def _calls(messages):
    return [
        [{"name": c["function"]["name"], "arguments": c["function"]["arguments"]} for c in m["tool_calls"]]
        for m in messages
        if m.get("tool_calls")
    ]


def test_openai_rows_follow_the_fine_tuning_spec(run):
    for record in run["records"]:
        row = json.loads(json.dumps(openai_sft(record, JSON)))  # one JSON line
        assert set(row) <= {"messages", "tools", "parallel_tool_calls"}
        ids: list[str] = []
        for message in row["messages"]:
            assert message["role"] in ("system", "user", "assistant", "tool")
            if message.get("tool_calls"):
                ids = [call["id"] for call in message["tool_calls"]]
                for call in message["tool_calls"]:
                    assert call["type"] == "function" and isinstance(call["function"]["arguments"], str)
                    assert isinstance(json.loads(call["function"]["arguments"]), dict)
            elif message["role"] == "tool":
                assert set(message) == {"role", "content", "tool_call_id"} and message["tool_call_id"] in ids
            else:
                assert isinstance(message["content"], str)
        assert [[{**c, "arguments": c["arguments"]} for c in turn] for turn in _calls(record["messages"])] == [
            [
                {"name": c["function"]["name"], "arguments": json.loads(c["function"]["arguments"])}
                for c in m["tool_calls"]
            ]
            for m in row["messages"]
            if m.get("tool_calls")
        ]
        for tool in row["tools"]:
            assert re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", tool["function"]["name"])
        assert row["parallel_tool_calls"] is True  # what an API call sends by default
        auto = openai_sft(record, TextOptions(parallel_tool_calls="auto"))
        assert auto["parallel_tool_calls"] == (record["category"] == "parallel")


def test_parallel_tool_calls_false_skips_the_rows_that_make_several_calls(run):
    options = TextOptions(parallel_tool_calls="false")
    for record in run["records"]:
        if record["category"] == "parallel":
            with pytest.raises(Skip, match="several calls"):
                openai_sft(record, options)
        else:
            assert openai_sft(record, options)["parallel_tool_calls"] is False


def test_weight_rules_mark_the_assistant_turns_openai_trains_on(run):
    nested = next(r for r in run["records"] if r["category"] == "nested")
    roles = [m["role"] for m in nested["messages"]]
    for rule in ("all", "calls", "decisions", "last"):
        row = openai_sft(nested, TextOptions(weight=rule))
        marked = [(m["role"], m.get("weight")) for m in row["messages"]]
        assert all((weight is not None) == (role == "assistant") for role, weight in marked)  # only assistants
        assert [r for r, _ in marked] == roles
    calls = [m.get("weight") for m in openai_sft(nested, TextOptions(weight="calls"))["messages"]]
    assert calls == [int(bool(m.get("tool_calls"))) if m["role"] == "assistant" else None for m in nested["messages"]]
    decisions = openai_sft(nested, TextOptions(weight="decisions"))["messages"]
    final = max(i for i, m in enumerate(decisions) if m["role"] == "assistant")
    assert nested["messages"][final - 1]["role"] == "tool" and decisions[final]["weight"] == 0  # the relayed answer
    assert all(m["weight"] == 1 for m in decisions if m.get("tool_calls"))
    last = openai_sft(nested, TextOptions(weight="last"))["messages"]
    assert [m.get("weight") for m in last if m["role"] == "assistant"][-1] == 1
    assert sum(m.get("weight") or 0 for m in last) == 1
    chat = next(r for r in run["records"] if r["category"] == "no_call")
    with pytest.raises(Skip, match="no assistant turn is trained"):
        openai_sft(chat, TextOptions(weight="calls"))


def test_empty_content_replaces_null_content_for_templates_that_read_it_unchecked(run):
    record = next(r for r in run["records"] if r["category"] == "single")
    assert any(m["role"] == "assistant" and m["content"] is None for m in record["messages"])
    for exporter in (openai_sft, trl_sft):
        messages = exporter(record, TextOptions(empty_content=""))["messages"]
        assert all(m["content"] == "" for m in messages if m["role"] == "assistant" and m.get("tool_calls"))
        assert all(m["content"] is not None for m in messages)
    assert any(m["content"] is None for m in trl_sft(record, JSON)["messages"])  # null kept by default


def test_openai_preference_rows_have_one_message_a_side(run):
    for pair in run["pairs"]:
        row = openai_dpo(pair, JSON)
        assert len(row["preferred_output"]) == len(row["non_preferred_output"]) == 1
        assert row["preferred_output"][0]["role"] == row["non_preferred_output"][0]["role"] == "assistant"
        assert len(row["input"]["messages"]) == len(pair["prompt"]) and row["input"]["tools"] == pair["tools"]
        for side in (row["preferred_output"][0], row["non_preferred_output"][0]):
            for call in side.get("tool_calls") or []:
                assert isinstance(call["function"]["arguments"], str)


# What each template does with our records (tests/fixtures/templates/SOURCE.md): Llama-3.1 refuses a
# turn of several calls; GPT-OSS renders only a turn's first call; Qwen3 reads every assistant's
# `content` (transformers drops a null one), so it renders with --empty-content "".
REFUSES_PARALLEL = {"meta-llama-Llama-3.1-8B-Instruct.jinja"}
DROPS_PARALLEL = {"openai-gpt-oss-120b.jinja"}
NEEDS_CONTENT = {"Qwen-Qwen3-0.6B.jinja"}


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.jinja")))
def test_trl_rows_of_every_category_render_through_real_chat_templates(run, template):
    compiled = load_template(TEMPLATES / template)
    options = TextOptions(empty_content="" if template in NEEDS_CONTENT else None)
    rendered = set()
    for record in run["records"]:
        row = trl_sft(record, options)
        if template in REFUSES_PARALLEL and record["category"] == "parallel":
            with pytest.raises(Exception, match="only supports single tool-calls"):
                compiled.render(row["messages"], row["tools"])
            continue
        text = compiled.render(row["messages"], row["tools"])
        lost = compiled.lost_call(row["messages"], row["tools"])
        if template in DROPS_PARALLEL and record["category"] == "parallel":
            assert lost and ("call 2 of" in lost or "fewer in the rendering" in lost)
            continue
        assert lost is None, (template, record["id"])  # every call's name and argument values are in the text
        for message in record["messages"]:
            if message["role"] in ("user", "tool") and message.get("content"):  # some write a result through tojson
                assert message["content"] in text or json.dumps(message["content"], ensure_ascii=False) in text
        rendered.add(record["category"])
    wanted = CATEGORIES - ({"parallel"} if template in REFUSES_PARALLEL | DROPS_PARALLEL else set())
    assert rendered == wanted


def test_qwen3_needs_content_on_every_assistant_turn(run):
    compiled = load_template(TEMPLATES / "Qwen-Qwen3-0.6B.jinja")
    record = next(r for r in run["records"] if r["category"] == "single")
    with pytest.raises(Exception, match="has no attribute 'content'"):  # transformers drops the null content
        compiled.render(trl_sft(record, JSON)["messages"], record["tools"])
    compiled.render(trl_sft(record, TextOptions(empty_content=""))["messages"], record["tools"])


def test_a_template_that_renders_only_the_first_call_is_caught(run):
    first_only = (
        "{% for m in messages %}{{ m.role }}: {{ m.content or '' }}"
        "{% if m.tool_calls %}{{ m.tool_calls[0].function.name }}{{ m.tool_calls[0].function.arguments | tojson }}"
        "{% endif %}\n{% endfor %}"
    )
    path = run["folder"].parent / "first-only.jinja"
    path.write_text(first_only)
    compiled = load_template(path)
    parallel = next(r for r in run["records"] if r["category"] == "parallel")
    single = next(r for r in run["records"] if r["category"] == "single")
    lost = compiled.lost_call(parallel["messages"], parallel["tools"])
    assert "call 2 of" in lost or "fewer in the rendering" in lost
    assert compiled.lost_call(single["messages"], single["tools"]) is None


def test_trl_dpo_rows_render_prompt_plus_each_side(run):
    compiled = load_template(TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja")
    for pair in run["pairs"]:
        row = trl_dpo(pair, JSON)
        chosen = compiled.render(row["prompt"] + row["chosen"], row["tools"])
        rejected = compiled.render(row["prompt"] + row["rejected"], row["tools"])
        prompt = compiled.render(row["prompt"], row["tools"], add_generation_prompt=True)
        assert chosen.startswith(prompt) and rejected.startswith(prompt) and chosen != rejected


def _hermes_calls(row, token="<tool_call>", close="</tool_call>"):
    found = []
    for turn in row["conversations"]:
        if turn["from"] == "gpt" and token in turn["value"]:
            body = re.findall(re.escape(token) + r"\n(.*?)\n" + re.escape(close), turn["value"], re.DOTALL)
            found.append([json.loads(text) for text in body])
    return found


def test_hermes_rows_parse_back_into_the_same_calls(run):
    for record in run["records"]:
        row = hermes(record, JSON)
        assert row["conversations"][0]["from"] == "system" and "<tools>" in row["conversations"][0]["value"]
        assert _hermes_calls(row) == _calls(record["messages"])
        results = sum(m["role"] == "tool" for m in record["messages"])
        assert sum(t["value"].count("<tool_response>") for t in row["conversations"] if t["from"] == "tool") == results


UNSLOTH_ALIASES = {"system", "user", "human", "input", "gpt", "assistant", "output"}  # standardize_sharegpt's


def test_sharegpt_rows_pass_unsloths_role_rules_and_keep_calls_results_and_tools(run):
    """Unsloth's standardize_sharegpt (unsloth_zoo imports torch, so its rules are applied here):
    every turn has exactly two string keys and a role among its aliases; a `tool` role is refused."""
    for record in run["records"]:
        row = sharegpt(record, JSON)
        for turn in row["conversations"]:
            assert set(turn) == {"from", "value"} and all(isinstance(v, str) for v in turn.values())
            assert turn["from"] in UNSLOTH_ALIASES
        assert _hermes_calls(row) == _calls(record["messages"])
        results = sum(m["role"] == "tool" for m in record["messages"])
        human = [t["value"] for t in row["conversations"] if t["from"] == "human"]
        assert sum(value.count("<tool_response>") for value in human) == results
        spoken = [m["role"] for m in record["messages"] if m["role"] != "system"]
        result_runs = sum(role == "tool" and before != "tool" for before, role in zip(["", *spoken], spoken))
        assert len(human) == spoken.count("user") + result_runs  # the results of one call turn are one turn
        assert json.loads(row["tools"]) == record["tools"]
    assert any(t["from"] == "tool" for r in run["records"] for t in hermes(r, JSON)["conversations"])


def test_hermes_takes_another_call_token_and_python_syntax(run):
    record = next(r for r in run["records"] if r["category"] == "parallel")
    row = hermes(record, TextOptions(call_token="<|tool_call|>"))
    lines = [
        line
        for t in row["conversations"]
        if t["from"] == "gpt"
        for line in t["value"].splitlines()
        if line.startswith("<|tool_call|>")
    ]
    assert [json.loads(line.removeprefix("<|tool_call|>")) for line in lines] == _calls(record["messages"])[0]
    row = hermes(record, TextOptions(syntax="python"))
    body = re.search(
        r"<tool_call>\n(.*?)\n</tool_call>",
        next(t["value"] for t in row["conversations"] if "<tool_call>" in t["value"] and t["from"] == "gpt"),
        re.DOTALL,
    )
    assert _parse_python(body.group(1)) == _calls(record["messages"])[0]


def _parse_python(text):
    """BFCL's decoding: one list of calls, keyword arguments only, literal values."""
    tree = ast.parse(text.strip(), mode="eval").body
    calls = tree.elts if isinstance(tree, ast.List) else [tree]
    out = []
    for call in calls:
        assert isinstance(call, ast.Call) and not call.args
        out.append({"name": call.func.id, "arguments": {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}})
    return out


def test_python_rows_parse_back_with_ast(run):
    for record in run["records"]:
        row = python(record, JSON)
        parsed = [
            _parse_python(m["content"])
            for m in row["messages"]
            if m["role"] == "assistant" and m["content"].startswith("[")
        ]
        assert parsed == _calls(record["messages"])


def test_python_calls_skip_names_python_cannot_call():
    with pytest.raises(Skip, match="not a Python identifier"):
        python_call({"name": "get-price", "arguments": {"t": 1}})
    assert (
        python_call({"name": "f", "arguments": {"a": [1, None, True], "b": {"k": "it's"}}})
        == "f(a=[1, None, True], b={'k': \"it's\"})"
    )


def _glaive_calls(chat):
    """Glaive's parsing rules: turns split on blank lines, the name by regex, the single-quoted
    arguments string json-decoded on its own (json.loads on the whole call fails)."""
    found = []
    for turn in chat.split("\n\n\n"):
        if turn.startswith("ASSISTANT: <functioncall>"):
            found.append(
                [
                    {
                        "name": re.search(r'"name": "([^"]+)"', line).group(1),
                        "arguments": json.loads(re.search(r"\"arguments\": '(.*)'\}", line).group(1)),
                    }
                    for line in turn.removesuffix(" <|endoftext|>").splitlines()
                ]
            )
    return found


def test_glaive_rows_parse_back_by_glaives_rules(run):
    for record in run["records"]:
        row = glaive(record, JSON)
        assert row["system"].startswith("SYSTEM: You are a helpful assistant with access to the following functions.")
        assert _glaive_calls(row["chat"]) == _calls(record["messages"])
        assert row["chat"].count("FUNCTION RESPONSE: ") == sum(m["role"] == "tool" for m in record["messages"])


def test_xlam_rows_read_back_through_the_xlam_importer(run):
    exported, skipped = [], set()
    for record in run["records"]:
        try:
            row = xlam(record, JSON)
        except Skip:
            skipped.add(record["category"])
            continue
        assert isinstance(row["tools"], str) and isinstance(row["answers"], str)
        assert json.loads(row["answers"]) == (_calls(record["messages"]) or [[]])[0]
        exported.append((row, record))
    assert {record["category"] for _, record in exported} >= {"single", "parallel"} and skipped >= {"nested"}
    imported = {item.body["name"]: item.body for item in convert([row for row, _ in exported], "xlam.json")}
    for _row, record in exported:
        for tool in record["tools"]:
            body, original = imported[tool["function"]["name"]], tool["function"]["parameters"]
            assert set(body["parameters"]["properties"]) == set(original.get("properties") or {})
            assert set(body["parameters"].get("required") or []) == set(original.get("required") or [])


def test_the_export_command_writes_each_format_and_reports_skips(run, tmp_path):
    for fmt in ("openai", "trl-sft", "hermes", "glaive", "python", "xlam", "openai-dpo", "trl-dpo"):
        out = tmp_path / f"{fmt}.jsonl"
        result = run_cli([str(run["folder"]), "--format", fmt, "--out", str(out)], module="pipeline.export")
        assert result.returncode == 0, result.stderr
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        expected = len(run["pairs"]) if fmt.endswith("dpo") else len(run["records"])
        if fmt == "xlam":
            assert 0 < len(rows) < expected and "skipped" in result.stdout
        else:
            assert len(rows) == expected, fmt
    out = tmp_path / "weighted.jsonl"
    flags = ["--weight", "calls", "--parallel-tool-calls", "false", "--empty-content", ""]
    result = run_cli([str(run["folder"]), "--format", "openai", "--out", str(out), *flags], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    assert "no assistant turn is trained" in result.stdout and "parallel_tool_calls false" in result.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and all(row.get("parallel_tool_calls") in (False, None) for row in rows)
    assert all(m["content"] is not None for row in rows for m in row["messages"])


def test_check_template_reports_each_record_and_exits_1_when_some_fail(run):
    result = run_cli(
        [str(run["folder"]), "--check-template", str(TEMPLATES / "meta-llama-Llama-3.1-8B-Instruct.jinja")],
        module="pipeline.export",
    )
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(run["records"])
    assert {line["category"] for line in lines if not line["ok"]} == {"parallel"}
    assert all(line["chars"] > 0 for line in lines if line["ok"])
    ok = run_cli(
        [str(run["folder"]), "--check-template", str(TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja")],
        module="pipeline.export",
    )
    assert ok.returncode == 0


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--format", "yaml"], "error: --format: unknown format 'yaml'"),
        (["--check-template", "/nonexistent.jinja"], "error: /nonexistent.jinja: --check-template: no such file"),
        (["--format", "text"], "error: --format: --format text renders through a chat template"),
        (
            [
                "--check-template",
                str(TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja"),
                "--tokenizer",
                str(TEMPLATES / "SOURCE.md"),
            ],
            "error: ",
        ),  # not a tokenizer
        (
            ["--check-template", str(Path(__file__).parent.parent / "fixtures" / "templates" / "SOURCE.md")],
            "error: ",
        ),  # valid Jinja, no chat template
    ],
)
def test_bad_export_input_is_one_line_and_exit_2(run, argv, message):
    result = run_cli([str(run["folder"]), *argv], module="pipeline.export")
    assert result.returncode == 2 and result.stderr.strip().startswith(message) and "\n" not in result.stderr.strip()


def test_a_broken_source_line_names_the_file_and_line(tmp_path):
    source = tmp_path / "records.jsonl"
    source.write_text('{"id": "a", "messages": []}\nnot json\n')
    result = run_cli([str(source), "--format", "openai", "--out", str(tmp_path / "o.jsonl")], module="pipeline.export")
    assert result.returncode == 2 and result.stderr.strip() == f"error: {source}: [1]: line 2 is not a JSON object"
    assert not (tmp_path / "o.jsonl").exists()


def _hf_tokenizer(template_text):
    """A transformers tokenizer that carries only a chat template (no model download)."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(WordLevel({"<unk>": 0}, unk_token="<unk>")), bos_token="<s>", eos_token="</s>"
    )
    tokenizer.chat_template = template_text
    return tokenizer


def test_text_rows_are_transformers_own_rendering_and_skip_what_a_template_refuses_or_drops(run, tmp_path):
    for name, skipped in (
        ("Qwen-Qwen2.5-7B-Instruct.jinja", None),
        ("meta-llama-Llama-3.1-8B-Instruct.jinja", "the template refuses it"),
        ("openai-gpt-oss-120b.jinja", "the template drops a call"),
    ):
        out = tmp_path / f"{name}.jsonl"
        argv = [str(run["folder"]), "--format", "text", "--render-template", str(TEMPLATES / name), "--out", str(out)]
        result = run_cli(argv, module="pipeline.export")
        assert result.returncode == 0, result.stderr
        rows = {row["id"]: row["text"] for row in map(json.loads, out.read_text().splitlines())}
        tokenizer = _hf_tokenizer((TEMPLATES / name).read_text())
        parallel = {r["id"] for r in run["records"] if r["category"] == "parallel"}
        for record in run["records"]:
            if skipped and record["id"] in parallel:
                assert record["id"] not in rows
                continue
            row = trl_sft(record, JSON)
            expected = tokenizer.apply_chat_template(row["messages"], tools=row["tools"], tokenize=False)
            assert rows[record["id"]] == expected
        if skipped:
            assert f"skipped {len(parallel)}: {len(parallel)} {skipped}" in result.stdout


def _tiny_tokenizer(folder, run):
    """A real tokenizer.json trained here on the run's text (no download): it counts tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel()
    texts = [json.dumps(record, ensure_ascii=False) for record in run["records"]]
    tokenizer.train_from_iterator(texts, trainers.BpeTrainer(vocab_size=500, special_tokens=["<unk>", "<s>", "</s>"]))
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    return folder / "tokenizer.json"


def test_check_template_counts_tokens_with_a_tokenizer_and_reads_model_folders(run, tmp_path):
    tokenizer = _tiny_tokenizer(tmp_path / "tok", run)
    qwen = TEMPLATES / "Qwen-Qwen2.5-7B-Instruct.jinja"
    argv = [str(run["folder"]), "--check-template", str(qwen), "--tokenizer", str(tokenizer)]
    result = run_cli(argv, module="pipeline.export")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all(0 < line["tokens"] < line["chars"] for line in lines)
    assert "tokens median" in result.stderr and f"rendered {len(lines)} of {len(lines)}" in result.stderr
    model = tmp_path / "model"  # a model folder: its tokenizer_config.json's named templates and its tokenizer.json
    model.mkdir()
    (model / "tokenizer.json").write_bytes(tokenizer.read_bytes())
    named = [
        {"name": "default", "template": "{{ messages[0].content }}"},
        {"name": "tool_use", "template": qwen.read_text()},
    ]
    (model / "tokenizer_config.json").write_text(json.dumps({"chat_template": named}))
    result = run_cli([str(run["folder"]), "--check-template", str(model)], module="pipeline.export")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert all("tokens" in line for line in lines)
    assert [line["chars"] for line in lines] == [
        len(load_template(qwen).render(r["messages"], r["tools"])) for r in run["records"]
    ]  # with tools, transformers picks the `tool_use` template


def test_records_from_elsewhere_are_made_canonical_before_export(tmp_path):
    """String arguments, no call ids, tool messages without name or tool_call_id: read, then exported correctly."""
    record = {
        "id": "x1",
        "category": "nested",
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "get_stock_price",
                    "parameters": {"type": "object", "properties": {"ticker": {"type": "string"}}},
                },
            }
        ],
        "messages": [
            {"role": "user", "content": "NVDA price"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"type": "function", "function": {"name": "get_stock_price", "arguments": '{"ticker": "NVDA"}'}}
                ],
            },
            {"role": "tool", "content": '{"price": 1.5}'},
            {"role": "assistant", "content": "It is at 1.5."},
        ],
    }
    source = tmp_path / "records.jsonl"
    source.write_text(json.dumps(record) + "\n")
    for fmt in ("openai", "trl-sft", "hermes"):
        result = run_cli(
            [str(source), "--format", fmt, "--out", str(tmp_path / f"{fmt}.jsonl")], module="pipeline.export"
        )
        assert result.returncode == 0, result.stderr
    openai = json.loads((tmp_path / "openai.jsonl").read_text())
    call_id = openai["messages"][1]["tool_calls"][0]["id"]
    assert len(call_id) == 9 and openai["messages"][2]["tool_call_id"] == call_id
    assert json.loads((tmp_path / "trl-sft.jsonl").read_text())["messages"][1]["tool_calls"][0]["function"][
        "arguments"
    ] == {"ticker": "NVDA"}
    assert (
        '"name": "get_stock_price"' in json.loads((tmp_path / "hermes.jsonl").read_text())["conversations"][3]["value"]
    )


def test_arguments_that_are_not_an_object_are_skipped_with_the_reason():
    record = {
        "id": "x",
        "messages": [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "a1B2c3D4e", "type": "function", "function": {"name": "f", "arguments": "[1, 2]"}}
                ],
            },
        ],
    }
    with pytest.raises(Skip, match="not a JSON object"):
        python(record, JSON)
