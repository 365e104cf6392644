"""One job end to end: plan -> generate -> check -> dedup -> pair -> write (-> publish).

`run(config)` is what `python -m pipeline.run` (and a library user) calls; it returns
the exit code. pipeline.merge reuses the last steps (`pairs_of`, `run_manifest`, `write_run`,
`done_code`) over a sharded run's parts. The steps themselves live in their own modules: the
planner (pipeline.plan), the category registry (pipeline.categories), the generators, the check
chain (filters.checks), dedup (filters.dedup), the rounds that top cells up (pipeline.engine),
pairs (pipeline.pairs), the run folder (pipeline.writer) and the Hub (pipeline.publish).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filters.base import Check, run_checks
from filters.checks import default_checks
from filters.dedup import DedupOptions, find_duplicates
from filters.grounding import GroundingOptions, record_grounding
from filters.plausibility import PlausibilityOptions
from filters.quality import QualityOptions
from filters.roles import annotations_of
from pipeline import errors, log, sandbox
from pipeline.backends.batch import BatchTransport
from pipeline.backends.cache import ResponseCache
from pipeline.backends.embedded import EmbeddedServer
from pipeline.backends.models import get_model
from pipeline.backends.teacher import Teacher, build_teacher
from pipeline.categories import CATEGORIES, check_files, prompt_names
from pipeline.config import BudgetConfig, HubConfig, RunConfig
from pipeline.engine import Engine, RunResult, merge_results
from pipeline.errors import InputError, TeacherError
from pipeline.generate.common import Candidate, Context
from pipeline.generate.reasoning import add_reasoning
from pipeline.generate.single import literal_examples
from pipeline.judge import judge
from pipeline.lock import RunLock
from pipeline.pairs import build_pairs, pair_counts
from pipeline.pairs.student import Outcome, ask_student, student_decisions, student_pairs, student_report
from pipeline.plan import Planner
from pipeline.progress import duration, run_progress
from pipeline.prompts import load_prompt
from pipeline.publish.hub import build_hub_folder, check_target, hub_token, upload
from pipeline.redact import public_url
from pipeline.report import add_invocations, build_manifest, earlier_invocations, log_summary, usage_of
from pipeline.seeds import alias_table, load_examples, load_tools
from pipeline.seeds.examples import example_tool, examples_version
from pipeline.seeds.importers import name_map
from pipeline.seeds.links import load_links
from pipeline.writer import (
    check_settings,
    clear_unused,
    json_text,
    missing_folders,
    public_values,
    read_manifest,
    remove_empty,
    retire_manifest,
    run_folder,
    run_path,
    shard_folder,
    shard_path,
    write_json,
    write_jsonl,
)

SHARD_CONFIG = "config.json"  # a shard's whole config, for pipeline.merge
LOG = log.LOGGER


def run(config: RunConfig) -> int:
    """Run one job end to end and write its directory; returns the exit code.

    Everything that can be wrong with the input (seeds, links, prompts, few-shots, the Hub
    target and token) is checked before the run folder is touched or a request is sent. A run
    folder this call created is removed again when the teacher (unreachable, refusing) or a signal
    stops the run before anything but bookkeeping is in it (writer.clear_unused)."""
    if config.executor.kind == "ray":
        from pipeline.cluster.driver import check_address, require_ray

        require_ray()  # the extra is missing: say so before anything else
        check_address(config.executor.address)
    catalog = load_tools(config.tools, executors=config.executors)
    sandbox.check_executors(catalog, config.plan.execute_side_effects)
    links = load_links(config.tools, catalog)
    check_files(list(config.category_counts()), config.resolved_mode, config.resolved_judge)
    for category in config.category_counts():
        planner_for(config, category, catalog, links)
    hub = config.hub
    if config.shard and (hub.repo or hub.dry_run):
        raise InputError(
            "a shard does not publish: when every shard is done, publish with "
            "`python -m pipeline.merge RUN_DIR --push-to-hub ...`",
            "--shard",
        )
    if config.shard and config.student.enabled:
        raise InputError(
            "a shard does not ask the student: run the student on a whole (unsharded) run", "--student-url"
        )
    check_target(hub.repo, hub.license)
    if hub.repo and not hub.dry_run:
        hub_token()  # no token: say so before hours of generation, not after
    planned = run_path(config)
    created = missing_folders(shard_path(planned, config.shard_parts) if config.shard_parts else planned)
    out_dir = run_folder(config)
    if config.shard_parts:
        out_dir = shard_folder(out_dir, config.shard_parts)  # shard i of N: RUN_DIR/shards/i-of-N/
    try:
        with RunLock(out_dir):  # one job per run folder (or shard); a dead job's lock is taken over
            try:
                with log.run_log(out_dir / "run.log"):
                    if not config.teacher.embedded:  # what the run is trying, before any wait for an answer
                        LOG.info(f"asking the teacher {config.teacher.model} at {public_url(config.teacher.base_url)}")
                    check_settings(out_dir, config)  # resuming with other generation settings would mix two runs
                    earlier = earlier_invocations(read_manifest(out_dir))  # an unfinished run's time and requests
                    retire_manifest(out_dir)
                    return _generate_and_write(config, out_dir, catalog, links, earlier)
            except (TeacherError, KeyboardInterrupt, errors.Terminated):
                if created:  # the teacher or a signal stopped it before any answer was kept: clear what it made
                    clear_unused(out_dir)  # under the lock: no other job writes here meanwhile
                raise
    except BaseException:
        remove_empty(created)  # the folders this invocation made, if empty now: no empty run folder left behind
        raise


def _generate_and_write(config: RunConfig, out_dir: Path, catalog: list, links: list, earlier=()) -> int:
    """Generate with the teacher (cached answers first), then pair and write the run files and Hub
    folder. A run that a signal, a budget or an error stops midway writes what it has, with the
    manifest's status saying so (interrupted, budget_reached, failed) and no Hub folder; then it
    exits as before (130/143, 3, or the error's). `earlier`: the run's earlier invocations."""
    hub = config.hub
    started, clock = datetime.now(timezone.utc), time.monotonic()
    if earlier:
        LOG.info(
            f"continuing the run (invocation {len(earlier) + 1}; the last ended {earlier[-1].get('status')}): "
            "the answers it received are read from the cache"
        )
    generation = Generation()
    error: BaseException | None = None
    embedded_info: dict = {}
    on_ray = config.executor.kind == "ray"
    with ExitStack() as stack:
        cache_path = Path(config.cache_dir or out_dir / "cache") / "responses.jsonl" if config.cache else None
        cache = ResponseCache(cache_path) if cache_path and not on_ray else None  # on Ray the ledger keeps it
        if cache is not None:
            stack.callback(cache.close)
        if config.teacher.embedded:
            t = config.teacher
            LOG.info(f"starting the embedded teacher (llama.cpp, {get_model(t.embedded_model).title}) ...")
            server = stack.enter_context(
                EmbeddedServer(t.embedded_model, threads=t.embedded_threads, slots=t.embedded_slots, log_dir=out_dir)
            )
            config.teacher = t.model_copy(update=server.client_settings(t, t.embedded_slots))
            base_url, model, api_key = server.base_url, server.model, None
            embedded_info = server.describe()
        else:
            base_url, model = config.teacher.base_url or "", config.teacher.model or ""
            api_key = os.environ.get(config.teacher.api_key_env)
        try:
            asyncio.run(generate(config, base_url, model, api_key, catalog, links, cache, generation, cache_path))
        except (Exception, asyncio.CancelledError) as caught:
            if not generation.started and generation.signal:
                generation.signals.raise_stop()  # a signal during the probe: exit 130 / 143, nothing to write
            if not generation.started or isinstance(caught, OSError):
                raise  # nothing generated yet (the probe failed), or the disk refused: nothing to write
            if isinstance(caught, asyncio.CancelledError) and not generation.signal:
                raise
            error = caught
        result = generation.result(config, catalog, links, error)
        status = generation.status(error)
        if on_ray and cache_path and config.student.enabled:
            cache = stack.enter_context(closing(ResponseCache(cache_path)))  # the ledger has closed it
        student = (
            ask_the_student(config, catalog, result, cache)
            if config.student.enabled and not config.shard and status == "complete"
            else None
        )
    teacher = generation.teacher
    teacher_info = {
        "model": model,
        "base_url": base_url,
        "embedded": config.teacher.embedded,
        "structured_output": generation.style,
        **embedded_info,  # the packaged model: GGUF metadata, pinned hash, license, server
    }
    if teacher.learned:
        teacher_info["rate_limits"] = teacher.learned  # from the endpoint's x-ratelimit-* headers
    if config.shard:  # pairs, global dedup and publishing are pipeline.merge's, over every shard
        write_json(out_dir / SHARD_CONFIG, public_values(config))
    pairs = [] if config.shard else pairs_of(config, catalog, result)
    if student is not None:
        pairs += student_pairs(student[0])
    manifest = run_manifest(
        config,
        result,
        teacher.usage,
        teacher_info,
        started,
        time.monotonic() - clock,
        catalog,
        pairs,
        status=status,
        earlier=list(earlier),
    )
    if student is not None:
        manifest["student"] = student[1]
    if on_ray:
        manifest["executor"] = teacher.describe()
    write_run(out_dir, result, pairs, manifest, hub if status == "complete" else None)
    if config.report:
        write_run_report(out_dir)
    if status == "complete":
        if config.shard:
            LOG.info(
                f"shard {config.shard} done; when every shard is: python -m pipeline.merge {out_dir.parent.parent}"
            )
        return done_code(config, result)
    said = {
        "budget_reached": f"[red]budget reached:[/] {result.stopped}",
        "interrupted": f"[red]interrupted:[/] {generation.signal} received",
        "failed": f"[red]failed:[/] {result.stopped}",
    }[status]
    LOG.warning(
        f"{said}; {len(result.accepted)} of {sum(cell.requested for cell in result.cells)} records written to "
        f"{out_dir} (manifest.json status {status}, no Hub folder). Run the same command again"
        + (" with a larger budget" if status == "budget_reached" else "")
        + " to continue: every answer so far is cached."
    )
    if error is not None and not isinstance(error, asyncio.CancelledError):
        raise error
    generation.signals.raise_stop()  # a signal stopped it: exit 130 / 143
    return errors.EXIT_BUDGET


@dataclass
class Generation:
    """What generate() has made so far, kept when a signal, a budget or an error stops it midway."""

    results: list[RunResult] = field(default_factory=list)  # the categories that ran to their end
    engine: Engine | None = None  # the category running now
    teacher: Teacher | None = None
    style: str = ""
    started: bool = False  # the probe answered: generation began
    signals: errors.SignalDrain | None = None

    @property
    def signal(self) -> str | None:
        """SIGINT or SIGTERM when one stopped the run (the last one received)."""
        return self.signals.received[-1] if self.signals and self.signals.received else None

    def status(self, error: BaseException | None) -> str:
        """The manifest's status: interrupted (a signal), failed (an error), budget_reached, complete."""
        if self.signal:
            return "interrupted"
        if error is not None:
            return "failed"
        return "budget_reached" if any(result.stopped for result in self.results) else "complete"

    def result(self, config: RunConfig, catalog: list, links: list, error: BaseException | None) -> RunResult:
        """Every category's result as one: the finished ones, the one a stop or an error cut (its
        rounds counted so far), and the cells of those that never started (all unfinished)."""
        results = list(self.results)
        reason = f"{self.signal} received" if self.signal else _reason(error) if error is not None else None
        if self.engine is not None:  # cut by an error or a second signal inside its rounds
            results.append(self.engine.stop(reason or "stopped"))
        stopped = reason or next((r.stopped for r in results if r.stopped), None)
        if stopped is not None:
            for category, n in list(config.category_counts().items())[len(results) :]:
                planner = planner_for(config, category, catalog, links)
                engine = Engine(planner, None, n, config.candidate_limit_for(category, n), shard=config.shard_parts)
                results.append(engine.stop(stopped))
        merged = merge_results(results)
        if reason and error is not None:
            merged.stopped = reason  # the error, not "stopped", says why
        return merged


def _reason(error: BaseException) -> str:
    """One line saying what error stopped the run."""
    if isinstance(error, TeacherError):
        return f"teacher: {error}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


async def generate(
    config: RunConfig,
    base_url: str,
    model: str,
    api_key: str | None,
    catalog: list,
    links: list,
    cache: ResponseCache | None = None,
    generation: Generation | None = None,
    cache_path: Path | None = None,
) -> tuple[RunResult, Teacher, str]:
    """Probe the teacher, then run each category's planner through generate -> check -> judge ->
    dedup rounds (pipeline.engine) to its share of --n. `generation` (filled as it goes) keeps
    what was made when a signal or an error stops it; after a signal it returns normally and
    `generation.signals` says which came (pipeline.job raises it once the files are written).
    With `executor.kind: ray` the candidates are made by Ray workers (pipeline.cluster), whose
    ledger keeps the cache at `cache_path`; everything else runs here, as in a local run."""
    generation = generation if generation is not None else Generation()
    t = config.teacher
    batch = None
    if t.batch:
        batch = {
            "ledger": cache.path.parent / "batches.jsonl",  # RunConfig made sure there is a cache
            "poll_seconds": t.batch_poll_seconds,
            "flush_after": t.batch_flush_seconds,
            "max_requests": t.batch_max_requests,
        }
    on_ray = config.executor.kind == "ray"
    if on_ray:
        from pipeline.cluster.driver import ClusterTeacher

        teacher = ClusterTeacher(config, base_url, model, api_key, catalog, cache_path)
    else:
        teacher = teacher_for(config, base_url, model, api_key, cache, batch=batch)
    generation.teacher = teacher

    def stop_sending(name: str) -> None:
        teacher.stopped_by = name
        LOG.warning(
            f"[yellow]{name}:[/] sending no more requests; waiting for the ones in flight (up to {t.timeout:g} s "
            "each) so their answers reach the cache. Press Ctrl-C again to stop at once."
        )

    signals = generation.signals = errors.SignalDrain(stop_sending)
    try:
        generation.style = await teacher.probe()
        if isinstance(teacher.transport, BatchTransport):
            teacher.transport.batching = True  # the probe went out directly; every request after it batches
        generation.started = True
        grounding, checks = checks_of(config, catalog)
        dedup = dedup_step(config)
        results = generation.results
        with run_progress() as progress:
            for category, n in config.category_counts().items():
                if (results and results[-1].stopped) or signals.received:
                    break  # a budget ran out or a signal came: no later category starts
                planner = planner_for(config, category, catalog, links)
                for name, reason in sorted(planner.undrawable.items()):
                    LOG.warning(f"[yellow]skipped for blueprint[/] {name}: {reason}")
                update = progress.category(category, n)
                steps = (
                    teacher.steps(category)
                    if on_ray
                    else category_steps(config, category, catalog, model, teacher, grounding, checks)
                )
                generation.engine = Engine(
                    planner,
                    steps,
                    n,
                    config.candidate_limit_for(category, n),
                    update,
                    # a given --max-candidates is spread evenly, as before; else each cell's own share
                    per_record=None if config.max_candidates else config.candidates_per_record(category),
                    initial_yield=config.resolved_initial_yield,
                    concurrency=teacher.senders if on_ray else t.senders,
                    dedup=dedup,
                    teacher=model,
                    shard=config.shard_parts,
                )
                done = await generation.engine.run()
                results.append(done)
                generation.engine = None
                rates = progress.rates(update, done, n)
                LOG.info(
                    f"{category}: {len(done.accepted)} of {n} accepted from {done.candidates} candidates "
                    f"({len(done.rejected)} rejected) in {duration(rates.seconds)}, {rates.summary(eta=False)}"
                )
        return merge_results(results), teacher, generation.style
    finally:
        signals.restore()
        await teacher.close()


def teacher_for(
    config: RunConfig,
    base_url: str,
    model: str,
    api_key: str | None,
    cache: ResponseCache | bool | None,
    **extra,
) -> Teacher:
    """The run's teacher: the endpoint (or fleet) under every shared layer, as the config says;
    `extra`: build_teacher's settings beyond it (a Batch API's, a Ray worker's ledger)."""
    t = config.teacher
    return build_teacher(
        base_url,
        model,
        api_key,
        timeout=t.timeout,
        identity=f"embedded:{model}" if t.embedded else None,  # the embedded server's port changes; its model not
        base_urls=t.base_urls,
        concurrency=t.senders,
        max_attempts=t.max_attempts,
        retry_initial=t.retry_initial,
        retry_max=t.retry_max,
        style=t.structured_output,
        cache=cache,
        budget=config.budget,
        rpm=t.rpm,
        tpm=t.tpm,
        **extra,
    )


def checks_of(config: RunConfig, catalog: list) -> tuple[GroundingOptions, list[Check]]:
    """The run's grounding options and check chain (the phrasing gate and the chain agree on aliases)."""
    grounding = GroundingOptions(aliases=alias_table(catalog))
    return grounding, check_chain(
        config, grounding, plausibility=PlausibilityOptions(annotations=annotations_of(catalog))
    )


def category_steps(
    config: RunConfig,
    category: str,
    catalog: list,
    model: str,
    teacher,
    grounding: GroundingOptions,
    checks: list[Check],
):
    """One category's way from a task to a checked candidate with `teacher` (a local run's, or a Ray worker's)."""
    context, _ = build_context(config, category, catalog, model, grounding)
    return candidate_steps(CATEGORIES[category].generate, teacher, context, checks, config.resolved_judge)


def candidate_steps(generate_one, teacher, context: Context, checks: list[Check], with_judge: bool):
    """One task's way to a checked candidate: generate (the category's generator, then the
    reasoning before each call turn when `plan.reasoning`) -> check (the
    chain; a crashing check is a check_error issue) -> judge (only candidates every check passed);
    an accepted record gets `meta.grounding` (argument path -> kind, filters.grounding)."""

    async def steps(task) -> Candidate:
        candidate = await generate_one(task, teacher, context)
        if context.reasoning:
            candidate = await add_reasoning(candidate, teacher, context)
        if candidate.record is not None and not candidate.issues:
            candidate.issues = run_checks(candidate.record, checks)
            if with_judge and not candidate.issues:  # never spent on a candidate the checks rejected
                candidate.issues = await judge(candidate.record, teacher)
            if not candidate.issues:
                record_grounding(candidate.record, checks)  # meta.grounding: how each argument is grounded
        return candidate

    return steps


def check_chain(
    config: RunConfig, grounding: GroundingOptions, every: bool = False, plausibility: PlausibilityOptions | None = None
) -> list[Check]:
    """The per-record checks the config names (all of filters.checks.CHAIN by default; `every`
    check for pairs: a pair's rejected turn must fail for exactly its reason, which only the whole
    chain can say), with their options (plausibility: the seeds' role annotations)."""
    quality = QualityOptions(
        min_request_words=config.checks.min_request_words,
        max_user_chars=config.checks.max_user_chars,
        language=config.checks.language,
    )
    names = None if every else config.checks.enabled
    return default_checks(names, grounding=grounding, quality=quality, plausibility=plausibility)


def dedup_step(config: RunConfig):
    """Exact and near-duplicate removal over accepted records, or None when switched off."""
    if not config.checks.dedup:
        return None
    options = DedupOptions(threshold=config.checks.dedup_threshold, template_cap=config.checks.template_cap)
    return lambda records: find_duplicates(records, options)


def planner_for(config: RunConfig, category: str, catalog: list, links: list) -> Planner:
    """The category's planner; InputError when no tool can start one of its tasks."""
    examples = few_shots(config, category)
    planner = Planner(
        config, catalog, [example_tool(e) for e in examples], load_prompt("system/simple").lines(), links, category
    )
    if not planner.order:
        where = ", ".join(config.tools) or "seeds/tools"
        if category == "nested" and not links:
            raise InputError(
                "no links: a nested chain needs a tool whose result feeds another tool's argument "
                '(a top-level "links" list in the seed file, see docs/tools.md)',
                where,
                "links",
            )
        raise InputError(
            f"no tool can start a {category} task in {config.resolved_mode} mode"
            + (
                " (every one has a free-form string without x-pool, enum, format, examples or pattern);"
                " use --mode free or give value pools (python -m pipeline.seeds enrich)"
                if config.resolved_mode == "blueprint"
                else ""
            ),
            where,
        )
    return planner


def build_context(
    config: RunConfig, category: str, catalog: list, model: str, grounding: GroundingOptions
) -> tuple[Context, list]:
    """The generator context for one category, and its few-shot examples (planner order)."""
    t = config.teacher
    single, examples = few_shots(config, "single"), few_shots(config, category)
    context = Context(
        {tool.name: tool.to_tool() for tool in catalog},
        single,
        model,
        t.solve_temperature,
        t.max_tokens,
        compact_tools=t.embedded,
        domains={tool.name: tool.domain for tool in catalog},
        grounding=grounding,
        category_examples=examples,
        seeds={tool.name: tool for tool in catalog},
        tool_results=config.resolved_tool_results,
        execute_side_effects=config.plan.execute_side_effects,
        fewshot_version=examples_version(CATEGORIES[category].examples),
        parallel_phrasing=config.resolved_parallel_phrasing,
        nested_phrasing=config.resolved_nested_phrasing,
        answer_shots=config.resolved_answer_shots,
        reply_tries=config.resolved_reply_tries,
        confirm_writes=config.plan.confirm_writes,
        reasoning=config.plan.reasoning,
        templated_turns=config.resolved_templated_turns,
        second_solve=config.resolved_second_solve,
        situation=not t.embedded,
    )
    return context, examples


def few_shots(config: RunConfig, category: str) -> list[dict[str, Any]]:
    """The category's few-shot examples, in the order the planner indexes them (single's, in
    blueprint mode, only those whose request states every value: blueprint phrasing must too)."""
    if category != "single":
        return load_examples(CATEGORIES[category].examples)
    single = load_examples("single")
    return (literal_examples(single) or single) if config.resolved_mode == "blueprint" else single


def pair_checks(config: RunConfig, catalog: list) -> list[Check]:
    """The whole check chain with the run's options: what a pair's sides are verified with."""
    return check_chain(
        config,
        GroundingOptions(aliases=alias_table(catalog)),
        every=True,
        plausibility=PlausibilityOptions(annotations=annotations_of(catalog)),
    )


def pairs_of(config: RunConfig, catalog: list, result: RunResult) -> list:
    """The run's verified DPO pairs (pipeline.pairs), as the config asks."""
    if not config.pairs.enabled:
        return []
    checks = pair_checks(config, catalog)
    return build_pairs(
        result.accepted,
        checks,
        config.pairs.mix,
        {tool.name: tool.domain for tool in catalog},
        config.pairs.per_record,
        config.seed,
        config.pairs.semantic_share,
        result.rejected if config.pairs.real_failures else (),
    )


def ask_the_student(
    config: RunConfig, catalog: list, result: RunResult, cache: ResponseCache | None
) -> tuple[list[Outcome], dict[str, Any]]:
    """Send each decision of the accepted records to the student (pipeline.pairs.student) through
    the teacher's stack (cache, retries, rate limits, its own request budget); its outcomes and
    the manifest's `student` section. The API key is read from the environment and never written."""
    s = config.student
    student = build_teacher(
        s.base_url or "",
        s.model or "",
        os.environ.get(s.api_key_env),
        timeout=s.timeout,
        concurrency=s.concurrency,
        max_attempts=s.max_attempts,
        retry_initial=s.retry_initial,
        retry_max=s.retry_max,
        style="none",
        cache=cache,
        budget=BudgetConfig(max_requests=s.max_requests),
        rpm=s.rpm,
        tpm=s.tpm,
    )
    checks = pair_checks(config, catalog)
    points = student_decisions(result.accepted, checks)
    LOG.info(f"asking the student {s.model} at {public_url(s.base_url or '')}: {len(points)} decision prompts")

    async def ask() -> list[Outcome]:
        try:
            return await ask_student(points, student, checks, s.temperature, s.max_tokens)
        finally:
            await student.close()

    outcomes = asyncio.run(ask())
    report = student_report(outcomes, student.usage, s.model or "", public_url(s.base_url or ""))
    LOG.info(
        f"student: {report['correct']} of {report['answered']} answers correct "
        f"({report['accuracy']}); {report['pairs']} student pairs; {report['unanswered']} unanswered"
    )
    return outcomes, report


def run_manifest(
    config: RunConfig,
    result: RunResult,
    usage,
    teacher_info: dict,
    started: datetime,
    wall_seconds: float,
    catalog: list,
    pairs: list,
    status: str | None = None,
    earlier: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """manifest.json of a run (or a shard, or a merge of shards): status, counts, funnel, usage and cost,
    versions, pairs. `status`: complete, budget_reached (the default when the result stopped),
    interrupted or failed. With `earlier` (a run's earlier invocations, [] for a first one) the
    manifest lists its `invocations` and its usage, cost and time are totals over all of them
    (pipeline.report.add_invocations); a merge of shards passes none (its shards' are summed)."""
    status = status or ("budget_reached" if result.stopped else "complete")
    prompts = prompt_names(list(config.category_counts()), config.resolved_mode, config.resolved_judge)
    manifest = build_manifest(
        config, result, usage, teacher_info, prompts, started, wall_seconds, status, tool_name_map=name_map(catalog)
    )
    inferred = {tool.name: tool.extras["inferred_roles"] for tool in catalog if tool.extras.get("inferred_roles")}
    if inferred:  # roles the tools did not declare, inferred from their names (pipeline.seeds.roles)
        manifest["inferred_roles"] = inferred
    if result.stopped:
        manifest["stopped"] = result.stopped
    if earlier is not None:
        add_invocations(manifest, earlier)
    if config.budget.max_cost is not None or config.budget.price_prompt or config.budget.price_completion:
        manifest["usage"]["cost_usd"] = round(config.budget.cost(usage_of(manifest["usage"])), 6)
        if earlier is not None:
            manifest["invocations"][-1]["usage"]["cost_usd"] = round(config.budget.cost(usage), 6)
    manifest["versions"]["fewshot"] = {
        category: examples_version(CATEGORIES[category].examples) for category in ["single", *config.category_counts()]
    }
    if config.shard:
        manifest["shard"] = config.shard
    manifest["counts"]["pairs"] = len(pairs)
    manifest["pairs"] = pair_counts(pairs)
    return manifest


def write_run(
    out_dir: Path, result: RunResult, pairs: list, manifest: dict[str, Any], hub: HubConfig | None = None
) -> None:
    """accepted.jsonl, rejected.jsonl, pairs.jsonl, the summary (to run.log too), the Hub folder
    when `hub` asks for one (dry_run or a repo), then manifest.json last (each atomically), then
    the upload: a run folder with a complete manifest has its complete Hub folder (a run that
    stopped midway passes no `hub`: its manifest's status says it is not finished)."""
    write_jsonl(out_dir / "accepted.jsonl", (record.to_json() for record in result.accepted))
    write_jsonl(out_dir / "rejected.jsonl", result.rejected)
    write_jsonl(out_dir / "pairs.jsonl", (pair.to_dict() for pair in pairs))
    log_summary(manifest, str(out_dir))
    publishing = hub is not None and bool(hub.repo or hub.dry_run)
    if publishing:
        as_written = json.loads(json_text(manifest))  # what the card would read back from manifest.json
        folder = build_hub_folder(
            out_dir,
            hub.license,
            hub.test_share,
            hub.holdout_tools,
            manifest=as_written,
            include_mocked=hub.include_mocked,
            portable=hub.portable,
        )
    write_json(out_dir / "manifest.json", manifest)
    if publishing:
        LOG.info(upload(folder, hub.repo, hub.public, hub.dry_run))


def write_run_report(out_dir: Path) -> None:
    """RUN_DIR/report/index.html (pipeline.htmlreport). The data is written by now: a report that
    fails is a warning naming the command that writes it again, not a failed run."""
    try:
        from pipeline import htmlreport, plots  # matplotlib loads only when a report is written

        path = htmlreport.write_report(out_dir)
    except Exception as error:  # noqa: BLE001 (any failure: the run's files are complete without it)
        LOG.warning(f"no report written ({type(error).__name__}: {error}); `fc-datagen report {out_dir}` retries")
        return
    LOG.info(f"report: {path}" + ("" if plots.available() else f" (tables only: {plots.MISSING})"))


def done_code(config: RunConfig, result: RunResult) -> int:
    """EXIT_SHORT (1) when fewer records than asked for were accepted or too many tasks failed at the
    teacher, else EXIT_DONE. Cells below their quota while the total was reached (other cells of the
    category made up for them) are a warning: the records are all there, a few tools have fewer."""
    code = errors.EXIT_DONE
    wanted = sum(cell.requested for cell in result.cells)  # (a shard's share of --n)
    if len(result.accepted) < wanted:
        LOG.warning(
            f"[red]short:[/] {len(result.accepted)} of {wanted} records; {len(result.short_cells)} cell(s) below "
            "their quota, see manifest.json short_cells"
        )
        code = errors.EXIT_SHORT
    elif result.short_cells:
        LOG.warning(
            f"[yellow]uneven:[/] all {wanted} records, but {len(result.short_cells)} cell(s) below their quota "
            "(other cells made up for them): those tools have fewer records, see manifest.json short_cells"
        )
    if result.candidates and result.failed / result.candidates > config.max_failed_share:
        LOG.warning(
            f"[red]failed tasks:[/] {result.failed} of {result.candidates} candidates failed at the teacher "
            f"({result.failed / result.candidates:.1%}, over max_failed_share {config.max_failed_share:g}); "
            "their reasons are in rejected.jsonl (code teacher_error)"
        )
        code = errors.EXIT_SHORT
    return code
