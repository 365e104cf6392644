"""What every generator shares: the Candidate, JSON extraction, tool and call renderings."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from filters.base import Issue
from filters.grounding import GroundingCheck, GroundingOptions
from pipeline.errors import TeacherError
from pipeline.policy import name_words
from pipeline.record import Conversation, Tool
from pipeline.task import Task, stable_int


@dataclass
class Candidate:
    """One generated sample: its record (None if generation failed early) and generation issues."""

    task: Task
    record: Conversation | None
    issues: list[Issue] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)


def failed(
    task: Task, code: str, message: str, record: Conversation | None = None, path: str = "", **raw: str
) -> Candidate:
    """A candidate rejected during generation with one issue."""
    return Candidate(task, record, [Issue("generate", code, path, message)], dict(raw))


class StepError(Exception):
    """A generation step that cannot go on; `code` is the rejection it becomes, `raw` the answers
    (step name -> text) the rejected candidate keeps."""

    def __init__(self, code: str, message: str, **raw: str):
        super().__init__(message)
        self.code, self.raw = code, raw


async def guarded(task: Task, work: Awaitable[Candidate]) -> Candidate:
    """`work`'s candidate, or a rejection when the teacher or a step stopped it."""
    try:
        return await work
    except TeacherError as error:
        return failed(task, "teacher_error", str(error), **({"teacher": error.raw} if error.raw else {}))
    except StepError as error:
        return failed(task, error.code, str(error), **error.raw)


class Context:
    """What generators read besides the task: tools, few-shots, teacher settings, result sources.

    `examples` are the single-call few-shots (phrasing and solving use them in every category);
    `category_examples` the task category's own (free mode shows them; meta.fewshot lists them).
    """

    def __init__(
        self,
        tools: dict[str, Tool],
        examples: list[dict[str, Any]],
        teacher_name: str,
        solve_temperature: float = 0.0,
        max_tokens: int = 512,
        compact_tools: bool = False,
        domains: Mapping[str, str] | None = None,
        grounding: GroundingOptions | None = None,
        category_examples: list[dict[str, Any]] | None = None,
        seeds: Mapping[str, Any] | None = None,
        tool_results: str = "simulate",
        execute_side_effects: bool = False,
        fewshot_version: str = "",
        parallel_phrasing: str = "joint",
        nested_phrasing: str = "joint",
        answer_shots: int = 0,
        reply_tries: int = 1,
        confirm_writes: bool = False,
        templated_turns: bool = False,
        second_solve: float | None = None,
        situation: bool = False,
        reasoning: bool = False,
    ):
        self.tools, self.examples, self.teacher_name = tools, examples, teacher_name
        self.reasoning = reasoning  # a rationale before each call turn (pipeline.generate.reasoning)
        # phrasing prompts show who asks and when, and may answer that the plan is implausible
        # (a strong teacher; a 135M one copies the situation into the request)
        self.situation = situation
        self.grounding = GroundingCheck(grounding)  # the phrasing gate: the same rules as the check chain
        self.example_tools = [example["call"]["name"] for example in examples]
        self.domains = dict(domains or {})  # tool name -> domain, for choosing few-shots
        self.compact_tools = compact_tools  # one-line tool signatures instead of JSON schemas
        self.solve_temperature, self.max_tokens = solve_temperature, max_tokens
        self.category_examples = examples if category_examples is None else category_examples
        self.seeds = dict(seeds or {})  # tool name -> pipeline.seeds.SeedTool (result schemas, executors)
        self.tool_results, self.execute_side_effects = tool_results, execute_side_effects
        self.fewshot_version = fewshot_version
        self.parallel_phrasing = parallel_phrasing  # joint or per_call (generate/parallel.py)
        self.nested_phrasing = nested_phrasing  # joint or per_step (generate/nested.py)
        self.answer_shots = answer_shots  # example answers shown before an answer from results (steps.answer_shots)
        self.reply_tries = reply_tries  # asks of an answer the answer checks reject (steps.answer)
        self.confirm_writes = confirm_writes  # confirmation turns before every call of a tool that changes data
        # confirmation turns and no_call missing_value question and value turns from templates
        self.templated_turns = templated_turns
        self.second_solve = (
            second_solve  # temperature of a second, independent solve (single blueprint): real-failure pairs
        )


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in `text` (code fences and chatter around it tolerated), else None."""
    text = text.strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("\n") + 1 :] if "\n" in text else text
    try:
        value = json.loads(text)
        return value if isinstance(value, dict) else None
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, _ = decoder.raw_decode(text, start)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
        start = text.find("{", start + 1)
    return None


def tools_block(tools: list[Tool], compact: bool = False) -> str:
    """The tools for a prompt: one JSON line each, or (compact) one signature line each.

    Compact lines cost a fifth of the tokens, which matters for a small local teacher.
    """
    if compact:
        return "\n".join(f"- {signature(tool)}" for tool in tools)
    return "\n".join(json.dumps(tool.function.model_dump(), ensure_ascii=False) for tool in tools)


def action_options(tools: list[Tool]) -> list[str]:
    """What the solve pass chooses from, one option per tool: its description's first sentence.

    A small teacher matches a request against what a tool does far better than against its
    name (bench: 43% vs 34% right among 5 same-domain tools). The name is prefixed when the
    sentence is empty or shared, so every option stays unique.
    """
    firsts = [_first_sentence(tool.function.description) for tool in tools]
    return [
        first if first and firsts.count(first) == 1 else f"{tool.function.name}: {first}".rstrip(": ")
        for tool, first in zip(tools, firsts)
    ]


def _first_sentence(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    end = text.find(". ")
    text = text[: end + 1] if end != -1 else text
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def signature(tool: Tool) -> str:
    """`name(city: string, days?: integer 1..14) - description`: a one-line summary of a tool."""
    params = tool.function.parameters
    defs = params.get("$defs") or {}
    return f"{tool.function.name}({_fields(params, defs)}) - {tool.function.description}"


def _fields(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    required = set(schema.get("required") or [])
    return ", ".join(
        f"{name}{'' if name in required else '?'}: {_type(sub, defs)}"
        for name, sub in (schema.get("properties") or {}).items()
    )


def _type(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> str:
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "enum" in schema:
        return "|".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        return " or ".join(_type(option, defs, depth) for option in options)
    kind = schema.get("type", "any")
    if kind == "object" and schema.get("properties") and depth < 3:
        return "{" + _fields(schema, defs) + "}"
    if kind == "array":
        return f"list of {_type(schema.get('items') or {}, defs, depth + 1)}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    if "minimum" in schema or "maximum" in schema:
        return f"{kind} {schema.get('minimum', '')}..{schema.get('maximum', '')}"
    return str(kind)


def wrap(properties: dict[str, Any]) -> dict[str, Any]:
    """An object schema around embedded parameter schemas, with their `$defs` hoisted to the
    root so that `#/$defs/...` references still resolve."""
    defs: dict[str, Any] = {}
    inner = {}
    for key, schema in properties.items():
        if isinstance(schema, dict) and "$defs" in schema:
            defs.update(schema["$defs"])
            schema = {k: v for k, v in schema.items() if k != "$defs"}
        inner[key] = schema
    wrapped: dict[str, Any] = {"type": "object", "properties": inner, "required": list(inner)}
    if defs:
        wrapped["$defs"] = defs
    return wrapped


def call_schema(tool: Tool) -> dict[str, Any]:
    """JSON Schema of `{"name": <this tool>, "arguments": {...}}`."""
    return wrap({"name": {"type": "string", "enum": [tool.function.name]}, "arguments": tool.function.parameters})


def describe_call(call: dict[str, Any], tool: Tool | None, surface: dict[str, str] | None = None) -> str:
    """A call as plain lines for a phrasing prompt: the tool's purpose and each value, as the
    request should say it (`surface`: pipeline.surface's spoken form instead of the raw value;
    else `spoken_value`: a flag as yes/no)."""
    properties = (tool.function.parameters.get("properties") or {}) if tool else {}
    # the function name is left out: a small teacher copies it into the request
    lines = [f"Action: {tool.function.description if tool and tool.function.description else name_words(call['name'])}"]
    lines.append("Values to mention:")
    for name, value in call["arguments"].items():
        hint = (properties.get(name) or {}).get("description", "")
        shown = (surface or {}).get(name) or spoken_value(value)
        lines.append(f"- {name}{f' ({hint})' if hint else ''}: {shown}")
    if not call["arguments"]:
        lines.append("- (no values)")
    return "\n".join(lines)


def spoken_value(value: Any) -> str:
    """A value as a phrasing prompt shows it: strings as they are, flags as yes/no, an absent
    value as none, a list of plain values joined with "and", anything else as compact JSON."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list) and value and all(isinstance(v, (str, int, float)) for v in value):
        parts = [spoken_value(item) for item in value]
        return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def situation(task: Task) -> str:
    """Who asks and when, for a phrasing prompt (the task's scenario): "The user: ... Today is ..."."""
    persona = (task.scenario or {}).get("persona") or {}
    moment = datetime.fromisoformat(task.now.replace("Z", "+00:00"))
    about = f"The user: {persona['about']}" if persona.get("about") else ""
    return f"{about}{' ' if about else ''}Today is {moment.strftime('%A, %B')} {moment.day}, {moment.year}."


