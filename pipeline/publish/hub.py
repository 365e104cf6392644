"""Publishing a finished run: its Hub folder (dataset, card, config, log) and the upload.

`python -m pipeline.publish RUN_DIR [--config JOB] [--push-to-hub ORG/NAME] [--public] [--license L]
[--dry-run]` publishes a run that already exists, without regenerating anything: the job file's
`hub:` section (the same file the run was made with, or another) with the flags laid over it.
`pipeline.run` calls the same functions at the end of a run, writing the folder before
manifest.json and uploading it after.

The folder is `RUN_DIR/hub/`: README.md (the card), data/ and pairs/ Parquet files,
config.json (the resolved run config) and run.log, filled under a temporary name and renamed in
(never partial). It is exactly what is uploaded; `--dry-run` writes it and uploads nothing. The
token comes from HF_TOKEN or the cached `hf auth login`, goes only to huggingface_hub, and is
never written. Repos are private unless `--public`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from huggingface_hub import HfApi, get_token

from pipeline.errors import InputError
from pipeline.publish.card import render_card
from pipeline.publish.hf_dataset import write_dataset
from pipeline.record import parse_record, read_rows
from pipeline.redact import redact
from pipeline.review.labels import human_rejected, read_labels, summarize
from pipeline.writer import atomic_folder, finished_manifest

HUB_FOLDER = "hub"


def read_run(run_dir: Path) -> tuple[list, list[dict[str, Any]], dict[str, Any]]:
    """(accepted records, pairs, manifest) of a finished run; InputError for an unfinished one."""
    return *_records_and_pairs(run_dir), finished_manifest(run_dir)


def _records_and_pairs(run_dir: Path) -> tuple[list, list[dict[str, Any]]]:
    records = [parse_record(item) for item in read_rows(run_dir / "accepted.jsonl")]
    return records, read_rows(run_dir / "pairs.jsonl")


def keep_records(records: list, pairs: list[dict[str, Any]], keep) -> tuple[list, list[dict[str, Any]], int]:
    """The records `keep(record)` admits, their pairs, and how many records were left out."""
    kept = [r for r in records if keep(r)]
    ids = {r.id for r in kept}
    return kept, [p for p in pairs if p.get("record_id") in ids or "record_id" not in p], len(records) - len(kept)


def without_mocked(records: list, pairs: list[dict[str, Any]]) -> tuple[list, list[dict[str, Any]], int]:
    """The records none of whose tool results is `mocked` (a stand-in drawn from a schema, not a
    fact to train on), their pairs, and how many records were left out."""
    return keep_records(records, pairs, lambda r: "mocked" not in ((r.meta or {}).get("tool_results") or []))


def build_hub_folder(
    run_dir: Path,
    license: str | None,
    test_share: float = 0.1,
    holdout_tools: list[str] | None = None,
    manifest: dict[str, Any] | None = None,
    include_mocked: bool = False,
    drop_human_rejected: bool = False,
    portable: bool = True,
) -> Path:
    """Write RUN_DIR/hub/ (replacing an old one) and return its path. It is filled under a
    temporary name and renamed in, so a kill leaves the old folder or none, never a partial one.
    `manifest`: the run's, when a run is being finished (its manifest.json comes after the Hub
    folder); else the run must be finished and its manifest.json is read. Records with a mocked
    tool result are left out (the card says how many) unless `include_mocked`. The card shows the
    human review when RUN_DIR/review/labels.jsonl exists; `drop_human_rejected` leaves out the
    records a reviewer rejected. `portable`: also the configs every `datasets` version reads."""
    if manifest is None:
        records, pairs, manifest = read_run(run_dir)
    else:
        records, pairs = _records_and_pairs(run_dir)
    if not include_mocked:
        records, pairs, left_out = without_mocked(records, pairs)
        manifest = {**manifest, "mocked_left_out": left_out}
    labels = read_labels(run_dir)
    review = summarize(labels, {r.id for r in records})
    review = review if review["reviewed"] else None  # no label of this run's records
    if drop_human_rejected:
        rejected = human_rejected(labels)
        records, pairs, left_out = keep_records(records, pairs, lambda r: r.id not in rejected)
        manifest = {**manifest, "human_rejected_left_out": left_out}
    with atomic_folder(run_dir / HUB_FOLDER) as folder:
        written = write_dataset(folder, records, pairs, test_share, holdout_tools or [], portable)
        (folder / "README.md").write_text(
            render_card(written, manifest, license or "unknown", records, review=review),
            encoding="utf-8",
        )
        (folder / "config.json").write_text(
            redact(json.dumps(manifest.get("config", {}), indent=2, ensure_ascii=False)) + "\n", encoding="utf-8"
        )
        log = run_dir / "run.log"
        (folder / "run.log").write_text(
            redact(log.read_text(encoding="utf-8")) if log.is_file() else "", encoding="utf-8"
        )
    return run_dir / HUB_FOLDER


def hub_token() -> str:
    """The Hugging Face token (HF_TOKEN or the cached login); InputError when there is none."""
    token = get_token()
    if not token:
        raise InputError("no Hugging Face token: set HF_TOKEN or run `hf auth login`", "--push-to-hub")
    return token


def push(folder: Path, repo_id: str, public: bool = False) -> str:
    """Create the dataset repo (private unless `public`) and upload `folder`; returns the repo URL."""
    api = HfApi(token=hub_token())
    url = api.create_repo(repo_id, repo_type="dataset", private=not public, exist_ok=True)
    if (
        not public and not api.repo_info(repo_id, repo_type="dataset").private
    ):  # create_repo leaves an existing repo as it is
        raise InputError(
            f"{repo_id} already exists and is public: pass --public to update it, or choose another name",
            "--push-to-hub",
        )
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="dataset",
        commit_message="Upload function-calling dataset (pipeline.publish)",
    )
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


def publish(
    run_dir: Path,
    repo_id: str | None,
    public: bool,
    license: str | None,
    dry_run: bool,
    test_share: float = 0.1,
    holdout_tools: list[str] | None = None,
    include_mocked: bool = False,
    drop_human_rejected: bool = False,
    portable: bool = True,
) -> str:
    """Build the Hub folder and, unless `dry_run` or no target, push it; returns a one-line summary."""
    check_target(repo_id, license)
    folder = build_hub_folder(
        run_dir,
        license,
        test_share,
        holdout_tools,
        include_mocked=include_mocked,
        drop_human_rejected=drop_human_rejected,
        portable=portable,
    )
    return upload(folder, repo_id, public, dry_run)


def upload(folder: Path, repo_id: str | None, public: bool, dry_run: bool) -> str:
    """Push a written Hub folder unless `dry_run` or no target; returns a one-line summary."""
    if repo_id is None or dry_run:
        return f"wrote {folder} (nothing uploaded)"
    if not any((folder / "data").glob("*/*.parquet")):
        raise InputError("the run accepted no records: nothing to publish", str(folder.parent))
    return f"pushed {folder} to {push(folder, repo_id, public)} ({'public' if public else 'private'})"
