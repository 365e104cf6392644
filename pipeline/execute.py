"""Tool results for nested and multi-turn chats: a seed's real executor, or a schema-driven mock.

execute          runs `tool.executor` ("/abs/file.py:function") in a child `python -I
                 pipeline/_executor_runner.py` that binds the JSON arguments by keyword (nothing is
                 evaluated), confined where the machine allows (pipeline.sandbox: no network, a
                 read-only filesystem but its temporary folder, no new processes), with an empty
                 environment (no API keys), memory/CPU/file-size limits, a deadline and capped
                 output; its JSON output must fit the result_schema.
mock_result      a deterministic stand-in drawn from the result_schema (same seed and arguments, same
                 result); a property named like an argument echoes the argument's value.
validate_result  the first way a result breaks the result_schema, or None.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import os
import random
import re
import resource
import selectors
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from filters.schema import strip_extensions
from pipeline import parse, sandbox
from pipeline.record import append_path, json_path
from pipeline.schema_safety import Validator, search
from pipeline.seeds import SeedTool

sre_parse = getattr(re, "_parser", None) or __import__("sre_parse")  # the regex parser (re._parser from 3.11)

OUTPUT_LIMIT = 1024 * 1024  # bytes of stdout (the result) and of stderr read from an executor
FILE_SIZE_LIMIT = 16 * 1024 * 1024  # bytes an executor may write to one file
ANCHOR_DAY = date(2026, 3, 2)  # mocked dates fall near a date argument, else near this day
EMAILS = ["maria.lopez@fastmail.com", "daniel.okafor@gmail.com", "priya.raman@outlook.com", "chen.wei@brightpath.io"]


@dataclass
class Execution:
    """What running an executor gave: the decoded result, or an error message (result None)."""

    result: Any
    error: str | None = None


def execute(tool: SeedTool, arguments: dict[str, Any], *, timeout: float = 5.0, memory_mb: int = 512) -> Execution:
    """Run the tool's executor on `arguments` in a confined subprocess (pipeline.sandbox)."""
    if not tool.executor:
        return Execution(None, f"{tool.name} has no executor")
    reason = sandbox.unavailable()
    if reason and not tool.read_only:
        return Execution(None, f"not run: {tool.name} changes data and cannot be confined here ({reason})")
    file, _, function = tool.executor.rpartition(":")
    payload = json.dumps({"file": file, "function": function, "arguments": arguments, "confine": not reason})
    with tempfile.TemporaryDirectory(prefix="fc-exec-") as work:
        child = subprocess.Popen(
            sandbox.command(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=work,
            env={"TMPDIR": work},
            start_new_session=True,
            preexec_fn=_limits(timeout, memory_mb),
        )
        try:
            out, err = _collect(child, payload.encode(), timeout)
        finally:
            _kill(child)
    if out is None:
        return Execution(None, err.decode())
    if child.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines() or [f"exit code {child.returncode}"]
        return Execution(
            None, f"killed by {signal.Signals(-child.returncode).name}" if child.returncode < 0 else lines[-1]
        )
    try:
        result = parse.loads(out)
    except (ValueError, parse.StrictError):
        return Execution(None, f"output is not JSON: {out[:80].decode('utf-8', 'replace')!r}")
    problem = validate_result(tool, result)
    return Execution(None, problem) if problem else Execution(result)


def _collect(child: subprocess.Popen, payload: bytes, timeout: float) -> tuple[bytes | None, bytes]:
    """Send `payload`, read stdout and stderr up to OUTPUT_LIMIT each until the child exits or the
    deadline passes; (None, why) when it ran out of time or printed too much."""
    deadline = time.monotonic() + timeout
    with contextlib.suppress(BrokenPipeError):
        child.stdin.write(payload)  # the runner reads all of it before it runs anything
        child.stdin.close()
    kept = {child.stdout: bytearray(), child.stderr: bytearray()}
    with selectors.DefaultSelector() as selector:
        for stream in kept:
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                return None, f"timed out after {timeout:g}s".encode()
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                kept[key.fileobj] += chunk
                if len(kept[key.fileobj]) > OUTPUT_LIMIT:
                    name = "output" if key.fileobj is child.stdout else "error output"
                    return None, f"{name} longer than {OUTPUT_LIMIT // 1024} KiB".encode()
    try:
        child.wait(max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:g}s".encode()
    return bytes(kept[child.stdout]), bytes(kept[child.stderr])


def _limits(timeout: float, memory_mb: int):
    """A preexec_fn setting RLIMIT_AS, RLIMIT_CPU (about the timeout), RLIMIT_FSIZE and no core
    dumps; the numbers are computed here, so the child between fork and exec only calls setrlimit."""
    wanted = {
        resource.RLIMIT_AS: memory_mb * 1024 * 1024,
        resource.RLIMIT_CPU: max(1, math.ceil(timeout)),
        resource.RLIMIT_FSIZE: FILE_SIZE_LIMIT,
        resource.RLIMIT_CORE: 0,
    }
    limits = []
    for kind, value in wanted.items():
        hard, top = resource.getrlimit(kind)[1], value + (kind == resource.RLIMIT_CPU)  # SIGXCPU, then SIGKILL
        limits.append((kind, (value, top) if hard == resource.RLIM_INFINITY else (min(value, hard), min(top, hard))))

    def apply() -> None:
        for kind, pair in limits:
            resource.setrlimit(kind, pair)

    return apply


def _kill(child: subprocess.Popen) -> None:
    """Kill the child's whole process group (it runs in its own session; confined, every process it
    started dies with its pid namespace), close the pipes and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)
    for stream in (child.stdin, child.stdout, child.stderr):
        with contextlib.suppress(OSError):
            stream.close()
    child.wait()


_validator = lru_cache(maxsize=1024)(
    lambda text: Validator(strip_extensions(json.loads(text)), format_checker=Validator.FORMAT_CHECKER)
)


def validate_result(tool: SeedTool, result: Any) -> str | None:
    """None when `result` fits the tool's result_schema (or it has none), else the first error."""
    if tool.result_schema is None:
        return None
    errors = _validator(json.dumps(tool.result_schema, sort_keys=True)).iter_errors(result)
    error = min(errors, key=lambda e: [(isinstance(p, str), p) for p in e.absolute_path], default=None)
    return None if error is None else f"{append_path('result', json_path(list(error.absolute_path)))}: {error.message}"


def mock_result(tool: SeedTool, arguments: dict[str, Any], seed: int, needed: Sequence[str] = ()) -> Any:
    """A deterministic result drawn from the tool's result_schema; `{"status": "ok"}` without one.
    Every field named on a `needed` path (`offers[*].offer_id`) is present, optional or not."""
    if tool.result_schema is None:
        return {"status": "ok"}
    rng = random.Random(
        hashlib.sha256(json.dumps([seed, tool.name, arguments], sort_keys=True, default=str).encode()).digest()
    )
    mock = _Mock(tool.result_schema, arguments, rng)
    mock.needed = {name for path in needed for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", path)}
    return mock.value(tool.result_schema)


class _Mock:
    def __init__(self, root: dict[str, Any], arguments: dict[str, Any], rng: random.Random):
        self.root, self.arguments, self.rng, self.clock = root, arguments, rng, None
        self.needed: set[str] = set()
        dates = [
            v[:10] for v in arguments.values() if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}(T.*)?", v)
        ]
        try:
            self.day = date.fromisoformat(dates[0]) if dates else ANCHOR_DAY + timedelta(days=rng.randint(0, 20))
        except ValueError:
            self.day = ANCHOR_DAY

    def _resolve(self, schema: Any) -> dict[str, Any]:
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            key, _, name = schema["$ref"][2:].partition("/")
            schema = (self.root.get(key) or {}).get(name, {})
        return schema if isinstance(schema, dict) else {}

    def _fits(self, schema: dict[str, Any], value: Any) -> bool:
        defs = {key: self.root[key] for key in ("$defs", "definitions") if key in self.root}
        return Validator({**strip_extensions(schema), **defs}, format_checker=Validator.FORMAT_CHECKER).is_valid(value)

    def value(self, schema: Any, name: str | None = None) -> Any:
        schema, rng = self._resolve(schema), self.rng
        if name in self.arguments and self._fits(schema, self.arguments[name]):
            return copy.deepcopy(self.arguments[name])
        if "const" in schema:
            return schema["const"]
        for key in ("enum", "x-pool", "examples"):
            if isinstance(schema.get(key), list) and schema[key]:
                return copy.deepcopy(rng.choice(schema[key]))
        branches = [self._resolve(b) for b in schema.get("anyOf", []) + schema.get("oneOf", [])]
        if branches:
            typed = [b for b in branches if b.get("type") != "null"] or branches
            return self.value(
                {**{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}, **rng.choice(typed)}, name
            )
        if "default" in schema and rng.random() < 0.5:
            return copy.deepcopy(schema["default"])
        kind = schema.get("type")
        kind = next((k for k in kind if k != "null"), "null") if isinstance(kind, list) else kind
        kind = kind or ("object" if "properties" in schema else "array" if "items" in schema else "string")
        if kind in ("boolean", "null", "integer"):
            return (
                rng.random() < 0.5
                if kind == "boolean"
                else None
                if kind == "null"
                else int(self._number(schema, name, True))
            )
        return getattr(self, f"_{kind}")(schema, name)

    def _object(self, schema: dict[str, Any], name: str | None) -> dict[str, Any]:
        saved, self.clock, out = self.clock, None, {}
        required = set(schema.get("required", []))
        for key, sub in (schema.get("properties") or {}).items():
            if key in required or key in self.needed or self.rng.random() < 0.8:
                out[key] = self.value(sub, key)
        self.clock = saved
        return out

    def _array(self, schema: dict[str, Any], name: str | None) -> list[Any]:
        low = schema.get("minItems", 0)
        count = max(low, self.rng.randint(1, max(1, min(3, schema.get("maxItems", 3)))))
        items: list[Any] = []
        for _ in range(count * 10):  # scalars (and anything under uniqueItems) are not repeated
            item = self.value(schema.get("items", {}))
            items += (
                [item] if item not in items or isinstance(item, (dict, list)) and not schema.get("uniqueItems") else []
            )
            if len(items) == count:
                return items
        return items

    def _string(self, schema: dict[str, Any], name: str | None) -> str:
        rng, form = self.rng, schema.get("format")
        if form == "date-time":
            start = datetime(
                self.day.year, self.day.month, self.day.day, rng.randint(8, 19), rng.choice([0, 15, 30, 45])
            )
            self.clock = (
                start + timedelta(days=rng.randint(0, 7))
                if self.clock is None
                else self.clock + timedelta(minutes=rng.choice([30, 45, 60, 90, 120, 180]))
            )  # later fields come later
        text = {
            "date": lambda: (self.day + timedelta(days=rng.randint(0, 14))).isoformat(),
            "date-time": lambda: self.clock.strftime("%Y-%m-%dT%H:%M:00Z"),
            "time": lambda: f"{rng.randint(7, 21):02d}:{rng.choice([0, 15, 30, 45]):02d}:00",
            "email": lambda: rng.choice(EMAILS),
            "uri": lambda: f"https://www.northwind-{rng.randint(10, 99)}.com/{(name or 'item').replace('_', '-')}",
            "uuid": lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        }.get(form, lambda: _from_pattern(schema["pattern"], rng) if "pattern" in schema else None)()
        text = f"{(name or 'value').replace('_', ' ')} {rng.randint(1, 99)}" if text is None else text
        text = text[: schema.get("maxLength", len(text))]
        return text + "x" * max(0, schema.get("minLength", 0) - len(text))

    def _number(self, schema: dict[str, Any], name: str | None, integer: bool = False) -> float | int:
        low, high = (
            schema.get("minimum", schema.get("exclusiveMinimum")),
            schema.get("maximum", schema.get("exclusiveMaximum")),
        )
        low = low if low is not None else (0 if high is None or high > 0 else high - 1000)
        high = high if high is not None else low + 1000
        open_low = "minimum" not in schema and "exclusiveMinimum" in schema
        open_high = "maximum" not in schema and "exclusiveMaximum" in schema
        if integer:
            low, high = (
                math.floor(low) + 1 if open_low else math.ceil(low),
                math.ceil(high) - 1 if open_high else math.floor(high),
            )
            value = self.rng.randint(low, max(low, high))
        else:
            value = min(max(round(self.rng.uniform(low, high), 2), low), high)
            value = (low + high) / 2 if value == low and open_low or value == high and open_high else value
        step = schema.get("multipleOf")  # the next multiple up, or down when that is out of range
        if step:
            value = (
                math.ceil(value / step) if math.ceil(value / step) * step <= high else math.floor(high / step)
            ) * step
        return int(value) if integer else value


def _from_pattern(pattern: str, rng: random.Random) -> str | None:
    """A string matching a simple regex (literals, classes, repeats, groups, alternation), else None."""
    try:
        text = _emit(list(sre_parse.parse(pattern)), rng)
    except (re.error, ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return text if search(pattern, text) else None  # RE2: linear time, whatever the pattern
    except ValueError:  # a pattern RE2 cannot run (the loader refuses those)
        return None


_CLASSES = {
    "CATEGORY_DIGIT": "0123456789",
    "CATEGORY_WORD": "abcdefghijklmnopqrstuvwxyz0123456789_",
    "CATEGORY_SPACE": " ",
}


def _emit(items: list, rng: random.Random) -> str:
    out = []
    for op, arg in ((str(op), arg) for op, arg in items):
        if op == "LITERAL":
            out.append(chr(arg))
        elif op == "IN":  # a class: literals, ranges and \d \w \s (a negated class is not supported)
            chars = "".join(
                chr(v)
                if str(k) == "LITERAL"
                else "".join(map(chr, range(v[0], v[1] + 1)))
                if str(k) == "RANGE"
                else _CLASSES[str(v)]
                for k, v in arg
            )
            out.append(rng.choice(chars))
        elif op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            out.extend(_emit(list(sub), rng) for _ in range(rng.randint(low, min(high, low + 3))))
        elif op in ("SUBPATTERN", "BRANCH"):
            out.append(_emit(list(arg[-1] if op == "SUBPATTERN" else rng.choice(arg[1])), rng))
        elif op != "AT":  # anchors add nothing; anything else (ANY, NOT_LITERAL, lookarounds...) gives up
            raise ValueError(f"unsupported regex construct {op}")
    return "".join(out)
