"""`python -m pipeline.seeds enrich`: ask the teacher for realistic values of free-form strings.

Blueprint mode draws argument values from the schema; a string without an enum, const, pool or
drawable format (pipeline.sidecar.free_form) stops it. For each such parameter this asks the
teacher once (constrained output `{"values": [...]}`) for at least --min-values values, keeps the
distinct ones that validate against the parameter's schema (formats included) and are no
placeholder (filters.quality.is_placeholder), retries a short answer with another seed up to
--max-attempts, and merges them into the value sidecar beside the tools file, which load_tools
reads back as `x-pool`. Exit 0: every parameter filled; 1: some left short; 2: bad input or an
unusable teacher (one line, no traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import zlib
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filters.quality import is_placeholder
from pipeline import errors, parse
from pipeline.backends.base import ChatRequest
from pipeline.backends.embedded import EmbeddedServer
from pipeline.backends.endpoint import check_base_url
from pipeline.backends.models import DEFAULT_MODEL, MODELS
from pipeline.backends.teacher import Teacher, build_teacher
from pipeline.config import TeacherConfig
from pipeline.errors import InputError, TeacherError
from pipeline.redact import public_url
from pipeline.resources import display_path
from pipeline.schema_safety import Validator
from pipeline.seeds.sidecar import (
    defs_of,
    free_form,
    merge_sidecar,
    parameter_nodes,
    read_sidecar,
    resolved,
    sidecar_path,
    value_validator,
)
from pipeline.seeds.tools import SeedTool, load_tools, tool_files

TEMPERATURE = 0.8  # the embedded 135M teacher answered [] at 0.2 and 0.5 in a trial, a few values at 0.8
SYSTEM = (
    "You write realistic argument values for API parameters: the specific, varied values real users "
    "pass in real requests. Never placeholders. Answer only with JSON."
)


def values_schema(min_values: int) -> dict[str, Any]:
    """The constrained-output schema of every request."""
    return {
        "type": "object",
        "properties": {"values": {"type": "array", "items": {"type": "string"}, "minItems": min_values}},
        "required": ["values"],
    }


@dataclass
class Slot:
    """One free-form string parameter of one tool, with the values it has and gets."""

    file: Path  # the tools file
    tool: SeedTool
    key: str  # `name`, `obj.name` or `list[]`
    schema: dict[str, Any]  # the parameter's schema, $ref and nullable resolved
    validator: Validator
    have: list[Any]  # values already in the sidecar
    new: list[str] = field(default_factory=list)
    attempts: int = 0
    dropped: Counter = field(default_factory=Counter)

    @property
    def label(self) -> str:
        return f"{display_path(self.file)} {self.tool.name}.{self.key}"

    def count(self) -> int:
        return len(self.have) + len(self.new)


def find_slots(paths: list[str] | None) -> list[Slot]:
    """Every free-form string parameter of every tool, file by file (InputError on bad input)."""
    load_tools(paths)  # every file and sidecar valid before any request
    tools = load_tools(paths, sidecars=False)  # the schemas as written: a sidecar pool is no reason to skip
    slots = []
    for path in tool_files(paths):
        side = sidecar_path(path)
        existing = read_sidecar(side, display_path(side))
        for tool in (tool for tool in tools if tool.source == display_path(path)):
            defs = defs_of(tool.parameters)
            for key, node in parameter_nodes(tool.parameters):
                if free_form(node, defs):
                    slots.append(
                        Slot(
                            path,
                            tool,
                            key,
                            resolved(node, defs),
                            value_validator(node, defs),
                            list(existing.get(tool.name, {}).get(key, [])),
                        )
                    )
    return slots


def messages(slot: Slot, ask: int) -> list[dict[str, str]]:
    """The request for one parameter: what the tool does, what the parameter takes, what to avoid."""
    schema = slot.schema
    lines = [f"Function: {slot.tool.name}: {slot.tool.description}", f"Parameter: {slot.key} (string)"]
    if schema.get("description"):
        lines.append(f"Meaning: {schema['description']}")
    rules = [f"{key} {schema[key]}" for key in ("format", "pattern", "minLength", "maxLength") if key in schema]
    if rules:
        lines.append("Every value must satisfy: " + "; ".join(rules))
    if schema.get("examples"):
        lines.append("Examples of the style: " + json.dumps(schema["examples"][:5], ensure_ascii=False))
    if slot.have or slot.new:
        lines.append("Already known (do not repeat): " + json.dumps((slot.have + slot.new)[-40:], ensure_ascii=False))
    lines.append(
        f"Write {ask} different values for {slot.key}, each one a real user could plausibly pass: specific, "
        "varied, realistic. No placeholders such as 'string', 'example', 'test', 'John Doe', 'TBD', "
        "'<city>' or anything at example.com."
    )
    lines.append(f'Reply with JSON only: {{"values": [{ask} strings]}}')
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def request_for(slot: Slot, min_values: int) -> ChatRequest:
    """Attempt number `slot.attempts` for a slot: its own seed, so a retry gets another answer."""
    ask = min_values + 5
    seed = (zlib.crc32(f"{slot.tool.name}.{slot.key}".encode()) + slot.attempts) % 2**31
    return ChatRequest(
        messages=messages(slot, ask),
        temperature=TEMPERATURE,
        max_tokens=max(512, 48 * ask),
        json_schema=values_schema(min_values),
        seed=seed,
    )


def accept(slot: Slot, text: str) -> None:
    """Keep the answer's distinct, schema-valid, non-placeholder values; count what was dropped."""
    try:
        values = parse.loads(text).get("values")  # strict: a NaN would make the sidecar unreadable
    except (ValueError, AttributeError):
        values = None
    if not isinstance(values, list):
        slot.dropped["unreadable answer"] += 1
        return
    seen = {" ".join(str(value).casefold().split()) for value in slot.have + slot.new}
    shown = [slot.key, str(slot.schema.get("description", "")), *map(str, slot.schema.get("examples") or [])]
    copied = {" ".join(text.casefold().split()) for text in shown}  # pools stay disjoint from examples
    for value in values:
        value = value.strip() if isinstance(value, str) else value
        folded = " ".join(str(value).casefold().split())
        if not isinstance(value, str) or not value:
            slot.dropped["invalid"] += 1
        elif is_placeholder(value):
            slot.dropped["placeholder"] += 1
        elif folded in seen:
            slot.dropped["duplicate"] += 1
        elif folded in copied:
            slot.dropped["copied from the prompt"] += 1
        elif not slot.validator.is_valid(value):
            slot.dropped["invalid"] += 1
        else:
            slot.new.append(value)
            seen.add(folded)


