"""`python -m pipeline.validate FILE.jsonl`: check canonical records, one JSON line per record.

Runs every check that needs no LLM: format, schema, plausibility (role annotations from the
bundled seeds or --tools), grounding (aliases from the same seeds), category, reference,
quality, then dedup over the whole file. Exit 0 when every
record passes, 1 when some fail, 2 on bad usage or unreadable input. Lines are parsed strictly
(pipeline.parse: no NaN/Infinity, no duplicate keys) and read one at a time; a line longer than
pipeline.record.MAX_LINE_BYTES (8 MiB) stops with `error: FILE: line N: longer than 8 MiB`.
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
from pipeline.record import iter_jsonl, json_path, parse_record
from pipeline.seeds import alias_table, load_tools


def validate_object(obj: Any, checks) -> list[Issue]:
    """All issues of one decoded JSONL line (a shape error stops before the checks)."""
    if isinstance(obj, ValueError):
        where, message = getattr(obj, "path", None) or "", getattr(obj, "message", obj)  # a StrictError has a path
        return [Issue("format", "invalid_json", where, f"not JSON: {message}")]
    try:
        record = parse_record(obj)
    except ValidationError as error:
        return [Issue("format", "invalid_record", json_path(e["loc"]), e["msg"]) for e in error.errors()]
    return run_checks(record, checks)  # a check that crashes gives a check_error issue, not a traceback


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.validate") -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("file", help="JSONL file of canonical records (arguments as object or JSON string)")
    parser.add_argument(
        "--checks",
        default=",".join([*CHECKS, "dedup"]),
        help=f"comma-separated subset of: {', '.join([*CHECKS, 'dedup'])}",
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
        dedup = "dedup" in names
        names = [name for name in names if name != "dedup"]
        if dedup and not names:
            names = ["format"]  # dedup alone: still report lines that are not records
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

        def checked():
            """Check each line once; yield the records that passed, for dedup (one pass, pipes work)."""
            for index, obj in iter_jsonl(args.file):
                results.append((index, validate_object(obj, checks)))
                if not results[-1][1]:
                    yield index, obj

        if dedup:  # exact and near duplicates among the records that passed; the lowest index is kept
            dropped = find_duplicates(checked())
            results = [(index, issues + ([dropped[index]] if index in dropped else [])) for index, issues in results]
        else:
            for _ in checked():
                pass
        for index, issues in results:
            print(
                json.dumps(
                    {"index": index, "ok": not issues, "errors": [i.to_dict() for i in issues]}, ensure_ascii=False
                )
            )
        failed = sum(bool(issues) for _, issues in results)
    except InputError as error:  # a line longer than pipeline.record.MAX_LINE_BYTES
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"error: {args.file}: {getattr(error, 'strerror', None) or error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
