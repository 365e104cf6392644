"""Atomic writes, run names, and rich seed tools through sampler -> record -> writer -> validate."""

from __future__ import annotations

import errno
import json
import os
import random
import re
import stat
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from filters.checks import default_checks
from pipeline import errors
from pipeline.config import BudgetConfig, ChecksConfig, RunConfig, TeacherConfig
from pipeline.errors import InputError
from pipeline.record import Conversation, FunctionCall, Message, ToolCall, iter_jsonl, new_call_id, parse_record
from pipeline.run import main as run_main
from pipeline.sampler import ArgumentSampler
from pipeline.seeds import load_tools
from pipeline.validate import validate_object
from pipeline.writer import (
    check_settings,
    clear_unused,
    missing_folders,
    remove_empty,
    retire_manifest,
    run_folder,
    run_name,
    write_json,
    write_jsonl,
)
from tests.filters import STRUCTURAL


def _is_rich(schema) -> bool:
    text = json.dumps(schema)
    return (
        '"$ref"' in text or '"anyOf"' in text or '"items": {"type": "object"' in text or text.count('"properties"') > 1
    )


def test_rich_seed_tools_survive_sampler_writer_and_validate(tmp_path):
    tools = [tool for tool in load_tools() if _is_rich(tool.parameters)]
    assert len(tools) >= 8
    records = []
    for index, tool in enumerate(tools):
        rng = random.Random(index)
        arguments = ArgumentSampler(rng, datetime(2026, 11, 23, tzinfo=timezone.utc), optional_rate=1.0).arguments(
            tool.parameters
        )
        records.append(
            Conversation(
                id=f"r{index}",
                category="single",
                tools=[tool.to_tool()],
                messages=[
                    Message(role="user", content=f"please {tool.description}"),
                    Message(
                        role="assistant",
                        tool_calls=[
                            ToolCall(id=new_call_id(rng), function=FunctionCall(name=tool.name, arguments=arguments))
                        ],
                    ),
                ],
            )
        )
    path = tmp_path / "accepted.jsonl"
    write_jsonl(path, (record.to_json() for record in records))
    back = [obj for _, obj in iter_jsonl(str(path))]
    assert len(back) == len(records)
    checks = default_checks(STRUCTURAL)  # values are sampled, not said: no grounding or quality here
    for original, obj in zip(records, back):
        assert validate_object(obj, checks) == []
        assert parse_record(obj) == original  # nested objects, arrays of objects, nulls and $ref-shaped values intact


def test_atomic_write_leaves_no_temp_files_and_replaces(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"a": 1}, '{"b": 2}'])
    write_jsonl(path, [{"c": 3}])
    assert path.read_text() == '{"c": 3}\n'
    write_json(tmp_path / "m.json", {"k": [1]})
    assert json.loads((tmp_path / "m.json").read_text()) == {"k": [1]}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "x.jsonl"]


def test_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [{"old": True}])

    def rows():
        yield {"new": 1}
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_jsonl(path, rows())
    assert path.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["x.jsonl"]


def test_run_dir_retires_the_old_manifest(tmp_path):
    config = RunConfig(out=str(tmp_path / "run"))
    first = run_folder(config)
    (first / "manifest.json").write_text("{}")
    retire_manifest(run_folder(config))
    assert first.is_dir() and not (first / "manifest.json").exists()


def test_run_name_follows_the_config():
    a = RunConfig(seed=1)
    assert run_name(a) == run_name(RunConfig(seed=1, out="elsewhere"))
    assert run_name(a) != run_name(RunConfig(seed=2))
    assert run_name(a).startswith("single-blueprint-seed1-")
    assert run_name(RunConfig(teacher=TeacherConfig(base_url="http://x/v1", model="m"))).startswith(
        "single-free-seed0-"
    )


def test_run_name_ignores_how_a_run_is_paced_paid_and_checked():
    a = RunConfig(seed=1)
    b = RunConfig(
        seed=1,
        checks=["format", "schema"],
        dedup=False,
        budget={"max_requests": 5},
        teacher=TeacherConfig(concurrency=3, rpm=60, timeout=5),
    )
    assert run_name(a) == run_name(b)  # a rerun with a larger budget or other checks resumes the same folder and cache
    assert run_name(a) != run_name(RunConfig(seed=1, teacher=TeacherConfig(temperatures=[0.3])))


