"""Job files: the whole run config in YAML, TOML or JSON, merged under the command-line flags.

A job file holds any key of `pipeline.config.RunConfig` (nested: `teacher:`, `pairs:`, `hub:`),
validated by pydantic with unknown keys rejected. Errors name the file and the JSON path
(`job.yaml: teacher.temperatures[2]: must be <= 2`), or the flag when a flag gave the value.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline import parse
from pipeline.errors import InputError
from pipeline.record import json_path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 (requires-python >= 3.10): the same parser, packaged as tomli
    import tomli as tomllib


def load_job_file(path: str) -> dict[str, Any]:
    """The mapping a job file holds; InputError for an unreadable or malformed file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError((error.strerror or "cannot read").lower(), path) from None
    try:
        if file.suffix == ".toml":
            data = tomllib.loads(text)
        elif file.suffix == ".json":
            data = parse.loads(text)
        else:
            data = parse.load_yaml(text)
    except parse.StrictError as error:
        raise InputError(error.message, path, error.path) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"invalid TOML: {error}", path) from None
    except json.JSONDecodeError as error:
        raise InputError(f"invalid JSON: {error.msg}", path, f"line {error.lineno}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(
            f"invalid YAML: {getattr(error, 'problem', None) or error}", path, f"line {mark.line + 1}" if mark else None
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("a job file holds a mapping of config keys (category, n, teacher, ...)", path)
    return data


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` laid over it, nested mappings merged key by key."""
    out = dict(base)
    for key, value in overrides.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _message(error: dict[str, Any]) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required"
    for name, sign in (("le", "<="), ("ge", ">="), ("lt", "<"), ("gt", ">")):
        if name in context and kind.endswith(("_equal", "_than")):
            bound = context[name]
            return f"must be {sign} {int(bound) if isinstance(bound, float) and bound.is_integer() else bound}"
    return str(error["msg"]).removeprefix("Value error, ")


def config_error(error: ValidationError, file: str | None, flags: dict[str, str]) -> InputError:
    """One line for the first error: `--flag: message` when a flag gave the value, else
    `file: json.path: message` (`flags` maps config paths the flags set to the flag names)."""
    first = error.errors()[0]
    location = [part for part in first["loc"] if not isinstance(part, str) or not part.startswith("function-")]
    path = json_path(location)
    for prefix, flag in flags.items():
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return InputError(_message(first), flag)
    return InputError(_message(first), file, path or None)
