"""pipeline.generate.results: where each tool result comes from, and what stops a bad one."""

from __future__ import annotations

import asyncio
import json

import pytest

from pipeline import sandbox
from pipeline.backends.teacher import build_teacher
from pipeline.generate.common import Context
from pipeline.generate.results import ResultError, callable_as_is, tool_result
from pipeline.plan import Task
from pipeline.seeds import SeedTool, load_tools

SEEDS = {tool.name: tool for tool in load_tools(executors=[])}
TASK = Task(
    0,
    "nested-blueprint-0-0",
    "nested",
    "blueprint",
    "search_flights",
    ["search_flights"],
    0.2,
    [],
    None,
    "terse",
    "2026-03-01T10:00:00Z",
    None,
)


def _context(**options) -> Context:
    seeds = {**SEEDS, **options.pop("extra", {})}
    return Context({name: tool.to_tool() for name, tool in seeds.items()}, [], "fake", seeds=seeds, **options)


def _result(fake, ctx: Context, call: dict) -> tuple:
    async def run():
        teacher = build_teacher(fake.base_url, "fake", "key", concurrency=1, max_attempts=1)
        try:
            await teacher.probe()
            return await tool_result(TASK, teacher, ctx, call, "step-0")
        finally:
            await teacher.close()

    return asyncio.run(run())


CONVERT = {"name": "convert_currency", "arguments": {"amount": 120, "from_currency": "EUR", "to_currency": "USD"}}
BOOK = {
    "name": "book_hotel",
    "arguments": {
        "hotel_id": "htl_12345",
        "room_type": "double",
        "check_in": "2026-03-04",
        "check_out": "2026-03-06",
        "guest": {"name": "Ana Silva", "email": "ana.silva@fastmail.com"},
    },
}


def test_a_read_only_tool_with_an_executor_is_executed(fake):
    result, provenance = _result(fake, _context(), CONVERT)
    assert provenance == "executed" and result["amount"] == 120 and fake.requests[1:] == []  # no teacher request


@pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no confinement here: {sandbox.unavailable()}")
def test_an_executor_that_breaks_out_is_a_tool_error(fake, tmp_path):
    (tmp_path / "shell.py").write_text(
        "import subprocess\ndef run(command):\n    return subprocess.getoutput(command)\n"
    )
    shell = SeedTool("shell", "Run a command.", {"type": "object"}, True, executor=f"{tmp_path / 'shell.py'}:run")
    with pytest.raises(ResultError) as info:
        _result(fake, _context(extra={"shell": shell}), {"name": "shell", "arguments": {"command": "id"}})
    assert info.value.code == "tool_error"
    assert str(info.value) == "shell executor: PermissionError: [Errno 1] Operation not permitted"


def test_other_tools_are_simulated_by_the_teacher_or_mocked(fake):
    result, provenance = _result(fake, _context(), BOOK)
    assert provenance == "simulated" and "You simulate the tool" in fake.requests[-1]["messages"][0]["content"]
    mocked, provenance = _result(fake, _context(tool_results="mock"), BOOK)
    assert provenance == "mocked" and mocked == _result(fake, _context(tool_results="mock"), BOOK)[0]  # deterministic


def test_a_simulated_result_that_breaks_the_result_schema_is_rejected(fake):
    fake.corrupt = lambda number, body, content: (
        json.dumps({"unexpected": True}) if "You simulate" in body["messages"][0]["content"] else content
    )
    with pytest.raises(ResultError) as error:
        _result(fake, _context(), BOOK)
    assert error.value.code == "invalid_tool_result"


def test_a_failing_executor_is_tool_error_and_side_effects_run_only_when_allowed(fake, tmp_path):
    path = tmp_path / "boom.py"
    path.write_text("def run(**kwargs):\n    raise RuntimeError('the booking service is down')\n", encoding="utf-8")
    writes = SeedTool(
        "boom",
        "Books a thing.",
        {"type": "object", "properties": {}},
        read_only=False,
        result_schema={"type": "object"},
        executor=f"{path}:run",
    )
    call = {"name": "boom", "arguments": {}}
    _, provenance = _result(fake, _context(extra={"boom": writes}, tool_results="mock"), call)
    assert provenance == "mocked"  # a tool that changes data is not run unless the config says so
    with pytest.raises(ResultError) as error:
        _result(fake, _context(extra={"boom": writes}, execute_side_effects=True), call)
    assert error.value.code == "tool_error" and "the booking service is down" in str(error.value)


def test_callable_as_is_only_for_schema_valid_calls():
    ctx = _context()
    assert callable_as_is(ctx, [CONVERT])
    assert not callable_as_is(ctx, [{"name": "convert_currency", "arguments": {"amount": 120}}])
    assert not callable_as_is(ctx, [{"name": "no_such_tool", "arguments": {}}])
