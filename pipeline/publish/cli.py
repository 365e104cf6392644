"""`python -m pipeline.publish RUN_DIR [--config JOB] [--push-to-hub ORG/NAME] [--public] [--license L] [--dry-run]`.

Publishes a run that already exists, without regenerating anything: the job file's `hub:`
section with the flags laid over it (pipeline.publish.hub does the work), under the run's lock.
"""

from __future__ import annotations

import argparse
from contextlib import nullcontext
from pathlib import Path

from pydantic import ValidationError

from pipeline import errors
from pipeline.config import HubConfig
from pipeline.errors import InputError
from pipeline.jobfile import config_error, load_job_file
from pipeline.lock import RunLock
from pipeline.publish.hub import publish

FLAGS = {
    "repo": "--push-to-hub",
    "public": "--public",
    "license": "--license",
    "dry_run": "--dry-run",
    "test_share": "--test-share",
    "holdout_tools": "--holdout-tools",
    "include_mocked": "--include-mocked",
    "drop_human_rejected": "--drop-human-rejected",
    "portable": "--portable",
}


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


def parse_args(argv: list[str] | None, prog: str = "python -m pipeline.publish") -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description="Publish a finished run as a Hugging Face dataset.")
    p.add_argument("run_dir", help="a run directory (holds manifest.json)")
    p.add_argument("--config", metavar="FILE", help="a job file whose hub: section says where and how to publish")
    p.add_argument("--push-to-hub", metavar="ORG/NAME", help="dataset repo to create or update")
    p.add_argument("--public", action="store_true", default=None, help="make a new repo public (default private)")
    p.add_argument("--license", help="dataset license for the card (required to push), e.g. apache-2.0")
    p.add_argument(
        "--dry-run",
        action="store_true",
        default=None,
        help="write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing",
    )
    p.add_argument("--test-share", type=float, help="share of split groups in the test split (default 0.1)")
    p.add_argument("--holdout-tools", help="comma-separated tools whose records all go to the test split")
    p.add_argument(
        "--include-mocked",
        action="store_true",
        default=None,
        help="also publish records with a mocked tool result (left out by default)",
    )
    p.add_argument(
        "--drop-human-rejected",
        action="store_true",
        default=None,
        help="leave out records whose review label (fc-datagen review) is a rejection",
    )
    p.add_argument(
        "--portable",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also write the portable configs (JSON strings, read by every datasets version; default on)",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.publish") -> int:
    """Entry point; returns the exit code."""

    def job() -> int:
        args = parse_args(argv, prog)
        hub, run_dir = hub_settings(args), Path(args.run_dir)
        with RunLock(run_dir) if run_dir.is_dir() else nullcontext():  # no job rewrites the run meanwhile
            print(
                publish(
                    run_dir,
                    hub.repo,
                    hub.public,
                    hub.license,
                    hub.dry_run,
                    hub.test_share,
                    hub.holdout_tools,
                    hub.include_mocked,
                    hub.drop_human_rejected,
                    hub.portable,
                )
            )
        return errors.EXIT_DONE

    return errors.run_cli(job, "nothing was committed to the Hub (an upload is one commit)")
