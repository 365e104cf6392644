"""What an eval asks: one item per decision turn, read from our records or from BFCL's files.

An item is the conversation before the turn, the tools offered, and what a right answer is:
- `call`: these calls (possible answers, filters.possible), in any order unless `ordered`;
- `any_call`: some call (BFCL's live_relevance: any call is right);
- `no_call`: words, no call (a no_call record's answer, BFCL's irrelevance files);
- `question`: a question for a missing value (meta.no_call.kind missing_value), no call;
- `decline`: words that say it cannot be done (unavailable_tool, forbidden), no call;
- `confirm`: a yes/no question before a write the system prompt's rules guard, no call yet.
Our records give one item per decision (pipeline.pairs.build.decisions: a follow-up call in a
chain is asked with the reference's earlier steps and results in the prompt, so each step is
scored on its own), except the answers that read tool results: whether their words are right is
a judge's question, and "made no call" alone would be credit for nothing. BFCL's single-turn
files give one item per row, scored against their possible-answer file; its multi-turn, memory
and web-search files are scored by executing their own API classes, which this does not do, so
they are refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from filters.possible import possible_answer
from pipeline import parse
from pipeline.errors import InputError
from pipeline.pairs.build import decisions
from pipeline.pairs.student import decision_kind
from pipeline.record import Conversation, message_dict
from pipeline.seeds import importers

EXPECTS = ("call", "any_call", "no_call", "question", "decline", "confirm")
NO_CALL_KINDS = {"missing_value": "question", "unavailable_tool": "decline", "forbidden": "decline"}
# BFCL categories scored by running BFCL's own API classes: refused (bfcl_items says why)
UNSUPPORTED = ("multi_turn", "memory", "web_search", "format_sensitivity")


@dataclass
class Item:
    """One decision turn to ask a model: the prompt, the tools, and the right answer's shape."""

    id: str  # "<record id>#<turn index>"
    record_id: str
    turn: int
    category: str
    kind: str  # pipeline.pairs.student.KINDS, or the BFCL file's category
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    expect: str  # one of EXPECTS
    answers: list[dict[str, Any]] = field(default_factory=list)  # possible answers when expect == "call"
    ordered: bool = False
    typed: bool = True  # BFCL's Java/JavaScript files name Java types: values are compared, not typed
    aliases: dict[str, str] = field(default_factory=dict)  # a function's original name -> its tool's

    @property
    def schemas(self) -> dict[str, Any]:
        """Function name -> parameters, for the matcher."""
        return {tool["function"]["name"]: tool["function"].get("parameters") or {} for tool in self.tools}

    @property
    def expected_tools(self) -> list[str]:
        """The functions a right answer calls (for the per-tool table)."""
        return [name for answer in self.answers for name in answer]


def record_items(records: Iterable[Conversation]) -> Iterator[Item]:
    """One item per decision turn of each record."""
    for record in records:
        row = record.to_dict()
        info = record.meta.get("no_call") if isinstance(record.meta.get("no_call"), dict) else {}
        ordered_at = {
            ref.get("message"): bool(ref.get("ordered"))
            for ref in record.meta.get("reference") or []
            if isinstance(ref, dict)
        }
        for decision in decisions(record):
            kind = decision_kind(decision)
            if kind == "answer":
                continue
            calls = decision.calls
            if calls:
                expect = "call"
            elif kind == "confirmation":
                expect = "confirm"
            else:
                expect = NO_CALL_KINDS.get(info.get("kind"), "no_call") if kind == "no_call_answer" else "no_call"
            yield Item(
                id=f"{record.id}#{decision.index}",
                record_id=record.id,
                turn=decision.index,
                category=record.category,
                kind=kind,
                messages=dated([message_dict(m) for m in record.messages[: decision.index]], record.meta.get("now")),
                tools=row["tools"],
                expect=expect,
                answers=possible_answer(calls, record.tool_schemas()) if calls else [],
                ordered=ordered_at.get(decision.index, False),
            )


