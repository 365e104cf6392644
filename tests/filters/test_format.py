"""filters.format: role order, empty turns, tool-call ids, call/result pairing."""

from __future__ import annotations

import copy

import pytest

from filters.base import Issue, run_checks
from filters.checks import default_checks
from filters.format import FormatCheck
from pipeline.record import parse_record
from tests.filters import STRUCTURAL

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "required": ["city"],
            "properties": {"city": {"type": "string"}, "units": {"type": "string", "enum": ["metric", "imperial"]}},
        },
    },
}

ID1, ID2 = "aB3dE5gH7", "Zy9Xw8Vu7"


def _call(call_id=ID1, arguments=None, name="get_weather"):
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": {"city": "Oslo"} if arguments is None else arguments},
    }


def _calls(*calls):
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def _result(call_id=ID1, name="get_weather", content='{"temp": 3}'):
    message = {"role": "tool", "content": content, "name": name}
    if call_id is not None:
        message["tool_call_id"] = call_id
    return message


SYSTEM = {"role": "system", "content": "You are a weather assistant."}
USER = {"role": "user", "content": "Weather in Oslo?"}
ANSWER = {"role": "assistant", "content": "It is 3 degrees in Oslo."}


def _record(messages, category="single", **extra):
    return {"id": "r", "category": category, "tools": [WEATHER], "messages": copy.deepcopy(messages), **extra}


def _issues(record):
    return run_checks(parse_record(record), default_checks(STRUCTURAL))


def _codes(record):
    return {issue.code for issue in _issues(record)}


BASE = [SYSTEM, USER, _calls(_call()), _result(), ANSWER]


def test_base_record_passes():
    assert _issues(_record(BASE)) == []


def test_forced_call_at_the_end_passes():
    assert _issues(_record([SYSTEM, USER, _calls(_call())])) == []


def test_without_system_passes():
    assert _issues(_record(BASE[1:])) == []


# -- invalid_json ---------------------------------------------------------------------------------


def test_invalid_json_arguments():
    issues = _issues(_record([SYSTEM, USER, _calls(_call(arguments="not json")), _result(), ANSWER]))
    assert issues == [
        Issue(
            "format", "invalid_json", "messages[2].tool_calls[0].function.arguments", "arguments are not a JSON object"
        )
    ]


@pytest.mark.parametrize("raw", ["[1]", '"Oslo"', "{'city': 'Oslo'}"])
def test_non_object_string_arguments_are_invalid_json(raw):
    assert _codes(_record([SYSTEM, USER, _calls(_call(arguments=raw)), _result(), ANSWER])) == {"invalid_json"}


def test_json_string_arguments_pass():
    assert _issues(_record([SYSTEM, USER, _calls(_call(arguments='{"city": "Oslo"}')), _result(), ANSWER])) == []


# -- bad_role_order --------------------------------------------------------------------------------


def test_two_user_turns_in_a_row():
    fail = _record([SYSTEM, USER, {"role": "user", "content": "Please."}, _calls(_call()), _result(), ANSWER])
    assert _issues(fail) == [Issue("format", "bad_role_order", "messages[2]", "two user turns in a row")]
    assert (
        _issues(
            _record(
                [SYSTEM, {"role": "user", "content": "Weather in Oslo? Please."}, _calls(_call()), _result(), ANSWER]
            )
        )
        == []
    )


def test_two_assistant_text_turns_in_a_row():
    fail = _record(BASE + [{"role": "assistant", "content": "Anything else?"}])
    assert _issues(fail) == [Issue("format", "bad_role_order", "messages[5]", "two assistant turns in a row")]


def test_system_not_first():
    fail = _record([USER, SYSTEM, {"role": "user", "content": "Oslo please."}, _calls(_call()), _result(), ANSWER])
    assert _issues(fail) == [Issue("format", "bad_role_order", "messages[1]", "a system message is only allowed first")]


def test_first_turn_not_user():
    fail = _record([SYSTEM, {"role": "assistant", "content": "Hi!"}, USER, _calls(_call()), _result(), ANSWER])
    assert _issues(fail) == [
        Issue("format", "bad_role_order", "messages[1]", "the first turn must be a user turn, not assistant")
    ]


