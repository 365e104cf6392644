"""Our test split as BFCL files, so BFCL's own checker can score a model on it too.

Each item whose prompt is only system and user turns becomes one question row of the BFCL
category its shape matches, written the way BFCL's data folder has them:
`BFCL_v4_<category>.json` (JSON Lines of `{"id", "question": [[messages]], "function": [...]}`,
parameter types in BFCL's names: dict, float, any) and `possible_answer/BFCL_v4_<category>.json`
(`{"id", "ground_truth": [...]}`). Categories: simple_python (one tool, one call), multiple (one
call among several tools), parallel (several calls of one tool), parallel_multiple, and irrelevance
(no call is right). Items that need earlier calls and results in the prompt (a chain's later step,
a later turn of a conversation) or a confirmation have no BFCL category and are counted as left out.
`pipeline.eval.items.bfcl_items` reads the files back (the round trip is tested).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pipeline.eval.items import Item
from pipeline.writer import atomic_folder, write_jsonl

VERSION = "BFCL_v4"
_TYPES = {"object": "dict", "number": "float"}


def inline_refs(schema: Any, root: Any = None, depth: int = 0) -> Any:
    """`schema` with each local `$ref` (#/$defs/x, #/definitions/x) replaced by what it names (its
    sibling keys kept) and the definitions dropped: BFCL's format has no references. A reference
    still open 8 levels down (a recursive type) becomes a schema without a type."""
    root = schema if root is None else root
    if isinstance(schema, list):
        return [inline_refs(item, root, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(("#/$defs/", "#/definitions/")):
        section, _, name = ref[2:].partition("/")
        target = (root.get(section) or {}).get(name) if isinstance(root, dict) else None
        siblings = {key: value for key, value in schema.items() if key != "$ref"}
        if not isinstance(target, dict) or depth >= 8:
            return inline_refs(siblings, root, depth)
        return {**inline_refs(target, root, depth + 1), **inline_refs(siblings, root, depth)}
    return {
        key: inline_refs(value, root, depth) for key, value in schema.items() if key not in ("$defs", "definitions")
    }


def bfcl_schema(schema: Any) -> Any:
    """A JSON Schema in BFCL's type names (object -> dict, number -> float, no type -> any; a
    nullable type is its other type: BFCL has no unions)."""
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            kinds = [kind for kind in (value if isinstance(value, list) else [value]) if kind != "null"] or ["null"]
            out["type"] = _TYPES.get(kinds[0], kinds[0])
        elif key in ("properties", "$defs") and isinstance(value, dict):
            out[key] = {name: bfcl_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = bfcl_schema(value)
        elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            out[key] = [bfcl_schema(sub) for sub in value]
        else:
            out[key] = value
    if "properties" in out or out.get("type") == "dict":
        out.setdefault("type", "dict")
        out.setdefault("properties", {})
        out.setdefault("required", [])  # BFCL's checker reads it unconditionally
    elif "type" not in out:
        out["type"] = "any"
    return out


def category_of(item: Item) -> str | None:
    """The BFCL category of an item, or None when BFCL has none for its shape."""
    if any(message.get("role") not in ("system", "user") for message in item.messages):
        return None
    if item.expect in ("no_call", "question", "decline"):
        return "irrelevance"
    if item.expect != "call":
        return None
    several_tools = len(item.tools) > 1
    if len(item.answers) == 1:
        return "multiple" if several_tools else "simple_python"
    return "parallel_multiple" if several_tools else "parallel"


def write_bfcl(items: list[Item], folder: Path) -> dict[str, Any]:
    """Write the BFCL files of `items` as `folder` (replacing it whole); what was written and left
    out, per category."""
    questions: dict[str, list[str]] = defaultdict(list)
    answers: dict[str, list[str]] = defaultdict(list)
    left_out: Counter = Counter()
    for item in items:
        category = category_of(item)
        if category is None:
            left_out[item.kind] += 1
            continue
        row_id = f"{category}_{len(questions[category])}"
        functions = [
            {**tool["function"], "parameters": bfcl_schema(inline_refs(tool["function"].get("parameters") or {}))}
            for tool in item.tools
        ]
        question = {"id": row_id, "source_id": item.id, "question": [item.messages], "function": functions}
        questions[category].append(json.dumps(question, ensure_ascii=False))
        if category != "irrelevance":
            answers[category].append(json.dumps({"id": row_id, "ground_truth": item.answers}, ensure_ascii=False))
    folder.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(folder) as staging:  # the whole folder or none of it
        (staging / "possible_answer").mkdir()
        for category, rows in questions.items():
            write_jsonl(staging / f"{VERSION}_{category}.json", rows)
            if answers[category]:
                write_jsonl(staging / "possible_answer" / f"{VERSION}_{category}.json", answers[category])
    return {
        "written": {category: len(rows) for category, rows in sorted(questions.items())},
        "left_out": dict(left_out),
    }
