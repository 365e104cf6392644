"""Links between seed tools: the item a user picks from this tool's result feeds that tool's
arguments (nested chains).

A seed file's top-level `links` list holds link groups:

    {"from": "search_hotels", "to": "book_hotel", "items": "hotels[*]",
     "inputs": {"hotel_id": "hotel_id", "room_type": "room_types[0]"},
     "select": ["first", "cheapest:price_per_night", "highest_rated:guest_rating"],
     "intent": "book a room at a hotel the search found"}

`items` is the path of the things a user chooses among (`[*]` any element; omitted when the
result itself is the one thing, a booking); `inputs` maps each argument of `to` to its path inside
the chosen item ("" the item itself); every input comes from the same item. `select` lists the
rules a request may state to choose it (filters.selection); `intent` says why a person runs the
two calls in a row. An old single link `{"from", "output", "to", "input"}` still loads: a group
of one whose items are `output` up to its last `[*]`, selected `first`, without an intent.

Each group is checked against the loaded tools (both exist, each input is a parameter of the
target, each path resolves in the source's result_schema, the types agree, the output's listed
values fit the input, each rule's field exists and fits the rule). Paths are read in records by
filters.chain.values_at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from filters.schema import strip_extensions
from filters.selection import RULES, parse_rule
from pipeline import parse
from pipeline.errors import InputError
from pipeline.resources import display_path
from pipeline.schema_safety import Validator
from pipeline.seeds.tools import DEFS_KEYS, SeedTool, tool_files


@dataclass(frozen=True)
class Link:
    """A link group: the item of tool `source`'s result at `items` that a `select` rule picks
    feeds the `inputs` (target argument, path in the item) of tool `target`."""

    source: str
    target: str
    items: str
    inputs: tuple[tuple[str, str], ...]
    select: tuple[str, ...] = ("first",)
    intent: str = ""

    def output(self, value: str) -> str:
        """The full result path of an item path (`hotels[*]` + `hotel_id`)."""
        if not self.items:
            return value
        return f"{self.items}.{value}" if value and not value.startswith("[") else self.items + value


_LINK_PATH = re.compile(r"[^.\[\]]+(\[(\*|\d+)\])*(\.[^.\[\]]+(\[(\*|\d+)\])*)*")
_LINK_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+)\]")
_GROUP_KEYS = {"from", "to", "items", "inputs", "select", "intent"}


def load_links(paths: list[str] | None, tools: list[SeedTool]) -> list[Link]:
    """The link groups of the files `tool_files(paths)` reads, each checked against `tools`."""
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
            _merge(links, link)
    return links


def _merge(links: list[Link], link: Link) -> None:
    """Old single links between the same tools and items join one group (a slot's start and end),
    unless they feed the same input (two sources of one price stay two groups)."""
    for number, other in enumerate(links):
        same_place = (other.source, other.target, other.items) == (link.source, link.target, link.items)
        if same_place and set(link.inputs) <= set(other.inputs) and link.intent == other.intent:
            return  # a repeat counts once
        if (
            same_place
            and not (other.intent or link.intent)
            and not {key for key, _ in other.inputs} & {key for key, _ in link.inputs}
        ):
            inputs = other.inputs + tuple(pair for pair in link.inputs if pair not in other.inputs)
            links[number] = Link(other.source, other.target, other.items, inputs, other.select)
            return
    if link not in links:
        links.append(link)


def _split_output(output: str) -> tuple[str, str]:
    """`offers[*].offer_id` -> (`offers[*]`, `offer_id`): the items are the path up to its last `[*]`."""
    at = output.rfind("[*]")
    if at == -1:
        return "", output
    return output[: at + 3], output[at + 3 :].removeprefix(".")


def _check_link(item: Any, tools: dict[str, SeedTool], shown: str, where: str) -> Link:
    if isinstance(item, dict) and "inputs" in item:
        return _check_group(item, tools, shown, where)
    keys = ("from", "output", "to", "input")
    if not isinstance(item, dict) or not all(isinstance(item.get(key), str) for key in keys):
        raise InputError(
            'expected a link group {"from", "to", "items", "inputs", "select", "intent"} '
            'or a link {"from", "output", "to", "input"}',
            shown,
            where,
        )
    source, target = _tools(item, tools, shown, where)
    _schema_at(source.result_schema, item["output"], shown, f"{where}.output", source.name)
    items, value = _split_output(item["output"])
    _check_input(source, target, item["output"], item["input"], shown, f"{where}.input", f"{where}.output")
    return Link(source.name, target.name, items, ((item["input"], value),))


def _tools(item: dict[str, Any], tools: dict[str, SeedTool], shown: str, where: str) -> tuple[SeedTool, SeedTool]:
    for key in ("from", "to"):
        if not isinstance(item.get(key), str):
            raise InputError(f"{key} must be a tool name", shown, f"{where}.{key}")
        if item[key] not in tools:
            raise InputError(f"unknown tool {item[key]!r}", shown, f"{where}.{key}")
    source = tools[item["from"]]
    if source.result_schema is None:
        raise InputError(f"{source.name} has no result_schema to link from", shown, f"{where}.from")
    return source, tools[item["to"]]


def _check_group(item: dict[str, Any], tools: dict[str, SeedTool], shown: str, where: str) -> Link:
    unknown = sorted(set(item) - _GROUP_KEYS)
    if unknown:
        raise InputError(f"unknown key {unknown[0]!r} in a link group", shown, f"{where}.{unknown[0]}")
    source, target = _tools(item, tools, shown, where)
    items = item.get("items", "")
    if not isinstance(items, str) or (items and not items.endswith("[*]")):
        raise InputError("items must be a path ending in [*] (like hotels[*])", shown, f"{where}.items")
    if items:
        _schema_at(source.result_schema, items, shown, f"{where}.items", source.name)
    inputs = item["inputs"]
    if not isinstance(inputs, dict) or not inputs or not all(isinstance(v, str) for v in inputs.values()):
        raise InputError('inputs must map argument names to item paths ({"hotel_id": "hotel_id"})', shown, where)
    pairs = []
    for key, value in inputs.items():
        output = Link(source.name, target.name, items, ()).output(value)
        if not output:
            raise InputError("an input of a single result needs a path", shown, f"{where}.inputs.{key}")
        _schema_at(source.result_schema, output, shown, f"{where}.inputs.{key}", source.name)
        _check_input(source, target, output, key, shown, f"{where}.inputs.{key}", f"{where}.inputs.{key}")
        pairs.append((key, value))
    select = item.get("select", ["first"])
    if not isinstance(select, list) or not select or not all(isinstance(rule, str) for rule in select):
        raise InputError("select must be a non-empty list of rules like 'first'", shown, f"{where}.select")
    for number, rule in enumerate(select):
        _check_rule(source, items, rule, shown, f"{where}.select[{number}]")
    intent = item.get("intent")
    if not isinstance(intent, str) or not intent.strip():
        raise InputError("a link group needs an intent: why a person runs these two calls", shown, f"{where}.intent")
    return Link(source.name, target.name, items, tuple(pairs), tuple(select), intent.strip())


def _check_rule(source: SeedTool, items: str, rule: str, shown: str, where: str) -> None:
    try:
        parsed = parse_rule(rule)
    except ValueError as error:
        raise InputError(f"{error} (rules: {', '.join(RULES)})", shown, where) from None
    if parsed["rule"] == "first":
        return
    if not items:
        raise InputError(f"{rule!r} needs items to choose among", shown, where)
    schema = _schema_at(source.result_schema, f"{items}.{parsed['field']}", shown, where, source.name)
    kinds = _types(source.result_schema, schema)
    if parsed["rule"] in ("cheapest", "highest_rated", "nearest") and not kinds & {"number", "integer"}:
        raise InputError(f"{rule!r} needs a numeric field", shown, where)
    if parsed["rule"] == "where" and schema.get("enum") and parsed["value"] not in schema["enum"]:
        raise InputError(f"{parsed['value']!r} is not one of {parsed['field']}'s values", shown, where)
    if parsed["rule"] == "matching" and not any(schema.get(key) for key in ("x-pool", "examples", "enum")):
        raise InputError(f"{rule!r} needs names to draw: give {parsed['field']} an x-pool", shown, where)


def _check_input(
    source: SeedTool, target: SeedTool, output_path: str, input_name: str, shown: str, at: str, output_at: str
) -> None:
    """The input is a parameter of the target that the output's type and listed values fit
    (errors at `at`, or `output_at` for what the output lists)."""
    params = target.parameters
    if input_name not in (params.get("properties") or {}):
        raise InputError(f"{target.name} has no parameter {input_name!r}", shown, at)
    output = _schema_at(source.result_schema, output_path, shown, output_at, source.name)
    wanted = _resolve(params, params["properties"][input_name])
    given, accepted = _types(source.result_schema, output), _types(params, wanted)
    if accepted and not (
        given and all(t in accepted or (t == "integer" and "number" in accepted) for t in given - {"null"})
    ):
        raise InputError(
            f"{source.name} {output_path} is {'/'.join(sorted(given)) or 'untyped'} "
            f"but {target.name}.{input_name} "
            f"takes {'/'.join(sorted(accepted))}",
            shown,
            at,
        )
    defs = {key: params[key] for key in DEFS_KEYS if isinstance(params.get(key), dict)}
    validator = Validator(
        {**strip_extensions(params["properties"][input_name]), **defs}, format_checker=Validator.FORMAT_CHECKER
    )
    # a field the source call sets itself (its result echoes it) is planned to a value the target
    # accepts (pipeline.shapes._plan_echoed_inputs): one accepted listed value is enough
    echoed = output_path in (source.parameters.get("properties") or {})
    listed = [value for key in ("enum", "x-pool", "examples") for value in output.get(key) or []]
    errors = [(value, next(iter(validator.iter_errors(value)), None)) for value in listed]
    rejected = [(value, error) for value, error in errors if error is not None]
    if rejected and (not echoed or len(rejected) == len(listed)):
        value, error = rejected[0]
        raise InputError(
            f"{source.name} {output_path} lists {value!r}, which {target.name}.{input_name} rejects: {error.message}",
            shown,
            output_at,
        )


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


def item_field_schema(tool: SeedTool, items: str, field: str) -> dict[str, Any]:
    """The result-schema of `field` in one item at `items` of `tool`'s result (load_links checked it resolves)."""
    path = f"{items}.{field}" if items else field
    return _schema_at(tool.result_schema or {}, path, tool.name, "", tool.name)
