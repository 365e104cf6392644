"""The manifest (funnel, cells, usage, versions) and the funnel table printed at the end."""

from __future__ import annotations

import platform
from collections import Counter
from datetime import datetime, timezone
from importlib import metadata
from typing import Any

from rich.table import Table

import pipeline
from filters.checks import CHECKS, FUNNEL
from pipeline.backends.base import Usage
from pipeline.config import RunConfig
from pipeline.diversity import raw_forms, repetition
from pipeline.engine import RunResult
from pipeline.log import LOGGER, block
from pipeline.prompts import load_prompt
from pipeline.redact import public_url
from pipeline.writer import public_values


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def versions(prompt_names: list[str]) -> dict[str, Any]:
    """Versions of the pipeline, its key libraries, Python, and each prompt template used."""
    libraries = {
        name: _version(name)
        for name in ("openai", "datasets", "pydantic", "jsonschema", "fastjsonschema", "xllamacpp", "llama-cpp-python")
    }
    return {
        "pipeline": pipeline.__version__,
        "python": platform.python_version(),
        "libraries": libraries,
        "prompts": {name: load_prompt(name).version for name in prompt_names},
    }


def tool_result_sources(accepted: list, default: str) -> dict[str, Any]:
    """How the accepted records' tool results were made (executed, simulated, mocked), and what a
    tool without an executor gets in this run; mocked results are stand-ins, so the Hub folder
    leaves their records out unless asked (`--include-mocked`)."""
    counts = Counter(p for record in accepted for p in ((record.meta or {}).get("tool_results") or []))
    return {
        "executed": counts["executed"],
        "simulated": counts["simulated"],
        "mocked": counts["mocked"],
        "error": counts["error"],  # planned error results (recovery turns)
        "records_with_mocked": sum("mocked" in ((r.meta or {}).get("tool_results") or []) for r in accepted),
        "without_executor": "simulated by the teacher"
        if default == "simulate"
        else "mocked from the result schema (the embedded 135M teacher cannot write results); "
        "records with a mocked result are left out of the Hub folder unless --include-mocked",
    }


