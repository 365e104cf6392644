"""The check chain: every per-record check, in funnel order, each with its options. The only place to add one.

A new check is a module with a `Check` subclass (filters/base.py) plus one line in CHAIN: it then
runs by default in every run and in `python -m pipeline.validate`, appears in `validate --checks`,
counts in the manifest's funnel under its name, and a crash in it becomes a `check_error` issue
on that record (filters.base.run_checks), never a crashed run. A check that takes options names
their type in `Check.Options`; callers pass them by check name.

Dedup is a set operation over accepted records (filters.dedup), and the LLM judge needs a
teacher (pipeline.judge); both are funnel stages (FUNNEL) but not per-record checks here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from filters.base import Check
from filters.category import CategoryCheck
from filters.format import FormatCheck
from filters.grounding import GroundingCheck
from filters.plausibility import PlausibilityCheck
from filters.quality import QualityCheck
from filters.reasoning import ReasoningCheck
from filters.reference import ReferenceCheck
from filters.schema import SchemaCheck

CHAIN: tuple[type[Check], ...] = (
    FormatCheck,
    SchemaCheck,
    PlausibilityCheck,  # plan defects are reported before grounding
    GroundingCheck,
    CategoryCheck,
    ReferenceCheck,
    QualityCheck,
    ReasoningCheck,
)
CHECKS: dict[str, type[Check]] = {check.name: check for check in CHAIN}
# every stage that can remove a candidate, in the order the funnel counts them: a candidate
# counts under the first stage that found an issue
FUNNEL: tuple[str, ...] = ("generate", *CHECKS, "judge", "dedup")


def default_checks(
    names: list[str] | None = None, options: Mapping[str, Any] | None = None, **by_name: Any
) -> list[Check]:
    """Instances of the named checks (all, by default) in chain order, each with its options
    (`options={"grounding": GroundingOptions(...)}` or `grounding=GroundingOptions(...)`)."""
    chosen = list(CHECKS) if names is None else names
    unknown = [name for name in chosen if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    given = {**(options or {}), **by_name}
    return [
        CHECKS[name](given.get(name)) if CHECKS[name].Options else CHECKS[name]() for name in CHECKS if name in chosen
    ]