def test_settings_are_stored_and_a_resume_with_other_ones_is_refused(tmp_path):
    # (the config refuses a key in the URL; one built around the check still never reaches the file)
    teacher = TeacherConfig.model_construct(base_url="http://x/v1?api_key=sk-abcdefghijkl", model="m")
    config = RunConfig(seed=1, n=5, teacher=teacher)
    check_settings(tmp_path, config)
    stored = (tmp_path / "settings.json").read_text()
    assert '"seed": 1' in stored and "sk-abcdefghijkl" not in stored
    check_settings(tmp_path, config)  # the same settings: resume
    check_settings(
        tmp_path,
        config.model_copy(update={"checks": ChecksConfig(enabled=["format"]), "budget": BudgetConfig(max_requests=3)}),
    )
    changed = config.model_copy(update={"n": 7, "teacher": config.teacher.model_copy(update={"temperatures": [0.5]})})
    with pytest.raises(InputError) as error:
        check_settings(tmp_path, changed)
    assert error.value.file == str(tmp_path / "settings.json")
    assert "n: 5 -> 7" in error.value.message and "teacher.temperatures: null -> [0.5]" in error.value.message


def test_a_torn_settings_file_is_written_again(tmp_path):
    (tmp_path / "settings.json").write_text('{"seed": ')
    check_settings(tmp_path, RunConfig(seed=2))
    assert json.loads((tmp_path / "settings.json").read_text())["seed"] == 2


def test_run_files_are_readable_by_others_as_the_umask_allows(tmp_path):
    """accepted.jsonl and the manifest get open()'s mode (0644 under umask 022), not a temporary file's 0600."""
    old = os.umask(0o022)
    try:
        write_jsonl(tmp_path / "accepted.jsonl", [{"a": 1}])
        write_json(tmp_path / "manifest.json", {"b": 2})
        os.umask(0o077)
        write_jsonl(tmp_path / "private.jsonl", [{"c": 3}])
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "accepted.jsonl").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "manifest.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.jsonl").stat().st_mode) == 0o600


def test_a_new_setting_at_its_default_renames_no_run_folder():
    """The folder name covers only generation settings that differ from their defaults, and check,
    budget and Hub settings not at all: an option added by a later version cannot orphan a cache."""
    base = RunConfig(seed=1, teacher=TeacherConfig(base_url="http://x/v1", model="m"))
    assert run_name(base) == run_name(
        RunConfig(
            seed=1,
            teacher=TeacherConfig(base_url="http://x/v1", model="m", timeout=5),
            checks={"min_request_words": 9, "judge": True},
            hub={"license": "mit"},
        )
    )
    assert run_name(base) != run_name(
        base.model_copy(update={"plan": base.plan.model_copy(update={"alias_rate": 0.9})})
    )


def test_settings_of_an_older_version_resume_when_they_mean_the_same(tmp_path):
    """settings.json written before the config was grouped (flat keys, fields since added missing)
    still resumes its folder, and is rewritten in the current form; a real change is still refused."""
    legacy = {
        "category": "single",
        "n": 5,
        "seed": 1,
        "mode": None,
        "tools": [],
        "max_candidates": None,
        "alias_rate": 0.3,
        "distractors": [1, 4],
        "now": "2026-11-23T10:00:00Z",
        "teacher": {"base_url": "http://x/v1", "model": "m"},
        "pairs": {"second_solve": None},
    }
    (tmp_path / "settings.json").write_text(json.dumps(legacy))
    config = RunConfig(seed=1, n=5, plan={"alias_rate": 0.3}, teacher=TeacherConfig(base_url="http://x/v1", model="m"))
    check_settings(tmp_path, config)
    assert json.loads((tmp_path / "settings.json").read_text())["plan"]["alias_rate"] == 0.3
    (tmp_path / "settings.json").write_text(json.dumps(legacy))
    with pytest.raises(InputError) as error:
        check_settings(tmp_path, config.model_copy(update={"plan": config.plan.model_copy(update={"alias_rate": 0.5})}))
    assert "plan.alias_rate: 0.3 -> 0.5" in error.value.message


def test_flat_keys_of_older_job_files_land_in_their_groups():
    config = RunConfig.model_validate(
        {"alias_rate": 0.3, "checks": ["format"], "judge": True, "dedup": False, "turns": [2, 2]}
    )
    assert (
        config.plan.alias_rate,
        config.plan.turns,
        config.checks.enabled,
        config.checks.judge,
        config.checks.dedup,
    ) == (0.3, (2, 2), ["format"], True, False)


@pytest.fixture
def disk(tmp_path):
    """mount(options) -> a fresh tmpfs mounted with `options` (e.g. "size=12k", "ro"), unmounted
    after the test; skipped where this process may not mount (not root, no CAP_SYS_ADMIN)."""
    mounted = []

    def mount(options: str) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _run_on(fake, out: Path, tmp_path: Path, capsys) -> tuple[int, str]:
    """pipeline.run in this process (-q: only warnings and errors on stderr), its cache outside `out`."""
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"cache_dir": str(tmp_path / "cache")}))
    args = ["--config", str(job), "--category", "single", "--n", "3", "--base-url", fake.base_url, "--model", "fake"]
    code = run_main([*args, "--out", str(out), "-q"])
    return code, capsys.readouterr().err


