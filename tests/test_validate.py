"""`python -m pipeline.validate FILE.jsonl`: the checker contract of DESIGN.md."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from filters.checks import CHECKS, default_checks
from filters.codes import CODES, check_of
from pipeline.export.exporters import PAIR_FORMATS, RECORD_FORMATS, TextOptions
from pipeline.export.readers import FORMATS, READABLE, not_readable
from pipeline.export.templates import load_template
from pipeline.validate import main, validate_object

ROOT = Path(__file__).resolve().parent.parent

DESIGN_EXAMPLE = json.loads((ROOT / "tests" / "fixtures" / "design_example.json").read_text())


def _variant(**changes):
    record = copy.deepcopy(DESIGN_EXAMPLE)
    call = record["messages"][2]["tool_calls"][0]["function"]
    if "arguments" in changes:
        call["arguments"] = changes["arguments"]
        given = changes["arguments"]
        if isinstance(given, str) and given.startswith("{") and given.endswith("}"):
            given = json.loads(given)
        if (
            isinstance(given, dict) and "ticker" in given
        ):  # the result gives back the ticker asked (else inconsistent_result)
            result = json.loads(record["messages"][3]["content"])
            record["messages"][3]["content"] = json.dumps({**result, "ticker": given["ticker"]})
    if "user" in changes:
        record["messages"][1]["content"] = changes["user"]
    if "name" in changes:
        call["name"] = changes["name"]
        record["messages"][3]["name"] = changes["name"]
    return record


def _write(tmp_path, lines, name="data.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8"
    )
    return path


def _cli(*args):
    return [sys.executable, "-m", "pipeline.validate", *map(str, args)]


def _lines(stdout):
    return [json.loads(line) for line in stdout.splitlines()]


def _main(capsys, *args):
    """Run the CLI in process (same code as the subprocess); returns (exit code, lines, stderr)."""
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, _lines(captured.out), captured.err


ERROR_KEYS = {"check", "code", "path", "message"}
# what the design example lacks for a whole check: the reference calls, system-prompt rules, few-shots; no LLM judge
DESIGN_SKIPPED = {
    "reference": "no meta.reference",
    "policy": "no meta.policy",
    "fewshot_copy": "no meta.fewshot",
    "judge": "no meta.judge",
}


def _verdict(line: dict) -> dict:
    """A line's verdict: index, ok, errors (without what was skipped)."""
    return {key: line[key] for key in ("index", "ok", "errors")}


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """Run the subprocess scenarios concurrently (each interpreter start costs ~2 s of imports)."""
    folder = tmp_path_factory.mktemp("validate")
    good = [
        DESIGN_EXAMPLE,
        _variant(arguments={"ticker": "AAPL"}, user="What is Apple trading at?"),
        _variant(arguments='{"ticker": "MSFT"}', user="What is MSFT trading at?"),
    ]
    bad = [DESIGN_EXAMPLE, _variant(arguments={}), "{not json", DESIGN_EXAMPLE]
    scenarios = {
        "good": _cli(_write(folder, good, "good.jsonl")),
        "bad": _cli(_write(folder, bad, "bad.jsonl")),
        "missing": _cli(folder / "nope.jsonl"),
        "format_only": _cli(_write(folder, [_variant(name="get_stock_quote")], "unknown.jsonl"), "--checks", "format"),
        "unknown_check": _cli(folder / "good.jsonl", "--checks", "nope"),
    }
    procs = {
        name: subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name, argv in scenarios.items()
    }
    results = {}
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        results[name] = (proc.returncode, out, err)
    return results


# -- subprocess: the contract -------------------------------------------------------------------


def test_all_records_pass(cli):
    code, out, err = cli["good"]
    assert code == 0, err
    # the DESIGN.md example, a dict variant and arguments given as a JSON string
    assert _lines(out) == [{"index": i, "ok": True, "errors": [], "skipped": DESIGN_SKIPPED} for i in range(3)]
    assert err == (
        "partial check, not run: reference on 3 of 3 (no meta.reference: calls not compared with the calls the "
        "request stands for); policy on 3 of 3 (no meta.policy: no system-prompt rule to hold the calls to); "
        "fewshot_copy on 3 of 3 (no meta.fewshot: a user turn copying a few-shot example goes unseen); judge on 3 "
        "of 3 (no meta.judge: no verdict of the run's LLM judge to read, and validate runs no LLM)\n"
    )


