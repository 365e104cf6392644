"""pipeline.schema_safety: schema limits checked before any recursion, and patterns matched by RE2."""

from __future__ import annotations

import pytest

from pipeline.schema_safety import (
    MAX_SCHEMA_DEPTH,
    Validator,
    compile_pattern,
    schema_limits_problem,
    schema_patterns,
    search,
)


def test_search_has_json_schema_semantics_and_linear_time():
    assert search("^[A-Z]{3}$", "LHR") and not search("^[A-Z]{3}$", "LHR\n")  # ECMA `$`: no final newline
    assert not search(r"^\d+$", "٣")  # ECMA `\d` is ASCII
    assert not search("(a+)+$", "a" * 100_000 + "!")  # Python's re: 2^100000 steps


@pytest.mark.parametrize("pattern", ["(?=a)", r"(a)\1", "a++", "(?<!x)y", "["])
def test_patterns_re2_cannot_run_are_a_value_error(pattern):
    with pytest.raises(ValueError, match="is not a regex RE2 can match"):
        compile_pattern(pattern)


def test_limits_name_the_first_problem_with_its_path():
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer", "minimum": 3, "maximum": 1}, "b": {"pattern": "(?=x)"}},
    }
    assert schema_limits_problem(schema) == (
        ("properties", "a", "minimum"),
        "minimum 3 is above maximum 1: no value fits",
    )
    assert schema_limits_problem({"$defs": {"t": {"enum": []}}}) == (
        ("$defs", "t", "enum"),
        "enum is empty: no value fits",
    )
    assert schema_limits_problem({"allOf": [{"minLength": 2, "maxLength": 1}]})[0] == ("allOf", 0, "minLength")


def test_limits_leave_values_alone():
    schema = {"type": "object", "examples": [{"pattern": "(?=x)", "minimum": 3, "maximum": 1}], "enum": [{"enum": []}]}
    assert schema_limits_problem(schema) is None


def test_depth_limit():
    schema: dict = {}
    for _ in range(MAX_SCHEMA_DEPTH - 1):
        schema = {"not": schema}
    assert schema_limits_problem(schema) is None  # 64 objects: the deepest is 63 levels below the root
    problem = schema_limits_problem({"not": schema})
    assert problem == (("not",) * MAX_SCHEMA_DEPTH, "nested deeper than 64 levels (the limit for a JSON Schema)")


def test_unevaluated_properties_with_pattern_properties_is_refused():
    schema = {"patternProperties": {"^x": {}}, "allOf": [{"unevaluatedProperties": False}]}
    assert schema_limits_problem(schema) == (
        ("allOf", 0, "unevaluatedProperties"),
        "unevaluatedProperties together with patternProperties is not supported",
    )


def test_validator_matches_pattern_keywords_with_re2():
    schema = {
        "type": "object",
        "patternProperties": {"^(a+)+$": {"type": "integer"}},
        "additionalProperties": False,
        "properties": {"code": {"type": "string", "pattern": "(a+)+$"}},
    }
    validator = Validator(schema)
    assert validator.is_valid({"aaa": 1, "code": "xa"})
    assert [e.message for e in validator.iter_errors({"aaa": "x"})] == ["'x' is not of type 'integer'"]
    evil = "a" * 50_000 + "!"
    assert [e.validator for e in validator.iter_errors({evil: 1, "code": evil})] == ["additionalProperties", "pattern"]
    assert schema_patterns(schema) == {"^(a+)+$", "(a+)+$"}
    assert schema_patterns({"type": "object", "properties": {"pattern": {}}}) == set()
