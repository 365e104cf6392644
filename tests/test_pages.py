"""pipeline.pages: a record as HTML, every piece of its text escaped, calls readable whatever
shape a rejected candidate's arguments have."""

from __future__ import annotations

from pipeline.pages import call_text, record_html

EVIL = "<img src=x onerror=alert(1)>"


def _call(arguments):
    return {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}


def test_calls_read_as_name_and_arguments_whatever_their_shape():
    assert call_text(_call({"city": "Köln", "n": 2})) == 'f(city="Köln", n=2)'
    assert call_text(_call('{"city": "Lyon"}')) == 'f(city="Lyon")'
    assert call_text(_call("[1, 2]")) == "f([1, 2])"  # a rejected candidate's arguments, not an object
    assert call_text(_call("{not json")) == "f({not json)"
    assert call_text(_call(None)) == "f()" and call_text("garbage") == "None()"


def test_every_text_of_a_record_is_escaped():
    record = {
        "id": EVIL,
        "category": EVIL,
        "tools": [{"type": "function", "function": {"name": EVIL, "description": EVIL, "parameters": {EVIL: EVIL}}}],
        "messages": [
            {"role": "system", "content": EVIL},
            {"role": "user", "content": EVIL},
            {"role": "assistant", "content": None, "tool_calls": [_call({EVIL: EVIL})]},
            {"role": "tool", "tool_call_id": "c1", "name": EVIL, "content": f'{{"x": "{EVIL}"}}'},
            {"role": "assistant", "content": EVIL},
        ],
        "meta": {
            "grounding": {EVIL: EVIL},
            "raw": EVIL,
            "issues": [{"check": EVIL, "code": EVIL, "path": EVIL, "message": EVIL}],
        },
    }
    checks = [{"name": EVIL, "ok": False, "issues": [{"code": EVIL, "path": EVIL, "message": EVIL}]}]
    html = record_html(record, checks)
    assert "<img" not in html and "onerror=alert(1)&gt;" in html
    assert html.count("&lt;img") >= 15