def test_one_bad_record_and_a_non_json_line(cli):
    code, out, err = cli["bad"]
    lines = _lines(out)
    assert code == 1, err
    assert "Traceback" not in err
    assert [line["index"] for line in lines] == [0, 1, 2, 3]
    assert [line["ok"] for line in lines] == [True, False, False, False]
    assert [e["code"] for e in lines[3]["errors"]] == ["duplicate"]  # the first line again
    assert lines[1]["errors"] == [
        {
            "check": "schema",
            "code": "missing_required",
            "path": "messages[2].tool_calls[0].function.arguments",
            "message": "get_stock_price: 'ticker' is a required property",
        }
    ]
    assert [(e["check"], e["code"]) for e in lines[2]["errors"]] == [("format", "invalid_json")]
    assert lines[2]["errors"][0]["message"].startswith("not JSON: ")
    for line in lines:
        assert set(line) == {"index", "ok", "errors", "skipped"}
        assert all(set(error) == ERROR_KEYS for error in line["errors"])


def test_missing_file(cli):
    code, out, err = cli["missing"]
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("error:")
    assert "nope.jsonl" in err and "No such file" in err
    assert "Traceback" not in err


def test_checks_format_runs_only_format(cli):
    code, out, err = cli["format_only"]
    # the checks left out by --checks are the user's choice, not skipped
    assert (code, _lines(out)) == (0, [{"index": 0, "ok": True, "errors": [], "skipped": {}}]), err


def test_unknown_check(cli):
    code, out, err = cli["unknown_check"]
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.strip() == f"error: --checks: unknown check(s): nope (known: {', '.join(CHECKS)})"
    assert "Traceback" not in err


# -- in process: the same main() ---------------------------------------------------------------


def test_design_example_passes(tmp_path, capsys):
    code, lines, _ = _main(capsys, _write(tmp_path, [DESIGN_EXAMPLE]))
    assert (code, [_verdict(line) for line in lines]) == (0, [{"index": 0, "ok": True, "errors": []}])


def test_blank_lines_are_skipped(tmp_path, capsys):
    path = tmp_path / "blank.jsonl"
    other = _variant(arguments={"ticker": "AAPL"}, user="What is Apple trading at?")
    path.write_text(json.dumps(DESIGN_EXAMPLE) + "\n\n   \n" + json.dumps(other) + "\n", encoding="utf-8")
    code, lines, _ = _main(capsys, path)
    assert (code, [line["index"] for line in lines]) == (0, [0, 1])


def test_arguments_string_not_json(tmp_path, capsys):
    code, lines, _ = _main(capsys, _write(tmp_path, [_variant(arguments="ticker=NVDA")]))
    assert code == 1
    assert lines[0]["errors"] == [
        {
            "check": "format",
            "code": "invalid_json",
            "path": "messages[2].tool_calls[0].function.arguments",
            "message": "arguments are not a JSON object",
        }
    ]


def test_record_of_wrong_shape(tmp_path, capsys):
    code, lines, _ = _main(
        capsys, _write(tmp_path, [[1, 2], {"id": "x", "messages": [{"role": "robot", "content": "hi"}]}])
    )
    assert code == 1
    assert [line["ok"] for line in lines] == [False, False]
    assert {e["code"] for line in lines for e in line["errors"]} == {"invalid_record"}
    assert "messages[0].role" in [e["path"] for e in lines[1]["errors"]]


def test_folder_instead_of_file(tmp_path, capsys):
    code, lines, err = _main(capsys, tmp_path)
    assert (code, lines) == (2, [])
    assert len(err.splitlines()) == 1 and err.startswith("error:")


