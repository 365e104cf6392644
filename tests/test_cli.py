"""pipeline.cli: `fc-datagen COMMAND ...` dispatches to the same code as `python -m pipeline.COMMAND`."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
import tomllib

import pipeline
from pipeline.cli import COMMANDS
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
        == "error: unknown command 'nope' (choose from run, validate, export, publish, merge, report, review, eval, "
        "seeds)"
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


def _main_modules() -> dict[str, str]:
    """Every module of pipeline/ a user can run (a __main__.py: its package; or an `if __name__ == "__main__"`
    guard) -> the module holding its code (a package's __main__)."""
    modules = {}
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        if path.name == "__main__.py":
            modules[dotted.removesuffix(".__main__")] = dotted
        elif re.search(r"""^if __name__ == ["']__main__["']:""", path.read_text(), re.M):
            modules[dotted] = dotted
    return modules


def _command_table(module: str) -> dict:
    """A dispatcher's COMMANDS table (name -> (module, help)), {} for a module without one (not imported then:
    a __main__.py without a guard would run)."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None or "COMMANDS = {" not in Path(spec.origin).read_text():
        return {}
    return importlib.import_module(module).COMMANDS


def _entries() -> list[tuple[str, list[str]]]:
    """(module, argv prefix) of every command line: each runnable module and script of pyproject.toml, and
    every command of a dispatcher's COMMANDS table (fc-datagen's, then `seeds`'), reached through it."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    runnable = _main_modules() | {target.split(":")[0]: target.split(":")[0] for target in scripts.values()}
    entries = [(module, []) for module in runnable]
    todo = [(module, [], code) for module, code in runnable.items()]  # (entry, argv prefix, module with the table)
    while todo:
        entry, prefix, module = todo.pop(0)
        for name, (target, _) in _command_table(module).items():
            entries.append((entry, [*prefix, name]))
            todo.append((entry, [*prefix, name], target))
    return entries


def test_the_entry_list_covers_every_command():
    entries = _entries()
    covered = {" ".join([module, *prefix]) for module, prefix in entries}
    assert {"pipeline.cli", "pipeline.run", "pipeline.validate", "pipeline.merge", "pipeline.seeds"} <= covered
    assert {"pipeline.export", "pipeline.publish", "pipeline.cli seeds enrich", "pipeline.seeds enrich"} <= covered
    assert {f"pipeline.cli {name}" for name in COMMANDS} <= covered


@pytest.mark.parametrize(("module", "prefix"), _entries(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_every_entry_answers_help_with_exit_0(module, prefix):
    result = run_cli([*prefix, "--help"], module=module, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.match(r"usage: \S", result.stdout), result.stdout[:200]
    assert result.stderr == ""


def test_seeds_without_a_command_says_which_exist():
    bare = run_cli([], module="pipeline.seeds")
    assert bare.returncode == 2 and "enrich" in bare.stderr and bare.stdout == ""
    unknown = run_cli(["nope"], module="pipeline.seeds")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        2,
        "error: unknown command 'nope' (choose from enrich)",
    )