async def fill(slot: Slot, teacher: Teacher, min_values: int, max_attempts: int) -> None:
    """Ask until the slot holds `min_values` values or `max_attempts` requests were made."""
    while slot.count() < min_values and slot.attempts < max_attempts:
        request = request_for(slot, min_values)
        slot.attempts += 1
        try:
            accept(slot, (await teacher.complete(request)).text)
        except TeacherError as error:
            slot.dropped[f"failed request ({error})"] += 1


async def enrich(slots: list[Slot], teacher: Teacher, min_values: int, max_attempts: int) -> None:
    """Fill every slot, writing each file's sidecar as soon as its slots are done."""
    await teacher.probe()
    for path in dict.fromkeys(slot.file for slot in slots):
        mine = [slot for slot in slots if slot.file == path]
        await asyncio.gather(*(fill(slot, teacher, min_values, max_attempts) for slot in mine))
        new: dict[str, dict[str, list[str]]] = {}
        for slot in mine:
            if slot.new:
                new.setdefault(slot.tool.name, {})[slot.key] = slot.new
        merge_sidecar(sidecar_path(path), display_path(sidecar_path(path)), new)
        for slot in mine:
            print(_summary(slot, min_values), flush=True)


def _summary(slot: Slot, min_values: int) -> str:
    dropped = ", ".join(f"{count} {reason}" for reason, count in sorted(slot.dropped.items()))
    state = "short" if slot.count() < min_values else "ok"
    return f"{state} {slot.label}: {slot.count()} values (+{len(slot.new)} new, {slot.attempts} request(s))" + (
        f"; dropped {dropped}" if dropped else ""
    )