def test_checks_subset_still_reports_its_own_codes(tmp_path, capsys):
    unknown = _write(tmp_path, [_variant(name="get_stock_quote")], "u.jsonl")
    code, lines, _ = _main(capsys, unknown)
    assert code == 1
    assert [(e["check"], e["code"]) for e in lines[0]["errors"]] == [("schema", "unknown_function")]
    code, lines, _ = _main(capsys, _write(tmp_path, [_variant(arguments="nope")], "f.jsonl"), "--checks", "format")
    assert code == 1 and [e["check"] for e in lines[0]["errors"]] == ["format"]
    code, lines, _ = _main(capsys, unknown, "--checks", "schema, category")
    assert code == 1 and [e["code"] for e in lines[0]["errors"]] == ["unknown_function"]


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(
            {**DESIGN_EXAMPLE, "meta": {"reference": [{"message": "2", "calls": []}]}}, id="reference-index-str"
        ),
        pytest.param({**DESIGN_EXAMPLE, "meta": {"reference": "get_stock_price"}}, id="reference-not-a-list"),
        pytest.param(
            {
                **DESIGN_EXAMPLE,
                "tools": [
                    {
                        "type": "function",
                        "function": {
                            "name": "get_stock_price",
                            "parameters": {"type": "object", "properties": {"ticker": {"type": "strnig"}}},
                        },
                    }
                ],
            },
            id="tool-schema-unknown-type",
        ),
        pytest.param(
            {
                **DESIGN_EXAMPLE,
                "tools": [
                    {
                        "type": "function",
                        "function": {
                            "name": "get_stock_price",
                            "parameters": {"type": "object", "properties": {"ticker": {"$ref": "#/$defs/T"}}},
                        },
                    }
                ],
            },
            id="tool-schema-dangling-ref",
        ),
    ],
)
def test_malformed_record_content_gives_no_traceback(tmp_path, capsys, record):
    # in process, a traceback is an exception escaping main()
    code, lines, err = _main(capsys, _write(tmp_path, [DESIGN_EXAMPLE, record]))
    assert code in (1, 2)
    assert len(err.splitlines()) <= 1
    if code == 1:
        assert [line["ok"] for line in lines] == [True, False]


def test_malformed_record_content_is_reported_in_the_vocabulary(tmp_path, capsys):
    records = [
        {**DESIGN_EXAMPLE, "meta": {"reference": "get_stock_price"}},
        {
            **DESIGN_EXAMPLE,
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_stock_price",
                        "parameters": {"type": "object", "properties": {"ticker": {"$ref": "#/$defs/T"}}},
                    },
                }
            ],
        },
    ]
    code, lines, err = _main(capsys, _write(tmp_path, records))
    assert code == 1 and err.startswith("partial check, not run: ") and err.count("\n") == 1
    errors = [[(e["check"], e["code"], e["path"]) for e in line["errors"]] for line in lines]
    assert errors == [
        [("format", "invalid_record", "meta.reference")],
        [("format", "invalid_record", "tools[0].function.parameters.properties.ticker.$ref")],
    ]


def test_a_crashing_check_becomes_an_issue():
    class Broken:
        name = "schema"

        def __call__(self, record):
            raise KeyError("boom")

    issues = validate_object(DESIGN_EXAMPLE, [Broken(), *default_checks(["category"])])
    assert [(i.check, i.code, i.path) for i in issues] == [("schema", "check_error", "")]
    assert issues[0].message == "check crashed: KeyError: 'boom'"


# -- helpers and vocabulary -----------------------------------------------------------------------


def test_main_in_process(tmp_path, capsys):
    assert main([str(_write(tmp_path, [DESIGN_EXAMPLE]))]) == 0
    assert json.loads(capsys.readouterr().out) == {"index": 0, "ok": True, "errors": [], "skipped": DESIGN_SKIPPED}


def test_validate_object_codes_are_in_the_vocabulary():
    checks = default_checks()
    issues = validate_object(_variant(arguments={"ticker": 5, "extra": 1}), checks)
    assert sorted({i.code for i in issues}) == ["unexpected_argument", "ungrounded_value", "wrong_type"]
    for issue in issues:
        assert issue.code in CODES and check_of(issue.code) == issue.check
    assert [i.code for i in validate_object(ValueError("x"), checks)] == ["invalid_json"]


def test_code_vocabulary_covers_the_design_table():
    design = {
        "format": {
            "invalid_json",
            "bad_role_order",
            "empty_turn",
            "bad_tool_call_id",
            "orphan_tool_result",
            "missing_tool_result",
        },
        "schema": {
            "unknown_function",
            "missing_required",
            "unexpected_argument",
            "wrong_type",
            "enum_violation",
            "constraint_violation",
        },
        "category": {"wrong_call_count", "call_in_no_call", "no_call_when_needed"},
        "reference": {"wrong_function", "wrong_value", "wrong_order"},
        "grounding": {"ungrounded_value", "unused_tool_result"},
        "quality": {
            "leaked_function_name",
            "placeholder_value",
            "fewshot_copy",
            "too_short",
            "too_long",
            "refusal",
            "language",
        },
        "dedup": {"duplicate"},
    }
    for check, codes in design.items():
        for code in codes:
            assert check_of(code) == check, code


