"""Publishing a finished run: its Hub folder (dataset, card, config, log) and the upload.

`python -m pipeline.publish RUN_DIR [--push-to-hub ORG/NAME] [--public] [--license L] [--dry-run]`
publishes a run that already exists, without regenerating anything; `pipeline.run` calls the same
functions with the same flags at the end of a run.

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

from pipeline import errors
from pipeline.card import redact, render_card
from pipeline.errors import InputError
from pipeline.hf_dataset import write_dataset
from pipeline.record import parse_record

HUB_FOLDER = "hub"


def read_run(run_dir: Path) -> tuple[list, list[dict[str, Any]], dict[str, Any]]:
    """(accepted records, pairs, manifest) of a finished run; InputError for an unfinished one."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError("not a finished run (no manifest.json; a run writes it last)", str(run_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    records = [parse_record(json.loads(line)) for line in _lines(run_dir / "accepted.jsonl")]
    pairs = [json.loads(line) for line in _lines(run_dir / "pairs.jsonl")]
    return records, pairs, manifest


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.is_file() else []


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
    return f"pushed {folder} to {push(folder, repo_id, public)} ({'public' if public else 'private'})"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m pipeline.publish", description="Publish a finished run as a Hugging Face dataset.")
    p.add_argument("run_dir", help="a run directory (holds manifest.json)")
    p.add_argument("--push-to-hub", metavar="ORG/NAME", help="dataset repo to create or update")
    p.add_argument("--public", action="store_true", help="make a new repo public (default private)")
    p.add_argument("--license", help="dataset license for the card (required to push), e.g. apache-2.0")
    p.add_argument("--dry-run", action="store_true", help="write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing")
    p.add_argument("--test-share", type=float, default=0.1, help="share of split groups in the test split (default 0.1)")
    p.add_argument("--holdout-tools", default="", help="comma-separated tools whose records all go to the test split")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    def job() -> int:
        args = parse_args(argv)
        if not 0 <= args.test_share <= 1:
            raise InputError("must be between 0 and 1", "--test-share")
        holdout = [name.strip() for name in args.holdout_tools.split(",") if name.strip()]
        print(publish(Path(args.run_dir), args.push_to_hub, args.public, args.license, args.dry_run, args.test_share, holdout))
        return errors.EXIT_DONE

    return errors.run_cli(job, "nothing was committed to the Hub (an upload is one commit)")


if __name__ == "__main__":
    sys.exit(main())
