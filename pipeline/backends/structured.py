"""How a request asks for output that fits a JSON Schema, in each structured-output style.

json_schema (OpenAI's response_format), json_object + schema (llama.cpp's server), a GBNF
grammar (llama.cpp, when llama_cpp's converter is importable) or none (the prompt alone asks for
JSON). Which style an endpoint honours is found by pipeline.backends.probe.
"""

from __future__ import annotations

import json
from typing import Any

_GRAMMAR_UNSAFE = ("minLength", "maxLength", "minItems", "maxItems")


def grammar_for(schema: dict[str, Any]) -> str | None:
    """A GBNF grammar for the schema, when llama_cpp's converter is importable."""
    try:
        from llama_cpp.llama_grammar import json_schema_to_gbnf
    except Exception:
        return None
    try:
        return json_schema_to_gbnf(json.dumps(schema))
    except Exception:
        return None


def grammar_safe(schema: Any) -> Any:
    """Drop keywords llama.cpp's grammars handle badly: regexes with escapes fail to parse, and
    length bounds expand into nesting that overflows the server's stack. The checks still apply
    them. Plain patterns (no backslash) are kept: they constrain values usefully."""
    if isinstance(schema, list):
        return [grammar_safe(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    return {
        key: grammar_safe(value)
        for key, value in schema.items()
        if not (key in _GRAMMAR_UNSAFE and isinstance(value, int))
        and not (key == "pattern" and isinstance(value, str) and "\\" in value)
    }


def structured_kwargs(style: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The request fields that ask for output fitting `schema` in a given style."""
    if style == "json_schema":
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "output", "schema": schema, "strict": False},
            }
        }
    schema = grammar_safe(schema)
    if style == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema}}
    if style == "grammar":
        grammar = grammar_for(schema)
        return {"extra_body": {"grammar": grammar}} if grammar else {}
    return {}
