"""`fc-datagen eval SOURCE`: score a model on the decision turns of a test split.

SOURCE is a run folder (its test split, as the Hub folder splits it), a published Hub folder, a
JSONL file of records, or a BFCL data file (with its possible-answer file). Each decision turn is
sent to the model (`--base-url` and `--model`; the embedded llama.cpp model without them) through
the teacher's stack: a response cache in the output folder (an interrupted eval resumes, a rerun
sends nothing), retries, rate limits. Output: `eval.jsonl` (one verdict per turn) and
`summary.json` in RUN_DIR/eval/<model>/ (else outputs/eval/<source>/<model>/), and a table.
`--compare A B` puts two eval folders side by side with an exact McNemar test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from pipeline import errors
from pipeline.backends.base import ChatRequest
from pipeline.backends.cache import ResponseCache
from pipeline.backends.embedded import EmbeddedServer
from pipeline.backends.models import DEFAULT_MODEL
from pipeline.backends.teacher import Teacher, build_teacher
from pipeline.errors import InputError, StopSending, TeacherError
from pipeline.eval.ask import STYLES, Answer, read_native, read_text, request_for
from pipeline.eval.bfcl import write_bfcl
from pipeline.eval.execute import Executor, runnable
from pipeline.eval.items import Item
from pipeline.eval.score import score
from pipeline.eval.sources import load_items
from pipeline.eval.summary import compare, compare_table, summarize, summary_table
from pipeline.record import read_rows
from pipeline.redact import public_url
from pipeline.seeds.tools import run_tools
from pipeline.writer import read_manifest, write_json, write_jsonl


def parse_args(argv: list[str] | None, prog: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    p.add_argument(
        "source", nargs="?", help="a run folder, a Hub folder, a records .jsonl, a BFCL data file, or bfcl:CATEGORY"
    )
    p.add_argument("--base-url", help="the model's OpenAI-compatible endpoint (default: the embedded model)")
    p.add_argument("--model", help="the model's name at the endpoint")
    p.add_argument("--api-key-env", default="OPENAI_API_KEY", help="environment variable holding the API key")
    p.add_argument("--prompt-style", choices=STYLES, default="native", help="tools API (native) or Hermes text")
    p.add_argument("--split", choices=["test", "train", "all"], default="test", help="of a run or Hub folder")
    p.add_argument("--possible-answer", help="a BFCL file's possible answers (default: possible_answer/ beside it)")
    p.add_argument("--out", help="output folder (default RUN_DIR/eval/<model>)")
    p.add_argument("--limit", type=int, help="score only the first N items")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight (default 8)")
    p.add_argument("--rpm", type=int, help="requests per minute at most")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per request (default 120)")
    p.add_argument("--temperature", type=float, default=0.0)
    p.add_argument("--max-tokens", type=int, default=512)
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two eval folders (holding eval.jsonl)")
    p.add_argument(
        "--executors",
        action="append",
        default=[],
        metavar="PATH",
        help="also allow these executors for the executable score (the bundled seeds' are allowed)",
    )
    p.add_argument("--no-execute", action="store_true", help="skip the executable score")
    p.add_argument("--export-bfcl", metavar="DIR", help="write SOURCE's items as BFCL data files and exit (no model)")
    args = p.parse_args(argv)
    if args.compare and args.source:
        p.error("--compare takes two eval folders and no SOURCE")
    if not args.compare and not args.source:
        p.error("SOURCE is required (or --compare A B)")
    if args.base_url and not args.model:
        p.error("--base-url needs --model")
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    return args


def slug(name: str) -> str:
    """A model name as a folder name ("Qwen/Qwen2.5-7B" -> "Qwen--Qwen2.5-7B")."""
    return re.sub(r"[^A-Za-z0-9._-]", "-", name).strip(".-") or "model"


async def ask_all(
    items: list[Item], model: Teacher, style: str, temperature: float, max_tokens: int, done=lambda: None
) -> list[dict]:
    """Every item's verdict row (eval.jsonl): asked concurrently (the stack bounds it), in item
    order; `done()` after each answer."""

    async def one(item: Item) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": item.id,
            "record_id": item.record_id,
            "turn": item.turn,
            "category": item.category,
            "kind": item.kind,
            "expect": item.expect,
            "tools": item.expected_tools,
        }
        try:
            request: ChatRequest = request_for(item, style, temperature, max_tokens)
            completion = await model.complete(request, style="none")
        except (TeacherError, StopSending) as error:
            done()
            return {**row, "verdict": "error", "codes": [], "message": str(error)}
        try:
            answer = read_native(completion.text) if style == "native" else read_text(completion.text)
        except (ValueError, AttributeError) as error:  # not the message JSON the transport writes
            answer = Answer(unreadable=f"not a chat message ({error})")
        verdict = score(item, answer)
        done()
        return {
            **row,
            "verdict": "correct" if verdict.correct else "wrong",
            "codes": verdict.codes,
            "message": verdict.message,
            "answer": answer.to_dict(),
        }

    try:
        first = await one(items[0])  # alone: an endpoint that refuses every request stops the eval here
        if first["verdict"] == "error" and len(items) > 1:
            raise TeacherError(first["message"])
        return [first, *await asyncio.gather(*(one(item) for item in items[1:]))]
    finally:
        await model.close()


def run_folder_of(source: Path) -> Path | None:
    """The run folder a source is or lies in (a run's Hub folder), else None."""
    for folder in (source, source.parent):
        if folder.is_dir() and (folder / "manifest.json").is_file():
            return folder
    return None


def default_out(source: Path) -> Path:
    """RUN_DIR/eval for a run folder or its Hub folder, else outputs/eval/<source name>."""
    run = None if str(source).startswith("bfcl:") else run_folder_of(source)
    if run is not None:
        return run / "eval"
    return Path("outputs") / "eval" / slug(source.stem if source.is_file() else source.name)


def ask_model(args: argparse.Namespace, items: list[Item], out: Path, console: Console) -> tuple[list[dict], dict]:
    """Every item's verdict row from the model (the embedded one without --base-url), and what the
    summary says of the model and its requests."""
    name = args.model or DEFAULT_MODEL
    timeout = args.timeout
    with ExitStack() as stack:
        cache = ResponseCache(out / "responses.jsonl")
        stack.callback(cache.close)
        settings: dict[str, Any] = {
            "concurrency": args.concurrency,
            "rpm": args.rpm,
            "cache": cache,
            "reask_truncated": False,  # a model under test gets --max-tokens, as BFCL gives it
        }
        if args.base_url:
            base_url, model_name, key = args.base_url, args.model, os.environ.get(args.api_key_env)
        else:
            console.print(f"starting the embedded model ({name}) ...")
            server = stack.enter_context(EmbeddedServer(name, log_dir=out))
            base_url, model_name, key = server.base_url, server.model, None
            settings.update(concurrency=1, max_attempts=2, retry_initial=0.5)
            timeout = max(timeout, 300.0)  # a request the client gives up on still holds the slot
        model = build_teacher(base_url, model_name, key, timeout=timeout, identity=public_url(base_url), **settings)
        bar = Progress(TextColumn("eval"), BarColumn(), MofNCompleteColumn(), console=console, transient=True)
        with bar:
            task = bar.add_task("eval", total=len(items))
            ask = ask_all(items, model, args.prompt_style, args.temperature, args.max_tokens, lambda: bar.advance(task))
            rows = asyncio.run(ask)
    about = {
        "model": name,
        "base_url": public_url(base_url) if args.base_url else "embedded",
        "prompt_style": args.prompt_style,
        "temperature": args.temperature,
        "requests_sent": model.usage.requests,
        "cached": model.usage.cached,
    }
    return rows, about


def add_executable(rows: list[dict], items: list[Item], tools: list) -> None:
    """Each row's `executed` verdict where its tools can run (pipeline.eval.execute)."""
    executor = Executor(runnable(tools))
    for item, row in zip(items, rows):
        answer = row.get("answer") or {}
        if row["verdict"] != "error" and not answer.get("unreadable"):
            verdict = executor.verdict(item, answer.get("calls") or [])
            if verdict is not None:
                row["executed"] = verdict


def run_eval(args: argparse.Namespace, console: Console) -> int:
    """Load the items, ask the model, write eval.jsonl and summary.json, print the table."""
    source = Path(args.source)
    possible = Path(args.possible_answer) if args.possible_answer else None
    items, described = load_items(source, args.split, possible)
    items = items[: args.limit] if args.limit else items
    if args.export_bfcl:
        written = write_bfcl(items, Path(args.export_bfcl))
        console.print(f"BFCL files in {args.export_bfcl}: {written['written']}; left out: {written['left_out']}")
        return errors.EXIT_DONE
    if not items:
        where = f" in the {args.split} split" if source.is_dir() else ""
        raise InputError(f"no decision turns to score{where}", str(source))
    out = Path(args.out) if args.out else default_out(source) / slug(args.model or DEFAULT_MODEL)
    out.mkdir(parents=True, exist_ok=True)
    rows, about = ask_model(args, items, out, console)
    run = None if str(source).startswith("bfcl:") else run_folder_of(source)
    if not args.no_execute:
        add_executable(rows, items, run_tools(read_manifest(run) if run else {}, args.executors))
    summary = summarize(rows, {**about, "source": described})
    write_jsonl(out / "eval.jsonl", (json.dumps(row, ensure_ascii=False) for row in rows))
    write_json(out / "summary.json", summary)
    console.print(summary_table(summary))
    console.print(f"verdicts: {out / 'eval.jsonl'}  summary: {out / 'summary.json'}")
    if run is not None and (run / "report").is_dir() and out.parent == run / "eval":  # the report shows it
        from pipeline.job import write_run_report

        write_run_report(run)
    if summary["errors"]:
        console.print(f"{summary['errors']} turns got no answer; run the same command again (answers are cached)")
        return errors.EXIT_SHORT
    return errors.EXIT_DONE


def read_summary(folder: Path) -> dict:
    """An eval folder's summary.json ({} when it has none)."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return summary if isinstance(summary, dict) else {}


def read_verdicts(folder: Path) -> list[dict]:
    """An eval folder's verdict rows; InputError when it has none."""
    path = folder / "eval.jsonl" if folder.is_dir() else folder
    if not path.is_file():
        raise InputError("not an eval folder (no eval.jsonl)", str(folder))
    return read_rows(path)


def main(argv: list[str] | None = None, prog: str = "fc-datagen eval") -> int:
    """Entry point; returns the exit code."""

    def job() -> int:
        args = parse_args(argv, prog)
        console = Console()
        if args.compare:
            a, b = (Path(folder) for folder in args.compare)
            result = compare(read_verdicts(a), read_verdicts(b))
            if not result["paired"]:
                raise InputError("the two evals share no scored item", f"{a} {b}")
            sources = {(read_summary(folder).get("source")) for folder in (a, b)}
            if len(sources) > 1:
                console.print(f"note: the two evals scored different sources ({' vs '.join(map(str, sources))})")
            console.print(compare_table(result, a.name, b.name))
            return errors.EXIT_DONE
        return run_eval(args, console)

    return errors.run_cli(job, "answers received so far are cached in the eval folder; run again to resume")


if __name__ == "__main__":
    raise SystemExit(main())
