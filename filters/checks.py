"""The default check chain, in funnel order: format -> schema -> grounding -> category -> reference -> quality.

Dedup is a set operation over accepted records (filters.dedup), and the LLM judge needs a
teacher (pipeline.judge); neither is a per-record check here.
"""

from __future__ import annotations

from filters.base import Check
from filters.category import CategoryCheck
from filters.format import FormatCheck
from filters.grounding import GroundingCheck, GroundingOptions
from filters.quality import QualityCheck, QualityOptions
from filters.reference import ReferenceCheck
from filters.schema import SchemaCheck

CHECKS: dict[str, type[Check]] = {
    "format": FormatCheck,
    "schema": SchemaCheck,
    "grounding": GroundingCheck,
    "category": CategoryCheck,
    "reference": ReferenceCheck,
    "quality": QualityCheck,
}


def default_checks(names: list[str] | None = None, grounding: GroundingOptions | None = None,
                   quality: QualityOptions | None = None) -> list[Check]:
    """Instances of the named checks (all, by default) in funnel order, with their options."""
    chosen = names or list(CHECKS)
    unknown = [name for name in chosen if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    options = {"grounding": grounding, "quality": quality}
    return [CHECKS[name](options[name]) if name in options else CHECKS[name]() for name in CHECKS if name in chosen]
