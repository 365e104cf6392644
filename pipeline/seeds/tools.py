"""Load and check tool seeds and few-shot examples.

A tools file (JSON, or YAML: .yaml / .yml) may hold: our seed format (`{"domain", "tools": [{name,
description, read_only, parameters}]}`), an OpenAI `tools` array, bare function schemas (a list or
one object), an MCP `tools/list` result (`{"tools": [{name, description, inputSchema,
outputSchema, annotations}]}`, optionally inside a JSON-RPC `result`), an OpenAPI 3.0/3.1
document (pipeline.seeds.openapi: one tool per operation), or BFCL / xLAM files
(pipeline.seeds.importers). `$schema` and `$id` keys are dropped from the schemas. Every problem
is an InputError naming the file and the JSON path.

A tool may also carry a `result_schema` (what it returns) and an `executor`
("relative/file.py:function", resolved against the tools file's folder; pipeline.execute runs
it), and a file its `links` (`{"from", "output", "to", "input"}`: nested chains, see load_links).
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from filters.roles import role_problems
from filters.schema import DATA_KEYS, iter_refs, schema_problem, strip_extensions
from pipeline import log, parse
from pipeline.errors import InputError
from pipeline.record import FunctionSpec, Tool, append_path, json_path, tool_name_problem
from pipeline.resources import data_dir, display_path
from pipeline.schema_safety import SCHEMA_MAPS, Validator, schema_limits_problem
from pipeline.seeds import importers, openapi, sidecar
from pipeline.seeds.entities import bind_entities, bundled_entities
from pipeline.seeds.roles import infer_roles

JSON_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}
YAML_SUFFIXES = (".yaml", ".yml")
TOOL_SUFFIXES = (".json", ".jsonl", *YAML_SUFFIXES)
SCHEMA_META = ("$schema", "$id")  # a schema's dialect and identity: nothing a record or a model needs
DEFS_KEYS = ("$defs", "definitions")  # the only places a seed's $ref may point into


@dataclass
class SeedTool:
    """A tool as the seeds describe it, with its seed-only extras (pools, aliases, read_only)."""

    name: str
    description: str
    parameters: dict[str, Any]
    read_only: bool = False
    domain: str = ""
    source: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
    result_schema: dict[str, Any] | None = None  # JSON Schema of what the tool returns (seed key `result_schema`)
    executor: str | None = None  # "/abs/path/file.py:function" that really runs the tool (seed key `executor`)
    original_name: str | None = None  # the name in an imported file before mapping (e.g. BFCL "math.factorial")

    def to_tool(self) -> Tool:
        """The record-facing tool: only type and function{name, description, parameters}."""
        return Tool(
            function=FunctionSpec(
                name=self.name, description=self.description, parameters=strip_extensions(self.parameters)
            )
        )


def tool_files(paths: list[str] | None) -> list[Path]:
    """The tool files to read: the given files and folders, or the bundled seeds/tools/.
    Folders give their .json, .jsonl, .yaml and .yml files, minus value sidecars (*.values.json)."""
    if not paths:
        return _tool_files_in(data_dir("seeds") / "tools")
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = _tool_files_in(path)
            if not found:
                raise InputError("folder holds no .json, .jsonl, .yaml or .yml tool files", display_path(path))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("no such file or folder", raw)
    return files


def _tool_files_in(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file() and path.suffix in TOOL_SUFFIXES and not path.name.endswith(sidecar.SUFFIX)
    )


def load_tools(
    paths: list[str] | None = None, sidecars: bool = True, executors: list[str] | None = None
) -> list[SeedTool]:
    """Read and check every tool; names must be unique across all files. With `sidecars`, each
    file's value sidecar (pipeline.sidecar) fills the x-pool of parameters that have none.

    `executors` is for a caller that runs executors: the files and folders the user allowed
    (`--executors`, beside the bundled seeds/executors); a tool naming code elsewhere is an
    InputError saying how to allow it. Without it (None) no executor is kept: the caller runs none."""
    allowed = None if executors is None else allowed_executors(executors)
    tables = bundled_entities()
    tools: list[SeedTool] = []
    seen: dict[str, str] = {}
    for path in tool_files(paths):
        found = _read_file(path, allowed)
        if sidecars:
            side = sidecar.sidecar_path(path)
            sidecar.apply_sidecar(side, display_path(side), [tool for tool, _ in found])
        for tool, where in found:
            shown = display_path(path)
            if tool.name in seen:
                raise InputError(
                    f"duplicate tool name {tool.name!r} (also in {seen[tool.name]})", shown, f"{where}.name"
                )
            seen[tool.name] = f"{shown} {where}"
            for path, message in role_problems(tool.parameters)[:1]:
                raise InputError(message, shown, f"{where}.parameters.{path}")
            inferred = infer_roles(tool.parameters, tool.name, tool.description, tables)
            if inferred:
                tool.extras["inferred_roles"] = inferred
            bind_entities(tool.parameters, tables, shown, where)
            tools.append(tool)
    if not tools:
        raise InputError("no tools found", ", ".join(paths or ["seeds/tools"]))
    return tools


def run_tools(manifest: dict[str, Any], executors: list[str] | None = None) -> list[SeedTool]:
    """The tools of a finished run, read again from the tool files its manifest names (the
    bundled seeds when it named none); [] when those files moved or no longer read. No executor
    is kept (nothing runs) unless `executors` (load_tools's) allows them."""
    try:
        return load_tools((manifest.get("config") or {}).get("tools") or None, sidecars=False, executors=executors)
    except (InputError, OSError):
        return []


def alias_table(tools: list[SeedTool]) -> dict[str, list[str]]:
    """Value -> the names users give it, from every parameter's `x-aliases` (merged)."""
    table: dict[str, list[str]] = {}
    stack = [tool.parameters for tool in tools]
    while stack:
        schema = stack.pop()
        if isinstance(schema, list):
            stack.extend(schema)
        elif isinstance(schema, dict):
            aliases = schema.get("x-aliases")
            if isinstance(aliases, dict):
                for value, names in aliases.items():
                    known = table.setdefault(str(value), [])
                    known.extend(
                        name
                        for name in (names if isinstance(names, list) else [names])
                        if isinstance(name, str) and name not in known
                    )
            stack.extend(value for key, value in schema.items() if key != "x-aliases")
    return table


def allowed_executors(paths: list[str]) -> list[Path]:
    """The bundled executors folder and each path the user allowed, resolved (each must exist)."""
    allowed = [(data_dir("seeds") / "executors").resolve()]
    for raw in paths:
        if not Path(raw).exists():
            raise InputError("no such file or folder", raw, "executors")
        allowed.append(Path(raw).resolve())
    return allowed


def _read_file(path: Path, allowed: list[Path] | None) -> list[tuple[SeedTool, str]]:
    shown, jsonl = display_path(path), path.suffix == ".jsonl"
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix in YAML_SUFFIXES:
            data = parse.json_types(parse.load_yaml(text))
        else:
            data = importers.read_jsonl(text, shown) if jsonl else parse.loads(text)
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text ({error.reason})", shown) from None
    except parse.StrictError as error:
        raise InputError(error.message, shown, error.path) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InputError(f"invalid YAML: {getattr(error, 'problem', None) or error}{where}", shown) from None
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise InputError(f"invalid JSON: {error.msg} (line {error.lineno}, column {error.colno})", shown) from None
        data, jsonl = importers.read_jsonl(text, shown), True  # BFCL ships JSON Lines under .json names
    if openapi.is_openapi(data):
        imported = openapi.convert(data, shown)
    else:
        imported = importers.convert(data, shown, jsonl)  # BFCL and xLAM shapes; None for ours
    if imported is not None:
        return [
            (
                _imported(item, shown, path.stem, allowed),
                f"{item.label.removeprefix(shown).strip()} {item.path}".strip(),
            )
            for item in imported
        ]
    domain = data.get("domain", path.stem) if isinstance(data, dict) else path.stem
    items, prefix = _tool_items(data, shown)
    return [
        (_parse_tool(item, f"{prefix}[{i}]", shown, str(domain), allowed), f"{prefix}[{i}]")
        for i, item in enumerate(items)
    ]


def _imported(item: importers.Imported, shown: str, domain: str, allowed: list[Path] | None) -> SeedTool:
    tool = _parse_tool(item.body, item.path, item.label, domain, allowed)
    tool.source, tool.original_name = shown, item.original
    return tool


def _tool_items(data: Any, shown: str) -> tuple[list[Any], str]:
    """Find the list of tools in any of the accepted shapes; returns it and its JSON path."""
    if isinstance(data, list):
        return data, ""
    if isinstance(data, dict):
        if isinstance(data.get("result"), dict) and "tools" in data["result"]:
            data, prefix = data["result"], "result.tools"
        else:
            prefix = "tools"
        if "tools" in data:
            if not isinstance(data["tools"], list):
                raise InputError("expected a list of tools", shown, prefix)
            return data["tools"], prefix
        if "name" in data or "function" in data:
            return [data], ""
    raise InputError('expected a list of tools, {"tools": [...]}, or one function schema', shown)


def _parse_tool(item: Any, where: str, shown: str, domain: str, allowed: list[Path] | None) -> SeedTool:
    if not isinstance(item, dict):
        raise InputError("expected an object", shown, where)
    body, path = item, where
    if item.get("type") == "function" and isinstance(item.get("function"), dict):
        body, path = item["function"], f"{where}.function"
    name = body.get("name")
    problem = tool_name_problem(name)
    if problem is not None:
        raise InputError(problem, shown, f"{path}.name")
    description = body.get("description", "")
    if not isinstance(description, str):
        raise InputError("description must be a string", shown, f"{path}.description")
    annotations = body.get("annotations") if isinstance(body.get("annotations"), dict) else {}
    if not description.strip() and isinstance(annotations.get("title"), str):
        description = annotations["title"].strip()  # MCP's human-readable title, where there is no description
    if not description.strip():
        log.LOGGER.warning(
            "%s: %s.description: empty; the teacher and the trained model see only the name %r", shown, path, name
        )
    key = "inputSchema" if "inputSchema" in body and "parameters" not in body else "parameters"
    parameters = without_meta(body.get(key, {"type": "object", "properties": {}}))
    check_parameters(parameters, shown, f"{path}.{key}")
    read_only = body.get("read_only", annotations.get("readOnlyHint", False))
    if not isinstance(read_only, bool):
        raise InputError("read_only must be true or false", shown, f"{path}.read_only")
    result_key = "outputSchema" if "outputSchema" in body and "result_schema" not in body else "result_schema"
    result_schema = without_meta(body.get(result_key))  # MCP's outputSchema: what the tool returns
    if result_schema is not None:
        check_json_schema(result_schema, shown, f"{path}.{result_key}")
    executor = _executor(body.get("executor"), shown, f"{path}.executor", allowed)
    return SeedTool(
        name, description, parameters, read_only, domain, shown, result_schema=result_schema, executor=executor
    )


def without_meta(schema: Any) -> Any:
    """`schema` without `$schema` and `$id` keys at any depth (values under enum, const, default and
    examples are data, kept as they are)."""
    if isinstance(schema, list):
        return [without_meta(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in SCHEMA_META:
            continue
        if key in DATA_KEYS:
            out[key] = value
        elif key in SCHEMA_MAPS and isinstance(value, dict):  # property names, not keywords
            out[key] = {name: without_meta(sub) for name, sub in value.items()}
        else:
            out[key] = without_meta(value)
    return out


def _executor(spec: Any, shown: str, where: str, allowed: list[Path] | None) -> str | None:
    """Resolve `"relative/file.py:function"` against the tools file's folder to `"/abs/file.py:function"`;
    the file must lie in an allowed folder (None: checked, then dropped, since nothing will run it)."""
    if spec is None:
        return None
    file, _, function = spec.rpartition(":") if isinstance(spec, str) else ("", "", "")
    if not file or not function.isidentifier() or keyword.iskeyword(function):
        raise InputError(f'executor must be "path/to/file.py:function", not {spec!r}', shown, where)
    target = (Path(shown).resolve().parent / file).resolve()
    if not target.is_file():
        raise InputError(f"executor file {file!r} does not exist (looked for {target})", shown, where)
    if allowed is None:
        return None
    if not any(target == root or root in target.parents for root in allowed):
        folder = display_path(target.parent)
        raise InputError(
            f"executor {file!r} is Python code nobody allowed to run; to run it, pass --executors {folder} "
            f"(or `executors: [{folder}]` in a job file)",
            shown,
            where,
        )
    return f"{target}:{function}"


def check_parameters(schema: Any, shown: str, where: str) -> None:
    """Raise InputError unless `schema` is a valid JSON Schema for an arguments object."""
    if not isinstance(schema, dict):
        raise InputError("parameters must be a JSON Schema object", shown, where)
    if schema.get("type", "object") != "object":
        raise InputError(f"parameters must have type 'object', not {schema.get('type')!r}", shown, where)
    check_json_schema(schema, shown, where)


def check_json_schema(schema: Any, shown: str, where: str) -> None:
    """Raise InputError unless `schema` is a valid JSON Schema of any type (within the limits of
    pipeline.schema_safety, types, keywords, local $refs, no $ref cycle, x-pool and examples values
    that fit); used for result schemas too."""
    if not isinstance(schema, dict):
        raise InputError("expected a JSON Schema object", shown, where)
    limits = schema_limits_problem(schema)  # first: the checks below recurse, and match patterns
    if limits is not None:
        raise InputError(limits[1], shown, where + _suffix(limits[0]))
    _check_types(schema, shown, where)
    try:
        Draft202012Validator.check_schema(strip_extensions(schema))
    except SchemaError as error:
        raise InputError(error.message, shown, where + _suffix(error.path)) from None
    _check_refs(schema, shown, where)
    problem = schema_problem(strip_extensions(schema))  # what is left: a $ref cycle
    if problem is not None:
        raise InputError(problem[1], shown, append_path(where, problem[0]))
    defs = {key: schema[key] for key in DEFS_KEYS if isinstance(schema.get(key), dict)}
    _check_values(schema, defs, shown, where)


def _suffix(parts) -> str:
    return append_path("", json_path(list(parts)))


def _check_types(schema: Any, shown: str, where: str) -> None:
    """Name an unknown `type` precisely (jsonschema's own message is vague)."""
    if isinstance(schema, list):
        for i, item in enumerate(schema):
            _check_types(item, shown, f"{where}[{i}]")
        return
    if not isinstance(schema, dict):
        return
    declared = schema.get("type")
    for value in declared if isinstance(declared, list) else [declared]:
        if value is not None and value not in JSON_TYPES:
            raise InputError(f"{value!r} is not a valid type", shown, where)
    for key, value in schema.items():
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
            for name, sub in value.items():
                _check_types(sub, shown, f"{where}.{key}.{name}")
        elif key in ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf", "prefixItems"):
            _check_types(value, shown, f"{where}.{key}")


def _check_refs(schema: dict[str, Any], shown: str, where: str) -> None:
    """Every $ref is local, `#/$defs/NAME` or `#/definitions/NAME`, and NAME exists there."""
    for parts, ref in iter_refs(schema):
        key, _, name = ref[2:].partition("/") if ref.startswith("#/") else ("", "", "")
        if key not in DEFS_KEYS or "/" in name or name not in (schema.get(key) or {}):
            hint = (
                ""
                if key in DEFS_KEYS and "/" not in name
                else " (only '#/$defs/NAME' and '#/definitions/NAME' are supported)"
            )
            raise InputError(f"cannot resolve {ref!r}{hint}", shown, where + _suffix(parts))


def _check_values(schema: Any, defs: dict, shown: str, where: str) -> None:
    """Every x-pool and `examples` value must validate against the schema it sits in."""
    if not isinstance(schema, dict):
        return
    pool = schema.get("x-pool")
    if pool is not None and (not isinstance(pool, list) or not pool):
        raise InputError("x-pool must be a non-empty list", shown, f"{where}.x-pool")
    for key, label in (("x-pool", "pool value"), ("examples", "example")):
        if isinstance(schema.get(key), list):
            _check_list(schema, defs, key, label, shown, where)
    for key in ("properties", *DEFS_KEYS):
        for name, sub in (schema.get(key) or {}).items():
            _check_values(sub, defs, shown, f"{where}.{key}.{name}")
    for key in ("anyOf", "oneOf"):
        for index, sub in enumerate(schema.get(key) or []):
            _check_values(sub, defs, shown, f"{where}.{key}[{index}]")
    if isinstance(schema.get("items"), dict):
        _check_values(schema["items"], defs, shown, f"{where}.items")


def _check_list(schema: dict, defs: dict, key: str, label: str, shown: str, where: str) -> None:
    validator = Validator({**strip_extensions(schema), **defs}, format_checker=Validator.FORMAT_CHECKER)
    for i, value in enumerate(schema[key]):
        error = next(iter(validator.iter_errors(value)), None)
        if error is not None:
            raise InputError(f"{label} {value!r}: {error.message}", shown, f"{where}.{key}[{i}]")
