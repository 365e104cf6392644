"""`fc-datagen COMMAND ...`: one command line for every tool of the pipeline.

`fc-datagen run|validate|export|publish|merge|report|review|eval|seeds ...` runs the same code as
`python -m pipeline.run|validate|export|publish|merge|seeds ...`, which keep working;
`fc-datagen --version` prints the version. Each command's `--help` lists its options.
"""

from __future__ import annotations

import importlib
import sys

import pipeline

# command -> (module with main(argv, prog), one line of help)
COMMANDS = {
    "run": ("pipeline.run", "generate a dataset: plan, generate, check, dedup, pair, write (and publish)"),
    "validate": (
        "pipeline.validate",
        "check records (a run's .jsonl, or its openai / trl-sft export): one JSON line of issues per record",
    ),
    "export": (
        "pipeline.export.cli",
        "write a run in another format (openai, trl-sft, hermes, ...) or check a chat template",
    ),
    "publish": ("pipeline.publish.cli", "publish a finished run as a Hugging Face dataset"),
    "merge": ("pipeline.merge", "join the shards of a run (--shard i/N) into one"),
    "report": ("pipeline.htmlreport", "write a run's HTML quality report (RUN_DIR/report/index.html)"),
    "review": (
        "pipeline.review.cli",
        "read and label a sample of a run's records in the browser; --summary gives the human-accept rate",
    ),
    "eval": ("pipeline.eval.cli", "score a model on a test split (or BFCL's files): accuracy per category and mistake"),
    "seeds": ("pipeline.seeds.__main__", "seed tools: `seeds enrich` writes value pools for free-form parameters"),
}


def usage() -> str:
    """The top-level help text."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return (
        "usage: fc-datagen [--version] COMMAND [options]\n\ncommands:\n"
        + "\n".join(lines)
        + "\n\n`fc-datagen COMMAND --help` lists a command's options."
    )


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a command's main; returns its exit code (2 on an unknown command)."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"fc-datagen {pipeline.__version__}")
        return 0
    if argv[0] not in COMMANDS:
        print(f"error: unknown command {argv[0]!r} (choose from {', '.join(COMMANDS)})", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[argv[0]][0])  # only the chosen command's imports are paid for
    return module.main(argv[1:], f"fc-datagen {argv[0]}")


if __name__ == "__main__":
    sys.exit(main())
