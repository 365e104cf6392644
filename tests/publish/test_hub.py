"""pipeline.publish: the dry-run Hub folder (card, data, config, log) loads with `datasets`, holds
no secret, and a push goes through huggingface_hub (mocked at the Hub's edge only)."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from pathlib import Path

import datasets
import pytest
import yaml

from pipeline.publish import hub as publish_module
from pipeline.publish.cli import main as publish_main
from pipeline.publish.hf_dataset import exact_json_decoding
from pipeline.run import main as run_main
from tests.conftest import run_cli


@pytest.fixture(autouse=True)
def _exact_floats(monkeypatch):
    """The card's two lines: datasets' default Json decoding reads some floats 1 ulp off."""
    import datasets.features.features as features

    monkeypatch.setattr(features, "ujson_loads", features.ujson_loads)  # restored after the test
    exact_json_decoding()


PLANTED = {"OPENAI_API_KEY": "sk-PLANTEDopenaiKEY0123456789", "HF_TOKEN": "hf_PLANTEDhubTOKEN0123456789"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A finished `all` run against the fake teacher, through the CLI, with secrets planted in the
    environment, and --dry-run so the Hub folder is written."""
    from tests.fake_openai import FakeOpenAI

    out = tmp_path_factory.mktemp("run") / "run"
    with FakeOpenAI() as fake:
        result = run_cli(
            [
                "--category",
                "all",
                "--n",
                "12",
                "--out",
                str(out),
                "--base-url",
                fake.base_url,  # (a key in it is refused: tests/backends/test_endpoint.py)
                "--model",
                "fake",
                "--dry-run",
                "--push-to-hub",
                "acme/fc-test",
                "--license",
                "apache-2.0",
            ],
            env=PLANTED,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_the_dry_run_folder_holds_card_data_config_and_log(run_dir):
    hub = run_dir / "hub"
    assert {p.name for p in hub.iterdir()} == {"README.md", "data", "pairs", "portable", "config.json", "run.log"}
    card = (hub / "README.md").read_text()
    header = yaml.safe_load(card.split("---")[1])
    assert header["license"] == "apache-2.0" and "function-calling" in header["tags"]
    names = [c["config_name"] for c in header["configs"]]
    assert (
        names[0] == "all"
        and "pairs" in names
        and {"single", "parallel", "nested", "multi_turn", "no_call"} <= set(names)
    )
    for section in (
        "## Funnel",
        "## Preference pairs",
        "## Coverage",
        "## Provenance",
        "## Personal data patterns",
        "## Run config",
    ):
        assert section in card
    assert json.loads((hub / "config.json").read_text())["category"] == "all"
    assert "accepted from" in (hub / "run.log").read_text()


def test_load_dataset_reads_the_folder_back_as_the_records(run_dir):
    hub = run_dir / "hub"
    accepted = {r["id"]: r for r in map(json.loads, (run_dir / "accepted.jsonl").read_text().splitlines())}
    loaded = datasets.load_dataset(str(hub))  # the default config: all categories
    rows = [row for split in loaded.values() for row in split]
    assert sorted(row["id"] for row in rows) == sorted(accepted)
    for row in rows:
        record = accepted[row["id"]]
        assert (row["category"], row["tools"], row["messages"], row["meta"]) == (
            record["category"],
            record["tools"],
            record["messages"],
            record["meta"],
        )
    pairs = datasets.load_dataset(str(hub), "pairs")
    written = [json.loads(line) for line in (run_dir / "pairs.jsonl").read_text().splitlines()]
    assert sorted(row["id"] for split in pairs.values() for row in split) == sorted(p["id"] for p in written)


def test_no_secret_reaches_the_run_folder(run_dir):
    secrets = list(PLANTED.values())
    for path in run_dir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, f"{secret} in {path}"


def test_redact_hides_key_like_strings():
    from pipeline.redact import redact

    assert (
        redact("key sk-abcdefghijkl and hf_abcdefghijkl, url http://x/v1?api_key=zzz&access_token=yy&n=1")
        == "key [REDACTED] and [REDACTED], url http://x/v1?[REDACTED]&[REDACTED]&n=1"
    )
    assert redact("Authorization: Bearer abcdefghijklmnop") == "Authorization: [REDACTED]"
    assert json.loads(redact(json.dumps({"u": 'http://x/?key=abc"'}))) == {
        "u": 'http://x/?[REDACTED]"'
    }  # JSON stays JSON


def test_a_push_creates_a_private_repo_and_uploads_the_folder(run_dir, monkeypatch, capsys):
    calls, visibility = [], {"acme/open": False}

    class FakeApi:  # the Hub is not reachable: the boundary is huggingface_hub's HfApi
        def __init__(self, token=None):
            calls.append(("token", token))

        def create_repo(self, repo_id, repo_type=None, private=None, exist_ok=None):
            calls.append(("create_repo", repo_id, repo_type, private))
            visibility.setdefault(repo_id, private)
            return f"https://huggingface.co/datasets/{repo_id}"

        def repo_info(self, repo_id, repo_type=None):
            return type("Info", (), {"private": visibility[repo_id]})()

        def upload_folder(self, folder_path, repo_id, repo_type=None, commit_message=None):
            calls.append(("upload_folder", sorted(p.name for p in Path(folder_path).iterdir()), repo_id, repo_type))

    monkeypatch.setattr(publish_module, "HfApi", FakeApi)
    monkeypatch.setenv("HF_TOKEN", "hf_testTOKENabcdefgh")
    assert publish_main([str(run_dir), "--push-to-hub", "acme/fc-test", "--license", "cc-by-4.0"]) == 0
    assert calls == [
        ("token", "hf_testTOKENabcdefgh"),
        ("create_repo", "acme/fc-test", "dataset", True),
        (
            "upload_folder",
            ["README.md", "config.json", "data", "pairs", "portable", "run.log"],
            "acme/fc-test",
            "dataset",
        ),
    ]
    assert "private" in capsys.readouterr().out
    calls.clear()
    assert publish_main([str(run_dir), "--push-to-hub", "acme/fc-test", "--license", "cc-by-4.0", "--public"]) == 0
    assert calls[1] == ("create_repo", "acme/fc-test", "dataset", False)
    calls.clear()  # an existing public repo is never written by a push that asked for private
    assert publish_main([str(run_dir), "--push-to-hub", "acme/open", "--license", "mit"]) == 2
    assert "acme/open already exists and is public" in capsys.readouterr().err
    assert [call[0] for call in calls] == ["token", "create_repo"]
    assert "hf_testTOKENabcdefgh" not in "".join(
        p.read_text(errors="ignore") for p in (run_dir / "hub").rglob("*") if p.is_file() and p.suffix != ".parquet"
    )


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--push-to-hub", "acme/fc-test"], "--license: a push needs a license"),
        (["--push-to-hub", "just-a-name", "--license", "mit"], "--push-to-hub: 'just-a-name' is not ORG/NAME"),
    ],
)
def test_bad_publish_input_is_one_line_and_exit_2(run_dir, argv, message, capsys):
    assert publish_main([str(run_dir), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {message}" or err.startswith(f"error: {message}")
    assert "\n" not in err


def test_publishing_an_unfinished_run_is_refused(tmp_path, capsys):
    (tmp_path / "accepted.jsonl").write_text("")
    assert publish_main([str(tmp_path), "--dry-run"]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"error: {tmp_path}: not a finished run (no manifest.json; a run writes it last)"
    )
    assert not (tmp_path / "hub").exists()


@pytest.mark.parametrize("status", ["interrupted", "failed", "budget_reached"])
def test_publishing_a_run_that_stopped_midway_is_refused(tmp_path, capsys, status):
    (tmp_path / "accepted.jsonl").write_text("")
    (tmp_path / "manifest.json").write_text(json.dumps({"status": status, "counts": {"accepted": 0}}))
    assert publish_main([str(tmp_path), "--dry-run"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: {tmp_path / 'manifest.json'}: not a finished run (status {status}: it stopped midway; "
        "run the same command again to finish it, then publish)"
    )
    assert not (tmp_path / "hub").exists()


def test_a_push_without_a_token_stops_before_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # no cached login
    result = run_cli(
        [
            "--category",
            "single",
            "--n",
            "1",
            "--out",
            str(tmp_path / "run"),
            "--base-url",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "--push-to-hub",
            "acme/x",
            "--license",
            "mit",
        ],
        env={"HF_TOKEN": "", "HF_HOME": str(tmp_path / "hf")},
    )
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "error: --push-to-hub: no Hugging Face token: set HF_TOKEN or run `hf auth login`"
    )
    assert not (tmp_path / "run").exists()


def test_an_empty_run_writes_a_card_and_refuses_to_push(tmp_path, monkeypatch, capsys):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"config": {"category": "single"}, "funnel": {"candidates": 3, "accepted": 0}})
    )
    (tmp_path / "accepted.jsonl").write_text("")
    assert publish_main([str(tmp_path), "--dry-run"]) == 0
    assert (tmp_path / "hub" / "README.md").is_file()
    monkeypatch.setenv("HF_TOKEN", "hf_testTOKENabcdefgh")
    assert publish_main([str(tmp_path), "--push-to-hub", "acme/x", "--license", "mit"]) == 2
    assert "nothing to publish" in capsys.readouterr().err


