"""Prompt templates from prompts/, each versioned by a hash of its content.

Templates use `string.Template` ($name) so JSON braces need no escaping.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from string import Template

from pipeline.errors import InputError
from pipeline.resources import data_dir


@dataclass(frozen=True)
class Prompt:
    """A template and its version (first 12 hex digits of the SHA-256 of its text)."""

    name: str
    text: str
    version: str

    def render(self, **values: object) -> str:
        """Fill the template; a missing value is a bug, so it raises."""
        return Template(self.text).substitute(**values).strip()

    def lines(self) -> list[str]:
        """The template's non-blank lines (for list-style files such as system prompts)."""
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@cache
def load_prompt(name: str) -> Prompt:
    """Load prompts/<name>.txt."""
    path = data_dir("prompts") / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read prompt template: {error.strerror}", str(path)) from None
    return Prompt(name, text, hashlib.sha256(text.encode("utf-8")).hexdigest()[:12])


def combined_version(*prompts: Prompt) -> str:
    """One version for a set of templates used together."""
    joined = "|".join(f"{p.name}:{p.version}" for p in prompts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:12]
