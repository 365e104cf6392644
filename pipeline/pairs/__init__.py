"""DPO preference pairs from accepted records: chosen = an accepted assistant turn, rejected = a
typed mistake that the checks catch for exactly its stated reason.

A pair is built at a decision turn i (an assistant turn): the prompt is messages[:i], chosen is
messages[i], rejected a perturbed copy. Both are verified by running the check chain on the record
cut after turn i, with the chosen calls as that turn's reference:
- the chosen cut must pass every check (else turn i is no decision point: no pair);
- the rejected cut must fail with the type's code and no other. A wrong turn always differs from
  the reference, so for types reported by another check the reference check's verdict is not
  counted (`missing_required` is a schema mistake, not also a `wrong_value`).
A perturbation that does not verify is dropped, never relabelled.

Types (PAIR_TYPES): the semantic ones first (schema-valid and grounded, caught only by matching
the reference through filters.match) and then the schema and category mistakes.
"""

from pipeline.pairs.base import Decision, Pair, PairType, Turn
from pipeline.pairs.build import (
    build_pairs,
    cut,
    decisions,
    generated_pairs,
    is_semantic,
    pair_counts,
    pairs_for,
    sibling_pairs,
    verdict,
)
from pipeline.pairs.types import DEFAULT_MIX, PAIR_TYPES

__all__ = [
    "DEFAULT_MIX",
    "PAIR_TYPES",
    "Decision",
    "Pair",
    "PairType",
    "Turn",
    "build_pairs",
    "cut",
    "decisions",
    "generated_pairs",
    "is_semantic",
    "pair_counts",
    "pairs_for",
    "sibling_pairs",
    "verdict",
]