def seed_for(task: Task, step: str) -> int:
    """A request `seed` per task and step, so reruns ask the same question."""
    return stable_int(task.id, step) % 2**31


def _mentioned(value: Any, text: str) -> bool:
    """Whether a value is visibly stated in `text` (strings and numbers; all leaves of a list/object)."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return any(form in text for form in {str(value), f"{value:g}", f"{value:,}"})
    if isinstance(value, str):
        return " ".join(value.casefold().split()) in text
    leaves = value.values() if isinstance(value, dict) else value
    leaves = [leaf for leaf in leaves if not isinstance(leaf, bool) and leaf is not None]
    return bool(leaves) and all(_mentioned(leaf, text) for leaf in leaves)


def unstated_arguments(arguments: dict[str, Any], request: str) -> list[str]:
    """Argument names whose value `request` does not state as given (booleans and nulls, which
    a request implies rather than writes, are not checked)."""
    text = " ".join(request.casefold().split())
    return [key for key, value in arguments.items() if _checkable(value) and not _mentioned(value, text)]


def _checkable(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_checkable(item) for item in value.values())
    if isinstance(value, list):
        return any(_checkable(item) for item in value)
    return not isinstance(value, bool) and value is not None


def drop_unstated_optionals(
    arguments: dict[str, Any], parameters: dict[str, Any], request: str, ungrounded: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """Remove optional arguments the request never states (a solver's guesses): those in
    `ungrounded` (filters.grounding's verdict), and booleans whose parameter name's words the
    request does not use (grounding accepts every boolean). Required arguments are never
    touched: a wrong required value still fails the round trip.
    """
    text = " ".join(request.casefold().split())
    required = set(parameters.get("required") or [])
    kept, dropped = {}, []
    for key, value in arguments.items():
        words = [w for w in key.casefold().split("_") if len(w) > 2]
        stated = any(w in text for w in words) if isinstance(value, bool) else key not in ungrounded
        if key in required or stated:
            kept[key] = value
        else:
            dropped.append(key)
    return kept, dropped
