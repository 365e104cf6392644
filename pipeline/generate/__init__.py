"""Generators, one per category: a Task in, a Candidate out."""

from pipeline.generate.common import Candidate
from pipeline.generate.single import generate_single

GENERATORS = {"single": generate_single}

__all__ = ["Candidate", "GENERATORS"]