def test_default_checks_order_and_unknown():
    assert [c.name for c in default_checks()] == [
        "format",
        "schema",
        "plausibility",
        "results",
        "grounding",
        "category",
        "reference",
        "quality",
        "reasoning",
    ]
    assert [c.name for c in default_checks(["reference", "format"])] == ["format", "reference"]
    with pytest.raises(ValueError) as info:
        default_checks(["format", "nope"])
    assert str(info.value) == f"unknown check(s): nope (known: {', '.join(CHECKS)})"


def test_dedup_runs_over_the_whole_file(tmp_path, capsys):
    path = _write(
        tmp_path,
        [
            DESIGN_EXAMPLE,
            {**DESIGN_EXAMPLE, "id": "again"},
            _variant(arguments={"ticker": "AAPL"}, user="What is Apple trading at?"),
        ],
    )
    code, lines, _ = _main(capsys, path)
    assert code == 1 and [line["ok"] for line in lines] == [True, False, True]
    assert lines[1]["errors"] == [
        {"check": "dedup", "code": "duplicate", "path": "messages[1].content", "message": "exact duplicate of c0f3..."}
    ]
    code, lines, _ = _main(capsys, path, "--checks", "format,schema,grounding")
    assert code == 0


# -- input gaps (issue 15) ----------------------------------------------------------------------


def _renamed(name):
    """The design example with its one tool (and the call and result naming it) renamed."""
    record = _variant(name=name)
    record["tools"][0]["function"]["name"] = name
    return record


@pytest.mark.parametrize("name", ["get stock.price", "a" * 65, "get_stock_price\n", ""])
def test_a_tool_name_the_loader_refuses_is_an_invalid_record(tmp_path, capsys, name):
    code, lines, _ = _main(capsys, _write(tmp_path, [_renamed(name)]))
    assert code == 1
    assert {
        "check": "format",
        "code": "invalid_record",
        "path": "tools[0].function.name",
        "message": f"{name!r} is not a valid tool name (^[a-zA-Z0-9_-]{{1,64}}$)",
    } in lines[0]["errors"]


def test_two_tools_of_one_name_are_an_invalid_record(tmp_path, capsys):
    record = copy.deepcopy(DESIGN_EXAMPLE)
    record["tools"].append(copy.deepcopy(record["tools"][0]))
    code, lines, _ = _main(capsys, _write(tmp_path, [record]))
    assert code == 1
    assert lines[0]["errors"][0]["path"] == "tools[1].function.name"
    assert lines[0]["errors"][0]["message"] == "duplicate tool name 'get_stock_price' (also tools[0])"


def test_nan_and_duplicate_keys_in_a_record_are_invalid_json_with_their_path(tmp_path, capsys):
    nan = json.dumps(_variant(arguments={"ticker": float("nan")}))  # json.dumps writes NaN
    duplicate = json.dumps(DESIGN_EXAMPLE).replace('"category": "nested"', '"category": "nested", "category": "single"')
    code, lines, _ = _main(capsys, _write(tmp_path, [nan, duplicate, DESIGN_EXAMPLE]))
    assert code == 1
    assert [line["errors"] for line in lines] == [
        [
            {
                "check": "format",
                "code": "invalid_json",
                "path": "messages[2].tool_calls[0].function.arguments.ticker",
                "message": "not JSON: NaN is not a JSON number (use a finite number or null)",
            }
        ],
        [{"check": "format", "code": "invalid_json", "path": "", "message": "not JSON: duplicate key 'category'"}],
        [],
    ]


def test_a_line_longer_than_the_limit_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import pipeline.record

    monkeypatch.setattr(pipeline.record, "MAX_LINE_BYTES", 2**20)  # 1 MiB: the same code path, a smaller file
    long = _variant(user="What is Nvidia trading at? " + "x" * 2**20)
    code, lines, err = _main(capsys, _write(tmp_path, [DESIGN_EXAMPLE, long], "long.jsonl"))
    assert (code, err) == (
        2,
        f"error: {tmp_path / 'long.jsonl'}: line 2: longer than 1 MiB (the limit for one record)\n",
    )


