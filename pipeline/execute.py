"""Tool results for nested and multi-turn chats: a seed's real executor (the schema-driven
stand-in is pipeline.mock).

execute          runs `tool.executor` ("/abs/file.py:function") in a child `python -I
                 pipeline/_executor_runner.py` that binds the JSON arguments by keyword (nothing is
                 evaluated), confined where the machine allows (pipeline.sandbox: no network, a
                 read-only filesystem but its temporary folder, no new processes), with an empty
                 environment (no API keys), memory/CPU/file-size limits, a deadline and capped
                 output; its JSON output must fit the result_schema.
validate_result  the first way a result breaks the result_schema, or None.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import resource
import selectors
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from filters.schema import strip_extensions
from pipeline import parse, sandbox
from pipeline.record import append_path, json_path
from pipeline.schema_safety import Validator
from pipeline.seeds import SeedTool

OUTPUT_LIMIT = 1024 * 1024  # bytes of stdout (the result) and of stderr read from an executor
FILE_SIZE_LIMIT = 16 * 1024 * 1024  # bytes an executor may write to one file


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
