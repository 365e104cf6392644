"""filters.category: how many calls each category must (or must not) make."""

from __future__ import annotations

import copy

from filters.base import Issue, run_checks
from filters.category import CategoryCheck
from filters.checks import default_checks
from pipeline.record import parse_record
from tests.filters import STRUCTURAL

ID1, ID2 = "aB3dE5gH7", "Zy9Xw8Vu7"
TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather.",
        "parameters": {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}},
    },
}
USER = {"role": "user", "content": "Weather in Oslo and Lima?"}
ANSWER = {"role": "assistant", "content": "Oslo 3, Lima 20."}


def _call(call_id, city):
    return {"id": call_id, "type": "function", "function": {"name": "get_weather", "arguments": {"city": city}}}


def _result(call_id):
    return {"role": "tool", "tool_call_id": call_id, "name": "get_weather", "content": '{"Oslo": 3, "Lima": 20}'}


def _record(category, messages):
    return {"id": "r", "category": category, "tools": [TOOL], "messages": copy.deepcopy(messages)}


def _issues(record):
    return run_checks(parse_record(record), default_checks(STRUCTURAL))


ONE_CALL = [USER, {"role": "assistant", "content": None, "tool_calls": [_call(ID1, "Oslo")]}, _result(ID1), ANSWER]
TWO_CALLS = [
    USER,
    {"role": "assistant", "content": None, "tool_calls": [_call(ID1, "Oslo"), _call(ID2, "Lima")]},
    _result(ID1),
    _result(ID2),
    ANSWER,
]
TWO_TURNS = ONE_CALL[:-1] + [
    {"role": "assistant", "content": None, "tool_calls": [_call(ID2, "Lima")]},
    _result(ID2),
    ANSWER,
]
NO_CALL = [{"role": "user", "content": "Hi, who are you?"}, {"role": "assistant", "content": "A weather assistant."}]


def test_single_with_one_call_passes():
    assert _issues(_record("single", ONE_CALL)) == []


def test_single_with_two_calls():
    issues = _issues(_record("single", TWO_CALLS))
    assert issues == [
        Issue(
            "category", "wrong_call_count", "messages[1].tool_calls", "a single sample makes exactly one call, found 2"
        )
    ]
    assert _issues(_record("parallel", TWO_CALLS)) == []


def test_single_with_two_call_turns():
    issues = _issues(_record("single", TWO_TURNS))
    assert [(i.code, i.path) for i in issues] == [("wrong_call_count", "messages[1].tool_calls")]
    assert _issues(_record("nested", TWO_TURNS)) == []


def test_single_without_call():
    issues = _issues(_record("single", NO_CALL))
    assert issues == [Issue("category", "no_call_when_needed", "messages", "a single sample needs a tool call")]
    assert _issues(_record("no_call", NO_CALL)) == []


def test_call_in_no_call():
    issues = _issues(_record("no_call", ONE_CALL))
    assert issues == [Issue("category", "call_in_no_call", "messages[1].tool_calls", "a tool call in a no_call sample")]
    assert _issues(_record("single", ONE_CALL)) == []


def test_every_call_turn_in_no_call_is_reported():
    issues = CategoryCheck()(parse_record(_record("no_call", TWO_TURNS)))
    assert [(i.code, i.path) for i in issues] == [
        ("call_in_no_call", "messages[1].tool_calls"),
        ("call_in_no_call", "messages[3].tool_calls"),
    ]


def test_multi_turn_has_no_count_rule():
    check = CategoryCheck()
    for messages in (ONE_CALL, TWO_CALLS, TWO_TURNS, NO_CALL):
        assert check(parse_record(_record("multi_turn", messages))) == []


def test_parallel_needs_two_calls_in_one_turn():
    assert _issues(_record("parallel", TWO_CALLS)) == []
    assert [i.code for i in _issues(_record("parallel", ONE_CALL))] == ["wrong_call_count"]
    assert [i.code for i in _issues(_record("parallel", TWO_TURNS))] == ["wrong_call_count"]


def test_nested_needs_a_call():
    assert [i.code for i in CategoryCheck()(parse_record(_record("nested", TWO_TURNS)))] == []
    assert [i.code for i in CategoryCheck()(parse_record(_record("nested", NO_CALL)))] == ["no_call_when_needed"]


def test_answer_must_quote_the_tool_results():
    wrong = ONE_CALL[:-1] + [{"role": "assistant", "content": "Oslo is at 13 degrees."}]
    issues = CategoryCheck()(parse_record(_record("single", wrong)))
    assert [(i.code, i.path) for i in issues] == [("inconsistent_answer", "messages[3].content")]
    rounded = ONE_CALL[:-1] + [{"role": "assistant", "content": "Oslo is at 3.0 degrees, Lima 20."}]
    assert CategoryCheck()(parse_record(_record("single", rounded))) == []
    counted = ONE_CALL[:-2] + [
        {"role": "tool", "tool_call_id": ID1, "name": "get_weather", "content": '[{"t": 3}, {"t": 20}]'},
        {"role": "assistant", "content": "I found 2 readings: 3 and 20."},
    ]
    assert CategoryCheck()(parse_record(_record("single", counted))) == []


def _category_codes(record):
    return [issue.code for issue in CategoryCheck()(parse_record(record))]


def test_an_answer_after_an_error_result_must_say_the_call_failed():
    error = {
        "role": "tool",
        "tool_call_id": ID1,
        "name": "get_weather",
        "content": '{"error": {"code": "unavailable"}}',
    }
    call = {"role": "assistant", "content": None, "tool_calls": [_call(ID1, "Oslo")]}
    for answer, codes in [
        ("It is 3 degrees in Oslo.", ["inconsistent_answer"]),
        ("The weather service is unavailable right now; please try again in a minute.", []),
        ("I couldn\u2019t get Oslo\u2019s weather: the service did not respond.", []),
    ]:
        record = _record("single", [USER, call, error, {"role": "assistant", "content": answer}])
        assert _category_codes(record) == codes, answer


def test_a_reply_to_what_no_tool_may_do_must_decline():
    for kind, reply, codes in [
        ("unavailable_tool", "Sure, I'll book that flight for you.", ["no_decline"]),
        ("unavailable_tool", "None of my tools can book flights; I can check the weather there.", []),
        ("forbidden", "I\u2019m not able to do that here, but I can check the weather.", []),
        ("unrelated", "Paris is the capital of France.", []),  # nothing asked that a tool would do
    ]:
        messages = [{"role": "user", "content": "Book me a flight to Paris."}, {"role": "assistant", "content": reply}]
        record = {**_record("no_call", messages), "meta": {"no_call": {"kind": kind}}}
        assert _category_codes(record) == codes, reply
