"""`python -m pipeline.export SOURCE --format F [--out FILE]` and `--check-template FILE`.

SOURCE is a run directory (accepted.jsonl, and pairs.jsonl for the DPO formats) or a JSONL file
of canonical records or pairs. Formats: openai, trl-sft, hermes, glaive, python, xlam,
llamafactory (records); openai-dpo, trl-dpo, llamafactory-dpo (pairs). `--call-token` and
`--syntax json|python` shape the text renderings. The LLaMA-Factory formats also write (or
update) `dataset_info.json` beside the output, the entry LLaMA-Factory reads it through.

`--check-template SRC` renders every record through a chat template (a Jinja file, a
tokenizer_config.json or a model folder) with transformers' own `apply_chat_template(messages,
tools=...)` and prints one JSON line per record: whether it renders, its length in characters
(and in tokens with `--tokenizer`), or the template's own error (Llama-3.1's refuses parallel
calls; Mistral's wants 9-character ids); then a summary line. Exit 0 when all render, 1 when some
do not, 2 on bad input. `--format text --render-template SRC` writes each rendering as a row.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pipeline import errors
from pipeline.errors import InputError
from pipeline.export.exporters import (
    PAIR_FORMATS,
    PARALLEL_TOOL_CALLS,
    RECORD_FORMATS,
    WEIGHT_RULES,
    Skip,
    TextOptions,
    llamafactory_dataset_info,
)
from pipeline.export.templates import check_template, load_template
from pipeline.parse import loads
from pipeline.record import Message, Tool, append_path, iter_jsonl, json_path, message_dict, parse_record
from pipeline.writer import write_json, write_jsonl


def read_source(source: Path, pairs: bool) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line index, object) from a run directory's accepted.jsonl / pairs.jsonl or from a JSONL file."""
    path = source / ("pairs.jsonl" if pairs else "accepted.jsonl") if source.is_dir() else source
    if not path.is_file():
        raise InputError("no such file" if not source.is_dir() else f"the run has no {path.name}", str(path))
    for index, item in iter_jsonl(str(path)):
        if isinstance(item, ValueError) or not isinstance(item, dict):
            raise InputError(f"line {index + 1} is not a JSON object", str(path), f"[{index}]")
        try:
            yield index, canonical_pair(item) if pairs else parse_record(item).to_dict()
        except (ValidationError, KeyError, TypeError) as error:
            problem = error.errors()[0] if isinstance(error, ValidationError) else None
            where = json_path(problem["loc"]) if problem else ""
            raise InputError(
                f"not a canonical {'pair' if pairs else 'record'}: {problem['msg'] if problem else error!r}",
                str(path),
                append_path(f"[{index}]", where),
            ) from None


def canonical_pair(pair: dict[str, Any]) -> dict[str, Any]:
    """A pair whose messages are canonical (arguments as objects, no null keys)."""
    sides = {
        side: [message_dict(Message.model_validate(m)) for m in pair[side]] for side in ("prompt", "chosen", "rejected")
    }
    return {**pair, **sides, "tools": [Tool.model_validate(tool).model_dump() for tool in pair.get("tools") or []]}


def export(source: Path, fmt: str, out: Path, options: TextOptions) -> tuple[int, Counter]:
    """Write `fmt` rows to `out`; returns (rows written, skip reasons)."""
    exporter = RECORD_FORMATS.get(fmt) or PAIR_FORMATS.get(fmt)
    if exporter is None:
        raise InputError(
            f"unknown format {fmt!r} (choose from {', '.join([*RECORD_FORMATS, *PAIR_FORMATS])})", "--format"
        )
    rows, skipped = [], Counter()
    for _index, item in read_source(source, fmt in PAIR_FORMATS):
        try:
            made = exporter(item, options)
        except Skip as reason:
            skipped[str(reason)] += 1
            continue
        rows.extend(made if isinstance(made, list) else [made])
    write_jsonl(out, rows)
    if fmt.startswith("llamafactory"):
        write_dataset_info(out, ranking=fmt in PAIR_FORMATS)
    return len(rows), skipped