def _finished_looking(folder: Path) -> list[str]:
    """What in `folder` a reader could take for output: run files and temporary ones (the lock and
    the log, appended as the run goes, are not output)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in ("run.lock", "run.log", "settings.json"))


def test_a_full_disk_is_one_line_exit_4_no_finished_file_and_a_rerun_continues(fake, tmp_path, disk, capsys):
    """--out on a 12 KiB tmpfs: the run fills it while writing its files; one line naming the file,
    exit 4, no manifest.json and no partial or temporary file; with space, the same command finishes."""
    point = disk("size=12k")
    code, err = _run_on(fake, point / "run", tmp_path, capsys)
    assert code == errors.EXIT_ENVIRONMENT
    assert re.fullmatch(
        rf"error: {point}/run/\S+: No space left on device; the run did not finish; run the same command again .*\n",
        err,
    )
    assert _finished_looking(point / "run") == []
    sent = len(fake.requests)
    subprocess.run(["mount", "-o", "remount,size=1m", str(point)], check=True)
    assert _run_on(fake, point / "run", tmp_path, capsys)[0] == 0
    assert json.loads((point / "run" / "manifest.json").read_text())["status"] == "complete"
    assert len(fake.requests) == sent  # every answer came from the cache


@pytest.mark.parametrize("exists", [False, True], ids=["new-run-folder", "existing-run-folder"])
def test_a_read_only_out_is_one_line_exit_4(fake, tmp_path, disk, capsys, exists):
    point = disk("size=64k")
    if exists:
        (point / "run").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(point)], check=True)
    code, err = _run_on(fake, point / "run", tmp_path, capsys)
    assert code == errors.EXIT_ENVIRONMENT
    where = point / "run" / "run.lock" if exists else point / "run"
    assert err.startswith(f"error: {where}: Read-only file system; ") and err.count("\n") == 1
    assert fake.requests == []


CREATED = "(missing ones are created)"


def test_an_out_that_is_a_file_is_one_line_exit_2_and_missing_parents_are_created(fake, tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    for out in (tmp_path / "taken", tmp_path / "taken" / "run"):
        code, err = _run_on(fake, out, tmp_path, capsys)
        assert code == errors.EXIT_BAD_INPUT
        assert err == f"error: {out}: a file is in the way: the run folder (--out) must be a folder {CREATED}\n"
    assert (tmp_path / "taken").read_text() == "not a folder" and fake.requests == []
    assert run_folder(RunConfig(out=str(tmp_path / "a" / "b" / "run"))).is_dir()


def test_a_write_the_disk_refuses_names_the_file_and_leaves_the_old_one(tmp_path):
    """ENOSPC in the middle of a write (injected): the error names the file (not its temporary
    name, and a failed write() names none), the temporary file is gone, the old file intact."""
    path = tmp_path / "accepted.jsonl"
    write_jsonl(path, [{"old": True}])

    def rows():
        yield {"new": 1}
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OSError) as refused:
        write_jsonl(path, rows())
    assert (refused.value.errno, refused.value.filename) == (errno.ENOSPC, str(path))
    assert path.read_text() == '{"old": true}\n' and [p.name for p in tmp_path.iterdir()] == ["accepted.jsonl"]


def _bookkeeping(folder: Path) -> None:
    """What a run folder holds before its first answer: the lock, run.log, settings.json, an empty cache."""
    (folder / "cache").mkdir(parents=True)
    (folder / "cache" / "responses.jsonl").write_text("")
    for name in ("run.lock", "run.log", "settings.json"):
        (folder / name).write_text("{}")


def test_a_folder_stopped_before_its_first_answer_is_cleared_and_removed(tmp_path):
    out = tmp_path / "new" / "run"
    created = missing_folders(out)
    assert created[:2] == [out, tmp_path / "new"] and tmp_path not in created
    _bookkeeping(out)
    assert clear_unused(out) is True
    assert [path.name for path in out.iterdir()] == ["run.lock"]  # the lock stays while it is held
    (out / "run.lock").unlink()  # RunLock.release
    remove_empty(created)
    assert not (tmp_path / "new").exists() and tmp_path.is_dir()


@pytest.mark.parametrize(
    "extra",
    [
        lambda out: (out / "cache" / "responses.jsonl").write_text('{"key": "an answer"}\n'),
        lambda out: (out / "accepted.jsonl").write_text("{}\n"),
        lambda out: (out / "embedded-server.log").write_text("llama.cpp failed to load\n"),
        lambda out: (out / "cache" / "other.jsonl").write_text(""),
    ],
    ids=["a cached answer", "a previous run's file", "the server log", "another cache file"],
)
def test_a_folder_with_anything_of_value_is_left_whole(tmp_path, extra):
    out = tmp_path / "run"
    _bookkeeping(out)
    extra(out)
    before = sorted(str(path.relative_to(out)) for path in out.rglob("*"))
    assert clear_unused(out) is False
    remove_empty([out])
    assert sorted(str(path.relative_to(out)) for path in out.rglob("*")) == before
