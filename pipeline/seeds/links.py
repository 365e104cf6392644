"""Links between seed tools: this tool's result field feeds that tool's argument (nested chains).

A seed file's top-level `links` list holds `{"from", "output", "to", "input"}` entries; each is
checked against the loaded tools (both exist, the input is a parameter of the target, the
output path resolves in the source's result_schema, the types agree, the output's listed
values fit the input). Paths are read in records by filters.chain.values_at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from filters.schema import strip_extensions
from pipeline import parse
from pipeline.errors import InputError
from pipeline.resources import display_path
from pipeline.schema_safety import Validator
from pipeline.seeds.tools import DEFS_KEYS, SeedTool, tool_files


@dataclass(frozen=True)
class Link:
    """Tool `source`'s result at path `output` (`a.b`, `[*]` any element, `[0]` one) feeds
    argument `input` (a top-level parameter) of tool `target`: a step of a nested chain."""

    source: str
    output: str
    target: str
    input: str


_LINK_PATH = re.compile(r"[^.\[\]]+(\[(\*|\d+)\])*(\.[^.\[\]]+(\[(\*|\d+)\])*)*")
_LINK_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")


def load_links(paths: list[str] | None, tools: list[SeedTool]) -> list[Link]:
    """The `links` of the files `tool_files(paths)` reads, each checked against `tools`: both
    tools exist, `input` is a parameter of the target, `output` resolves in the source's
    result_schema, the types agree and the output's listed values fit the input."""
    by_name = {tool.name: tool for tool in tools}
    links: list[Link] = []
    for path in tool_files(paths):
        shown = display_path(path)
        try:
            data = parse.loads(path.read_text(encoding="utf-8"))
        except ValueError:  # JSON Lines or unreadable: load_tools reports those; they hold no links
            continue
        raw = data.get("links", []) if isinstance(data, dict) else []
        if not isinstance(raw, list):
            raise InputError("links must be a list", shown, "links")
        for i, item in enumerate(raw):
            link = _check_link(item, by_name, shown, f"links[{i}]")
            if link not in links:
                links.append(link)
    return links


def _check_link(item: Any, tools: dict[str, SeedTool], shown: str, where: str) -> Link:
    keys = ("from", "output", "to", "input")
    if not isinstance(item, dict) or not all(isinstance(item.get(key), str) for key in keys):
        raise InputError('expected {"from", "output", "to", "input"} strings', shown, where)
    for key in ("from", "to"):
        if item[key] not in tools:
            raise InputError(f"unknown tool {item[key]!r}", shown, f"{where}.{key}")
    source, target = tools[item["from"]], tools[item["to"]]
    params = target.parameters
    if item["input"] not in (params.get("properties") or {}):
        raise InputError(f"{target.name} has no parameter {item['input']!r}", shown, f"{where}.input")
    if source.result_schema is None:
        raise InputError(f"{source.name} has no result_schema to link from", shown, f"{where}.from")
    output = _schema_at(source.result_schema, item["output"], shown, f"{where}.output", source.name)
    wanted = _resolve(params, params["properties"][item["input"]])
    given, accepted = _types(source.result_schema, output), _types(params, wanted)
    if accepted and not (
        given and all(t in accepted or (t == "integer" and "number" in accepted) for t in given - {"null"})
    ):
        raise InputError(
            f"{source.name} {item['output']} is {'/'.join(sorted(given)) or 'untyped'} "
            f"but {target.name}.{item['input']} "
            f"takes {'/'.join(sorted(accepted))}",
            shown,
            f"{where}.input",
        )
    defs = {key: params[key] for key in DEFS_KEYS if isinstance(params.get(key), dict)}
    validator = Validator(
        {**strip_extensions(params["properties"][item["input"]]), **defs}, format_checker=Validator.FORMAT_CHECKER
    )
    for key in ("enum", "x-pool", "examples"):
        for value in output.get(key) or []:
            error = next(iter(validator.iter_errors(value)), None)
            if error is not None:
                raise InputError(
                    f"{source.name} {item['output']} lists {value!r}, which {target.name}.{item['input']} rejects: "
                    f"{error.message}",
                    shown,
                    f"{where}.output",
                )
    return Link(source.name, item["output"], target.name, item["input"])


def _resolve(root: dict[str, Any], schema: Any) -> dict[str, Any]:
    """Follow local `#/$defs/NAME` refs (load_tools checked they resolve)."""
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        key, _, name = schema["$ref"][2:].partition("/")
        schema = (root.get(key) or {}).get(name, {})
    return schema if isinstance(schema, dict) else {}


def _schema_at(root: dict[str, Any], output: str, shown: str, where: str, tool: str) -> dict[str, Any]:
    """The sub-schema of `root` at a link path, walking properties and items (and anyOf branches)."""
    if not _LINK_PATH.fullmatch(output):
        raise InputError(f"{output!r} is not a link path (like offers[*].offer_id)", shown, where)
    schema, done = _resolve(root, root), ""
    for key, index in _LINK_STEP.findall(output):
        branches = [schema] + [_resolve(root, b) for b in schema.get("anyOf", []) + schema.get("oneOf", [])]
        if key:
            found = [b["properties"][key] for b in branches if key in (b.get("properties") or {})]
        else:
            found = [b["items"] for b in branches if isinstance(b.get("items"), dict)]
        if not found:
            what = f"no property {key!r}" if key else "no list items"
            raise InputError(f"{tool}'s result_schema has {what} at {done or 'its root'}", shown, where)
        schema, done = _resolve(root, found[0]), done + (f".{key}" if key and done else key or f"[{index}]")
    return schema


def _types(root: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema allows (through $ref, anyOf and oneOf); empty when it says none."""
    schema = _resolve(root, schema)
    declared = schema.get("type")
    if declared is not None:
        return set(declared) if isinstance(declared, list) else {declared}
    found: set[str] = set()
    for branch in schema.get("anyOf", []) + schema.get("oneOf", []):
        found |= _types(root, branch)
    return found
