"""seeds/examples/*.jsonl: every few-shot line has its category's shape and obeys the data rules.

One test per line (its id names the file and line number): the shape of the category, every
call names a bundled tool and fits its parameters (filters.schema), every result fits the tool's
`result_schema` when the seed has one, user text leaks no function or snake_case parameter name
and keeps no placeholder (filters.quality), and where the rules ask for it every argument value
is grounded in what the user said (filters.grounding).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from filters.base import leaves
from filters.grounding import GroundingCheck, GroundingOptions
from filters.mentions import numbers_in
from filters.quality import (
    PLACEHOLDER_RE,
    PLACEHOLDERS,
    SLOT_RE,
    _schema_constants,
    is_placeholder,
    leaked_name,
    leaked_parameter,
    refusal,
)
from filters.schema import strip_extensions, validator_for
from pipeline.record import Conversation
from pipeline.seeds import alias_table, load_tools

ROOT = Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "seeds" / "examples"
NOW = "2026-11-23T10:00:00Z"
TOOLS = {tool.name: tool for tool in load_tools()}
NAMES = tuple(sorted(TOOLS))
PARAMETERS = tuple(
    sorted(
        {
            key
            for tool in TOOLS.values()
            for key in tool.parameters.get("properties") or {}
            if "_" in key or re.search(r"[a-z][A-Z]", key)
        }
    )
)
GROUNDING = GroundingCheck(GroundingOptions(aliases=alias_table(list(TOOLS.values()))))
# stand-ins that can be spotted inside running text (single words like "test" are ordinary English)
PLACEHOLDER_PHRASES = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(
        re.escape(p) for p in sorted(PLACEHOLDERS, key=len, reverse=True) if " " in p or any(c.isdigit() for c in p)
    )
    + r")(?![\w-])"
)
NO_CALL_KINDS = ("unrelated", "missing_value", "unavailable_tool", "forbidden")


def _lines():
    for path in sorted(EXAMPLES.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                yield pytest.param(path.stem, number, line, id=f"{path.name}:{number}")


def _records(category: str) -> list[dict[str, Any]]:
    path = EXAMPLES / f"{category}.jsonl"
    return (
        [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if path.is_file()
        else []
    )


# -- rules shared by the categories ----------------------------------------------------------------


def _user_text(text: Any, where: str) -> list[str]:
    """A user turn: a non-empty string with no function or parameter name and no template slot or stand-in."""
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: expected a non-empty string"]
    problems = []
    leak = leaked_name(NAMES, text) or leaked_parameter(PARAMETERS, text)
    if leak:
        problems.append(f"{where}: {leak}")
    folded = " ".join(text.casefold().split())
    for found in (SLOT_RE.search(text), PLACEHOLDER_RE.search(folded), PLACEHOLDER_PHRASES.search(folded)):
        if found:
            problems.append(f"{where}: placeholder {found.group(0)!r}")
    return problems


def _assistant_text(text: Any, where: str) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: expected a non-empty string"]
    found = refusal(text)
    return [f"{where}: refusal or AI filler {found!r}"] if found else []


def _call(call: Any, where: str) -> list[str]:
    """A call {name, arguments} that names a bundled tool, fits its parameters and holds no stand-in value."""
    if not isinstance(call, dict) or set(call) != {"name", "arguments"} or not isinstance(call["arguments"], dict):
        return [f'{where}: expected {{"name": str, "arguments": {{...}}}}']
    tool = TOOLS.get(call["name"])
    if tool is None:
        return [f"{where}: unknown tool {call['name']!r}"]
    problems = [
        f"{where}.arguments{path}: {code}: {message}"
        for code, path, message in validator_for(strip_extensions(tool.parameters)).errors(call["arguments"])
    ]
    legit = _schema_constants(tool.parameters)
    for path, value in leaves(call["arguments"], f"{where}.arguments"):
        if isinstance(value, str) and is_placeholder(value) and value.strip().casefold() not in legit:
            problems.append(f"{path}: placeholder value {value!r}")
    return problems


def _calls(calls: Any, where: str, low: int, high: int) -> list[str]:
    if not isinstance(calls, list) or not low <= len(calls) <= high:
        return [f"{where}: expected a list of {low}-{high} calls"]
    return [problem for i, call in enumerate(calls) for problem in _call(call, f"{where}[{i}]")]


def _result(name: str, result: Any, where: str) -> list[str]:
    """A tool result fits the tool's result_schema (only when its seed declares one)."""
    tool = TOOLS.get(name)
    schema = getattr(tool, "result_schema", None) if tool is not None else None
    if not schema:
        return []
    validator = Draft202012Validator(strip_extensions(schema), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{where}{''.join(f'[{p}]' if isinstance(p, int) else f'.{p}' for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(result)
    ]


def _grounded(call: dict[str, Any], text: str, where: str) -> list[str]:
    """Every value of the call is stated in `text` (or is an alias of what it says, a default, a boolean)."""
    keys = GROUNDING.ungrounded_keys(call["arguments"], TOOLS[call["name"]].parameters, text, NOW)
    return [
        f"{where}.arguments.{key}={json.dumps(call['arguments'][key], ensure_ascii=False)} is not stated in the request"
        for key in keys
    ]


def _keys(example: dict[str, Any], required: set[str], optional: set[str] = frozenset()) -> list[str]:
    missing, extra = required - set(example), set(example) - required - optional
    return ([f"missing keys {sorted(missing)}"] if missing else []) + (
        [f"unexpected keys {sorted(extra)}"] if extra else []
    )


# -- categories ------------------------------------------------------------------------------------


def _single(example: dict[str, Any]) -> list[str]:
    problems = _keys(example, {"request", "call"}, {"tool"})
    if problems:
        return problems
    problems = _user_text(example["request"], "request") + _call(example["call"], "call")
    if "tool" in example and example["tool"] != example["call"].get("name"):
        problems.append(f"tool {example['tool']!r} is not the called function {example['call'].get('name')!r}")
    return problems


def _parallel(example: dict[str, Any]) -> list[str]:
    problems = _keys(example, {"request", "calls"})
    if problems:
        return problems
    problems = _calls(example["calls"], "calls", 2, 4)
    if not problems and isinstance(example["request"], str):
        for i, call in enumerate(example["calls"]):
            problems += _grounded(call, example["request"], f"calls[{i}]")
    return _user_text(example["request"], "request") + problems


def _step_calls(step: Any) -> tuple[list[Any], list[Any] | None]:
    """(calls, results or None) of a nested step: {"calls", "results"}, {"call", "result"} or a bare call."""
    if not isinstance(step, dict):
        return [], None
    if "calls" in step:
        return (step["calls"] if isinstance(step["calls"], list) else [step["calls"]]), step.get("results")
    if "call" in step:
        return [step["call"]], ([step["result"]] if "result" in step else None)
    if "name" in step:
        return [{"name": step.get("name"), "arguments": step.get("arguments")}], (
            [step["result"]] if "result" in step else None
        )
    return [], None


def _nested(example: dict[str, Any]) -> list[str]:
    problems = _keys(example, {"request", "steps", "answer"}, {"tools", "parts"})
    if problems:
        return problems
    problems = _user_text(example["request"], "request") + _assistant_text(example["answer"], "answer")
    # the per-step phrasing shots: user text like the request, one sentence per step
    problems += [p for i, part in enumerate(example.get("parts", [])) for p in _user_text(part, f"parts[{i}]")]
    if not isinstance(example["steps"], list) or len(example["steps"]) < 2:
        return problems + ["steps: expected a list of at least 2 steps"]
    for i, step in enumerate(example["steps"]):
        calls, results = _step_calls(step)
        if not calls:
            problems.append(f"steps[{i}]: holds no call")
        problems += [p for j, call in enumerate(calls) for p in _call(call, f"steps[{i}].calls[{j}]")]
        if results is not None:
            if not isinstance(results, list) or len(results) != len(calls):
                problems.append(f"steps[{i}]: expected one result per call")
            else:
                problems += [
                    p
                    for j, (call, result) in enumerate(zip(calls, results))
                    if isinstance(call, dict)
                    for p in _result(call.get("name"), result, f"steps[{i}].results[{j}]")
                ]
    return problems


def _multi_turn(example: dict[str, Any]) -> list[str]:
    problems = _keys(example, {"turns"})
    if problems:
        return problems
    turns = example["turns"]
    if not isinstance(turns, list) or not 3 <= len(turns) <= 6 or not all(isinstance(t, dict) for t in turns):
        return ["turns: expected a list of 3-6 turn objects"]
    for i, turn in enumerate(turns):
        where = f"turns[{i}]"
        problems += [f"{where}: {p}" for p in _keys(turn, {"user", "assistant"}, {"calls", "results"})]
        problems += _user_text(turn.get("user"), f"{where}.user") + _assistant_text(
            turn.get("assistant"), f"{where}.assistant"
        )
        if "calls" not in turn:
            if "results" in turn:
                problems.append(f"{where}: results without calls")
            continue
        problems += _calls(turn["calls"], f"{where}.calls", 1, 4)
        results = turn.get("results")
        if not isinstance(results, list) or not isinstance(turn["calls"], list) or len(results) != len(turn["calls"]):
            problems.append(f"{where}: expected one result per call")
            continue
        for j, (call, result) in enumerate(zip(turn["calls"], results)):
            name = call.get("name") if isinstance(call, dict) else None
            problems += _result(name, result, f"{where}.results[{j}]")
            tool = TOOLS.get(name)
            if (
                tool is not None
                and not tool.read_only
                and not (i and str(turns[i - 1].get("assistant", "")).rstrip().endswith("?"))
            ):
                problems.append(
                    f"{where}.calls[{j}]: {name} changes something, but the turn before asks no confirmation"
                )
    if not any("calls" in t for t in turns) or all("calls" in t for t in turns):
        problems.append("turns: expected both call turns and plain chat turns")
    if not problems:
        problems += _multi_turn_grounding(turns) + _multi_turn_numbers(turns)
    return problems


def _multi_turn_record(turns: list[dict[str, Any]]) -> Conversation:
    messages: list[dict[str, Any]] = []
    for i, turn in enumerate(turns):
        messages.append({"role": "user", "content": turn["user"]})
        if turn.get("calls"):
            ids = [f"c{i:02d}x{j:04d}" for j in range(len(turn["calls"]))]
            messages.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": id_, "type": "function", "function": call} for id_, call in zip(ids, turn["calls"])
                    ],
                }
            )
            messages += [
                {
                    "role": "tool",
                    "tool_call_id": id_,
                    "name": call["name"],
                    "content": json.dumps(result, ensure_ascii=False),
                }
                for id_, call, result in zip(ids, turn["calls"], turn["results"])
            ]
        messages.append({"role": "assistant", "content": turn["assistant"]})
    names = sorted({call["name"] for turn in turns for call in turn.get("calls") or []})
    tools = [TOOLS[name].to_tool().model_dump() for name in names]
    return Conversation.model_validate(
        {"id": "example", "category": "multi_turn", "tools": tools, "messages": messages, "meta": {"now": NOW}}
    )


