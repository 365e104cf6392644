"""`python -m pipeline.run --category single --n 20`: plan -> generate -> check -> write.

Wires the stages together; each stage lives in its own module. Exit codes: 0 done, 1 done
with cells left short or failed tasks, 2 bad input or unusable teacher, 130/143 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from filters.checks import default_checks
from filters.dedup import DedupOptions, find_duplicates
from filters.grounding import GroundingOptions
from filters.quality import QualityOptions
from pipeline import errors
from pipeline.backends.cache import ResponseCache
from pipeline.backends.embedded import EmbeddedServer
from pipeline.backends.openai_backend import OpenAITeacher
from pipeline.config import CATEGORIES, RunConfig
from pipeline.engine import Engine, RunResult, merge_results
from pipeline.errors import InputError
from pipeline.examples import example_tool, examples_version
from pipeline.generate import GENERATORS, Context
from pipeline.generate.single import literal_examples
from pipeline.importers import name_map
from pipeline.plan import Planner
from pipeline.prompts import load_prompt
from pipeline.redact import redact
from pipeline.publish import check_target, hub_token, publish
from pipeline.report import build_manifest, print_summary
from pipeline.jobfile import config_error, load_job_file, merged
from pipeline.judge import judge
from pipeline.lock import RunLock
from pipeline.links import load_links
from pipeline.seeds import alias_table, load_examples, load_tools
from pipeline.pairs import build_pairs, pair_counts
from pipeline.writer import check_settings, public_values, retire_manifest, run_folder, shard_folder, write_json, write_jsonl

_SOLVE = ["single/solve", "single/fill"]
SHARD_CONFIG = "config.json"  # a shard's whole config, for pipeline.merge
_ANSWER = ["reply/assistant", "tools/simulate"]
PROMPTS = {  # (category, mode) -> the templates its records are made with (versions in the manifest)
    ("single", "blueprint"): ["single/phrase", *_SOLVE], ("single", "free"): ["single/free"],
    ("parallel", "blueprint"): ["parallel/phrase", "parallel/split", *_SOLVE], ("parallel", "free"): ["parallel/free"],
    ("nested", "blueprint"): ["nested/phrase", *_SOLVE, *_ANSWER], ("nested", "free"): ["nested/free", "nested/next", *_ANSWER],
    ("multi_turn", "blueprint"): ["single/phrase", *_SOLVE, "reply/user", *_ANSWER],
    ("multi_turn", "free"): ["multi_turn/free", "multi_turn/call", *_ANSWER],
    ("no_call", "blueprint"): ["no_call/phrase", *_SOLVE, "reply/assistant", "reply/user", "no_call/missing"], ("no_call", "free"): ["no_call/free"],
}
SYSTEM_PROMPTS = ["system/simple", "system/complex", "system/confirm"]
JUDGE_PROMPTS = ["judge/calls"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see README.md for every option)."""
    p = argparse.ArgumentParser(prog="python -m pipeline.run", description="Generate function-calling training data.")
    p.add_argument("--config", metavar="FILE", help="a job file (YAML, TOML or JSON) with any config key; flags override it")
    p.add_argument("--category", help=f"one of: {', '.join(CATEGORIES)}, all")
    p.add_argument("--n", type=int, help="accepted records wanted (default 20)")
    p.add_argument("--max-candidates", type=int, help="most candidates to generate (default 10 x n; 25 x n on the embedded teacher)")
    p.add_argument("--tools", action="append", metavar="PATH", help="your tools: file or folder, repeatable (default: bundled seeds)")
    p.add_argument("--out", help="run directory (default outputs/<run-name>/)")
    p.add_argument("--seed", type=int, help="run seed: same seed, same plan (default 0)")
    p.add_argument("--mode", choices=["free", "blueprint"], help="default: blueprint on the embedded teacher, free otherwise")
    p.add_argument("--base-url", help="OpenAI-compatible endpoint; without it the embedded llama.cpp teacher runs")
    p.add_argument("--model", help="model name at --base-url")
    p.add_argument("--concurrency", type=int, help="requests in flight (default 8; 1 on the embedded teacher)")
    p.add_argument("--temperatures", help="comma-separated temperature schedule (default 0.2,0.7,1.0)")
    p.add_argument("--timeout", type=float, help="seconds per request (default 60)")
    p.add_argument("--max-attempts", type=int, help="attempts per request, retries included (default 6)")
    p.add_argument("--judge", action="store_true", default=None, help="ask the teacher to judge each candidate that passed the checks (one more request each)")
    p.add_argument("--rpm", type=int, help="requests per minute the endpoint allows (requests are paced to it)")
    p.add_argument("--tpm", type=int, help="tokens per minute the endpoint allows")
    p.add_argument("--max-requests", type=int, help="stop sending after this many requests (exit 3; rerun to continue)")
    p.add_argument("--max-tokens", type=int, help="stop sending after this many prompt + completion tokens (exit 3)")
    p.add_argument("--max-cost", type=float, help="stop sending at this cost in USD (needs budget.price_prompt/price_completion; exit 3)")
    p.add_argument("--push-to-hub", metavar="ORG/NAME", help="publish the run as a dataset repo (private unless --public)")
    p.add_argument("--public", action="store_true", default=None, help="make a new Hub repo public")
    p.add_argument("--license", help="dataset license for the card (required to push), e.g. apache-2.0")
    p.add_argument("--dry-run", action="store_true", default=None, help="write RUN_DIR/hub/ exactly as it would be uploaded; upload nothing")
    p.add_argument("--max-failed-share", type=float, metavar="F", help="exit 1 when more than this share of candidates "
                   "failed at the teacher (default 0.05)")
    p.add_argument("--shard", metavar="I/N", help="run the I-th of N parts of the plan into RUN_DIR/shards/I-of-N/; "
                   "join them with python -m pipeline.merge RUN_DIR")
    p.add_argument("--structured-output", choices=["auto", "json_schema", "json_object", "grammar", "none"], help="skip the probe and use this style")
    return p.parse_args(argv)


