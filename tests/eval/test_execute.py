"""pipeline.eval.execute: the executable score runs read-only executors only, and compares results."""

from __future__ import annotations

import pytest

from filters.possible import first_calls, possible_answer
from pipeline.eval.execute import Executor, runnable
from pipeline.eval.items import Item
from pipeline.eval.sources import load_items
from pipeline.seeds import load_tools

CATALOG = load_tools(None, sidecars=False, executors=[])  # the bundled seeds and their executors


@pytest.fixture(scope="module")
def executor() -> Executor:
    return Executor(runnable(CATALOG))


def weather_item(location: str) -> Item:
    tool = next(t for t in CATALOG if t.name == "get_current_weather")
    schemas = {tool.name: tool.to_tool().function.parameters}
    answers = possible_answer([{"name": tool.name, "arguments": {"location": location}}], schemas)
    tools = [tool.to_tool().model_dump()]
    return Item("w#1", "w", 1, "single", "call", [{"role": "user", "content": "Weather?"}], tools, "call", answers)


def call(location: str) -> list[dict]:
    return [{"name": "get_current_weather", "arguments": {"location": location}}]


def test_only_read_only_tools_with_executors_run():
    tools = runnable(CATALOG)
    assert tools and all(tool.read_only and tool.executor for tool in tools.values())
    writes = [tool for tool in load_tools(None, sidecars=False) if not tool.read_only]
    assert writes and not any(tool.name in tools for tool in writes)


def test_results_decide(executor):
    item = weather_item("Paris")
    assert executor.verdict(item, call("Paris")) is True
    assert executor.verdict(item, call("paris")) is True  # one place, one weather
    assert executor.verdict(weather_item("Paris, France"), call("paris")) is True  # the echo of the input aside
    assert executor.verdict(item, call("Lyon")) is False
    assert executor.verdict(item, call("Nowhereville")) is False  # a call that fails never matches
    assert executor.verdict(item, call("Paris") * 2) is False
    assert executor.verdict(weather_item("Nowhereville"), call("Nowhereville")) is None  # the reference fails


def test_items_whose_tools_cannot_run_are_not_scored(executor):
    item = weather_item("Paris")
    item.tools[0]["function"]["parameters"] = {"type": "object", "properties": {"city": {"type": "string"}}}
    assert executor.verdict(item, call("Paris")) is None  # not the catalog's tool, though of its name
    assert executor.verdict(Item(**{**weather_item("Paris").__dict__, "expect": "no_call"}), []) is None


def test_every_reference_of_a_run_executes_to_itself(run, executor):
    items, _ = load_items(run, "all")
    covered = [item for item in items if executor.covers(item)]
    assert len(covered) >= 5
    assert all(executor.verdict(item, first_calls(item.answers, item.schemas)) for item in covered)
