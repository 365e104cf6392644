"""pipeline.parse: strict JSON and YAML (no NaN/Infinity, no duplicate keys, bounded nesting)."""

from __future__ import annotations

import json

import pytest

from pipeline import parse
from pipeline.parse import MAX_DEPTH, StrictError, check, load_yaml, loads


@pytest.mark.parametrize(
    "text, where, message",
    [
        ('{"a": [1, NaN]}', "a[1]", "NaN is not a JSON number (use a finite number or null)"),
        ('{"a": {"b": -Infinity}}', "a.b", "-Infinity is not a JSON number (use a finite number or null)"),
        ("[1e999]", "[0]", "Infinity is not a JSON number (use a finite number or null)"),
        ('{"a": [{"k": 1, "k": 2}]}', "a[0]", "duplicate key 'k'"),
        ('{"k": 1, "k": 1}', None, "duplicate key 'k'"),
        ("[" * 200 + "]" * 200, "[0]" * MAX_DEPTH, f"nested deeper than {MAX_DEPTH} levels"),
        ("[" * 100_000 + "]" * 100_000, None, f"nested deeper than {MAX_DEPTH} levels"),  # json's own RecursionError
        ("1" * 5000, None, "Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)
def test_loads_refuses_what_is_not_strict_json(text, where, message):
    with pytest.raises(StrictError) as info:
        loads(text)
    assert (info.value.path, info.value.message[: len(message)]) == (where, message)


def test_loads_reports_the_first_problem_in_document_order():
    with pytest.raises(StrictError) as info:
        loads('{"a": {"x": 1, "x": 2}, "b": NaN}')
    assert str(info.value) == "a: duplicate key 'x'"


def test_loads_keeps_json_syntax_errors_as_they_were():
    with pytest.raises(json.JSONDecodeError):
        loads('{"a": }')


def test_loads_accepts_ordinary_json():
    assert loads('{"a": [1, 2.5, -0.0, null, "NaN"], "b": {"c": 1e308}}') == {
        "a": [1, 2.5, -0.0, None, "NaN"],
        "b": {"c": 1e308},
    }


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("a: 1\nb:\n  c: 2\n  c: 3\n", "line 4", "duplicate key 'c'"),
        ("a: [1, .nan]\n", "a[1]", "NaN is not a JSON number"),
        ("a: -.inf\n", "a", "-Infinity is not a JSON number"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", None, "nested deeper than"),
    ],
)
def test_load_yaml_refuses_duplicates_non_finite_numbers_and_deep_nesting(text, where, message):
    with pytest.raises(StrictError) as info:
        load_yaml(text)
    assert info.value.path == where and info.value.message.startswith(message)


def test_load_yaml_keeps_merge_keys_and_survives_alias_cycles():
    assert load_yaml("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  x: 3\n")["use"] == {"x": 3, "y": 2}
    looped = load_yaml("a: &a [1, *a]\n")["a"]
    assert looped[1] is looped  # check() visits a shared node once, so a cycle ends


def test_check_takes_any_depth_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(StrictError) as info:
        check(deep, max_depth=64)
    assert info.value.parts == (0,) * 64


def test_json_types_refuses_a_yaml_key_written_as_a_number_and_as_a_string():
    with pytest.raises(parse.StrictError, match="duplicate key '200'"):
        parse.json_types(parse.load_yaml("200: a\n'200': b\n"))
    assert parse.json_types(parse.load_yaml("200: {when: 2026-01-02}\n")) == {"200": {"when": "2026-01-02"}}
