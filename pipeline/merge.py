"""`python -m pipeline.merge RUN_DIR`: join the shards of a run (`--shard i/N`) into one run.

Refuses (exit 2) until every shard `RUN_DIR/shards/i-of-N/` has finished with status complete
and all were made with the same settings. Then runs the global steps over all of them: dedup
across shards, the funnel recounted from the records, DPO pairs, manifest, and optionally the
Hub folder (--dry-run) or the push (--push-to-hub). Exit 0 done, 1 short of --n.

The merge equals the run one job writes when no cell handed its quota on (a cell out of
candidate budget spills only to cells of its own shard) and no duplicate crossed shards (the
merge drops it, but no shard tops its cell up again); the manifest counts both as
`shard_spills` and `cross_shard_duplicates`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline import errors, log
from pipeline.backends.base import Usage
from pipeline.config import RunConfig
from pipeline.engine import Cell, RunResult, count_outcome
from pipeline.errors import InputError
from pipeline.job import (
    SHARD_CONFIG,
    dedup_step,
    done_code,
    pairs_of,
    planner_for,
    run_manifest,
    write_run,
    write_run_report,
)
from pipeline.lock import RunLock
from pipeline.publish.hub import check_target, hub_token
from pipeline.record import Conversation, parse_record
from pipeline.seeds import load_tools
from pipeline.seeds.links import load_links
from pipeline.writer import check_settings, retire_manifest


def shard_folders(run_dir: Path) -> list[Path]:
    """Every shard folder of `run_dir`, in order; InputError unless all N exist and are complete."""
    root = run_dir / "shards"
    found = sorted(root.glob("*-of-*")) if root.is_dir() else []
    if not found:
        raise InputError(
            "no shards to merge (run `python -m pipeline.run ... --shard i/N` for each i first)", str(root)
        )
    counts = {folder.name.split("-of-")[1] for folder in found}
    if len(counts) != 1 or not counts.pop().isdigit():
        raise InputError(f"shards of different counts: {', '.join(f.name for f in found)}", str(root))
    count = int(found[0].name.split("-of-")[1])
    folders = [root / f"{index}-of-{count}" for index in range(1, count + 1)]
    configs = []
    for index, folder in enumerate(folders, 1):
        manifest = folder / "manifest.json"
        if not manifest.is_file():
            raise InputError(
                f"shard {index}/{count} is not complete (no manifest.json): "
                f"run it (again) with --shard {index}/{count}",
                str(folder),
            )
        status = _read(manifest).get("status")
        if status != "complete":
            raise InputError(
                f"shard {index}/{count} stopped ({status}): run it again with --shard {index}/{count} to finish it",
                str(manifest),
            )
        configs.append(
            {key: value for key, value in _read(folder / SHARD_CONFIG).items() if key not in ("shard", "out", "hub")}
        )
    if any(config != configs[0] for config in configs):
        raise InputError("the shards were made with different settings (compare their config.json)", str(root))
    return folders


def _read(path: Path) -> dict[str, Any]:
    """A shard's JSON file; InputError when it is missing or not a JSON object."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("missing: the shard did not finish; run it again", str(path)) from None
    except ValueError as error:
        raise InputError(f"unreadable ({error}); run the shard again", str(path)) from None
    if not isinstance(value, dict):
        raise InputError("not a JSON object; run the shard again", str(path))
    return value


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def merged_result(config: RunConfig, folders: list[Path], manifests: list[dict[str, Any]], catalog: list) -> RunResult:
    """The shards' records as one RunResult: global dedup, then the funnel recounted from the records."""
    links = load_links(config.tools, catalog)
    orders = {category: planner_for(config, category, catalog, links).order for category in config.category_counts()}
    order = list(config.category_counts())
    key = lambda entry: (order.index(entry["category"]), entry["meta"].get("task_index", 0))  # noqa: E731 (a whole run's order)
    accepted = sorted((row for folder in folders for row in _records(folder / "accepted.jsonl")), key=key)
    rejected = [row for folder in folders for row in _records(folder / "rejected.jsonl")]
    records: list[Conversation] = [parse_record(row) for row in accepted]
    cells = [
        Cell(c["category"], c["tool"], c["mode"], 0, c["requested"], c["quota"], 0, c["candidates"], c["accepted"])
        for manifest in manifests
        for c in manifest["cells"]
    ]
    dedup = dedup_step(config)
    dropped = dedup(list(enumerate(records))) if dedup and len(records) > 1 else {}
    for index, issue in dropped.items():  # a duplicate across shards leaves its cell, as in one run
        entry = accepted[index]
        entry["meta"]["codes"], entry["meta"]["issues"] = [issue.code], [issue.to_dict()]
        rejected.append(entry)
        tools = orders[entry["category"]]
        tool = tools[entry["meta"]["task_index"] % len(tools)]  # task i targets order[i % len(order)]
        next(c for c in cells if c.category == entry["category"] and c.tool == tool).accepted -= 1
    cells.sort(key=lambda c: (order.index(c.category), orders[c.category].index(c.tool)))  # a whole run's cell order
    result = RunResult(
        accepted=[r for i, r in enumerate(records) if i not in dropped], rejected=sorted(rejected, key=key), cells=cells
    )
    result.unneeded = sum(manifest["counts"]["unneeded_tasks"] for manifest in manifests)
    teacher = manifests[0]["teacher"].get("model", "")
    for entry in [row for i, row in enumerate(accepted) if i not in dropped] + result.rejected:
        _count(result, entry, teacher)
    return result


