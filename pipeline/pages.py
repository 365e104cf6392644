"""What the HTML report and the review page share: the Jinja environment (autoescaped: record
text is the teacher's, never markup) and the view of one record as chat bubbles."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


def _pretty(value: Any) -> str:
    """JSON with indentation; a string that holds JSON is shown decoded."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def call_text(call: Any) -> str:
    """`name(key=value, ...)`, the way a reader scans a call; arguments that are not an object
    (a rejected candidate's) are shown as they are."""
    function = (call.get("function") if isinstance(call, dict) else None) or {}
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except ValueError:
            return f"{function.get('name')}({arguments})"
    if isinstance(arguments, dict):
        shown = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in arguments.items())
    else:
        shown = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
    return f"{function.get('name')}({shown})"


@cache
def environment() -> Environment:
    """The Jinja environment over pipeline/templates (HTML autoescaped)."""
    env = Environment(
        loader=PackageLoader("pipeline", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty"] = _pretty
    env.filters["call"] = call_text
    return env


def style() -> str:
    """The pages' shared style sheet (templates/style.css), inlined by each page."""
    return environment().loader.get_source(environment(), "style.css")[0]


def record_html(record: dict[str, Any], checks: list[dict[str, Any]] | None = None) -> str:
    """One record as an HTML fragment: its tools (folded), its turns as bubbles (calls as
    `name(args)`, results as JSON), and, when given, each check's verdict."""
    return environment().get_template("record.html.j2").render(record=record, checks=checks)
