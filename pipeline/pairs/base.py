"""The pieces every pair type shares: a decision point, a pair, a mistake's type, and how a
rejected turn is written (the chosen turn with other calls)."""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from filters.schema import validator_for
from pipeline.record import Conversation, message_dict

Turn = dict[str, Any]  # an assistant message as a canonical dict


@dataclass(frozen=True)
class PairType:
    """A named mistake: the code the checks must give, the check that gives it, how to make it."""

    code: str
    check: str
    make: Callable[[Decision, random.Random], Iterator[Turn]]
    semantic: bool = False  # schema-valid and grounded: only the reference match tells it apart
    also: frozenset[str] = frozenset()  # codes the mistake carries by its nature (a call made twice repeats)


@dataclass
class Decision:
    """An accepted record cut at assistant turn `index`, with what perturbations read."""

    record: Conversation
    index: int
    domains: Mapping[str, str] = field(default_factory=dict)

    @property
    def chosen(self) -> Turn:
        return message_dict(self.record.messages[self.index])

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [call["function"] for call in self.chosen.get("tool_calls") or []]

    def schema(self, name: str) -> dict[str, Any] | None:
        return self.record.tool_schemas().get(name)


@dataclass
class Pair:
    """One preference pair, in the TRL conversational shape plus its provenance."""

    id: str
    record_id: str
    category: str
    type: str
    source: str  # perturbed (a typed mistake) or generated (a real rejected candidate)
    code: str
    prompt: list[Turn]
    chosen: list[Turn]
    rejected: list[Turn]
    tools: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """The JSONL row: prompt/chosen/rejected/tools (TRL DPO) plus id, type, source, code."""
        return {
            "id": self.id,
            "record_id": self.record_id,
            "category": self.category,
            "type": self.type,
            "source": self.source,
            "code": self.code,
            "prompt": self.prompt,
            "chosen": self.chosen,
            "rejected": self.rejected,
            "tools": self.tools,
        }


def _with_calls(decision: Decision, calls: list[dict[str, Any]], content: str | None = None) -> Turn:
    """The chosen turn with other calls (ids reused in order, fresh ones for extra calls)."""
    ids = [call.get("id") for call in decision.chosen.get("tool_calls") or []]
    digits = hashlib.sha256(f"{decision.record.id}-{decision.index}-{len(calls)}".encode()).hexdigest()
    spare = "".join(c for c in digits if c.isalnum())
    turn: Turn = {"role": "assistant", "content": content}
    if decision.chosen.get("reasoning_content"):  # the same rationale: the pair differs in the calls only
        turn["reasoning_content"] = decision.chosen["reasoning_content"]
    if calls:
        turn["tool_calls"] = [
            {
                "id": ids[n] if n < len(ids) and ids[n] else f"x{spare[n * 8 : n * 8 + 8]}",
                "type": "function",
                "function": {"name": call["name"], "arguments": call["arguments"]},
            }
            for n, call in enumerate(calls)
        ]
    return turn


def _replace(decision: Decision, number: int, name: str, arguments: dict[str, Any]) -> Turn:
    calls = copy.deepcopy(decision.calls)
    calls[number] = {"name": name, "arguments": arguments}
    return _with_calls(decision, calls)


def _properties(schema: Mapping[str, Any] | None) -> dict[str, Any]:
    properties = (schema or {}).get("properties")
    return properties if isinstance(properties, dict) else {}


def _json_type(value: Any) -> str:
    return "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else type(value).__name__


_NONE = object()


def _fits(schema: dict[str, Any], key: str, value: Any) -> bool:
    """Whether `value` is a valid `key` argument (other arguments' errors aside)."""
    return not any(
        path == f".{key}" or path.startswith((f".{key}.", f".{key}["))
        for _, path, _ in validator_for(schema).errors({key: value})
    )