def _multi_turn_grounding(turns: list[dict[str, Any]]) -> list[str]:
    """Every call value was said by the user (or assistant) earlier, or returned by an earlier result."""
    return [f"{issue.path}: {issue.message}" for issue in GROUNDING(_multi_turn_record(turns))]


def _stated_numbers(value: Any) -> set[float]:
    """Every number a user turn or a result states: its readings (filters.mentions), its numeric
    leaves, and the digit runs inside its strings (the day in "2026-11-20", the 14 in "14:35")."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    found = numbers_in(text) | {float(run) for run in re.findall(r"\d+", text)}
    found |= {float(leaf) for _, leaf in leaves(value) if isinstance(leaf, (int, float)) and not isinstance(leaf, bool)}
    return {abs(number) for number in found}


def _multi_turn_numbers(turns: list[dict[str, Any]]) -> list[str]:
    """An assistant turn after results quotes only numbers that the results or the conversation
    so far state (each figure written with digits must match one of them in some reading)."""
    problems, stated = [], set()
    for i, turn in enumerate(turns):
        stated |= _stated_numbers(turn["user"])
        for result in turn.get("results") or []:
            stated |= _stated_numbers(result)
        if turn.get("results"):
            unknown = []
            for match in re.finditer(r"(?<![\w.])[-+]?[$€£¥]?\d[\d,]*(?:\.\d+)?%?", turn["assistant"]):
                readings = {abs(number) for number in numbers_in(match.group(0))}
                if not any(abs(reading - number) < 0.006 for reading in readings for number in stated):
                    unknown.append(match.group(0))
            if unknown:
                problems.append(
                    f"turns[{i}].assistant: quotes figures that no result or earlier turn states: {unknown}"
                )
        stated |= _stated_numbers(turn["assistant"])
    return problems


def _no_call(example: dict[str, Any]) -> list[str]:
    kind = example.get("kind")
    if kind not in NO_CALL_KINDS:
        return [f"kind: expected one of {NO_CALL_KINDS}, got {kind!r}"]
    extra = {"missing", "value", "call"} if kind == "missing_value" else {"forbidden"} if kind == "forbidden" else set()
    problems = _keys(example, {"kind", "tools", "request", "reply"} | extra)
    if problems:
        return problems
    tools = example["tools"]
    if not isinstance(tools, list) or not 2 <= len(tools) <= 5 or len(set(map(str, tools))) != len(tools):
        problems.append("tools: expected 2-5 distinct tool names")
    else:
        problems += [f"tools[{i}]: unknown tool {name!r}" for i, name in enumerate(tools) if name not in TOOLS]
    problems += _user_text(example["request"], "request") + _assistant_text(example["reply"], "reply")
    if isinstance(example["reply"], str) and (
        leaked_name(NAMES, example["reply"]) or leaked_parameter(PARAMETERS, example["reply"])
    ):
        problems.append("reply: names a function or parameter as an identifier")
    if (
        kind == "unrelated"
        and isinstance(example["reply"], str)
        and re.search(r"\btools?\b|\bfunctions?\b", example["reply"], re.I)
    ):
        problems.append("reply: an unrelated request gets a plain answer, not tool talk")
    if kind == "forbidden" and example["forbidden"] not in tools:
        problems.append("forbidden: expected one of the example's tools (the one its rule forbids)")
    if kind == "missing_value" and not problems:
        problems += _missing_value(example)
    return problems


def _missing_value(example: dict[str, Any]) -> list[str]:
    problems = _user_text(example["value"], "value") + _call(example["call"], "call")
    if problems:
        return problems
    call, missing, reply = example["call"], example["missing"], example["reply"].strip()
    if call["name"] not in example["tools"]:
        problems.append(f"call: {call['name']!r} is not among the listed tools")
    if missing not in (TOOLS[call["name"]].parameters.get("required") or []) or missing not in call["arguments"]:
        problems.append(f"missing: {missing!r} is not a required parameter given in the call")
    if not reply.endswith("?") or reply.count("?") != 1:
        problems.append("reply: expected one follow-up question ending with '?'")
    if missing not in GROUNDING.ungrounded_keys(
        call["arguments"], TOOLS[call["name"]].parameters, example["request"], NOW
    ):
        problems.append(f"request: already states {missing!r}")
    return problems + _grounded(call, f"{example['request']}\n{example['value']}", "call")


CHECKS = {"single": _single, "parallel": _parallel, "nested": _nested, "multi_turn": _multi_turn, "no_call": _no_call}


# -- tests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("category", "number", "line"), list(_lines()))
def test_example_line(category: str, number: int, line: str):
    where = f"seeds/examples/{category}.jsonl:{number}"
    assert category in CHECKS, f"{where}: no rules for category {category!r} (expected one of {sorted(CHECKS)})"
    try:
        example = json.loads(line)
    except json.JSONDecodeError as error:
        pytest.fail(f"{where}: invalid JSON: {error.msg}")
    assert isinstance(example, dict), f"{where}: expected a JSON object"
    problems = CHECKS[category](example)
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def test_every_category_has_examples():
    assert {path.stem for path in EXAMPLES.glob("*.jsonl")} >= {"single", "parallel", "multi_turn", "no_call"}


def test_parallel_examples_cover_every_domain():
    domains = {
        TOOLS[call["name"]].domain
        for example in _records("parallel")
        for call in example.get("calls", [])
        if isinstance(call, dict) and call.get("name") in TOOLS
    }
    assert domains >= {tool.domain for tool in TOOLS.values()}


def test_parallel_examples_mix_same_and_different_functions():
    same = Counter(len({call["name"] for call in example["calls"]}) == 1 for example in _records("parallel"))
    assert same[True] >= 5 and same[False] >= 5, same


def test_no_call_examples_hold_every_kind():
    kinds = Counter(example.get("kind") for example in _records("no_call"))
    assert all(kinds[kind] >= 3 for kind in NO_CALL_KINDS), kinds


def test_result_schemas_reach_the_examples_check():
    """A tool seed's `result_schema` is loaded onto SeedTool, so the result rule above really runs."""
    for path in sorted((ROOT / "seeds" / "tools").glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")).get("tools", []):
            if isinstance(item, dict) and "result_schema" in item:
                assert getattr(TOOLS[item["name"]], "result_schema", None) == item["result_schema"], (
                    f"{path.name}: {item['name']}"
                )