# config path -> the flag that sets it (flag values override the job file's)
FLAGS = {"category": "--category", "n": "--n", "max_candidates": "--max-candidates", "seed": "--seed", "mode": "--mode",
         "tools": "--tools", "out": "--out", "judge": "--judge", "teacher.base_url": "--base-url", "teacher.model": "--model",
         "teacher.concurrency": "--concurrency", "teacher.temperatures": "--temperatures", "teacher.timeout": "--timeout",
         "teacher.max_attempts": "--max-attempts", "teacher.structured_output": "--structured-output", "hub.repo": "--push-to-hub",
         "teacher.rpm": "--rpm", "teacher.tpm": "--tpm", "budget.max_requests": "--max-requests", "budget.max_tokens": "--max-tokens", "budget.max_cost": "--max-cost",
         "hub.public": "--public", "hub.license": "--license", "hub.dry_run": "--dry-run", "shard": "--shard",
         "max_failed_share": "--max-failed-share"}


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


def build_config(args: argparse.Namespace) -> RunConfig:
    """The job file (if any) with the flags laid over it, validated (InputError on a bad value)."""
    flags = flag_values(args)
    values = merged(load_job_file(args.config) if args.config else {}, flags)
    given = {path: flag for path, flag in FLAGS.items() if _has(flags, path)}
    where = lambda path: (given[path], None) if path in given else (args.config, path)  # noqa: E731
    category = values.get("category")
    if category is None:
        raise InputError("say which: --category, or category in the job file", "--category")
    if category not in CATEGORIES + ("all",):
        raise InputError(f"unknown category {category!r} (choose from {', '.join(CATEGORIES)}, all)", *where("category"))
    teacher = values.get("teacher") if isinstance(values.get("teacher"), dict) else {}
    if teacher.get("base_url") and not teacher.get("model"):
        raise InputError("a model is required with a base URL", *(("--model", None) if "teacher.base_url" in given else (args.config, "teacher.model")))
    try:
        return RunConfig.model_validate(values)
    except ValidationError as error:
        raise config_error(error, args.config, given) from None


def _has(tree: dict[str, Any], path: str) -> bool:
    node: Any = tree
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def run_checks_for(config: RunConfig, grounding: GroundingOptions, every: bool = False) -> list:
    """The per-record checks the config names (or `every` check: a pair's rejected turn must fail
    for exactly its reason, which only the whole chain can say), with the grounding options and quality limits."""
    quality = QualityOptions(min_request_words=config.min_request_words, max_user_chars=config.max_user_chars, language=config.language)
    return default_checks(None if every else config.checks, grounding=grounding, quality=quality)


