"""Generators, one per category: a Task in, a Candidate out."""

from pipeline.generate.common import Candidate, Context
from pipeline.generate.multi_turn import generate_multi_turn
from pipeline.generate.nested import generate_nested
from pipeline.generate.no_call import generate_no_call
from pipeline.generate.parallel import generate_parallel
from pipeline.generate.single import generate_single

GENERATORS = {
    "single": generate_single,
    "parallel": generate_parallel,
    "nested": generate_nested,
    "multi_turn": generate_multi_turn,
    "no_call": generate_no_call,
}

__all__ = ["Candidate", "Context", "GENERATORS"]
