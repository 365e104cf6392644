"""pipeline.eval.ask: the prompt in each style, and answers read back (never evaluated)."""

from __future__ import annotations

import json

import pytest

from pipeline.eval.ask import read_native, read_text, request_for
from pipeline.eval.items import Item

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather of a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
MESSAGES = [
    {"role": "user", "content": "Weather in Paris, then Rome?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "a1B2c3D4e", "type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
        ],
    },
    {"role": "tool", "tool_call_id": "a1B2c3D4e", "name": "get_weather", "content": '{"temp": 12}'},
]
ITEM = Item("r#3", "r", 3, "nested", "follow_up_call", MESSAGES, TOOLS, "call", [{"get_weather": {"city": ["Rome"]}}])


def test_native_request_is_the_openai_conversation_with_tools():
    request = request_for(ITEM, "native")
    assert request.tools == TOOLS and request.temperature == 0.0
    assert request.messages[1]["tool_calls"][0]["function"]["arguments"] == '{"city": "Paris"}'  # a JSON string
    assert request.messages[2] == {"role": "tool", "content": '{"temp": 12}', "tool_call_id": "a1B2c3D4e"}


def test_text_request_is_the_hermes_prompt_in_plain_roles():
    request = request_for(ITEM, "text")
    assert request.tools is None
    assert [m["role"] for m in request.messages] == ["system", "user", "assistant", "user"]
    assert "<tools>" in request.messages[0]["content"] and "get_weather" in request.messages[0]["content"]
    assert "<tool_call>" in request.messages[2]["content"]
    assert request.messages[3]["content"].startswith("<tool_response>")


def native(content=None, calls=()):
    return json.dumps({"content": content, "tool_calls": list(calls)})


def test_native_answers():
    answer = read_native(native(calls=[{"function": {"name": "get_weather", "arguments": '{"city": "Rome"}'}}]))
    assert answer.calls == [{"name": "get_weather", "arguments": {"city": "Rome"}}] and not answer.unreadable
    assert read_native(native("It is sunny.")).content == "It is sunny."
    broken = read_native(native(calls=[{"function": {"name": "get_weather", "arguments": '{"city": "Ro'}}]))
    assert broken.unreadable == "the arguments of get_weather are not a JSON object"
    assert (
        read_native(native(calls=[{"function": {"arguments": "{}"}}])).unreadable == "tool call 0 has no function name"
    )


@pytest.mark.parametrize(
    "text, calls",
    [
        (
            '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>',
            [("get_weather", "Rome")],
        ),
        (
            '<think>Two cities.</think><tool_call>{"name": "get_weather", "arguments": {"city": "Rome"}}</tool_call>\n'
            '<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"}</tool_call>',
            [("get_weather", "Rome"), ("get_weather", "Oslo")],
        ),
        ('{"name": "get_weather", "arguments": {"city": "Rome"}}', [("get_weather", "Rome")]),
        ('[{"name": "get_weather", "parameters": {"city": "Rome"}}]', [("get_weather", "Rome")]),
        ("[get_weather(city='Rome'), weather.now(city=\"Oslo\")]", [("get_weather", "Rome"), ("weather.now", "Oslo")]),
        ("It is 12 degrees in Paris.", []),
        ("[Note] I cannot check the weather.", []),  # words that start like JSON are still words
        ('{"answer": "12 degrees"}', []),
    ],
)
def test_text_answers(text, calls):
    answer = read_text(text)
    assert not answer.unreadable
    assert [(c["name"], c["arguments"]["city"]) for c in answer.calls] == calls


@pytest.mark.parametrize(
    "text, reason",
    [
        ('<tool_call>{"name": "get_weather", "arguments": {"city": </tool_call>', "<tool_call> block: not JSON"),
        ('{"name": "get_weather", "arguments": [1]}', "are not a JSON object"),
        ('{"name": 3, "arguments": {}}', 'a call must be {"name"'),
        ("[get_weather('Rome')]", "keyword arguments only"),
        ("[get_weather(city=__import__('os').system('true'))]", "not literal JSON values"),  # never evaluated
        ("[get_weather(city='Rome'", "not a Python call list"),
        ("[get_weather(city=b'Rome')]", "not literal JSON values"),  # bytes, sets, inf: no JSON value
        ("[get_weather(city={'Rome'})]", "not literal JSON values"),
        ("[get_weather(days=1e999)]", "not literal JSON values"),
        ("[get_weather(**{'city': 'Rome'})]", "distinct keywords"),
        ("[get_weather(city='Rome', city='Oslo')]", "distinct keywords"),
    ],
)
def test_unreadable_text_answers_say_why(text, reason):
    answer = read_text(text)
    assert answer.calls == [] and reason in answer.unreadable
