"""pipeline.cli: `fc-datagen COMMAND ...` dispatches to the same code as `python -m pipeline.COMMAND`."""

from __future__ import annotations

import json

import pipeline
from tests.conftest import ROOT, run_cli


def test_version_and_usage():
    version = run_cli(["--version"], module="pipeline.cli")
    assert (version.returncode, version.stdout.strip()) == (0, f"fc-datagen {pipeline.__version__}")
    bare = run_cli([], module="pipeline.cli")
    assert bare.returncode == 2 and "commands:" in bare.stderr and "merge" in bare.stderr
    unknown = run_cli(["nope"], module="pipeline.cli")
    assert (
        unknown.returncode == 2
        and unknown.stderr.strip()
        == "error: unknown command 'nope' (choose from run, validate, export, publish, merge, seeds)"
    )


def test_a_command_runs_as_its_module_does(tmp_path):
    record = json.loads((ROOT / "tests" / "fixtures" / "design_example.json").read_text())
    (tmp_path / "one.jsonl").write_text(json.dumps(record) + "\n")
    via_cli = run_cli(["validate", str(tmp_path / "one.jsonl")], module="pipeline.cli")
    via_module = run_cli([str(tmp_path / "one.jsonl")], module="pipeline.validate")
    assert (via_cli.returncode, via_cli.stdout) == (via_module.returncode, via_module.stdout)
    assert "usage: fc-datagen run" in run_cli(["run", "--help"], module="pipeline.cli").stdout


def test_bad_input_through_the_cli_is_one_line_exit_2(tmp_path):
    result = run_cli(
        ["run", "--category", "single", "--tools", str(tmp_path / "nope.json")], module="pipeline.cli", cwd=tmp_path
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "nope.json" in result.stderr