def test_ends_with_user():
    fail = _record(BASE + [{"role": "user", "content": "Thanks!"}])
    assert _issues(fail) == [
        Issue("format", "bad_role_order", "messages[5]", "the conversation must end with an assistant turn")
    ]
    assert (
        _issues(
            _record(
                BASE + [{"role": "user", "content": "Thanks!"}, {"role": "assistant", "content": "You're welcome."}],
                category="multi_turn",
            )
        )
        == []
    )


# -- empty_turn ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "index, message",
    [
        (1, {"role": "user", "content": "   "}),
        (1, {"role": "user", "content": None}),
        (0, {"role": "system", "content": ""}),
        (4, {"role": "assistant", "content": ""}),
        (3, {"role": "tool", "tool_call_id": ID1, "name": "get_weather", "content": None}),
    ],
)
def test_empty_turn(index, message):
    messages = copy.deepcopy(BASE)
    messages[index] = message
    issues = _issues(_record(messages))
    assert {i.code for i in issues} == {"empty_turn"}
    assert [i.path for i in issues] == [f"messages[{index}]"]


def test_empty_tool_content_string_is_allowed():
    messages = copy.deepcopy(BASE)
    messages[3]["content"] = ""
    assert _issues(_record(messages)) == []


def test_no_messages_is_empty_turn():
    record = parse_record(_record([]))
    assert FormatCheck()(record) == [Issue("format", "empty_turn", "messages", "the conversation has no messages")]


# -- bad_tool_call_id -------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["call_1", "abcdefgh", "abcdefghij", "abc-efghi"])
def test_bad_call_id(bad):
    issues = _issues(_record([SYSTEM, USER, _calls(_call(bad)), _result(bad), ANSWER]))
    assert [(i.code, i.path) for i in issues] == [("bad_tool_call_id", "messages[2].tool_calls[0].id")]
    assert repr(bad) in issues[0].message


def test_duplicated_call_id():
    second_user = {"role": "user", "content": "And in Lima?"}
    turn2 = [
        second_user,
        _calls(_call(ID1, {"city": "Lima"})),
        _result(ID1, content='{"temp": 20}'),
        {"role": "assistant", "content": "20 in Lima."},
    ]
    issues = _issues(_record(BASE + turn2, category="multi_turn"))
    assert [(i.code, i.path) for i in issues] == [("bad_tool_call_id", "messages[6].tool_calls[0].id")]
    assert "used twice" in issues[0].message
    turn2_ok = [
        second_user,
        _calls(_call(ID2, {"city": "Lima"})),
        _result(ID2, content='{"temp": 20}'),
        {"role": "assistant", "content": "20 in Lima."},
    ]
    assert _issues(_record(BASE + turn2_ok, category="multi_turn")) == []


# -- orphan_tool_result ---------------------------------------------------------------------------


def test_orphan_tool_result():
    fail = _record([SYSTEM, USER, _calls(_call()), _result(), _result(ID2), ANSWER])
    issues = _issues(fail)
    assert [(i.code, i.path) for i in issues] == [("orphan_tool_result", "messages[4].tool_call_id")]


def test_tool_result_naming_another_function():
    fail = _record([SYSTEM, USER, _calls(_call()), _result(name="get_forecast"), ANSWER])
    assert [(i.code, i.path) for i in _issues(fail)] == [("orphan_tool_result", "messages[3].name")]


def test_tool_result_without_id_answers_the_only_open_call():
    assert _issues(_record([SYSTEM, USER, _calls(_call()), _result(None), ANSWER])) == []


def test_tool_result_without_id_with_two_open_calls_is_orphan():
    record = _record(
        [SYSTEM, USER, _calls(_call(ID1), _call(ID2, {"city": "Lima"})), _result(None), _result(ID2), ANSWER],
        category="parallel",
    )
    issues = _issues(record)
    # the id-less result is ambiguous; the call it might answer then lacks its result
    assert [(i.code, i.path) for i in issues] == [
        ("orphan_tool_result", "messages[3].tool_call_id"),
        ("missing_tool_result", "messages[2]"),
    ]