def run_dedup_for(config: RunConfig):
    """Exact and near-duplicate removal over accepted records, or None when switched off."""
    if not config.dedup:
        return None
    options = DedupOptions(threshold=config.dedup_threshold, template_cap=config.template_cap)
    return lambda records: find_duplicates(records, options)


def build_context(config: RunConfig, category: str, catalog: list, model: str, grounding: GroundingOptions) -> tuple[Context, list]:
    """The generator context for one category, and its few-shot examples (planner order)."""
    t = config.teacher
    single = load_examples("single")
    if config.resolved_mode == "blueprint":  # blueprint phrasing states every value, so its shots must too
        single = literal_examples(single) or single
    examples = single if category == "single" else load_examples(category)
    context = Context({tool.name: tool.to_tool() for tool in catalog}, single, model, t.solve_temperature, t.max_tokens,
                      compact_tools=t.embedded, domains={tool.name: tool.domain for tool in catalog}, grounding=grounding,
                      category_examples=examples, seeds={tool.name: tool for tool in catalog},
                      tool_results=config.resolved_tool_results, execute_side_effects=config.execute_side_effects,
                      fewshot_version=examples_version(category), parallel_phrasing=config.resolved_parallel_phrasing,
                      confirm_writes=config.confirm_writes, templated_turns=config.resolved_templated_turns,
                      second_solve=config.pairs.second_solve if config.pairs.enabled else None)
    return context, examples


async def generate_run(config: RunConfig, base_url: str, model: str, api_key: str | None,
                       console: Console, cache: ResponseCache | None = None) -> tuple[RunResult, OpenAITeacher, str]:
    """Probe the teacher, then plan and run an engine per category to its share of --n."""
    t = config.teacher
    identity = f"embedded:{model}" if t.embedded else None  # the embedded server's port changes every run; its model does not
    teacher = OpenAITeacher(base_url, model, api_key, timeout=t.timeout, concurrency=t.concurrency, max_attempts=t.max_attempts,
                            retry_initial=t.retry_initial, retry_max=t.retry_max, style=t.structured_output, cache=cache, identity=identity,
                            budget=config.budget, rpm=t.rpm, tpm=t.tpm)

    def stop_sending(name: str) -> None:
        teacher.stopped_by = name
        console.print(f"[yellow]{name}:[/] sending no more requests; waiting for the ones in flight (up to {t.timeout:g} s "
                      "each) so their answers reach the cache. Press Ctrl-C again to stop at once.")

    signals = errors.SignalDrain(stop_sending)
    try:
        style = await teacher.probe()
        catalog = load_tools(config.tools)
        links = load_links(config.tools, catalog)
        grounding = GroundingOptions(aliases=alias_table(catalog))  # the phrasing gate and the check chain agree
        counts = config.category_counts()
        results = []
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=False) as progress:
            for category, n in counts.items():
                if results and results[-1].stopped:
                    break  # a budget ran out: no later category starts
                context, examples = build_context(config, category, catalog, model, grounding)
                planner = planner_for(config, category, catalog, examples, links)
                for name, reason in sorted(planner.undrawable.items()):
                    console.print(f"[yellow]skipped for blueprint[/] {name}: {reason}")
                bar = progress.add_task(category, total=n)

                def update(result: RunResult, bar=bar, category=category, n=n) -> None:
                    progress.update(bar, completed=min(result.passed, n),  # live: counted in task order when each round ends
                                    description=f"{category} ({result.done} candidates, {result.done - result.passed} rejected)")

                generate = GENERATORS[category]
                limit = config.candidate_limit_for(category, n)
                engine = Engine(planner, lambda task, generate=generate, context=context: generate(task, teacher, context),
                                run_checks_for(config, grounding), n, limit, update, concurrency=t.concurrency,
                                initial_yield=config.resolved_initial_yield, dedup=run_dedup_for(config), teacher=model, shard=config.shard_parts,
                                judge=(lambda record: judge(record, teacher)) if config.judge else None)
                results.append(await engine.run())
        return merge_results(results), teacher, style
    finally:
        signals.restore()
        await teacher.close()
        signals.raise_stop()  # the in-flight work has finished (or a second signal cut it): exit 130 / 143


