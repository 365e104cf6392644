"""The run configuration (pydantic; unknown keys rejected), grouped by what each part decides.

- top level: what to make (category, n, seed, mode, tools, max_candidates) and where the run lives
  (out, cache, shard, max_failed_share);
- plan: how tasks are drawn (distractors, rates, shapes, values, results);
- teacher: where the teacher is, how it samples and how requests are sent;
- checks: which checks run and with which options (dedup and the judge included);
- pairs, budget, hub.

Each group declares in FINGERPRINT which of its fields decide the requests a run sends; only
those enter the run folder's name and settings.json (pipeline.writer), so a new check option,
a budget or a Hub setting can never rename a run folder or block a resume. Fields left None
take the small-teacher defaults of SMALL_TEACHER, the one place they are decided.

Job files written before the groups (flat keys such as `alias_rate: 0.3` or `checks: [format]`)
still load: `RunConfig` moves each flat key into its group. Secrets never live here.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from filters.checks import CHECKS
from pipeline.backends.endpoint import check_base_url
from pipeline.backends.models import DEFAULT_MODEL, MODELS
from pipeline.categories import CATEGORIES
from pipeline.pairs import PAIR_TYPES  # the type names live with their perturbations

NO_CALL_KINDS = ("unrelated", "missing_value", "unavailable_tool", "forbidden")
RECOVERY_KINDS = ("not_found", "invalid_argument", "rate_limited", "unavailable")  # pipeline.generate.recovery
SYSTEM_STYLES = ("none", "simple", "complex")
Mode = Literal["free", "blueprint"]

# The small-teacher defaults, in one place: a setting left unset takes the first value with an
# endpoint and the second on the embedded teacher (first measured on SmolLM2-135M, kept for the
# Qwen2.5-Coder 0.5B/1.5B models that replaced it as default; bench/embedded_yield.py
# and bench/solve_accuracy.py; docs/measurements.md). Limits the embedded server forces on the
# client (requests in flight = server slots, 300 s timeouts) are pipeline.backends.embedded's client_settings.
SMALL_TEACHER: dict[str, tuple[Any, Any]] = {
    "mode": ("free", "blueprint"),  # a 135M model cannot write a request and its calls at once
    "plan.optional_rate": (0.4, 0.2),  # fewer optional arguments to phrase and solve
    "plan.alias_rate": (0.5, 0.2),  # a 135M solver rarely maps "Nvidia" to NVDA
    "plan.spoken_rate": (1.0, 0.2),  # nor "next Friday" to a date: it mostly sees the ISO form
    "plan.parallel_phrasing": ("joint", "per_call"),  # it rarely states every value of 2+ calls at once
    # nor every value of a chain's steps: the 0.5B model kept 0 of 15 nested candidates phrased whole
    "plan.nested_phrasing": ("joint", "per_step"),
    # per step it kept 0 of 20 chains of 2-4 steps (drawn mostly 4 long): 2 calls, the usual nested sample
    "plan.chain_length": ((2, 4), (2, 2)),
    # its chat turns were no chat ("71 calories in oatmeal" -> "71") and every turn is a chance to fail
    "plan.turns": ((3, 5), (2, 3)),
    "plan.chat_turns": (1, 0),
    # answers from results with one example answer shown first: without one it answered "164.0",
    # "math.ceil(192.0)" or asked its confirmation again (filters.quality non_answer)
    "plan.answer_shots": (0, 1),
    # an answer from results the answer checks reject (a number no result gives, a bare value, its
    # confirmation again) is asked again this many times in all, before the whole candidate is lost
    "plan.reply_tries": (1, 3),
    "plan.templated_turns": (False, True),  # it writes no follow-up or confirmation question, nor the answers
    "plan.tool_results": ("simulate", "mock"),
    "teacher.temperatures": ([0.2, 0.7, 1.0], [0.2, 0.5, 0.8]),  # it kept 0 of 14 candidates at 1.0
    # a cell that spends this many candidates per wanted record hands its quota on: on the embedded 0.5B model
    # seven tools with nested objects kept 0 of 19-20 each while the others filled in 1-3 (docs/measurements.md)
    "candidates_per_record": (10, 8),
    # and the category may spend this many times as many in all, on other tools: `all --n 10` gives
    # single 3 records, and at the 0.5B model's 10-15% yield three cells of 8 candidates often kept 1
    "candidate_spread": (1, 3),
    # the yield the first round is sized for before anything is counted: a capable endpoint keeps
    # nearly every candidate; the embedded teacher kept 20 of 413 and 20 of 401 (docs/measurements.md)
    "initial_yield": (1.0, 0.05),  # per wanted record; a category may set its own (pipeline.categories)
    # the LLM judge (calls and answer) costs one request per candidate that passed the checks; a
    # 135M model's yes/no says nothing, so only an endpoint judges by default (`--no-judge` skips it)
    "checks.judge": (True, False),
    # a second solve of each request at this temperature (pairs.second_solve): a capable teacher's
    # real disagreements become sibling pairs; a 135M teacher's second answer is mostly noise
    "pairs.second_solve": (0.9, None),
}


def small_teacher_default(path: str, embedded: bool) -> Any:
    """The default of `path` in SMALL_TEACHER for an endpoint or the embedded teacher."""
    endpoint, small = SMALL_TEACHER[path]
    return small if embedded else endpoint


class TeacherConfig(BaseModel):
    """Where the teacher is and how to talk to it. The API key comes from the environment only."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    # what decides the answers (the run folder's fingerprint); the rest is how requests are sent
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset(
        {"base_url", "model", "embedded_model", "temperatures", "solve_temperature", "max_tokens", "structured_output"}
    )
    base_url: str | None = None  # None: the embedded llama.cpp teacher
    # several endpoints serving one model (a vLLM fleet), asked in turn (pipeline.backends.fleet);
    # base_url is their first (the cache and the run folder know the fleet by it)
    base_urls: list[str] | None = Field(None, min_length=1)
    model: str | None = None
    # without base_url: which packaged model the embedded server runs (pipeline.backends.models),
    # how many requests it decodes at once and with how many CPU threads (None: up to 2)
    embedded_model: str = DEFAULT_MODEL
    embedded_slots: int = Field(2, ge=1, le=8)  # 2: 21% more candidates per minute than 1 on 2 cores
    embedded_threads: int | None = Field(None, ge=1)
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = Field(60.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    retry_initial: float = Field(1.0, ge=0)
    retry_max: float = Field(60.0, ge=0)
    concurrency: int = Field(8, ge=1)
    rpm: int | None = Field(None, ge=1)  # requests per minute the endpoint allows: requests are paced to it
    tpm: int | None = Field(None, ge=1)  # tokens per minute (prompt estimate + max_tokens per request)
    # default schedule: 0.2, 0.7, 1.0; on the embedded 135M teacher 0.2, 0.5, 0.8 (it kept 0 of 14
    # candidates at 1.0 in bench/embedded_yield.py)
    temperatures: list[Annotated[float, Field(ge=0, le=2)]] | None = Field(None, min_length=1)
    solve_temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(512, ge=16)
    structured_output: Literal["auto", "json_schema", "json_object", "grammar", "none"] = "auto"
    # the provider's Batch API (pipeline.backends.batch): batch prices, answers within the window
    batch: bool = False
    batch_poll_seconds: float = Field(30.0, gt=0)  # how often a submitted batch is asked about
    batch_flush_seconds: float = Field(2.0, gt=0)  # a batch is cut once no request came for this long
    batch_max_requests: int = Field(50_000, ge=1)  # requests in one batch (OpenAI's limit)

    @property
    def senders(self) -> int:
        """How many requests may wait at once: --concurrency, or a whole batch when batching."""
        return self.batch_max_requests if self.batch else self.concurrency

    @field_validator("embedded_model")
    @classmethod
    def _check_embedded_model(cls, value: str) -> str:
        if value not in MODELS:
            raise ValueError(f"unknown embedded model {value!r}; choose one of: {', '.join(MODELS)}")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_base_url(value)  # no credentials, no query (the key's home)

    @field_validator("base_urls")
    @classmethod
    def _check_base_urls(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        checked = []
        for index, url in enumerate(value):
            try:
                checked.append(check_base_url(url))
            except ValueError as error:
                raise ValueError(f"[{index}] {error}") from None  # which one, without repeating it
        return checked

    @model_validator(mode="after")
    def _fleet(self) -> TeacherConfig:
        if self.base_urls:
            if self.base_url is not None and self.base_url != self.base_urls[0]:
                raise ValueError("base_url and base_urls both given: give base_urls alone (base_url is its first)")
            self.base_url = self.base_urls[0]
        return self

    @property
    def schedule(self) -> list[float]:
        """The temperature schedule in force."""
        if self.temperatures is not None:
            return self.temperatures
        return small_teacher_default("teacher.temperatures", self.embedded)

    @property
    def embedded(self) -> bool:
        return self.base_url is None


class PairsConfig(BaseModel):
    """DPO pairs built from accepted records (pipeline.pairs)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset({"second_solve"})  # the only setting that sends requests
    enabled: bool = True
    per_record: int = Field(2, ge=1)  # pairs per accepted record, at most one per type
    mix: dict[str, float] | None = None  # pair type -> weight; default pipeline.pairs.DEFAULT_MIX
    semantic_share: float = Field(0.6, ge=0, le=1)  # least share of schema-valid, grounded negatives
    real_failures: bool = True  # also pair rejected candidates' own mistakes with their reference calls
    # blueprint: solve each request (each call turn with a reference) again at this temperature;
    # None: SMALL_TEACHER (0.9 with an endpoint, off on the embedded teacher); "off": none
    second_solve: Annotated[float, Field(ge=0, le=2)] | Literal["off"] | None = None

    @field_validator("second_solve", mode="before")
    @classmethod
    def _check_second_solve(cls, value: Any) -> Any:
        """One message for every wrong value (the union would name its members: constrained-float)."""
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value is None or value == "off" or (number and 0 <= value <= 2):
            return value
        raise ValueError(f"expected a temperature from 0 to 2, or 'off'; got {value!r}")

    @model_validator(mode="after")
    def _check_mix(self) -> PairsConfig:
        unknown = sorted(set(self.mix or {}) - set(PAIR_TYPES))
        if unknown:
            raise ValueError(f"unknown pair type {unknown[0]!r} (known: {', '.join(PAIR_TYPES)})")
        if self.mix is not None and (any(w < 0 for w in self.mix.values()) or sum(self.mix.values()) <= 0):
            raise ValueError("pairs.mix weights must be >= 0 with a positive sum")
        return self


class StudentConfig(BaseModel):
    """The model being trained (pipeline.pairs.student): each decision-turn prompt of the accepted
    records is sent to it and its wrong answers become pairs. The API key comes from the
    environment only. None of it decides the records, so none of it enters the run folder's name."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset()
    base_url: str | None = None  # None: no student is asked
    model: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(512, ge=16)
    timeout: float = Field(60.0, gt=0)
    max_attempts: int = Field(6, ge=1)
    retry_initial: float = Field(1.0, ge=0)
    retry_max: float = Field(60.0, ge=0)
    concurrency: int = Field(8, ge=1)
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    max_requests: int | None = Field(None, ge=1)  # stop asking after this many student requests

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        return None if value is None else check_base_url(value, "student")

    @model_validator(mode="after")
    def _named(self) -> StudentConfig:
        if self.base_url and not self.model:
            raise ValueError("a student model is required with a student base URL (student.model)")
        return self

    @property
    def enabled(self) -> bool:
        return self.base_url is not None


class HubConfig(BaseModel):
    """Where and how a run is published (pipeline.publish)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset()
    repo: str | None = None  # ORG/NAME; None publishes nothing (the hub/ folder is still written with dry_run)
    public: bool = False
    license: str | None = None  # required to push, e.g. apache-2.0
    dry_run: bool = False  # write RUN_DIR/hub/ as it would be uploaded, upload nothing
    test_share: float = Field(0.1, ge=0, le=1)
    holdout_tools: list[str] = Field(default_factory=list)
    include_mocked: bool = False  # also publish records with a mocked tool result (stand-ins, not facts)
    drop_human_rejected: bool = False  # leave out records a reviewer rejected (RUN_DIR/review/labels.jsonl)
    portable: bool = True  # also the portable configs (JSON strings), which datasets < 4.7 reads


class BudgetConfig(BaseModel):
    """What a run may spend before it stops sending (exit 3; a rerun continues from the cache)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset()
    max_requests: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)  # USD
    price_prompt: float = Field(0.0, ge=0)  # USD per million prompt tokens of the teacher model
    price_completion: float = Field(0.0, ge=0)  # USD per million completion tokens

    @model_validator(mode="after")
    def _priced(self) -> BudgetConfig:
        if self.max_cost is not None and not (self.price_prompt or self.price_completion):
            raise ValueError(
                "max_cost needs the teacher's prices: budget.price_prompt and budget.price_completion "
                "(USD per million tokens)"
            )
        return self

    def cost(self, usage) -> float:
        """What `usage` (pipeline.backends.base.Usage) cost at these prices."""
        return (usage.prompt_tokens * self.price_prompt + usage.completion_tokens * self.price_completion) / 1e6

    def spent(self, usage) -> str | None:
        """Which limit `usage` has reached, or None."""
        if self.max_requests is not None and usage.requests >= self.max_requests:
            return f"--max-requests {self.max_requests} reached ({usage.requests} requests)"
        tokens = usage.prompt_tokens + usage.completion_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            return f"--max-tokens {self.max_tokens} reached ({tokens} tokens)"
        if self.max_cost is not None and self.cost(usage) >= self.max_cost:
            return f"--max-cost {self.max_cost} reached (${self.cost(usage):.4f})"
        return None


class PlanConfig(BaseModel):
    """How tasks are drawn (pipeline.plan, pipeline.shapes): every field decides the requests."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[bool] = True
    distractors: tuple[int, int] = (1, 4)
    optional_rate: float | None = Field(None, ge=0, le=1)  # default: SMALL_TEACHER
    system_prompt_rate: float = Field(0.5, ge=0, le=1)  # share of tasks with any system prompt
    complex_prompt_rate: float = Field(0.5, ge=0, le=1)  # of those, share with rules (prompts/system/complex.txt)
    mix: dict[str, float] = Field(
        default_factory=lambda: {"single": 0.25, "parallel": 0.2, "nested": 0.2, "multi_turn": 0.15, "no_call": 0.2}
    )
    parallel_calls: tuple[int, int] = (2, 3)  # calls in one parallel turn
    # blueprint parallel: one phrasing of all calls (joint), or one per call joined into one message (per_call)
    parallel_phrasing: Literal["joint", "per_call"] | None = None
    # blueprint nested: one phrasing of the chain (joint), or one sentence per step joined into one message (per_step)
    nested_phrasing: Literal["joint", "per_step"] | None = None
    answer_shots: int | None = Field(None, ge=0, le=3)  # example answers shown before an answer from results
    reply_tries: int | None = Field(None, ge=1, le=5)  # asks of an answer from results the answer checks reject
    chain_length: tuple[int, int] | None = None  # calls in a nested chain (as long as the seeds' links allow)
    turns: tuple[int, int] | None = None  # user turns in a multi_turn conversation
    chat_turns: int | None = Field(None, ge=0)  # multi_turn: at most this many turns of plain chat (no call) each
    # multi_turn: share of conversations with one lookup whose tool returns an error (pipeline.generate.recovery)
    recovery_rate: float = Field(0.2, ge=0, le=1)
    recovery_kinds: dict[str, float] = Field(
        default_factory=lambda: {"not_found": 1.0, "invalid_argument": 0.5, "rate_limited": 1.0, "unavailable": 0.7}
    )
    # forbidden: the request asks for a tool the system prompt's never_call rule forbids (write tools only)
    no_call_kinds: dict[str, float] = Field(
        default_factory=lambda: {"unrelated": 1.0, "missing_value": 1.0, "unavailable_tool": 1.0, "forbidden": 0.6}
    )
    # share of max_arg rules on a planned call whose value is set above the max, so the rule bites
    rule_test_rate: float = Field(0.5, ge=0, le=1)
    read_only: bool = False  # only tools that change nothing (seed read_only: true)
    # confirmation turns (pipeline.generate.confirm): a write is called directly unless a system-prompt rule
    # asks first; confirm_writes asks before every write; confirm_irreversible is the share of tasks with a
    # system prompt and a write that cannot be undone (delete, cancel, pay, order) whose prompt asks to confirm those
    # (prompts/system/careful.txt), so their assistant asks first for a reason the model can see
    confirm_writes: bool = False
    confirm_irreversible: float = Field(0.25, ge=0, le=1)
    # confirmation turns and no_call missing_value's follow-up question and value from templates
    # (prompts/system/confirm.txt, prompts/no_call/missing.txt)
    templated_turns: bool | None = None
    tool_results: Literal["simulate", "mock"] | None = None  # results of tools without an executor
    reasoning: bool = False  # a teacher-written rationale before each call turn (message.reasoning_content)
    execute_side_effects: bool = (
        False  # run executors of tools that change data (else those results are simulated/mocked)
    )
    alias_rate: float | None = Field(None, ge=0, le=1)  # blueprint: say a value by its alias (Nvidia for NVDA)
    spoken_rate: float | None = Field(None, ge=0, le=1)  # blueprint: say a date or time as people do ("next Friday")
    now: str = "2026-11-23T10:00:00Z"  # the latest moment conversations pretend to happen

    @model_validator(mode="after")
    def _check_ranges(self) -> PlanConfig:
        for name, low_bound in (("parallel_calls", 2), ("chain_length", 2), ("turns", 1), ("distractors", 0)):
            if getattr(self, name) is None:  # a small-teacher default (SMALL_TEACHER)
                continue
            low, high = getattr(self, name)
            if not low_bound <= low <= high:
                raise ValueError(f"{name} must be [low, high] with {low_bound} <= low <= high")
        unknown = (
            sorted(set(self.mix) - set(CATEGORIES))
            + sorted(set(self.no_call_kinds) - set(NO_CALL_KINDS))
            + sorted(set(self.recovery_kinds) - set(RECOVERY_KINDS))
        )
        if unknown:
            raise ValueError(f"unknown category, no_call kind or recovery kind {unknown[0]!r}")
        for name in ("mix", "no_call_kinds"):
            weights = getattr(self, name)
            if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise ValueError(f"{name} weights must be >= 0 with a positive sum")
        return self


class ChecksConfig(BaseModel):
    """Which checks run and how (filters/): none of it decides a request, so a rerun with other
    checks re-checks the same cached answers in the same run folder."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset()
    enabled: list[str] | None = None  # the per-record checks to run; default every one in filters.checks.CHAIN
    language: str = "en"  # expected language of user turns ("" = any)
    min_request_words: int = Field(3, ge=0)
    max_user_chars: int = Field(1500, ge=1)
    dedup: bool = True
    dedup_threshold: float = Field(90.0, ge=0, le=100)
    template_cap: int = Field(50, ge=1)  # records per value-masked request template
    judge: bool | None = (
        None  # ask the teacher whether each candidate's calls and answer are right (default: SMALL_TEACHER)
    )

    @field_validator("enabled")
    @classmethod
    def _known_checks(cls, value: list[str] | None) -> list[str] | None:
        unknown = [name for name in value or [] if name not in CHECKS]
        if unknown:
            raise ValueError(f"unknown check {unknown[0]!r} (known: {', '.join(CHECKS)})")
        return value


# flat keys of job files written before the groups -> (group, key)
LEGACY_KEYS = {
    **{name: ("plan", name) for name in PlanConfig.model_fields},
    **{name: ("checks", name) for name in ChecksConfig.model_fields if name != "enabled"},
}


class ExecutorConfig(BaseModel):
    """Where the tasks run: in this process (local), or on a Ray cluster's workers (pipeline.cluster)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset()  # where tasks run never changes what they ask
    kind: Literal["local", "ray"] = "local"
    address: str | None = None  # a running cluster ("auto", "10.0.0.5:6379"); None: start one on this machine
    workers: int | None = Field(None, ge=1)  # worker processes (default: the cluster's CPUs)
    worker_cpus: float = Field(1.0, gt=0)  # CPUs each worker reserves on the cluster


class RunConfig(BaseModel):
    """Everything a run needs; the job file and the CLI flags fill it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    FINGERPRINT: ClassVar[frozenset[str]] = frozenset({"category", "n", "max_candidates", "seed", "mode", "tools"})
    category: str = "single"
    n: int = Field(20, ge=1)
    max_candidates: int | None = Field(None, ge=1)  # default: SMALL_TEACHER candidates_per_record x n
    seed: int = 0
    mode: Mode | None = None  # default: SMALL_TEACHER
    tools: list[str] = Field(default_factory=list)
    executors: list[str] = Field(default_factory=list)  # files/folders whose Python a tool may run (beside the bundled)
    out: str | None = None
    cache: bool = True  # keep every complete answer on disk; a rerun reads them instead of paying again
    cache_dir: str | None = None  # default RUN_DIR/cache; share one between runs whose checks or exports differ
    report: bool = True  # write RUN_DIR/report/index.html when the run ends (pipeline.htmlreport)
    shard: str | None = None  # "i/N": this job runs the i-th of N parts of the plan
    max_failed_share: float = Field(0.05, ge=0, le=1)  # above this share of candidates failed at the teacher, exit 1
    initial_yield: float | None = Field(
        None, gt=0, le=1
    )  # sizes the first round (default: SMALL_TEACHER); never which records are kept
    plan: PlanConfig = Field(default_factory=PlanConfig)
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)
    checks: ChecksConfig = Field(default_factory=ChecksConfig)
    pairs: PairsConfig = Field(default_factory=PairsConfig)
    student: StudentConfig = Field(default_factory=StudentConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    hub: HubConfig = Field(default_factory=HubConfig)
    executor: ExecutorConfig = Field(default_factory=ExecutorConfig)

    @model_validator(mode="before")
    @classmethod
    def _grouped(cls, values: Any) -> Any:
        """Move flat keys of older job files into their groups (`alias_rate` -> plan.alias_rate,
        `checks: [format]` -> checks.enabled, `judge` -> checks.judge)."""
        if not isinstance(values, dict):
            return values
        values = dict(values)
        if "checks" in values and (values["checks"] is None or isinstance(values["checks"], list)):
            values["checks"] = {"enabled": values["checks"]}
        for key in [key for key in values if key in LEGACY_KEYS]:
            group, name = LEGACY_KEYS[key]
            section = values.get(group)
            section = dict(section) if isinstance(section, dict) else {} if section is None else section
            if isinstance(section, dict):
                section.setdefault(name, values.pop(key))
                values[group] = section
        return values

    @field_validator("out", "cache_dir")
    @classmethod
    def _not_empty(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must name a folder (leave it out for the default)")
        return value

    @model_validator(mode="after")
    def _check_batch(self) -> RunConfig:
        if self.teacher.batch and self.teacher.base_url is None:
            raise ValueError("teacher.batch needs an endpoint with a Batch API (base_url); the embedded one has none")
        if self.teacher.batch and not self.cache:
            raise ValueError(
                "teacher.batch needs the response cache (cache: true): the answers and the ledger live there"
            )
        if self.teacher.batch and self.teacher.base_urls and len(self.teacher.base_urls) > 1:
            raise ValueError("teacher.batch goes to one provider: give base_url, not a fleet (base_urls)")
        if self.executor.kind == "ray" and self.teacher.batch:
            raise ValueError("executor ray and teacher.batch do not mix: a batch is one process's; run --batch locally")
        if self.executor.kind == "ray" and self.teacher.embedded and self.executor.address:
            raise ValueError(
                "the embedded teacher runs on this machine only: on a cluster (executor.address) give "
                "teacher.base_url(s) every worker can reach"
            )
        return self

    @field_validator("shard")
    @classmethod
    def _check_shard(cls, value: str | None) -> str | None:
        parts = value.split("/") if value is not None else []
        if value is not None and not (
            len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= int(parts[1])
        ):
            raise ValueError(f"must be i/N with 1 <= i <= N, not {value}")
        return value

    @property
    def shard_parts(self) -> tuple[int, int] | None:
        """(i, N) for `shard: i/N`, else None."""
        if self.shard is None:
            return None
        index, count = self.shard.split("/")
        return int(index), int(count)

    def _default(self, path: str, value: Any) -> Any:
        return small_teacher_default(path, self.teacher.embedded) if value is None else value

    @property
    def resolved_mode(self) -> str:
        return self._default("mode", self.mode)

    @property
    def resolved_judge(self) -> bool:
        return self._default("checks.judge", self.checks.judge)

    @property
    def resolved_second_solve(self) -> float | None:
        """The second solve's temperature in force, or None when there is none (pairs off included)."""
        if not self.pairs.enabled or self.pairs.second_solve == "off":
            return None
        return self._default("pairs.second_solve", self.pairs.second_solve)

    @property
    def resolved_initial_yield(self) -> float:
        return self._default("initial_yield", self.initial_yield)

    @property
    def resolved_optional_rate(self) -> float:
        return self._default("plan.optional_rate", self.plan.optional_rate)

    @property
    def resolved_alias_rate(self) -> float:
        return self._default("plan.alias_rate", self.plan.alias_rate)

    @property
    def resolved_spoken_rate(self) -> float:
        return self._default("plan.spoken_rate", self.plan.spoken_rate)

    @property
    def resolved_parallel_phrasing(self) -> str:
        return self._default("plan.parallel_phrasing", self.plan.parallel_phrasing)

    @property
    def resolved_nested_phrasing(self) -> str:
        return self._default("plan.nested_phrasing", self.plan.nested_phrasing)

    @property
    def resolved_answer_shots(self) -> int:
        return self._default("plan.answer_shots", self.plan.answer_shots)

    @property
    def resolved_reply_tries(self) -> int:
        return self._default("plan.reply_tries", self.plan.reply_tries)

    @property
    def resolved_chain_length(self) -> tuple[int, int]:
        return self._default("plan.chain_length", self.plan.chain_length)

    @property
    def resolved_turns(self) -> tuple[int, int]:
        return self._default("plan.turns", self.plan.turns)

    @property
    def resolved_chat_turns(self) -> int:
        return self._default("plan.chat_turns", self.plan.chat_turns)

    @property
    def resolved_templated_turns(self) -> bool:
        return self._default("plan.templated_turns", self.plan.templated_turns)

    @property
    def resolved_tool_results(self) -> str:
        return self._default("plan.tool_results", self.plan.tool_results)

    def category_counts(self) -> dict[str, int]:
        """--n per category: all of it for one category; for `all`, split by `plan.mix` (largest remainders)."""
        if self.category != "all":
            return {self.category: self.n}
        mix = self.plan.mix
        weights = {c: mix.get(c, 0.0) for c in CATEGORIES if mix.get(c, 0.0) > 0}
        total = sum(weights.values())
        exact = {c: self.n * w / total for c, w in weights.items()}
        counts = {c: int(v) for c, v in exact.items()}
        order = list(CATEGORIES)
        for c in sorted(exact, key=lambda c: (counts[c] - exact[c], order.index(c)))[: self.n - sum(counts.values())]:
            counts[c] += 1
        return {c: k for c, k in counts.items() if k > 0}

    def candidates_per_record(self, category: str) -> int:
        """Candidates a cell spends per wanted record before it hands its quota on (the category's
        own on the embedded teacher, e.g. 10 for nested)."""
        own = CATEGORIES[category].embedded_candidates if self.teacher.embedded else None
        return own or small_teacher_default("candidates_per_record", self.teacher.embedded)

    def candidate_limit_for(self, category: str, n: int) -> int:
        """The candidate budget of one category's share `n` of --n: its part of --max-candidates, else
        candidates_per_record x n, times `candidate_spread` (3 on the embedded teacher: a short cell's
        quota goes to other tools with their own candidates, so a small share still fills)."""
        if self.max_candidates:
            return max(1, round(self.max_candidates * n / self.n))
        spread = small_teacher_default("candidate_spread", self.teacher.embedded)
        return self.candidates_per_record(category) * n * spread

    @property
    def distractor_range(self) -> tuple[int, int]:
        low, high = self.plan.distractors
        if self.teacher.embedded:  # a 135M model picks the right tool of 3 about half the time, of 5 under that
            high = min(high, 2)
        return min(low, high), high