def test_call_without_id_is_bad_but_its_id_less_result_is_not_orphan():
    # HF/TRL data often has no ids: the call is flagged, its result pairs with it by position
    issues = _issues(_record([SYSTEM, USER, _calls(_call(None)), _result(None), ANSWER]))
    assert [(i.code, i.path) for i in issues] == [("bad_tool_call_id", "messages[2].tool_calls[0].id")]


def test_parallel_calls_without_ids_pair_by_name_then_position():
    calls = _calls(_call(None), _call(None, name="get_forecast"))
    tools = [WEATHER, {"type": "function", "function": {**WEATHER["function"], "name": "get_forecast"}}]
    for results in (
        [_result(None), _result(None, "get_forecast")],
        [_result(None, "get_forecast"), _result(None)],
        [{**_result(None), "name": None}, {**_result(None), "name": None}],
    ):
        record = {**_record([SYSTEM, USER, calls, *results, ANSWER], category="parallel"), "tools": tools}
        assert [i.code for i in _issues(record)] == ["bad_tool_call_id"] * 2, results


def test_id_less_call_left_without_result_is_missing():
    issues = _issues(_record([SYSTEM, USER, _calls(_call(None)), {"role": "user", "content": "Hello?"}, ANSWER]))
    assert [(i.code, i.path) for i in issues] == [
        ("bad_tool_call_id", "messages[2].tool_calls[0].id"),
        ("missing_tool_result", "messages[2]"),
    ]
    assert "get_weather (no id)" in issues[1].message


def test_extra_id_less_result_after_an_id_less_call_is_orphan():
    issues = _issues(_record([SYSTEM, USER, _calls(_call(None)), _result(None), _result(None), ANSWER]))
    assert [(i.code, i.path) for i in issues] == [
        ("bad_tool_call_id", "messages[2].tool_calls[0].id"),
        ("orphan_tool_result", "messages[4].tool_call_id"),
    ]


def test_id_less_result_naming_another_function():
    issues = _issues(_record([SYSTEM, USER, _calls(_call(None)), _result(None, "get_forecast"), ANSWER]))
    assert [(i.code, i.path) for i in issues] == [
        ("bad_tool_call_id", "messages[2].tool_calls[0].id"),
        ("orphan_tool_result", "messages[3].name"),
    ]


def test_tool_result_answering_an_earlier_turn_is_orphan():
    messages = [
        SYSTEM,
        USER,
        _calls(_call()),
        _result(),
        ANSWER,
        {"role": "user", "content": "And Bergen?"},
        _calls(_call(ID2, {"city": "Bergen"})),
        _result(ID2),
        _result(ID1),
        {"role": "assistant", "content": "Still 3."},
    ]
    issues = _issues(_record(messages, category="multi_turn"))
    assert [(i.code, i.path) for i in issues] == [("orphan_tool_result", "messages[8].tool_call_id")]


# -- missing_tool_result ---------------------------------------------------------------------------


def test_missing_tool_result():
    fail = _record([SYSTEM, USER, _calls(_call()), {"role": "user", "content": "Hello?"}, ANSWER])
    issues = _issues(fail)
    assert [(i.code, i.path) for i in issues] == [("missing_tool_result", "messages[2]")]
    assert ID1 in issues[0].message and "messages[3]" in issues[0].message
    near = _record([SYSTEM, USER, _calls(_call()), _result(), {"role": "user", "content": "Hello?"}, ANSWER])
    assert _issues(near) == []


def test_parallel_call_missing_one_result():
    calls = _calls(_call(ID1), _call(ID2, {"city": "Lima"}))
    fail = _record([SYSTEM, USER, calls, _result(ID1), ANSWER], category="parallel")
    issues = _issues(fail)
    assert [(i.code, i.path) for i in issues] == [("missing_tool_result", "messages[2]")]
    assert ID2 in issues[0].message and ID1 not in issues[0].message
    # results in any order pass
    assert _issues(_record([SYSTEM, USER, calls, _result(ID2), _result(ID1), ANSWER], category="parallel")) == []


def test_format_check_alone_ignores_schema():
    record = parse_record(_record([SYSTEM, USER, _calls(_call(name="nope")), _result(name="nope"), ANSWER]))
    assert FormatCheck()(record) == []
    assert {i.check for i in run_checks(record, default_checks(STRUCTURAL))} == {"schema"}