def dated(messages: list[dict[str, Any]], now: Any) -> list[dict[str, Any]]:
    """The prompt with the record's moment (meta.now) said in its system turn ("Today is Monday,
    November 16, 2026."): a record resolves "tomorrow" against meta.now, which none of its messages
    states, and a model can only be asked for a date it could know."""
    try:
        moment = datetime.fromisoformat(str(now).replace("Z", "+00:00"))
    except ValueError:
        return messages
    line = f"Today is {moment.strftime('%A, %B')} {moment.day}, {moment.year}."
    if messages and messages[0].get("role") == "system":
        first = messages[0]
        return [{**first, "content": f"{first.get('content') or ''}\n\n{line}".strip()}, *messages[1:]]
    return [{"role": "system", "content": line}, *messages]


def bfcl_category(path: Path) -> str:
    """The BFCL test category of a data file: BFCL_v4_live_simple.json -> live_simple."""
    stem = path.stem
    for prefix in ("BFCL_v4_", "BFCL_v3_", "BFCL_v2_"):
        stem = stem.removeprefix(prefix)
    return stem


def is_bfcl(rows: list[Any]) -> bool:
    """Whether rows are BFCL questions ({"id", "question", "function"})."""
    return bool(rows) and all(isinstance(r, dict) and "question" in r and "function" in r for r in rows)


def bfcl_items(path: Path, answers_path: Path | None = None) -> list[Item]:
    """The items of a BFCL data file, scored against its possible-answer file (default: the
    `possible_answer/` folder beside it, BFCL's layout). Irrelevance files need none."""
    category = bfcl_category(path)
    if category.startswith(UNSUPPORTED):
        raise InputError(
            f"BFCL's {category} questions are scored by running BFCL's own API classes, not by "
            "matching calls; eval reads its single-turn files (simple, multiple, parallel, live_*, irrelevance)",
            str(path),
        )
    rows = read_json_rows(path)
    expect = "no_call" if "irrelevance" in category else "any_call" if "relevance" in category else "call"
    truth: dict[str, Any] = {}
    if expect == "call":
        answers_path = answers_path or path.parent / "possible_answer" / path.name
        if not answers_path.is_file():
            raise InputError("no possible-answer file (pass --possible-answer FILE)", str(answers_path))
        truth = {
            row.get("id"): row.get("ground_truth") for row in read_json_rows(answers_path) if isinstance(row, dict)
        }
    items = []
    for number, row in enumerate(rows):
        where = f"line {number + 1}"
        if not isinstance(row, dict) or "question" not in row or "function" not in row:
            raise InputError('expected a BFCL row {"id", "question", "function": [...]}', str(path), where)
        functions = importers.convert_functions(row["function"], f"{path} {where}")
        names = {item.original or item.body["name"]: item.body["name"] for item in functions}
        tools = [{"type": "function", "function": item.body} for item in functions]
        answers = []
        if expect == "call":
            if row.get("id") not in truth or not isinstance(truth[row.get("id")], list):
                raise InputError(f"no ground truth for {row.get('id')!r} in the possible-answer file", str(path), where)
            answers = [{names.get(n, n): a for n, a in entry.items()} for entry in truth[row["id"]]]
        turns = row["question"]
        messages = turns[0] if turns and isinstance(turns[0], list) else turns
        items.append(
            Item(
                id=str(row.get("id", number)),
                record_id=str(row.get("id", number)),
                turn=len(messages),
                category=category,
                kind=category,
                messages=[dict(m) for m in messages],
                tools=tools,
                expect=expect,
                answers=answers,
                typed=not category.startswith(("simple_java", "java", "javascript")),
                aliases={original: name for original, name in names.items() if original != name},
            )
        )
    return items


def read_json_rows(path: Path) -> list[Any]:
    """The rows of a JSON Lines file (BFCL names them .json) or of a JSON array; InputError
    naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror}", str(path)) from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = parse.loads(text)
        except (json.JSONDecodeError, parse.StrictError) as error:
            raise InputError(f"invalid JSON: {error}", str(path)) from None
        return data if isinstance(data, list) else [data]
    return [row for _, row in importers.read_jsonl(text, str(path))]