def planner_for(config: RunConfig, category: str, catalog: list, examples: list, links: list) -> Planner:
    """The category's planner; InputError when no tool can start one of its tasks."""
    planner = Planner(config, catalog, [example_tool(e) for e in examples], load_prompt("system/simple").lines(), links, category)
    if not planner.order:
        where = ", ".join(config.tools) or "seeds/tools"
        if category == "nested" and not links:
            raise InputError("no links: a nested chain needs a tool whose result feeds another tool's argument "
                             '(a top-level "links" list in the seed file, see README)', where, "links")
        raise InputError(f"no tool can start a {category} task in {config.resolved_mode} mode"
                         + (" (every one has a free-form string without x-pool); use --mode free" if config.resolved_mode == "blueprint" else ""), where)
    return planner


def run_prompts(config: RunConfig) -> list[str]:
    """Every template the run's records may have been made with."""
    names = [name for category in config.category_counts() for name in PROMPTS[(category, config.resolved_mode)]]
    return list(dict.fromkeys(names + SYSTEM_PROMPTS + (JUDGE_PROMPTS if config.judge else [])))


def execute(config: RunConfig, console: Console) -> int:
    """Run one job end to end and write its directory; returns the exit code."""
    catalog = load_tools(config.tools)  # fail fast on bad seeds, before any server starts
    links = load_links(config.tools, catalog)
    for category in config.category_counts():
        planner_for(config, category, catalog, load_examples(category), links)
    hub = config.hub
    if config.shard and (hub.repo or hub.dry_run):
        raise InputError("a shard does not publish: when every shard is done, publish with "
                         "`python -m pipeline.merge RUN_DIR --push-to-hub ...`", "--shard")
    check_target(hub.repo, hub.license)
    if hub.repo and not hub.dry_run:
        hub_token()  # no token: say so before hours of generation, not after
    out_dir = run_folder(config)
    if config.shard_parts:
        out_dir = shard_folder(out_dir, config.shard_parts)  # shard i of N: RUN_DIR/shards/i-of-N/
    with RunLock(out_dir):  # one job per run folder (or shard); a dead job's lock is taken over
        check_settings(out_dir, config)  # resuming with other generation settings would mix two runs
        retire_manifest(out_dir)
        return _generate_and_write(config, console, out_dir, catalog)


def _generate_and_write(config: RunConfig, console: Console, out_dir: Path, catalog: list) -> int:
    """Generate with the teacher (cached answers first), then write the run files, pairs and Hub folder."""
    hub = config.hub
    started, clock = datetime.now(timezone.utc), time.monotonic()
    with ExitStack() as stack:
        cache = ResponseCache(Path(config.cache_dir or out_dir / "cache") / "responses.jsonl") if config.cache else None
        if cache is not None:
            stack.callback(cache.close)
        if config.teacher.embedded:
            console.print("starting the embedded teacher (llama.cpp, SmolLM2-135M-Instruct) ...")
            server = stack.enter_context(EmbeddedServer(log_dir=out_dir))
            config.teacher = config.teacher.model_copy(update=server.client_settings(config.teacher))
            base_url, model, api_key = server.base_url, server.model, None
        else:
            base_url, model = config.teacher.base_url or "", config.teacher.model or ""
            api_key = os.environ.get(config.teacher.api_key_env)
        result, teacher, style = asyncio.run(generate_run(config, base_url, model, api_key, console, cache))
    teacher_info = {"model": model, "base_url": base_url, "embedded": config.teacher.embedded, "structured_output": style}
    if teacher.learned:
        teacher_info["rate_limits"] = teacher.learned  # from the endpoint's x-ratelimit-* headers
    if config.shard:  # pairs, global dedup and publishing are pipeline.merge's, over every shard
        write_json(out_dir / SHARD_CONFIG, public_values(config))
    pairs = [] if config.shard else pairs_of(config, catalog, result)
    manifest = run_manifest(config, result, teacher.usage, teacher_info, started, time.monotonic() - clock, catalog, pairs)
    write_run(out_dir, result, pairs, manifest)
    print_summary(console, manifest, str(out_dir))
    if config.shard and not result.stopped:
        console.print(f"shard {config.shard} done; when every shard is: python -m pipeline.merge {out_dir.parent.parent}")
    if console.record:
        (out_dir / "run.log").write_text(redact(console.export_text(clear=False)), encoding="utf-8")
    if hub.repo or hub.dry_run:
        console.print(publish(out_dir, hub.repo, hub.public, hub.license, hub.dry_run, hub.test_share, hub.holdout_tools))
    if result.stopped:
        console.print(f"[red]budget reached:[/] {result.stopped}; {len(result.accepted)} of {config.n} records written. "
                      "Run the same command again with a larger budget to continue: every answer so far is cached.")
        return errors.EXIT_BUDGET
    return done_code(config, result, console)