def _killed_in_the_card(args: list[str]) -> None:
    """A run whose process gets SIGKILL once the Hub folder's data is written and its card is not."""
    publish_module.render_card = lambda *_, **__: os.kill(os.getpid(), signal.SIGKILL)
    run_main(args)


def test_a_kill_while_the_hub_folder_is_written_leaves_no_finished_run_and_a_rerun_completes_it(tmp_path):
    """Killed (SIGKILL) halfway through writing hub/: no manifest.json says the run is complete and
    no partial hub/ is left; the same command again finishes both."""
    from tests.fake_openai import FakeOpenAI

    out, fake = tmp_path / "run", FakeOpenAI()
    args = ["--category", "single", "--n", "3", "--out", str(out), "--base-url", fake.base_url, "--model", "fake"]
    args += ["--dry-run"]
    # a fork of this process (the pipeline already imported), made before the server starts a thread
    killed = multiprocessing.get_context("fork").Process(target=_killed_in_the_card, args=(args,))
    killed.start()
    with fake:
        killed.join(120)
        assert killed.exitcode == -signal.SIGKILL
        assert not (out / "manifest.json").exists()
        assert not (out / "hub").exists()  # not a folder with data/ and no card
        assert run_main(args) == 0  # the same command again
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    pairs = {"pairs"} if (out / "pairs.jsonl").read_text().strip() else set()  # 3 records may give no verified pair
    assert {p.name for p in (out / "hub").iterdir()} == {
        "README.md",
        "data",
        "portable",
        "config.json",
        "run.log",
        *pairs,
    }
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # the killed run's temporary folder is gone


