"""Chat templates as transformers renders them: `--check-template FILE` of `python -m pipeline.export`.

Renders every record through a Jinja chat template the way transformers'
`apply_chat_template(messages, tools=...)` does (same sandbox, filters and globals) and prints one
JSON line per record: whether it renders, and its length in characters, or the template's own
error (Llama-3.1's refuses parallel calls; Mistral's wants 9-character ids).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

from pipeline import errors
from pipeline.errors import InputError


def _tojson(
    value: Any, ensure_ascii: bool = False, indent: int | None = None, separators=None, sort_keys: bool = False
) -> str:
    return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def _raise(message: str):
    raise jinja2.exceptions.TemplateError(message)


def compile_template(text: str) -> jinja2.Template:
    """A chat template compiled as transformers compiles it (immutable sandbox, trim/lstrip blocks,
    loop controls, `tojson`, `raise_exception`, `strftime_now`)."""
    environment = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise
    environment.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    return environment.from_string(text)


def render_chat(
    template: jinja2.Template,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    add_generation_prompt: bool = False,
) -> str:
    """The template's text for a conversation; `tools` None when empty (Llama templates render tool
    boilerplate for [], so TRL passes None too)."""
    return template.render(
        messages=messages,
        tools=tools or None,
        add_generation_prompt=add_generation_prompt,
        bos_token="<s>",
        eos_token="</s>",
    )


def check_template(records: Iterable[tuple[int, dict[str, Any]]], template_path: Path) -> int:
    """Print one JSON line per (index, record) of `records`: renders or not, length or the template's
    error; returns the exit code."""
    try:
        text = template_path.read_text(encoding="utf-8")
        template = compile_template(text)
        if "messages" not in jinja2.meta.find_undeclared_variables(template.environment.parse(text)):
            raise InputError("not a chat template: it never reads `messages`", str(template_path))
    except OSError as error:
        raise InputError(error.strerror or "cannot read", str(template_path)) from None
    except jinja2.TemplateSyntaxError as error:
        raise InputError(f"not a Jinja template: {error.message} (line {error.lineno})", str(template_path)) from None
    failed = 0
    for index, record in records:
        entry: dict[str, Any] = {"index": index, "id": record.get("id"), "category": record.get("category")}
        try:
            text = render_chat(template, record["messages"], record.get("tools"))
            entry.update(ok=True, chars=len(text))
        except (jinja2.TemplateError, TypeError, KeyError, AttributeError) as error:
            failed += 1
            entry.update(ok=False, error=f"{type(error).__name__}: {error}")
        print(json.dumps(entry, ensure_ascii=False))
    return errors.EXIT_SHORT if failed else errors.EXIT_DONE