def done_code(config: RunConfig, result: RunResult, console: Console) -> int:
    """EXIT_SHORT (1) when cells were left short or too many tasks failed at the teacher, else EXIT_DONE."""
    code = errors.EXIT_DONE
    if len(result.accepted) < sum(cell.requested for cell in result.cells) or result.short_cells:  # (a shard's share of --n)
        console.print(f"[red]short:[/] {len(result.short_cells)} cell(s) below their quota; see manifest.json short_cells")
        code = errors.EXIT_SHORT
    if result.candidates and result.failed / result.candidates > config.max_failed_share:
        console.print(f"[red]failed tasks:[/] {result.failed} of {result.candidates} candidates failed at the teacher "
                      f"({result.failed / result.candidates:.1%}, over max_failed_share {config.max_failed_share:g}); "
                      "their reasons are in rejected.jsonl (code teacher_error)")
        code = errors.EXIT_SHORT
    return code


def run_manifest(config: RunConfig, result: RunResult, usage, teacher_info: dict, started: datetime, wall_seconds: float,
                 catalog: list, pairs: list) -> dict[str, Any]:
    """manifest.json of a run (or a shard, or a merge of shards): status, counts, funnel, usage and cost, versions, pairs."""
    status = "budget_reached" if result.stopped else "complete"
    manifest = build_manifest(config, result, usage, teacher_info, run_prompts(config), started, wall_seconds, status,
                              tool_name_map=name_map(catalog))
    if result.stopped:
        manifest["stopped"] = result.stopped
    if config.budget.max_cost is not None or config.budget.price_prompt or config.budget.price_completion:
        manifest["usage"]["cost_usd"] = round(config.budget.cost(usage), 6)
    manifest["versions"]["fewshot"] = {category: examples_version(category) for category in ["single", *config.category_counts()]}
    if config.shard:
        manifest["shard"] = config.shard
    manifest["counts"]["pairs"] = len(pairs)
    manifest["pairs"] = pair_counts(pairs)
    return manifest


def write_run(out_dir: Path, result: RunResult, pairs: list, manifest: dict[str, Any]) -> None:
    """accepted.jsonl, rejected.jsonl, pairs.jsonl, then manifest.json last (each atomically)."""
    write_jsonl(out_dir / "accepted.jsonl", (record.to_json() for record in result.accepted))
    write_jsonl(out_dir / "rejected.jsonl", result.rejected)
    write_jsonl(out_dir / "pairs.jsonl", (pair.to_dict() for pair in pairs))
    write_json(out_dir / "manifest.json", manifest)


def pairs_of(config: RunConfig, catalog: list, result: RunResult) -> list:
    """The run's verified DPO pairs (pipeline.pairs), as the config asks."""
    if not config.pairs.enabled:
        return []
    checks = run_checks_for(config, GroundingOptions(aliases=alias_table(catalog)), every=True)
    return build_pairs(result.accepted, checks, config.pairs.mix, {tool.name: tool.domain for tool in catalog}, config.pairs.per_record,
                       config.seed, config.pairs.semantic_share, result.rejected if config.pairs.real_failures else ())


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    return errors.run_cli(lambda: execute(build_config(parse_args(argv)), Console(stderr=True, record=True)),
                          "no run files were completed (manifest.json is written last); run the same command again to "
                          "continue: every answer received so far is in the run's response cache")


if __name__ == "__main__":
    sys.exit(main())