def test_the_line_limit_is_8_mib_and_lines_are_read_with_bounded_memory(tmp_path):
    path = tmp_path / "huge.jsonl"
    with path.open("w") as handle:  # one 50 MB line: before, 201 s and 2 GB
        handle.write('{"messages": [{"role": "user", "content": "' + "x" * 50_000_000 + '"}]}\n')
    # the child's peak RSS is VmHWM (ru_maxrss would also count the forking pytest process's pages)
    code = (
        "import re, sys\n"
        "from pipeline.validate import main\n"
        "status = main([sys.argv[1]])\n"
        "status_file = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', status_file)[1]) // 1024, file=sys.stderr)\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    message, peak_mib = result.stderr.splitlines()
    assert (result.returncode, message) == (2, f"error: {path}: line 1: longer than 8 MiB (the limit for one record)")
    assert int(peak_mib) < 400, peak_mib  # the interpreter and its imports (~90 MiB), plus one 8 MiB read


def test_a_backtracking_pattern_in_a_record_does_not_hang_validate(tmp_path):
    record = _variant(arguments={"ticker": "a" * 40 + "!"})
    record["tools"][0]["function"]["parameters"]["properties"]["ticker"]["pattern"] = "^(a+)+$"
    path = _write(tmp_path, [record])
    result = subprocess.run(_cli(path, "--checks", "schema"), cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr  # before: Python's re backtracked for hours
    assert [e["code"] for e in _lines(result.stdout)[0]["errors"]] == ["constraint_violation"]


def test_plausibility_reads_the_role_annotations_of_the_tools_given(tmp_path, capsys):
    """--tools seeds carry x-typical; the record's own tools do not: only the seeds' roles flag it."""
    parameters = {"type": "object", "properties": {"weight": {"type": "number", "x-typical": [1, 10]}}}
    seeds = tmp_path / "tools.json"
    seeds.write_text(
        json.dumps({"domain": "t", "tools": [{"name": "weigh", "description": "Weighs.", "parameters": parameters}]})
    )
    plain = {"type": "object", "properties": {"weight": {"type": "number"}}}
    record = {
        "id": "w1",
        "tools": [{"type": "function", "function": {"name": "weigh", "description": "Weighs.", "parameters": plain}}],
        "messages": [
            {"role": "user", "content": "Log a weight of 95 for me"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "abcdefgh1", "type": "function", "function": {"name": "weigh", "arguments": {"weight": 95}}}
                ],
            },
        ],
    }
    data = _write(tmp_path, [record])
    assert main([str(data), "--checks", "plausibility"]) == 0
    capsys.readouterr()
    assert main([str(data), "--checks", "plausibility", "--tools", str(seeds)]) == 1
    [error] = json.loads(capsys.readouterr().out)["errors"]
    assert (error["code"], error["path"]) == (
        "implausible_magnitude",
        "messages[1].tool_calls[0].function.arguments.weight",
    )


# -- exports and what could not be checked --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_format_is_read_back_or_named_in_one_line(tmp_path, capsys, fmt):
    record = {**DESIGN_EXAMPLE, "messages": DESIGN_EXAMPLE["messages"]}
    if fmt == "xlam":  # xLAM holds one request and its calls
        record["messages"] = [m for m in record["messages"] if m["role"] != "tool"][:3]
    exporter = RECORD_FORMATS.get(fmt) or PAIR_FORMATS[fmt]
    rejected = [{"role": "assistant", "content": "I cannot do that."}]
    item = {"id": "p", "prompt": record["messages"][:2], "chosen": record["messages"][2:3], "rejected": rejected}
    template = load_template(ROOT / "tests" / "fixtures" / "templates" / "Qwen-Qwen2.5-7B-Instruct.jinja")
    options = TextOptions(template=template if fmt == "text" else None)
    row = exporter({**item, "tools": record["tools"]} if fmt in PAIR_FORMATS else record, options)
    row = row[0] if isinstance(row, list) else row  # grpo: one row per decision turn
    path = _write(tmp_path, [row, row], f"{fmt}.jsonl")
    code, lines, err = _main(capsys, path, "--checks", ",".join(c for c in CHECKS if c != "category") + ",dedup")
    if fmt in READABLE:  # the rows are the record less id, category and meta: ids made, string arguments parsed
        assert code == 1 and [line["ok"] for line in lines] == [True, False], err
        assert lines[1]["errors"][0]["code"] == "duplicate" and "line-1" in lines[1]["errors"][0]["message"]
        assert lines[0]["skipped"]["reference"] == "no meta.reference"
    else:
        assert (code, lines) == (2, [])
        assert err == f"error: {path}: line 1: {not_readable(fmt)}\n"


