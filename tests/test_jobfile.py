"""pipeline.jobfile and `--config`: job files in YAML, TOML or JSON under the flags, with
one-line errors naming the file and the JSON path, and no secret from the file in any output."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import InputError
from pipeline.jobfile import load_job_file, merged
from pipeline.run import build_config, parse_args
from tests.conftest import run_cli
from tests.fake_openai import FakeOpenAI

JOB = """\
category: parallel
n: 7
seed: 3
teacher:
  base_url: http://127.0.0.1:9/v1
  model: m1
  temperatures: [0.2, 0.9]
  concurrency: 2
pairs:
  per_record: 1
  mix: {wrong_value: 2, missing_call: 1}
hub:
  license: cc-by-4.0
"""


def test_a_yaml_job_file_holds_the_whole_config(tmp_path):
    (tmp_path / "job.yaml").write_text(JOB)
    config = build_config(parse_args(["--config", str(tmp_path / "job.yaml")]))
    assert (config.category, config.n, config.seed) == ("parallel", 7, 3)
    assert (config.teacher.model, config.teacher.temperatures, config.teacher.concurrency) == ("m1", [0.2, 0.9], 2)
    assert (config.pairs.per_record, config.pairs.mix, config.hub.license) == (
        1,
        {"wrong_value": 2, "missing_call": 1},
        "cc-by-4.0",
    )


def test_flags_override_the_file_key_by_key(tmp_path):
    (tmp_path / "job.yaml").write_text(JOB)
    config = build_config(
        parse_args(
            [
                "--config",
                str(tmp_path / "job.yaml"),
                "--n",
                "2",
                "--temperatures",
                "0.5",
                "--category",
                "single",
                "--dry-run",
            ]
        )
    )
    assert (config.category, config.n, config.teacher.temperatures) == ("single", 2, [0.5])
    assert (config.teacher.model, config.teacher.concurrency, config.hub.license, config.hub.dry_run) == (
        "m1",
        2,
        "cc-by-4.0",
        True,
    )


@pytest.mark.parametrize(
    "suffix, text",
    [
        (".toml", 'category = "parallel"\nn = 7\n[teacher]\nmodel = "m1"\ntemperatures = [0.2, 0.9]\n'),
        (".json", '{"category": "parallel", "n": 7, "teacher": {"model": "m1", "temperatures": [0.2, 0.9]}}'),
    ],
)
def test_toml_and_json_job_files(tmp_path, suffix, text):
    (tmp_path / f"job{suffix}").write_text(text)
    config = build_config(parse_args(["--config", str(tmp_path / f"job{suffix}")]))
    assert (config.category, config.n, config.teacher.temperatures) == ("parallel", 7, [0.2, 0.9])


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "category: single\nteacher:\n  temperatures: [0.2, 0.5, 3]\n",
            "job.yaml: teacher.temperatures[2]: must be <= 2",
        ),
        ("category: single\nteacher:\n  temprature: 1\n", "job.yaml: teacher.temprature: unknown key"),
        ("category: single\napi_key: sk-NEVERECHOED123456\n", "job.yaml: api_key: unknown key"),
        ("category: single\npairs:\n  mix: {wrong_vibe: 1}\n", "job.yaml: pairs: unknown pair type 'wrong_vibe'"),
        ("category: single\nhub:\n  test_share: 1.5\n", "job.yaml: hub.test_share: must be <= 1"),
        ("category: banana\n", "job.yaml: category: unknown category 'banana'"),
        (
            "category: single\nteacher:\n  base_url: http://x/v1\n",
            "job.yaml: teacher.model: a model is required with a base URL",
        ),
        ("category: single\nteacher: [1\n", "job.yaml: line 3: invalid YAML"),
        ("- category: single\n", "job.yaml: a job file holds a mapping"),
        ("n: 3\n", "--category: say which: --category, or category in the job file"),
    ],
)
def test_a_bad_job_file_is_one_line_naming_file_and_path(tmp_path, text, message):
    (tmp_path / "job.yaml").write_text(text)
    result = run_cli(["--config", str(tmp_path / "job.yaml"), "--out", str(tmp_path / "run")], cwd=tmp_path)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert "\n" not in line and line.replace(str(tmp_path) + "/", "").startswith(f"error: {message}"), line
    assert "sk-NEVERECHOED" not in result.stderr + result.stdout
    assert not (tmp_path / "run").exists()


def test_a_missing_job_file_is_named():
    with pytest.raises(InputError, match="no such file"):
        load_job_file("/nonexistent/job.yaml")


def test_merged_lays_flags_over_nested_keys():
    assert merged({"teacher": {"model": "a", "timeout": 5}, "n": 1}, {"teacher": {"model": "b"}}) == {
        "teacher": {"model": "b", "timeout": 5},
        "n": 1,
    }


def test_no_secret_from_the_environment_reaches_any_output(tmp_path):
    """(A key in the base URL is refused before the run: tests/backends/test_endpoint.py.)"""
    secrets = {"OPENAI_API_KEY": "sk-PLANTEDenvKEY0123456789", "HF_TOKEN": "hf_PLANTEDenvTOKEN012345"}
    with FakeOpenAI() as fake:
        (tmp_path / "job.yaml").write_text(
            f"category: all\nn: 10\nteacher:\n  base_url: {fake.base_url}\n  model: fake\n"
            "hub:\n  repo: acme/fc\n  license: apache-2.0\n  dry_run: true\n"
        )
        result = run_cli(["--config", str(tmp_path / "job.yaml"), "--out", str(tmp_path / "run")], env=secrets)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "run" / "hub" / "README.md").is_file() and (tmp_path / "run" / "pairs.jsonl").is_file()
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["config"]["teacher"]["base_url"] == fake.base_url
    for path in (tmp_path / "run").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets.values():
                assert secret.encode() not in data, f"{secret} in {path}"
    assert not any(secret in result.stdout + result.stderr for secret in secrets.values())


def test_publish_reads_the_hub_section_of_a_job_file(tmp_path):
    with FakeOpenAI() as fake:
        result = run_cli(
            [
                "--category",
                "single",
                "--n",
                "3",
                "--out",
                str(tmp_path / "run"),
                "--base-url",
                fake.base_url,
                "--model",
                "fake",
            ]
        )
    assert result.returncode == 0 and not (tmp_path / "run" / "hub").exists()
    (tmp_path / "job.yaml").write_text(
        "category: single\nhub:\n  repo: acme/fc\n  license: mit\n  dry_run: true\n  test_share: 0.0\n"
    )
    published = run_cli([str(tmp_path / "run"), "--config", str(tmp_path / "job.yaml")], module="pipeline.publish")
    assert published.returncode == 0, published.stderr
    assert "license: mit" in (tmp_path / "run" / "hub" / "README.md").read_text()
    refused = run_cli(
        [str(tmp_path / "run"), "--config", str(tmp_path / "job.yaml"), "--license", ""], module="pipeline.publish"
    )
    assert (
        refused.returncode == 2
        and refused.stderr.strip()
        == "error: --license: a push needs a license (e.g. --license apache-2.0 or cc-by-4.0)"
    )


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("job.yaml", "category: single\nn: 3\nn: 5\n", "job.yaml: line 3: duplicate key 'n'"),
        ("job.yaml", "category: single\nteacher:\n  model: a\n  model: b\n", "job.yaml: line 4: duplicate key 'model'"),
        ("job.yaml", "category: single\nteacher:\n  timeout: .nan\n", "job.yaml: teacher.timeout: NaN is not"),
        ("job.json", '{"category": "single", "n": 3, "n": 5}', "job.json: duplicate key 'n'"),
        ("job.json", '{"category": "single", "teacher": {"timeout": Infinity}}', "job.json: teacher.timeout: Infinity"),
        ("job.yaml", "category: single\nx: " + "[" * 5000 + "]" * 5000 + "\n", "job.yaml: nested deeper than 128"),
    ],
)
def test_duplicate_keys_non_finite_numbers_and_deep_nesting_are_refused(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as info:
        load_job_file(str(tmp_path / name))
    assert str(info.value).replace(str(tmp_path) + "/", "").startswith(message), str(info.value)


def test_yaml_merge_keys_may_repeat_a_key(tmp_path):
    text = "base: &b {model: a, concurrency: 2}\nteacher:\n  <<: *b\n  model: c\n"
    (tmp_path / "job.yaml").write_text(text)
    assert load_job_file(str(tmp_path / "job.yaml"))["teacher"] == {"model": "c", "concurrency": 2}
