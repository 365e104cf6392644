"""The resolved run configuration (pydantic; unknown keys rejected). Secrets never live here."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CATEGORIES = ("single", "parallel", "nested", "multi_turn", "no_call")
NO_CALL_KINDS = ("unrelated", "missing_value", "unavailable_tool")
SYSTEM_STYLES = ("none", "simple", "complex")
Mode = Literal["free", "blueprint"]


class TeacherConfig(BaseModel):
    """Where the teacher is and how to talk to it. The API key comes from the environment only."""

    model_config = ConfigDict(extra="forbid")
    base_url: str | None = None  # None: the embedded llama.cpp teacher
    model: str | None = None
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

    @property
    def schedule(self) -> list[float]:
        """The temperature schedule in force."""
        if self.temperatures is not None:
            return self.temperatures
        return [0.2, 0.5, 0.8] if self.embedded else [0.2, 0.7, 1.0]

    @property
    def embedded(self) -> bool:
        return self.base_url is None


class PairsConfig(BaseModel):
    """DPO pairs built from accepted records (pipeline.pairs)."""

    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    per_record: int = Field(2, ge=1)  # pairs per accepted record, at most one per type
    mix: dict[str, float] | None = None  # pair type -> weight; default pipeline.pairs.DEFAULT_MIX
    semantic_share: float = Field(0.6, ge=0, le=1)  # least share of schema-valid, grounded negatives
    real_failures: bool = True  # also pair rejected candidates' own mistakes with their reference calls
    second_solve: float | None = Field(None, ge=0, le=2)  # single blueprint: solve each request again at this temperature (2 more requests)

    @model_validator(mode="after")
    def _check_mix(self) -> "PairsConfig":
        from pipeline.pairs import PAIR_TYPES  # the type names live with their perturbations

        unknown = sorted(set(self.mix or {}) - set(PAIR_TYPES))
        if unknown:
            raise ValueError(f"unknown pair type {unknown[0]!r} (known: {', '.join(PAIR_TYPES)})")
        if self.mix is not None and (any(w < 0 for w in self.mix.values()) or sum(self.mix.values()) <= 0):
            raise ValueError("pairs.mix weights must be >= 0 with a positive sum")
        return self


class HubConfig(BaseModel):
    """Where and how a run is published (pipeline.publish)."""

    model_config = ConfigDict(extra="forbid")
    repo: str | None = None  # ORG/NAME; None publishes nothing (the hub/ folder is still written with dry_run)
    public: bool = False
    license: str | None = None  # required to push, e.g. apache-2.0
    dry_run: bool = False  # write RUN_DIR/hub/ as it would be uploaded, upload nothing
    test_share: float = Field(0.1, ge=0, le=1)
    holdout_tools: list[str] = Field(default_factory=list)


class BudgetConfig(BaseModel):
    """What a run may spend before it stops sending (exit 3; a rerun continues from the cache)."""

    model_config = ConfigDict(extra="forbid")
    max_requests: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)
    max_cost: float | None = Field(None, gt=0)  # USD
    price_prompt: float = Field(0.0, ge=0)  # USD per million prompt tokens of the teacher model
    price_completion: float = Field(0.0, ge=0)  # USD per million completion tokens

    @model_validator(mode="after")
    def _priced(self) -> "BudgetConfig":
        if self.max_cost is not None and not (self.price_prompt or self.price_completion):
            raise ValueError("max_cost needs the teacher's prices: budget.price_prompt and budget.price_completion (USD per million tokens)")
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


class RunConfig(BaseModel):
    """Everything a run needs; CLI flags fill it."""

    model_config = ConfigDict(extra="forbid")
    category: str = "single"
    n: int = Field(20, ge=1)
    max_candidates: int | None = Field(None, ge=1)  # default: 10 x n (25 x n on the embedded teacher)
    # share of candidates expected to pass, before any is counted: sizes the first round of tasks (later rounds
    # use each cell's running yield); it changes how many tasks a round queues, not which ones run (pipeline.engine)
    initial_yield: float | None = Field(None, gt=0, le=1)  # default: 1.0 with an endpoint, 0.05 on the embedded teacher
    seed: int = 0
    mode: Mode | None = None  # default: blueprint for the embedded teacher, free otherwise
    tools: list[str] = Field(default_factory=list)
    out: str | None = None
    distractors: tuple[int, int] = (1, 4)
    optional_rate: float | None = Field(None, ge=0, le=1)  # default: 0.2 embedded (small teacher), 0.4 otherwise
    system_prompt_rate: float = Field(0.5, ge=0, le=1)  # share of tasks with any system prompt
    complex_prompt_rate: float = Field(0.5, ge=0, le=1)  # of those, share with rules (prompts/system/complex.txt)
    mix: dict[str, float] = Field(default_factory=lambda: {"single": 0.25, "parallel": 0.2, "nested": 0.2, "multi_turn": 0.15, "no_call": 0.2})
    parallel_calls: tuple[int, int] = (2, 3)  # calls in one parallel turn
    # blueprint parallel: one phrasing of all calls (joint), or one per call joined into one message
    # (per_call, the embedded default: a 135M teacher rarely states every value of 2+ calls at once)
    parallel_phrasing: Literal["joint", "per_call"] | None = None
    chain_length: tuple[int, int] = (2, 4)  # calls in a nested chain (as long as the seeds' links allow)
    turns: tuple[int, int] = (3, 5)  # user turns in a multi_turn conversation
    no_call_kinds: dict[str, float] = Field(default_factory=lambda: {kind: 1.0 for kind in NO_CALL_KINDS})
    read_only: bool = False  # only tools that change nothing (seed read_only: true)
    confirm_writes: bool = True  # a call of a tool that changes data follows the confirmation pattern, rule or not
    # no_call missing_value: the follow-up question and the user's value from templates (prompts/no_call/missing.txt)
    # instead of the teacher; default on for the embedded teacher, which writes neither
    templated_turns: bool | None = None
    tool_results: Literal["simulate", "mock"] | None = None  # results of tools without an executor; default simulate (mock embedded)
    execute_side_effects: bool = False  # run executors of tools that change data (else those results are simulated/mocked)
    alias_rate: float | None = Field(None, ge=0, le=1)  # blueprint: say a value by alias / relative date; default 0.5 (0.2 embedded)
    now: str = "2026-11-23T10:00:00Z"  # the latest moment conversations pretend to happen
    checks: list[str] = Field(default_factory=lambda: ["format", "schema", "grounding", "category", "reference", "quality"])
    language: str = "en"  # expected language of user turns ("" = any)
    min_request_words: int = Field(3, ge=0)
    max_user_chars: int = Field(1500, ge=1)
    dedup: bool = True
    dedup_threshold: float = Field(90.0, ge=0, le=100)
    template_cap: int = Field(50, ge=1)  # records per value-masked request template
    pairs: PairsConfig = Field(default_factory=PairsConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    cache: bool = True  # keep every complete answer on disk; a rerun reads them instead of paying again
    cache_dir: str | None = None  # default RUN_DIR/cache; share one between runs whose checks or exports differ
    hub: HubConfig = Field(default_factory=HubConfig)
    shard: str | None = None  # "i/N": this job runs the i-th of N parts of the plan
    max_failed_share: float = Field(0.05, ge=0, le=1)  # above this share of candidates failed at the teacher, exit 1
    judge: bool = False  # ask the teacher whether each accepted candidate's calls answer its request
    teacher: TeacherConfig = Field(default_factory=TeacherConfig)

    @model_validator(mode="after")
    def _check_ranges(self) -> "RunConfig":
        for name, low_bound in (("parallel_calls", 2), ("chain_length", 2), ("turns", 1), ("distractors", 0)):
            low, high = getattr(self, name)
            if not low_bound <= low <= high:
                raise ValueError(f"{name} must be [low, high] with {low_bound} <= low <= high")
        unknown = sorted(set(self.mix) - set(CATEGORIES)) + sorted(set(self.no_call_kinds) - set(NO_CALL_KINDS))
        if unknown:
            raise ValueError(f"unknown category or no_call kind {unknown[0]!r}")
        for name in ("mix", "no_call_kinds"):
            weights = getattr(self, name)
            if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
                raise ValueError(f"{name} weights must be >= 0 with a positive sum")
        return self

    @field_validator("shard")
    @classmethod
    def _check_shard(cls, value: str | None) -> str | None:
        parts = value.split("/") if value is not None else []
        if value is not None and not (len(parts) == 2 and all(p.isdigit() for p in parts) and 1 <= int(parts[0]) <= int(parts[1])):
            raise ValueError(f"must be i/N with 1 <= i <= N, not {value}")
        return value

    @property
    def shard_parts(self) -> tuple[int, int] | None:
        """(i, N) for `shard: i/N`, else None."""
        if self.shard is None:
            return None
        index, count = self.shard.split("/")
        return int(index), int(count)

    @property
    def resolved_parallel_phrasing(self) -> str:
        """joint, or per_call on the embedded teacher unless set."""
        return self.parallel_phrasing or ("per_call" if self.teacher.embedded else "joint")

    @property
    def resolved_templated_turns(self) -> bool:
        """templated_turns, or on for the embedded teacher unless set."""
        return self.teacher.embedded if self.templated_turns is None else self.templated_turns

    @property
    def resolved_tool_results(self) -> str:
        """simulate, or mock on the embedded teacher unless set."""
        return self.tool_results or ("mock" if self.teacher.embedded else "simulate")

    @property
    def resolved_initial_yield(self) -> float:
        """initial_yield, or 1.0 with an endpoint (a capable teacher: the first round asks for exactly
        what is missing, later rounds top up from the measured yield) and 0.05 on the embedded teacher
        (README: its single blueprint run kept 20 of 413 and 20 of 401 candidates, 4.8% and 5.0%)."""
        if self.initial_yield is not None:
            return self.initial_yield
        return 0.05 if self.teacher.embedded else 1.0

    def category_counts(self) -> dict[str, int]:
        """--n per category: all of it for one category; for `all`, split by `mix` (largest remainders)."""
        if self.category != "all":
            return {self.category: self.n}
        weights = {c: self.mix.get(c, 0.0) for c in CATEGORIES if self.mix.get(c, 0.0) > 0}
        total = sum(weights.values())
        exact = {c: self.n * w / total for c, w in weights.items()}
        counts = {c: int(v) for c, v in exact.items()}
        for c in sorted(exact, key=lambda c: (counts[c] - exact[c], CATEGORIES.index(c)))[:self.n - sum(counts.values())]:
            counts[c] += 1
        return {c: k for c, k in counts.items() if k > 0}

    @property
    def resolved_mode(self) -> str:
        return self.mode or ("blueprint" if self.teacher.embedded else "free")

    @property
    def resolved_optional_rate(self) -> float:
        if self.optional_rate is not None:
            return self.optional_rate
        return 0.2 if self.teacher.embedded else 0.4

    @property
    def resolved_alias_rate(self) -> float:
        if self.alias_rate is not None:
            return self.alias_rate
        return 0.2 if self.teacher.embedded else 0.5  # a 135M solver rarely maps "Nvidia" to NVDA

    @property
    def candidate_limit(self) -> int:
        # the embedded teacher costs nothing but time and keeps ~7% (bench/embedded_yield.py)
        return self.max_candidates or (25 if self.teacher.embedded else 10) * self.n

    def candidate_limit_for(self, category: str, n: int) -> int:
        """The candidate budget of one category's share `n` of --n. On the embedded teacher nested and
        multi_turn get 5 x n: a 135M model rarely completes a chain or a conversation, and each
        candidate costs 10-25 requests, so a 25 x n budget would run for hours to prove only that."""
        if self.max_candidates:
            return max(1, round(self.max_candidates * n / self.n))
        if self.teacher.embedded and category in ("nested", "multi_turn"):
            return 5 * n
        return (25 if self.teacher.embedded else 10) * n

    @property
    def distractor_range(self) -> tuple[int, int]:
        low, high = self.distractors
        if self.teacher.embedded:  # a 135M model picks the right tool of 3 about half the time, of 5 under that
            high = min(high, 2)
        return min(low, high), high