def test_the_openai_export_of_a_record_checks_as_the_record_does(tmp_path, capsys):
    rows = [RECORD_FORMATS["openai"](DESIGN_EXAMPLE, TextOptions())]
    code, lines, err = _main(capsys, _write(tmp_path, rows))
    assert code == 0 and lines[0]["ok"], lines
    assert lines[0]["skipped"] == {**DESIGN_SKIPPED, "category": "no category"}
    assert "category on 1 of 1 (no category: no call-count rule of single, parallel, nested or no_call)" in err


def test_a_record_without_a_category_gets_no_call_count_rule(tmp_path, capsys):
    answer = {"role": "assistant", "content": "Markets are closed on Sundays, so there is no price to get."}
    words = {k: v for k, v in DESIGN_EXAMPLE.items() if k != "category"}
    words["messages"] = [*DESIGN_EXAMPLE["messages"][:2], answer]
    code, lines, _ = _main(capsys, _write(tmp_path, [words, {**words, "category": "single"}]))
    assert code == 1
    assert lines[0]["ok"] and lines[0]["skipped"]["category"] == "no category"  # was checked as "single"
    assert [e["code"] for e in lines[1]["errors"]] == ["no_call_when_needed"] and "category" not in lines[1]["skipped"]


def test_what_was_skipped_is_said_once_per_run_and_per_record(tmp_path, capsys):
    with_reference = copy.deepcopy(DESIGN_EXAMPLE)
    call = with_reference["messages"][2]["tool_calls"][0]["function"]
    with_reference["meta"].update(
        reference=[{"message": 2, "calls": [{"name": call["name"], "arguments": call["arguments"]}]}],
        policy=[{"type": "never_call", "tool": "delete_account"}],
        fewshot=["Book me a table for two."],
    )
    variant = _variant(arguments={"ticker": "AAPL"}, user="What is Apple trading at?")
    code, lines, err = _main(capsys, _write(tmp_path, [with_reference, variant, DESIGN_EXAMPLE]))
    assert code == 1  # the third line repeats the first one's conversation: a duplicate
    assert lines[0]["skipped"] == {"judge": "no meta.judge"}
    assert lines[1]["skipped"] == DESIGN_SKIPPED
    assert err.count("\n") == 1 and err.startswith("partial check, not run: reference on 2 of 3 (no meta.reference")
    assert "judge on 3 of 3" in err


def test_the_verdict_of_the_runs_judge_is_read_back(tmp_path, capsys):
    said_no = copy.deepcopy(DESIGN_EXAMPLE)
    said_no["meta"]["judge"] = {"verdict": "no", "reason": "the call does not answer the request"}
    said_yes = _variant(arguments={"ticker": "AAPL"}, user="What is Apple trading at?")
    said_yes["meta"]["judge"] = {"verdict": "yes", "reason": "fine"}
    garbled = _variant(arguments={"ticker": "MSFT"}, user="What is MSFT trading at?")
    garbled["meta"]["judge"] = "yes"
    code, lines, _ = _main(capsys, _write(tmp_path, [said_no, said_yes, garbled]))
    assert code == 1
    assert lines[0]["errors"] == [
        {
            "check": "judge",
            "code": "judge_rejected",
            "path": "meta.judge",
            "message": "the run's judge said no: the call does not answer the request",
        }
    ]
    assert lines[1]["ok"] and "judge" not in lines[1]["skipped"]
    assert [(e["code"], e["path"]) for e in lines[2]["errors"]] == [("invalid_record", "meta.judge")]
    code, lines, _ = _main(capsys, _write(tmp_path, [said_no], "unjudged.jsonl"), "--checks", "schema")
    assert (code, lines[0]["skipped"]) == (0, {})  # --checks without judge: the verdict is not read
