"""The run command's flags: the config path each one sets and its argparse settings, in one table.

`python -m pipeline.run` (pipeline/run.py) builds its parser from OPTIONS; the values given are
laid over the job file as a nested config mapping (`flag_values`), and an invalid one is
reported under the flag that gave it (FLAGS).
"""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.backends.models import DEFAULT_MODEL, MODELS
from pipeline.categories import CATEGORIES
from pipeline.errors import InputError

_TRUE = {"action": "store_true", "default": None}
# flag -> (the config path it sets, argparse keywords); `--config` sets none
OPTIONS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "--config": (
        None,
        {"metavar": "FILE", "help": "a job file (YAML, TOML or JSON) with any config key; flags override it"},
    ),
    "--category": ("category", {"help": f"required (no default): one of {', '.join(CATEGORIES)}, all"}),
    "--n": ("n", {"type": int, "help": "accepted records wanted (default 20)"}),
    "--max-candidates": (
        "max_candidates",
        {
            "type": int,
            "help": "most candidates to generate (default 10 x n; on the embedded teacher 24 x n, "
            "nested and multi_turn 30 x n)",
        },
    ),
    "--tools": (
        "tools",
        {
            "action": "append",
            "metavar": "PATH",
            "help": "your tools: file or folder, repeatable (default: bundled seeds)",
        },
    ),
    "--executors": (
        "executors",
        {
            "action": "append",
            "metavar": "PATH",
            "help": "allow tools to run the Python executors in this file or folder, repeatable "
            "(the bundled seeds/executors are always allowed); they run sandboxed",
        },
    ),
    "--out": ("out", {"help": "run directory (default outputs/<run-name>/)"}),
    "--seed": ("seed", {"type": int, "help": "run seed: same seed, same plan (default 0)"}),
    "--mode": (
        "mode",
        {"choices": ["free", "blueprint"], "help": "default: blueprint on the embedded teacher, free otherwise"},
    ),
    "--base-url": (
        "teacher.base_url",
        {"help": "OpenAI-compatible endpoint; without it the embedded llama.cpp teacher runs"},
    ),
    "--model": ("teacher.model", {"help": "model name at --base-url"}),
    "--embedded-model": (
        "teacher.embedded_model",
        {
            "choices": list(MODELS),
            "help": f"packaged model the embedded teacher runs without --base-url (default {DEFAULT_MODEL})",
        },
    ),
    "--embedded-slots": (
        "teacher.embedded_slots",
        {"type": int, "help": "requests the embedded server decodes at once (default 2)"},
    ),
    "--concurrency": (
        "teacher.concurrency",
        {"type": int, "help": "requests in flight (default 8; on the embedded teacher --embedded-slots)"},
    ),
    "--temperatures": (
        "teacher.temperatures",
        {"help": "comma-separated temperature schedule (default 0.2,0.7,1.0; 0.2,0.5,0.8 on the embedded teacher)"},
    ),
    "--timeout": (
        "teacher.timeout",
        {"type": float, "help": "seconds per request (default 60; at least 300 on the embedded teacher)"},
    ),
    "--max-attempts": (
        "teacher.max_attempts",
        {"type": int, "help": "attempts per request, retries included (default 6; at most 2 on the embedded teacher)"},
    ),
    "--structured-output": (
        "teacher.structured_output",
        {
            "choices": ["auto", "json_schema", "json_object", "grammar", "none"],
            "help": "default auto: probe which style the endpoint accepts; any other value skips the probe "
            "and uses that style",
        },
    ),
    "--judge": (
        "checks.judge",
        {
            "action": argparse.BooleanOptionalAction,
            "default": None,
            "help": "ask the teacher whether each candidate that passed the checks has the right calls and answer "
            "(one more request each; default on with --base-url, off on the embedded teacher)",
        },
    ),
    "--rpm": (
        "teacher.rpm",
        {"type": int, "help": "requests per minute the endpoint allows (requests are paced to it)"},
    ),
    "--tpm": ("teacher.tpm", {"type": int, "help": "tokens per minute the endpoint allows"}),
    "--batch": (
        "teacher.batch",
        {
            **_TRUE,
            "help": "send through the provider's Batch API (OpenAI Files + Batches; batch prices, answers within "
            "the batch window); resumable: the batch ids are kept in RUN_DIR/cache/batches.jsonl",
        },
    ),
    "--max-requests": (
        "budget.max_requests",
        {"type": int, "help": "stop sending after this many requests (exit 3; rerun to continue)"},
    ),
    "--max-tokens": (
        "budget.max_tokens",
        {"type": int, "help": "stop sending after this many prompt + completion tokens (exit 3)"},
    ),
    "--max-cost": (
        "budget.max_cost",
        {
            "type": float,
            "help": "stop sending at this cost in USD (needs budget.price_prompt/price_completion; exit 3)",
        },
    ),
    "--student-url": (
        "student.base_url",
        {
            "metavar": "URL",
            "help": "OpenAI-compatible endpoint of the model being trained: each decision-turn prompt of the "
            "accepted records is sent to it (tools offered), and its wrong answers become pairs (source student)",
        },
    ),
    "--student-model": ("student.model", {"metavar": "NAME", "help": "model name at --student-url"}),
    "--push-to-hub": (
        "hub.repo",
        {"metavar": "ORG/NAME", "help": "publish the run as a dataset repo (private unless --public)"},
    ),
    "--public": ("hub.public", {**_TRUE, "help": "make a new Hub repo public"}),
    "--license": ("hub.license", {"help": "dataset license for the card (required to push), e.g. apache-2.0"}),
    "--dry-run": (
        "hub.dry_run",
        {**_TRUE, "help": "write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing"},
    ),
    "--include-mocked": (
        "hub.include_mocked",
        {
            **_TRUE,
            "help": "also put records with a mocked tool result (meta.tool_results 'mocked') in the Hub "
            "folder; they are left out by default",
        },
    ),
    "--portable": (
        "hub.portable",
        {
            "action": argparse.BooleanOptionalAction,
            "default": None,
            "help": "also write the `portable` and `portable-pairs` configs in the Hub folder (tools, meta and "
            "arguments as JSON strings: every datasets version reads them; default on)",
        },
    ),
    "--report": (
        "report",
        {
            "action": argparse.BooleanOptionalAction,
            "default": None,
            "help": "write RUN_DIR/report/index.html, the HTML quality report, when the run ends (default on; "
            "plots need the report extra)",
        },
    ),
    "--max-failed-share": (
        "max_failed_share",
        {
            "type": float,
            "metavar": "F",
            "help": "exit 1 when more than this share of candidates failed at the teacher (default 0.05)",
        },
    ),
    "--executor": (
        "executor.kind",
        {
            "choices": ["local", "ray"],
            "help": "where tasks run: this process (default), or the workers of a Ray cluster (the `ray` extra)",
        },
    ),
    "--ray-address": (
        "executor.address",
        {
            "metavar": "ADDR",
            "help": "with --executor ray: a running cluster (auto, HOST:PORT); default: start one here",
        },
    ),
    "--workers": (
        "executor.workers",
        {"type": int, "help": "with --executor ray: worker processes (default: the cluster's CPUs)"},
    ),
    "--shard": (
        "shard",
        {
            "metavar": "I/N",
            "help": "run the I-th of N parts of the plan into RUN_DIR/shards/I-of-N/; "
            "join them with python -m pipeline.merge RUN_DIR",
        },
    ),
}
FLAGS = {path: flag for flag, (path, _) in OPTIONS.items() if path}  # config path -> the flag that sets it


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    """The flags given on the command line, as a nested config mapping."""
    out: dict[str, Any] = {}
    for path, flag in FLAGS.items():
        value = getattr(args, flag.removeprefix("--").replace("-", "_"))
        if value is None:
            continue
        if path == "teacher.temperatures":
            try:
                value = [float(t) for t in value.split(",")]
            except ValueError:
                raise InputError(f"{value!r} is not a comma-separated list of numbers", flag) from None
        *parents, key = path.split(".")
        node = out
        for parent in parents:
            node = node.setdefault(parent, {})
        node[key] = value
    return out


def paths(tree: dict[str, Any], prefix: str = "") -> list[str]:
    """The dotted paths of a nested mapping's leaves."""
    return [
        path
        for key, value in tree.items()
        for path in (paths(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"])
    ]