def _count(result: RunResult, entry: dict[str, Any], teacher: str) -> None:
    """Count one candidate (accepted record or rejected entry) into the funnel, as the engine does."""
    meta = entry["meta"]
    key = (entry["category"], meta.get("mode", ""), teacher, str((meta.get("teacher") or {}).get("temperature")))
    count_outcome(
        result, key, [(issue["check"], issue["code"]) for issue in meta.get("issues") or []] if "codes" in meta else []
    )


def merge(run_dir: Path, hub: dict[str, Any]) -> int:
    """Join the shards of `run_dir` into its accepted/rejected/pairs/manifest; returns the exit code."""
    folders = shard_folders(run_dir)
    config = RunConfig.model_validate({**_read(folders[0] / SHARD_CONFIG), "shard": None})
    check_target(hub["repo"], hub["license"])
    if hub["repo"] and not hub["dry_run"]:
        hub_token()
    started, clock = datetime.now(timezone.utc), time.monotonic()
    manifests = [_read(folder / "manifest.json") for folder in folders]
    with RunLock(run_dir), log.run_log(run_dir / "run.log"):
        check_settings(run_dir, config)
        retire_manifest(run_dir)
        catalog = load_tools(config.tools)
        result = merged_result(config, folders, manifests, catalog)
        pairs = pairs_of(config, catalog, result)
        usage = Usage()
        for manifest in manifests:
            spent = manifest["usage"]
            usage.requests += spent["requests"]
            usage.cached += spent["cached"]
            usage.retries += spent["retries"]
            usage.failures += spent["failed_requests"]
            usage.prompt_tokens += spent["prompt_tokens"]
            usage.completion_tokens += spent["completion_tokens"]
        wall = max(manifest["wall_seconds"] for manifest in manifests)  # the shards ran side by side
        manifest = run_manifest(config, result, usage, manifests[0]["teacher"], started, wall, catalog, pairs)
        manifest["shards"] = [
            {
                "shard": m["shard"],
                "started_at": m["started_at"],
                "finished_at": m["finished_at"],
                "wall_seconds": m["wall_seconds"],
                "accepted": m["counts"]["accepted"],
            }
            for m in manifests
        ]
        manifest["merge_seconds"] = round(time.monotonic() - clock, 2)
        manifest["shard_spills"] = sum(cell.quota != cell.requested for cell in result.cells)
        manifest["cross_shard_duplicates"] = result.removed_by["dedup"] - sum(
            m["funnel"]["removed_by_check"].get("dedup", 0) for m in manifests
        )
        write_run(run_dir, result, pairs, manifest, config.hub.model_copy(update=hub))
        if config.report:  # as the shards' runs were told
            write_run_report(run_dir)
    return done_code(config, result)


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.merge") -> int:
    """Entry point; returns the exit code."""
    p = argparse.ArgumentParser(prog=prog, description="Join the shards of a run (--shard i/N) into one.")
    p.add_argument("run_dir", help="the run folder the shards wrote into (it holds shards/i-of-N/)")
    p.add_argument("--push-to-hub", metavar="ORG/NAME", help="push the merged dataset (private unless --public)")
    p.add_argument("--public", action="store_true", help="make a new Hub repo public")
    p.add_argument("--license", help="dataset license for the card (required to push)")
    p.add_argument(
        "--dry-run", action="store_true", help="write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing"
    )
    log.add_verbosity(p)
    args = p.parse_args(argv)
    log.setup(args.verbose - args.quiet)
    hub = {"repo": args.push_to_hub, "public": args.public, "license": args.license, "dry_run": args.dry_run}
    return errors.run_cli(
        lambda: merge(Path(args.run_dir), hub), "the merge did not finish (manifest.json is written last); run it again"
    )


if __name__ == "__main__":
    sys.exit(main())
