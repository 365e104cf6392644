"""Checks for canonical function-calling records; usable on any dataset, not only ours.

Each check returns a list of `Issue` (empty means ok) with a code from `filters.codes`.
"""

from filters.base import Check, Issue, run_checks
from filters.codes import CODES

__all__ = ["CODES", "Check", "Issue", "run_checks"]
