"""`python -m pipeline.validate FILE.jsonl`: check canonical records, one JSON line per record.

Runs every check that needs no LLM: format, schema, plausibility (role annotations from the
bundled seeds or --tools), grounding (aliases from the same seeds), category, reference,
quality, then dedup over the whole file. Exit 0 when every
record passes, 1 when some fail, 2 on bad usage or unreadable input. Lines are parsed strictly
(pipeline.parse: no NaN/Infinity, no duplicate keys) and read one at a time; a line longer than
pipeline.record.MAX_LINE_BYTES (8 MiB) stops with `error: FILE: line N: longer than 8 MiB`.

Each line is `{"index", "ok", "errors", "skipped"}`: `skipped` maps each check (or rule) that
could not run on the record to why (`reference`: no meta.reference; `policy`: no meta.policy;
`category`: no category, so no call-count rule; `fewshot_copy`: no meta.fewshot; `judge`: no
meta.judge), so a pass is known to be partial; stderr says the same once per run. The LLM judge
is not asked again: the verdict a run stored in meta.judge is read back (a "no" is judge_rejected).
The files `pipeline.export` writes are taken too (pipeline.export.readers): an openai or
trl-sft export reads back into records (an id made from the line number when a row has none,
arguments given as JSON strings parsed); a text or pair format stops with one line naming it
and exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pydantic import ValidationError

from filters.base import Issue, run_checks
from filters.checks import CHECKS, default_checks
from filters.dedup import find_duplicates
from filters.grounding import GroundingOptions
from filters.plausibility import PlausibilityOptions
from filters.quality import QualityOptions
from filters.roles import annotations_of
from pipeline.errors import EXIT_BAD_INPUT, InputError
from pipeline.export.readers import READABLE, canonical, format_of, not_readable
from pipeline.judge import recorded_verdict
from pipeline.record import iter_jsonl, json_path, parse_record
from pipeline.seeds import alias_table, load_tools

# a check (or one rule of one) that cannot run on a record lacking what it compares against:
# name -> (why, in the record's `skipped`; what goes unchecked, in the run's stderr line)
SKIPS = {
    "reference": ("no meta.reference", "calls not compared with the calls the request stands for"),
    "policy": ("no meta.policy", "no system-prompt rule to hold the calls to"),
    "category": ("no category", "no call-count rule of single, parallel, nested or no_call"),
    "fewshot_copy": ("no meta.fewshot", "a user turn copying a few-shot example goes unseen"),
    "judge": ("no meta.judge", "no verdict of the run's LLM judge to read, and validate runs no LLM"),
}


def skipped_checks(obj: Any, names: list[str]) -> dict[str, str]:
    """The checks and rules among `names` that cannot run on the decoded line `obj`, and why."""
    if not isinstance(obj, dict):
        return {}
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    missing = {
        "reference": "reference" in names and not meta.get("reference"),
        "policy": "category" in names and not meta.get("policy"),
        "category": "category" in names and not obj.get("category"),
        "fewshot_copy": "quality" in names and not meta.get("fewshot"),
        "judge": "judge" in names and recorded_verdict(meta) is None,
    }
    return {name: SKIPS[name][0] for name, skipped in missing.items() if skipped}


def validate_object(obj: Any, checks) -> list[Issue]:
    """All issues of one decoded JSONL line (a shape error stops before the checks). A record
    without a category is checked by every rule that needs none (no call-count rule)."""
    if isinstance(obj, ValueError):
        where, message = getattr(obj, "path", None) or "", getattr(obj, "message", obj)  # a StrictError has a path
        return [Issue("format", "invalid_json", where, f"not JSON: {message}")]
    if isinstance(obj, dict) and obj.get("category") is None:
        obj = {**obj, "category": ""}  # not "single", the record model's default: no category's rules apply
    try:
        record = parse_record(obj)
    except ValidationError as error:
        return [Issue("format", "invalid_record", json_path(e["loc"]), e["msg"]) for e in error.errors()]
    return run_checks(record, checks)  # a check that crashes gives a check_error issue, not a traceback


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.validate") -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument(
        "file",
        help="JSONL file of canonical records (arguments as object or JSON string), or an openai / trl-sft export",
    )
    parser.add_argument(
        "--checks",
        default=",".join([*CHECKS, "judge", "dedup"]),
        help=f"comma-separated subset of: {', '.join([*CHECKS, 'judge', 'dedup'])} (judge: the verdict in meta.judge)",
    )
    parser.add_argument(
        "--tools",
        action="append",
        default=[],
        metavar="PATH",
        help="seed tool files: their x-aliases count as grounding, their x-when/x-after/... roles drive "
        "plausibility (default: the bundled seeds)",
    )
    defaults = QualityOptions()
    parser.add_argument(
        "--language",
        default=defaults.language,
        help="expected ISO 639-1 language of user turns ('' = any); meta.language wins",
    )
    parser.add_argument(
        "--min-request-words",
        type=int,
        default=defaults.min_request_words,
        help="opening request shorter than this is too_short",
    )
    parser.add_argument(
        "--max-user-chars", type=int, default=defaults.max_user_chars, help="a user turn longer than this is too_long"
    )
    args = parser.parse_args(argv)
    try:
        names = [name.strip() for name in args.checks.split(",") if name.strip()]
        dedup, judged = "dedup" in names, "judge" in names
        names = [name for name in names if name not in ("dedup", "judge")]
        if (dedup or judged) and not names:
            names = ["format"]  # dedup or judge alone: still report lines that are not records
        seeds = load_tools(args.tools or None) if {"grounding", "plausibility"} & set(names) else []
        aliases, annotations = alias_table(seeds), annotations_of(seeds)
        quality = QualityOptions(
            min_request_words=args.min_request_words, max_user_chars=args.max_user_chars, language=args.language
        )
        checks = default_checks(
            names,
            grounding=GroundingOptions(aliases=aliases),
            quality=quality,
            plausibility=PlausibilityOptions(annotations=annotations),
        )
    except ValueError as error:
        print(f"error: --checks: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InputError as error:
        print(f"error: --tools: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        results: list[tuple[int, list[Issue]]] = []
        skipped: dict[int, dict[str, str]] = {}

        def checked():
            """Check each line once; yield the records that passed, for dedup (one pass, pipes work)."""
            for index, obj in iter_jsonl(args.file):
                fmt = format_of(obj)
                if fmt in READABLE:
                    obj = canonical(obj, index)
                elif fmt != "canonical":
                    raise InputError(not_readable(fmt), args.file, f"line {index + 1}")
                issues = validate_object(obj, checks)
                if judged and isinstance(obj, dict):
                    issues += recorded_verdict(obj.get("meta")) or []
                results.append((index, issues))
                skipped[index] = skipped_checks(obj, [*names, "judge"] if judged else names)
                if not results[-1][1]:
                    yield index, obj

        if dedup:  # exact and near duplicates among the records that passed; the lowest index is kept
            dropped = find_duplicates(checked())
            results = [(index, issues + ([dropped[index]] if index in dropped else [])) for index, issues in results]
        else:
            for _ in checked():
                pass
        for index, issues in results:
            line = {"index": index, "ok": not issues, "errors": [i.to_dict() for i in issues]}
            print(json.dumps({**line, "skipped": skipped.get(index, {})}, ensure_ascii=False))
        failed = sum(bool(issues) for _, issues in results)
        if summary := skip_summary(skipped, len(results)):
            print(summary, file=sys.stderr)
    except InputError as error:  # a line longer than pipeline.record.MAX_LINE_BYTES
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"error: {args.file}: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 1 if failed else 0


def skip_summary(skipped: dict[int, dict[str, str]], total: int) -> str:
    """One line for the run: each skipped check, on how many records, and why ("" when none was)."""
    counts = {name: sum(name in names for names in skipped.values()) for name in SKIPS}  # in SKIPS' order
    if not any(counts.values()):
        return ""
    parts = [
        f"{name} on {count} of {total} ({SKIPS[name][0]}: {SKIPS[name][1]})" for name, count in counts.items() if count
    ]
    return "partial check, not run: " + "; ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
