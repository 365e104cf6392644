"""pipeline.config: values a run refuses before it starts (issue 15: empty --out, non-finite numbers)."""

from __future__ import annotations

import pytest

from pipeline.errors import InputError
from pipeline.run import build_config, parse_args
from tests.conftest import run_cli


def _error(argv: list[str]) -> str:
    with pytest.raises(InputError) as info:
        build_config(parse_args(argv))
    return str(info.value)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--timeout", "inf"], "--timeout: Input should be a finite number"),
        (["--timeout", "nan"], "--timeout: Input should be a finite number"),
        (["--max-cost", "inf"], "--max-cost: Input should be a finite number"),
        (["--max-failed-share", "nan"], "--max-failed-share: Input should be a finite number"),
        (["--temperatures", "0.2,nan"], "--temperatures: Input should be a finite number"),
        (["--out", ""], "--out: must name a folder (leave it out for the default)"),
        (["--out", "  "], "--out: must name a folder (leave it out for the default)"),
    ],
)
def test_non_finite_numbers_and_an_empty_out_are_refused(argv, message):
    assert _error(["--category", "single", *argv]) == message


def test_a_toml_job_file_with_inf_is_refused(tmp_path):
    (tmp_path / "job.toml").write_text('category = "single"\n[teacher]\ntimeout = inf\n')
    assert _error(["--config", str(tmp_path / "job.toml")]).endswith(
        "job.toml: teacher.timeout: Input should be a finite number"
    )


def test_finite_values_still_pass():
    config = build_config(parse_args(["--category", "single", "--timeout", "2.5", "--out", "runs/x"]))
    assert (config.teacher.timeout, config.out) == (2.5, "runs/x")


def test_empty_out_is_one_line_and_writes_nothing(tmp_path):
    result = run_cli(["--category", "single", "--out", ""], cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        2,
        "error: --out: must name a folder (leave it out for the default)\n",
    )
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv, judged",
    [
        (["--category", "single"], False),  # the embedded 135M teacher: its yes/no says little
        (["--category", "single", "--judge"], True),
        (["--category", "single", "--base-url", "http://127.0.0.1:9/v1", "--model", "m"], True),
        (["--category", "single", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--no-judge"], False),
    ],
)
def test_the_judge_is_on_by_default_for_endpoints_only(argv, judged):
    assert build_config(parse_args(argv)).resolved_judge is judged


@pytest.mark.parametrize("value", ["maybe", 3, -1, True])
def test_a_wrong_second_solve_gets_one_message_at_its_path(value):
    from pipeline.config import PairsConfig

    with pytest.raises(ValueError, match="expected a temperature from 0 to 2, or 'off'") as error:
        PairsConfig(second_solve=value)
    assert "constrained-float" not in str(error.value)
    assert PairsConfig(second_solve="off").second_solve == "off" and PairsConfig(second_solve=0).second_solve == 0


def test_a_student_url_with_credentials_points_to_the_students_key_variable():
    from pipeline.config import StudentConfig

    with pytest.raises(ValueError, match="student.api_key_env") as error:
        StudentConfig(base_url="http://user:secret@127.0.0.1:9/v1", model="s")
    assert "secret" not in error.value.errors()[0]["msg"]  # the message the CLI prints