def write_dataset_info(out: Path, ranking: bool) -> Path:
    """Add (or replace) the entry named after `out` in `dataset_info.json` beside it; other
    entries of an existing file are kept. Returns the file's path."""
    path = out.parent / "dataset_info.json"
    entries: dict[str, Any] = {}
    if path.is_file():
        try:
            entries = loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise InputError(f"not JSON ({error})", str(path)) from None
        if not isinstance(entries, dict):
            raise InputError("expected a JSON object of dataset entries", str(path))
    entries[out.stem] = llamafactory_dataset_info(out.name, ranking)
    write_json(path, entries)
    return path


def parse_args(argv: list[str] | None, prog: str = "python -m pipeline.export") -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    p.add_argument("source", help="a run directory or a JSONL file of canonical records (or pairs)")
    p.add_argument("--format", help=f"one of: {', '.join([*RECORD_FORMATS, *PAIR_FORMATS])}")
    p.add_argument("--out", help="output JSONL (default: SOURCE_DIR/export/<format>.jsonl)")
    p.add_argument(
        "--call-token", help="function-call token of the text renderings (default <tool_call> / <functioncall>)"
    )
    p.add_argument(
        "--syntax",
        choices=["json", "python"],
        default="json",
        help="calls in the text renderings as JSON or Python calls",
    )
    p.add_argument(
        "--think",
        action="store_true",
        help="hermes: write an assistant's reasoning_content as a <think> block before its calls (else dropped)",
    )
    p.add_argument(
        "--weight",
        choices=WEIGHT_RULES,
        help="openai: a `weight` on each assistant message: all, calls (only turns with calls), decisions "
        "(0 on answers that relay tool results), last (only the last assistant turn); default: no weight",
    )
    p.add_argument(
        "--parallel-tool-calls",
        choices=PARALLEL_TOOL_CALLS,
        default="true",
        help="openai: the rows' parallel_tool_calls: true (the API's default, default here), false (rows with "
        "several calls in a turn are skipped), auto (true only where a turn makes several calls)",
    )
    p.add_argument(
        "--empty-content",
        metavar="TEXT",
        help='openai, trl: write an assistant\'s null content (beside its calls) as TEXT, e.g. "" for chat '
        "templates that read content unchecked",
    )
    p.add_argument(
        "--check-template",
        metavar="SRC",
        help="report per record whether it renders through this chat template (Jinja file, tokenizer_config.json "
        "or model folder), by transformers' apply_chat_template",
    )
    p.add_argument(
        "--render-template", metavar="SRC", help="text: the chat template each record is rendered through (as above)"
    )
    p.add_argument(
        "--tokenizer",
        metavar="PATH",
        help="a tokenizer.json (or a folder holding one): --check-template also counts each rendering's tokens",
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.export") -> int:
    """Entry point; returns the exit code."""

    def job() -> int:
        args = parse_args(argv, prog)
        source = Path(args.source)
        tokenizer = Path(args.tokenizer) if args.tokenizer else None
        if args.check_template:
            template = load_template(Path(args.check_template), tokenizer)
            return check_template(read_source(source, pairs=False), template, args.empty_content)
        if not args.format:
            raise InputError("give --format F or --check-template SRC", "--format")
        template = None
        if args.format == "text":
            if not args.render_template:
                raise InputError(
                    "--format text renders through a chat template: give --render-template SRC", "--format"
                )
            template = load_template(Path(args.render_template), tokenizer, "--render-template")
        out = (
            Path(args.out)
            if args.out
            else (source if source.is_dir() else source.parent) / "export" / f"{args.format}.jsonl"
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        written, skipped = export(
            source,
            args.format,
            out,
            TextOptions(
                args.call_token,
                args.syntax,
                args.think,
                weight=args.weight,
                parallel_tool_calls=args.parallel_tool_calls,
                empty_content=args.empty_content,
                template=template,
            ),
        )
        reasons = "; ".join(f"{count} {reason}" for reason, count in skipped.items())
        print(f"wrote {written} rows to {out}" + (f"; skipped {sum(skipped.values())}: {reasons}" if skipped else ""))
        return errors.EXIT_DONE

    return errors.run_cli(job, "the export file was not written (it is written whole or not at all)")
