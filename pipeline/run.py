"""`python -m pipeline.run --category single --n 20` (or `fc-datagen run ...`): parse -> config -> job.

The flags lie over the job file (`--config`), the result is validated into a RunConfig, and
pipeline.job runs it. Exit codes: 0 done, 1 done with fewer records than asked or failed tasks, 2 bad
input or unusable teacher, 3 budget reached, 4 a file the machine refused (disk full, read-only),
130/143 interrupted. A run stopped by a budget, a signal or an error midway writes what it has
(accepted/rejected/pairs, manifest.json with status budget_reached, interrupted or failed; no Hub
folder); the same command continues it.
"""

from __future__ import annotations

import argparse
import sys

from pydantic import ValidationError

from pipeline import errors, job, log
from pipeline.categories import CATEGORIES
from pipeline.config import RunConfig
from pipeline.errors import InputError
from pipeline.flags import FLAGS, OPTIONS, flag_values, paths
from pipeline.jobfile import config_error, load_job_file, merged


def parse_args(argv: list[str] | None, prog: str = "python -m pipeline.run") -> argparse.Namespace:
    """The command line (README.md lists every option)."""
    parser = argparse.ArgumentParser(prog=prog, description="Generate function-calling training data.")
    for flag, (_, keywords) in OPTIONS.items():
        parser.add_argument(flag, **keywords)
    log.add_verbosity(parser)
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace) -> RunConfig:
    """The job file (if any) with the flags laid over it, validated (InputError on a bad value)."""
    flags = flag_values(args)
    values = merged(load_job_file(args.config) if args.config else {}, flags)
    given = {path: FLAGS[path] for path in paths(flags)}
    where = lambda path: (given[path], None) if path in given else (args.config, path)  # noqa: E731
    category = values.get("category")
    if category is None:
        raise InputError("say which: --category, or category in the job file", "--category")
    if category not in (*CATEGORIES, "all"):
        raise InputError(
            f"unknown category {category!r} (choose from {', '.join(CATEGORIES)}, all)", *where("category")
        )
    teacher = values.get("teacher") if isinstance(values.get("teacher"), dict) else {}
    if teacher.get("base_url") and not teacher.get("model"):
        raise InputError(
            "a model is required with a base URL",
            *(("--model", None) if "teacher.base_url" in given else (args.config, "teacher.model")),
        )
    try:
        return RunConfig.model_validate(values)
    except ValidationError as error:
        raise config_error(error, args.config, given) from None


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.run") -> int:
    """Entry point; returns the exit code."""

    def command() -> int:
        args = parse_args(argv, prog)
        log.setup(args.verbose - args.quiet)
        return job.run(build_config(args))

    return errors.run_cli(
        command,
        "the run did not finish; run the same command again to continue: every answer received so far "
        "is in the run's response cache",
    )


if __name__ == "__main__":
    sys.exit(main())
