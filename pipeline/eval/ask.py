"""How an item is put to a model, and how its answer is read back.

Two prompt styles:
- `native`: the OpenAI chat API with `tools` (the conversation as pipeline.export's openai rows
  have it); the answer's `tool_calls` are the calls.
- `text`: the Hermes prompt (tools in the system turn, earlier calls in `<tool_call>` blocks,
  results in `<tool_response>` blocks, sent as user turns) for endpoints or models without tool
  support; the calls are read from the answer's text: `<tool_call>{"name", "arguments"}</tool_call>`
  blocks, a bare JSON call (a list of them, one per line, or inside a ```json fence), or a Python
  call list `[f(a=1), g(b="x")]` (read with `ast`, literal values only: nothing is evaluated).
An answer that tries to call but cannot be read (broken JSON that names a function, arguments that
are not an object, a Python call with positional, repeated or non-literal arguments, or values JSON
has not: bytes, sets) is `unreadable` with the reason; anything else is words, without calls.
"""

from __future__ import annotations

import ast
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline import parse
from pipeline.backends.base import ChatRequest
from pipeline.eval.items import Item
from pipeline.export.exporters import TextOptions, hermes, openai_sft

STYLES = ("native", "text")
_TEXT_ROLES = {"system": "system", "human": "user", "gpt": "assistant", "tool": "user"}
_BLOCK = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_THINK = re.compile(r"<think>.*?</think>", re.S)
_CALL_KEY = re.compile(r"[\"'](?:name|function|tool_calls)[\"']\s*:")
_FENCE = re.compile(r"^```[\w-]*\s*\n(.*?)\n?```$", re.S)


@dataclass
class Answer:
    """A model's answer: its words, its calls ({"name", "arguments"}), or why it could not be read."""

    content: str | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)
    unreadable: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"content": self.content, "calls": self.calls}
        if self.unreadable:
            out["unreadable"] = self.unreadable
        return out


def request_for(item: Item, style: str, temperature: float = 0.0, max_tokens: int = 512) -> ChatRequest:
    """The item's prompt in `style` ("native" or "text")."""
    record = {"id": item.record_id, "messages": item.messages, "tools": item.tools}
    if style == "native":
        return ChatRequest(openai_sft(record, TextOptions())["messages"], temperature, max_tokens, tools=item.tools)
    turns = hermes(record, TextOptions())["conversations"]
    messages = [{"role": _TEXT_ROLES[turn["from"]], "content": turn["value"]} for turn in turns]
    return ChatRequest(messages, temperature, max_tokens)


def read_native(text: str) -> Answer:
    """The transport's message JSON ({"content", "tool_calls"}) as an Answer."""
    message = json.loads(text)
    answer = Answer(content=message.get("content"))
    for number, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            return Answer(answer.content, [], f"tool call {number} has no function name")
        arguments = _arguments(function.get("arguments"))
        if not isinstance(arguments, dict):
            return Answer(answer.content, [], f"the arguments of {function['name']} are not a JSON object")
        answer.calls.append({"name": function["name"], "arguments": arguments})
    return answer


def read_text(text: str) -> Answer:
    """Calls written in an answer's text (see the module's docstring), or its words."""
    visible = _THINK.sub("", text).strip()
    blocks = _BLOCK.findall(visible)
    if blocks:
        calls = []
        for block in blocks:
            found = _json_calls(block)
            if isinstance(found, str):
                return Answer(visible, [], f"<tool_call> block: {found}")
            calls.extend(found)
        words = _BLOCK.sub("", visible).strip()
        return Answer(words or None, calls)
    fenced = _FENCE.match(visible)
    code = fenced.group(1).strip() if fenced else visible
    if not code.startswith(("{", "[")):
        return Answer(visible or None, [])
    found = _python_calls(code) if _looks_pythonic(code) else _json_calls(code)
    if isinstance(found, str) and code.startswith("{"):  # one JSON call per line
        lines = [_json_calls(line) for line in code.splitlines() if line.strip()]
        found = found if any(isinstance(one, str) for one in lines) else [c for one in lines for c in one]
    if isinstance(found, str) and not _looks_pythonic(code) and not _CALL_KEY.search(code):
        return Answer(visible, [])  # "[1] Paris is the capital.", {"answer": 4}: words, not a call
    return Answer(None, [], found) if isinstance(found, str) else Answer(None, found)


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse.loads(value) if value.strip() else {}
        except ValueError:
            return value
    return {} if value is None else value


def _json_calls(text: str) -> list[dict[str, Any]] | str:
    """The calls of a JSON call, list of calls or {"tool_calls": [...]}; a reason when it is none."""
    try:
        data = parse.loads(text)
    except (ValueError, parse.StrictError) as error:
        return f"not JSON ({str(error)[:80]})"
    items = data.get("tool_calls") if isinstance(data, dict) and "tool_calls" in data else data
    items = items if isinstance(items, list) else [items]
    calls = []
    for item in items:
        inner = item.get("function", item) if isinstance(item, dict) else None
        if not isinstance(inner, dict) or not isinstance(inner.get("name"), str):
            return 'a call must be {"name": ..., "arguments": {...}}'
        arguments = _arguments(inner.get("arguments", inner.get("parameters")))
        if not isinstance(arguments, dict):
            return f"the arguments of {inner['name']} are not a JSON object"
        calls.append({"name": inner["name"], "arguments": arguments})
    return calls


def _looks_pythonic(text: str) -> bool:
    return bool(re.match(r"\[\s*[A-Za-z_][\w.]*\s*\(", text))


def _python_calls(text: str) -> list[dict[str, Any]] | str:
    """`[f(a=1), g(b='x')]` as calls: keyword arguments with literal values only (ast, never eval)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        return f"not a Python call list ({error.msg})"
    nodes = tree.body.elts if isinstance(tree.body, (ast.List, ast.Tuple)) else [tree.body]
    calls = []
    for node in nodes:
        if not isinstance(node, ast.Call) or node.args:
            return "a Python call takes keyword arguments only: [f(a=1)]"
        name = _dotted(node.func)
        if name is None:
            return "a call's function must be a name"
        names = [kw.arg for kw in node.keywords]
        if None in names or len(set(names)) != len(names):
            return f"the arguments of {name} must be distinct keywords (no **, no repeats)"
        try:
            arguments = {kw.arg: _json_like(ast.literal_eval(kw.value)) for kw in node.keywords}
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return f"the arguments of {name} are not literal JSON values"
        calls.append({"name": name, "arguments": arguments})
    return calls


def _json_like(value: Any) -> Any:
    """A literal as a JSON value (tuples become lists); ValueError for what JSON has not (bytes,
    sets, complex numbers, `...`, non-finite floats, keys that are not strings)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_like(item) for item in value]
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {key: _json_like(item) for key, item in value.items()}
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None