def test_records_with_a_mocked_result_stay_out_of_the_hub_folder_unless_asked(run_dir, tmp_path):
    """A mocked tool result is a stand-in, not a fact: its record is left out of the Hub folder
    (the card says so) unless include_mocked (--include-mocked)."""
    import shutil

    import pyarrow.parquet as pq

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("hub", "run.lock"))
    lines = (copy / "accepted.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["meta"]["tool_results"] = [*first["meta"].get("tool_results", []), "mocked"]
    (copy / "accepted.jsonl").write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")

    def rows(folder: Path) -> int:
        return sum(pq.read_metadata(path).num_rows for path in (folder / "data").glob("*/*.parquet"))

    folder = publish_module.build_hub_folder(copy, "apache-2.0")
    assert rows(folder) == len(lines) - 1
    assert "1 accepted records with a mocked tool result" in (folder / "README.md").read_text()
    pairs = [json.loads(line) for line in (copy / "pairs.jsonl").read_text().splitlines()]
    kept_pairs = sum(pq.read_metadata(p).num_rows for p in (folder / "pairs").glob("**/*.parquet"))
    assert kept_pairs == sum(pair["record_id"] != first["id"] for pair in pairs)
    folder = publish_module.build_hub_folder(copy, "apache-2.0", include_mocked=True)
    assert rows(folder) == len(lines) and "mocked tool result" not in (folder / "README.md").read_text()


def test_the_card_counts_the_students_pairs_when_there_are_some():
    from pipeline.publish.card import _run_sections

    pairs = {"total": 10, "semantic_share": 0.6, "by_source": {"perturbed": 6, "generated": 1, "student": 3}}
    text = "\n".join(_run_sections({"pairs": pairs}))
    assert "3 are the student model's own wrong answers" in text and "60% are semantic" in text
    pairs["by_source"].pop("student")
    assert "student" not in "\n".join(_run_sections({"pairs": pairs}))