def build_manifest(
    config: RunConfig,
    result: RunResult,
    usage: Usage,
    teacher: dict[str, Any],
    prompt_names: list[str],
    started: datetime,
    wall_seconds: float,
    status: str,
    tool_name_map: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest.json document. Holds no secret: the config has none, URLs are stripped.
    `tool_name_map` (imported name -> the name records use, pipeline.importers.name_map) is
    written as `tool_name_map` when an import had to rename a tool."""
    resolved = public_values(config)
    resolved["mode"] = config.resolved_mode
    resolved["initial_yield"] = config.resolved_initial_yield
    resolved["max_candidates"] = sum(
        config.candidate_limit_for(category, n) for category, n in config.category_counts().items()
    )
    for name in ("optional_rate", "alias_rate", "spoken_rate", "parallel_phrasing", "templated_turns", "tool_results"):
        resolved["plan"][name] = getattr(config, f"resolved_{name}")  # the small-teacher defaults in force
    resolved["checks"]["judge"] = config.resolved_judge
    resolved["pairs"]["second_solve"] = config.resolved_second_solve
    resolved["checks"]["enabled"] = config.checks.enabled if config.checks.enabled is not None else list(CHECKS)
    resolved["teacher"]["temperatures"] = config.teacher.schedule
    teacher = {**teacher, "base_url": public_url(teacher.get("base_url", ""))}
    funnel = {stage: result.removed_by.get(stage, 0) for stage in FUNNEL}
    return {
        "status": status,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "wall_seconds": round(wall_seconds, 2),
        "config": resolved,
        "teacher": teacher,
        "versions": versions(prompt_names),
        "counts": {
            "requested": config.n,
            "accepted": len(result.accepted),
            "candidates": result.candidates,
            "rejected": len(result.rejected),
            "failed_tasks": result.failed,
            "surplus_dropped": result.surplus,
            "unneeded_tasks": result.unneeded,
        },
        "tool_results": tool_result_sources(result.accepted, config.resolved_tool_results),
        "funnel": {
            "candidates": result.candidates,
            "removed_by_check": funnel,
            "codes": [
                {"check": check, "code": code, "count": count} for (check, code), count in sorted(result.codes.items())
            ],
            "accepted": len(result.accepted) + result.surplus,
            "by_slice": [
                {
                    "category": c,
                    "mode": m,
                    "teacher": t,
                    "temperature": float(temp),
                    "candidates": counts["candidates"],
                    "accepted": counts["accepted"],
                    "removed_by_check": {stage: counts[stage] for stage in FUNNEL if counts[stage]},
                }
                for (c, m, t, temp), counts in sorted(result.slices.items())
            ],
        },
        "yield_by_temperature": {
            t: {"candidates": c, "accepted": a, "yield": round(a / c, 3) if c else None}
            for t, (c, a) in sorted(result.by_temperature.items())
        },
        "cells": [cell.to_dict() for cell in result.cells if cell.requested or cell.candidates],
        "short_cells": [cell.to_dict() for cell in result.short_cells],
        "unfinished_cells": [cell.to_dict() for cell in result.unfinished_cells],
        "repetition": repetition(result.accepted),
        "raw_forms": raw_forms(result.accepted),
        "usage": usage_numbers(usage),
    } | ({"tool_name_map": dict(tool_name_map)} if tool_name_map else {})


USAGE_FIELDS = {  # manifest usage key -> Usage attribute
    "requests": "requests",
    "cached": "cached",
    "retries": "retries",
    "failed_requests": "failures",
    "prompt_tokens": "prompt_tokens",
    "completion_tokens": "completion_tokens",
}


def usage_numbers(usage: Usage) -> dict[str, int]:
    """A Usage as the manifest's `usage` numbers."""
    return {key: getattr(usage, attribute) for key, attribute in USAGE_FIELDS.items()}


def usage_of(numbers: dict[str, Any]) -> Usage:
    """The manifest's `usage` numbers back as a Usage (a missing one counts 0)."""
    return Usage(**{attribute: int(numbers.get(key) or 0) for key, attribute in USAGE_FIELDS.items()})


def earlier_invocations(manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The invocations a run folder's manifest lists when the run is unfinished (interrupted,
    failed, budget_reached): a rerun continues that run, so their time and requests count on. A
    complete run (or none, or a manifest unreadable) starts afresh: []. A manifest from before
    `invocations` counts as one invocation."""
    if not isinstance(manifest, dict) or manifest.get("status") in (None, "complete"):
        return []
    listed = manifest.get("invocations")
    if isinstance(listed, list) and all(isinstance(item, dict) for item in listed):
        return listed
    return [
        {
            "started_at": manifest.get("started_at"),
            "finished_at": manifest.get("finished_at"),
            "wall_seconds": manifest.get("wall_seconds") or 0,
            "status": manifest.get("status"),
            "accepted": (manifest.get("counts") or {}).get("accepted", 0),
            "usage": {key: (manifest.get("usage") or {}).get(key, 0) for key in USAGE_FIELDS},
        }
    ]


def add_invocations(manifest: dict[str, Any], earlier: list[dict[str, Any]]) -> dict[str, Any]:
    """`manifest` (one invocation's: its usage, time and status) as the run's: `invocations` lists
    every invocation of the run in order (`earlier`, then this one: started_at, finished_at,
    wall_seconds, status, stopped, accepted, usage), and `usage`, `wall_seconds` and `started_at`
    become totals over all of them (the last invocation's own numbers are invocations[-1])."""
    this = {
        "started_at": manifest["started_at"],
        "finished_at": manifest["finished_at"],
        "wall_seconds": manifest["wall_seconds"],
        "status": manifest["status"],
        **({"stopped": manifest["stopped"]} if manifest.get("stopped") else {}),
        "accepted": manifest["counts"]["accepted"],
        "usage": dict(manifest["usage"]),
    }
    invocations = [*earlier, this]
    manifest["invocations"] = invocations
    manifest["started_at"] = invocations[0].get("started_at") or this["started_at"]
    manifest["wall_seconds"] = round(sum(float(i.get("wall_seconds") or 0) for i in invocations), 2)
    manifest["usage"] = {
        key: sum(int((i.get("usage") or {}).get(key) or 0) for i in invocations) for key in USAGE_FIELDS
    }
    return manifest


def funnel_table(manifest: dict[str, Any]) -> Table:
    """The funnel as a rich table: candidates, removed per check (with codes), accepted."""
    table = Table(title="Funnel", show_lines=False)
    table.add_column("stage")
    table.add_column("removed", justify="right")
    table.add_column("left", justify="right")
    table.add_column("codes")
    funnel = manifest["funnel"]
    left = funnel["candidates"]
    table.add_row("candidates", "", str(left), "")
    for stage, removed in funnel["removed_by_check"].items():
        left -= removed
        codes = ", ".join(f"{c['code']} {c['count']}" for c in funnel["codes"] if c["check"] == stage)
        table.add_row(stage, str(removed), str(left), codes)
    counts = manifest["counts"]
    table.add_row(
        "accepted (kept)",
        "",
        str(counts["accepted"]),
        f"surplus dropped {counts['surplus_dropped']}" if counts["surplus_dropped"] else "",
    )
    return table


def slice_table(manifest: dict[str, Any]) -> Table:
    """Removed per check for each (category, mode, teacher, temperature) slice of the run; a
    dimension with one value across the run goes into the title, so the table fits a terminal."""
    rows = manifest["funnel"]["by_slice"]
    stages = [stage for stage in FUNNEL if any(row["removed_by_check"].get(stage) for row in rows)]
    dimensions = ("category", "mode", "teacher", "temperature")
    varying = [d for d in dimensions if len({row[d] for row in rows}) > 1]
    fixed = (
        ", ".join(
            f"{d} {rows[0][d]:g}" if d == "temperature" else f"{d} {rows[0][d]}" for d in dimensions if d not in varying
        )
        if rows
        else ""
    )
    table = Table(title=f"Funnel by slice{f' ({fixed})' if fixed else ''}", show_lines=False)
    for column in (*("temp" if d == "temperature" else d for d in varying), "cands", *stages, "kept"):
        table.add_column(column, justify="left" if column in dimensions[:3] else "right")
    for row in rows:
        table.add_row(
            *(f"{row[d]:g}" if d == "temperature" else str(row[d]) for d in varying),
            str(row["candidates"]),
            *(str(row["removed_by_check"].get(stage, 0)) for stage in stages),
            str(row["accepted"]),
        )
    return table


def log_summary(manifest: dict[str, Any], out_dir: str) -> None:
    """Funnel tables, short and unfinished cells, and where the files are (as log messages: the
    terminal and run.log); the time is the run's over every invocation, this one's apart."""
    LOGGER.info(block(funnel_table(manifest)), extra={"markup": False})
    LOGGER.info(block(slice_table(manifest)), extra={"markup": False})
    counts = manifest["counts"]
    for cell in manifest["short_cells"][:20]:
        LOGGER.warning(
            f"[yellow]short cell[/] {cell['category']}/{cell['tool']}/{cell['mode']}: "
            f"{cell['accepted']}/{cell['requested']} after {cell['candidates']} candidates"
        )
    unfinished = manifest.get("unfinished_cells") or []
    if unfinished:
        LOGGER.warning(
            f"[yellow]unfinished:[/] {len(unfinished)} cell(s) cut by the stop "
            f"({sum(c['requested'] - c['accepted'] for c in unfinished)} records to go)"
        )
    invocations = manifest.get("invocations") or []
    took = f"in {manifest['wall_seconds']} s"
    if len(invocations) > 1:
        took += f" over {len(invocations)} invocations (this one {invocations[-1]['wall_seconds']} s)"
    LOGGER.info(
        f"{counts['accepted']}/{counts['requested']} accepted from {counts['candidates']} candidates "
        f"{took} -> {out_dir}"
    )
