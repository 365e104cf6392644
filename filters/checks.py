"""The default check chain, in funnel order: format -> schema -> category -> reference."""

from __future__ import annotations

from filters.base import Check
from filters.category import CategoryCheck
from filters.format import FormatCheck
from filters.reference import ReferenceCheck
from filters.schema import SchemaCheck

CHECKS: dict[str, type[Check]] = {
    "format": FormatCheck,
    "schema": SchemaCheck,
    "category": CategoryCheck,
    "reference": ReferenceCheck,
}


def default_checks(names: list[str] | None = None) -> list[Check]:
    """Instances of the named checks (all, by default) in funnel order."""
    chosen = names or list(CHECKS)
    unknown = [name for name in chosen if name not in CHECKS]
    if unknown:
        raise ValueError(f"unknown check(s): {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    return [CHECKS[name]() for name in CHECKS if name in chosen]