def parse_args(argv: list[str] | None, prog: str = "python -m pipeline.seeds enrich") -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=prog,
        description="Ask the teacher for realistic values of free-form string parameters and "
        "merge them into <tools>.values.json beside each tools file.",
    )
    p.add_argument(
        "--tools",
        action="append",
        default=[],
        metavar="PATH",
        help="tools file or folder, repeatable (default: bundled seeds)",
    )
    p.add_argument("--base-url", help="OpenAI-compatible endpoint; without it the embedded llama.cpp teacher runs")
    p.add_argument(
        "--embedded-model",
        choices=list(MODELS),
        default=DEFAULT_MODEL,
        help=f"packaged model the embedded teacher runs without --base-url (default {DEFAULT_MODEL})",
    )
    p.add_argument("--model", help="model name at --base-url")
    p.add_argument("--min-values", type=int, default=20, help="values wanted per parameter (default 20)")
    p.add_argument("--max-attempts", type=int, default=3, help="requests per parameter at most (default 3)")
    p.add_argument("--dry-run", action="store_true", help="print what would be asked; send nothing")
    return p.parse_args(argv)


def _dry_run(todo: list[Slot], min_values: int, max_attempts: int) -> int:
    for slot in todo:
        rules = ", ".join(
            f"{key} {slot.schema[key]}" for key in ("format", "pattern", "maxLength") if key in slot.schema
        )
        print(f"would ask {slot.label}: have {slot.count()}, want {min_values}" + (f" ({rules})" if rules else ""))
    if todo:
        request = request_for(todo[0], min_values)
        print(f"{len(todo)} parameter(s), at most {len(todo) * max_attempts} request(s); the first one:")
        print(
            json.dumps(
                {
                    "messages": request.messages,
                    "temperature": request.temperature,
                    "seed": request.seed,
                    "json_schema": request.json_schema,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    return errors.EXIT_DONE


def run(args: argparse.Namespace) -> int:
    """Find the slots, ask for what is missing, report; returns the exit code."""
    for flag, value in (("--min-values", args.min_values), ("--max-attempts", args.max_attempts)):
        if value < 1:
            raise InputError(f"must be at least 1, not {value}", flag)
    if args.base_url and not args.model:
        raise InputError("--model is required with --base-url", "--model")
    if args.base_url:
        try:
            check_base_url(args.base_url)  # no malformed URL, no key in it (the run's own check)
        except ValueError as error:
            raise InputError(str(error), "--base-url") from None
    slots = find_slots(args.tools or None)
    todo = [slot for slot in slots if slot.count() < args.min_values]
    for slot in slots:
        if slot.count() >= args.min_values:
            print(f"ok {slot.label}: {slot.count()} values already")
    if args.dry_run or not todo:
        if not slots:
            print("nothing to ask: every string parameter has an enum, a pool or a format blueprint mode draws")
        elif not todo:
            print(f"nothing to ask: all {len(slots)} free-form string parameter(s) have {args.min_values}+ values")
        return _dry_run(todo, args.min_values, args.max_attempts)
    with ExitStack() as stack:
        if args.base_url:
            base_url, model, api_key, settings = (
                args.base_url,
                args.model,
                os.environ.get(TeacherConfig().api_key_env),
                {},
            )
        else:
            title = MODELS[args.embedded_model].title
            print(f"starting the embedded teacher (llama.cpp, {title}) ...", file=sys.stderr)
            server = stack.enter_context(EmbeddedServer(args.embedded_model))
            base_url, model, api_key, settings = (
                server.base_url,
                server.model,
                None,
                server.client_settings(TeacherConfig()),
            )
        teacher = build_teacher(base_url, model, api_key, **settings)
        print(f"asking {model} at {public_url(base_url)} about {len(todo)} parameter(s)", file=sys.stderr)

        async def go() -> None:
            try:
                await enrich(todo, teacher, args.min_values, args.max_attempts)
            finally:
                await teacher.close()

        asyncio.run(go())
    short = [slot for slot in todo if slot.count() < args.min_values]
    print(
        f"{len(slots) - len(short)} of {len(slots)} parameter(s) have {args.min_values}+ values"
        + (f"; {len(short)} short (edit the .values.json sidecar or rerun)" if short else "")
    )
    return errors.EXIT_SHORT if short else errors.EXIT_DONE


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.seeds enrich") -> int:
    """Entry point of `python -m pipeline.seeds enrich`; returns the exit code."""
    return errors.run_cli(lambda: run(parse_args(argv, prog)), "values of finished files are in their sidecars")
