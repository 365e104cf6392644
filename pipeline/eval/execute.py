"""The executable score: where every tool a call turn needs has a read-only executor, run the
reference's calls and the model's, and compare what they return.

A model can be right in effect while its arguments differ from the reference's in form ("NYC"
for "New York", an optional argument given its default): the AST verdict calls that wrong, the
results agree. Only read-only tools run (a write is never executed to score a model), through
pipeline.execute (a confined child process, keyword arguments, nothing evaluated), and only the
executors the bundled seeds ship or the user allowed (`--executors`). A tool of the record
matches a catalog tool when its name and parameter names are the same.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from filters.match import normalize_value, same_value
from filters.possible import first_calls
from pipeline.eval.items import Item
from pipeline.execute import execute
from pipeline.seeds import SeedTool


def runnable(catalog: Iterable[SeedTool]) -> dict[str, SeedTool]:
    """Name -> tool, for the read-only tools that have an executor."""
    return {tool.name: tool for tool in catalog if tool.executor and tool.read_only}


class Executor:
    """Runs calls once each (the reference's results are shared by every model's answers)."""

    def __init__(self, tools: dict[str, SeedTool]):
        self.tools = tools
        self.results: dict[str, Any] = {}

    def covers(self, item: Item) -> bool:
        """Whether every tool the item's right answer calls can run, and is the catalog's tool."""
        if item.expect != "call" or not item.answers:
            return False
        for name in item.expected_tools:
            tool = self.tools.get(name)
            offered = item.schemas.get(name) or {}
            if tool is None or set(offered.get("properties") or {}) != set(tool.parameters.get("properties") or {}):
                return False
        return True

    def run(self, call: dict[str, Any]) -> Any:
        """What the call returns (an error as {"error": message}); each distinct call runs once."""
        key = json.dumps([call["name"], call["arguments"]], sort_keys=True, default=str)
        if key not in self.results:
            tool = self.tools.get(call["name"])
            if tool is None:
                self.results[key] = {"error": f"{call['name']} cannot run here"}
            else:
                execution = execute(tool, call["arguments"])
                self.results[key] = execution.result if execution.error is None else {"error": execution.error}
        return self.results[key]

    def verdict(self, item: Item, calls: list[dict[str, Any]]) -> bool | None:
        """Whether the model's calls return what the reference's return (in any order unless the
        turn is ordered); None when the item cannot be scored so (a tool that cannot run, or a
        reference call that fails). A model call that fails never matches."""
        if not self.covers(item):
            return None
        reference = first_calls(item.answers, item.schemas)
        want = [_effect(self.run(call), call) for call in reference]
        if any(_failed(result) for result in want):
            return None
        got = [_effect(self.run(call), call) for call in calls]
        if len(want) != len(got) or any(_failed(result) for result in got):
            return False
        if item.ordered:
            return all(same_value(w, g) for w, g in zip(want, got))
        left = list(got)
        for result in want:
            found = next((i for i, other in enumerate(left) if same_value(result, other)), None)
            if found is None:
                return False
            left.pop(found)
        return True


def _effect(result: Any, call: dict[str, Any]) -> Any:
    """A result as compared: normalised, without the top-level fields that only echo an argument
    of the call (`"location": "Paris, France"` for location="Paris, France"): two forms of one
    place return one weather, whatever each echoes."""
    result = normalize_value(result)
    if not isinstance(result, dict):
        return result
    arguments = normalize_value(call.get("arguments") or {})
    return {key: value for key, value in result.items() if not (key in arguments and arguments[key] == value)}


def _failed(result: Any) -> bool:
    return isinstance(result, dict) and set(result) == {"error"}
