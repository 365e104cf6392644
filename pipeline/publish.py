"""Publishing a finished run: its Hub folder (dataset, card, config, log) and the upload.

`python -m pipeline.publish RUN_DIR [--config JOB] [--push-to-hub ORG/NAME] [--public] [--license L]
[--dry-run]` publishes a run that already exists, without regenerating anything: the job file's
`hub:` section (the same file the run was made with, or another) with the flags laid over it.
`pipeline.run` calls the same functions at the end of a run.

The folder is `RUN_DIR/hub/`: README.md (the card), data/ and pairs/ Parquet files,
config.json (the resolved run config) and run.log. It is exactly what is uploaded; `--dry-run`
writes it and uploads nothing. The token comes from HF_TOKEN or the cached `huggingface-cli
login`, goes only to huggingface_hub, and is never written. Repos are private unless `--public`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, get_token
from pydantic import ValidationError

from pipeline import errors
from pipeline.card import render_card
from pipeline.redact import redact
from pipeline.config import HubConfig
from pipeline.errors import InputError
from pipeline.hf_dataset import write_dataset
from pipeline.jobfile import config_error, load_job_file
from pipeline.record import iter_jsonl, parse_record

HUB_FOLDER = "hub"


def read_run(run_dir: Path) -> tuple[list, list[dict[str, Any]], dict[str, Any]]:
    """(accepted records, pairs, manifest) of a finished run; InputError for an unfinished one."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError("not a finished run (no manifest.json; a run writes it last)", str(run_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    records = [parse_record(item) for item in _rows(run_dir / "accepted.jsonl")]
    return records, _rows(run_dir / "pairs.jsonl"), manifest


def _rows(path: Path) -> list[Any]:
    """The objects of a run's JSONL file ([] when absent); InputError on a torn line."""
    rows = []
    for index, item in iter_jsonl(str(path)) if path.is_file() else ():
        if isinstance(item, ValueError):
            raise InputError(f"line {index + 1} is not JSON", str(path), f"[{index}]")
        rows.append(item)
    return rows


def build_hub_folder(run_dir: Path, license: str | None, test_share: float = 0.1, holdout_tools: list[str] | None = None) -> Path:
    """Write RUN_DIR/hub/ (replacing an old one) and return its path."""
    records, pairs, manifest = read_run(run_dir)
    folder = run_dir / HUB_FOLDER
    written = write_dataset(folder, records, pairs, test_share, holdout_tools or [])
    (folder / "README.md").write_text(render_card(written, manifest, license or "unknown", records), encoding="utf-8")
    (folder / "config.json").write_text(redact(json.dumps(manifest.get("config", {}), indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    log = run_dir / "run.log"
    (folder / "run.log").write_text(redact(log.read_text(encoding="utf-8")) if log.is_file() else "", encoding="utf-8")
    return folder


def hub_token() -> str:
    """The Hugging Face token (HF_TOKEN or the cached login); InputError when there is none."""
    token = get_token()
    if not token:
        raise InputError("no Hugging Face token: set HF_TOKEN or run `huggingface-cli login`", "--push-to-hub")
    return token


def push(folder: Path, repo_id: str, public: bool = False) -> str:
    """Create the dataset repo (private unless `public`) and upload `folder`; returns the repo URL."""
    api = HfApi(token=hub_token())
    url = api.create_repo(repo_id, repo_type="dataset", private=not public, exist_ok=True)
    if not public and not api.repo_info(repo_id, repo_type="dataset").private:  # create_repo leaves an existing repo as it is
        raise InputError(f"{repo_id} already exists and is public: pass --public to update it, or choose another name", "--push-to-hub")
    api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                      commit_message="Upload function-calling dataset (pipeline.publish)")
    return str(url)


def check_target(repo_id: str | None, license: str | None) -> None:
    """InputError unless a push target is `org/name` and has a license."""
    if repo_id is None:
        return
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts):
        raise InputError(f"{repo_id!r} is not ORG/NAME", "--push-to-hub")
    if not license:
        raise InputError("a push needs a license (e.g. --license apache-2.0 or cc-by-4.0)", "--license")


def publish(run_dir: Path, repo_id: str | None, public: bool, license: str | None, dry_run: bool, test_share: float = 0.1,
            holdout_tools: list[str] | None = None) -> str:
    """Build the Hub folder and, unless `dry_run` or no target, push it; returns a one-line summary."""
    check_target(repo_id, license)
    folder = build_hub_folder(run_dir, license, test_share, holdout_tools)
    if repo_id is None or dry_run:
        return f"wrote {folder} (nothing uploaded)"
    if not any((folder / "data").glob("*/*.parquet")):
        raise InputError("the run accepted no records: nothing to publish", str(run_dir))
    return f"pushed {folder} to {push(folder, repo_id, public)} ({'public' if public else 'private'})"


FLAGS = {"repo": "--push-to-hub", "public": "--public", "license": "--license", "dry_run": "--dry-run",
         "test_share": "--test-share", "holdout_tools": "--holdout-tools"}


def hub_settings(args: argparse.Namespace) -> HubConfig:
    """The job file's `hub:` section with the flags laid over it, validated."""
    section = load_job_file(args.config).get("hub", {}) if args.config else {}
    if not isinstance(section, dict):
        raise InputError("hub must be a mapping (repo, public, license, ...)", args.config, "hub")
    flags = {key: getattr(args, flag.removeprefix("--").replace("-", "_")) for key, flag in FLAGS.items()}
    flags = {key: value for key, value in flags.items() if value is not None}
    if "holdout_tools" in flags:
        flags["holdout_tools"] = [name.strip() for name in flags["holdout_tools"].split(",") if name.strip()]
    try:
        return HubConfig.model_validate({**section, **flags})
    except ValidationError as error:
        raise config_error(error, args.config, {key: flag for key, flag in FLAGS.items() if key in flags}) from None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pipeline.publish", description="Publish a finished run as a Hugging Face dataset.")
    p.add_argument("run_dir", help="a run directory (holds manifest.json)")
    p.add_argument("--config", metavar="FILE", help="a job file whose hub: section says where and how to publish")
    p.add_argument("--push-to-hub", metavar="ORG/NAME", help="dataset repo to create or update")
    p.add_argument("--public", action="store_true", default=None, help="make a new repo public (default private)")
    p.add_argument("--license", help="dataset license for the card (required to push), e.g. apache-2.0")
    p.add_argument("--dry-run", action="store_true", default=None, help="write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing")
    p.add_argument("--test-share", type=float, help="share of split groups in the test split (default 0.1)")
    p.add_argument("--holdout-tools", help="comma-separated tools whose records all go to the test split")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    def job() -> int:
        args = parse_args(argv)
        hub = hub_settings(args)
        print(publish(Path(args.run_dir), hub.repo, hub.public, hub.license, hub.dry_run, hub.test_share, hub.holdout_tools))
        return errors.EXIT_DONE

    return errors.run_cli(job, "nothing was committed to the Hub (an upload is one commit)")


if __name__ == "__main__":
    sys.exit(main())
