"""pipeline.eval.score: one case per mistake code, and the right answer of each expectation."""

from __future__ import annotations

import pytest

from pipeline.eval.ask import Answer
from pipeline.eval.items import Item
from pipeline.eval.score import CODES, score
from tests.eval.test_ask import TOOLS

CALL = Item("r#1", "r", 1, "single", "call", [{"role": "user", "content": "Rome?"}], TOOLS, "call")
CALL.answers = [{"get_weather": {"city": ["Rome"]}}]


def item(expect: str, **changes) -> Item:
    return Item(**{**CALL.__dict__, "expect": expect, "answers": [] if expect != "call" else CALL.answers, **changes})


def rome(name="get_weather", **arguments):
    return {"name": name, "arguments": arguments or {"city": "Rome"}}


@pytest.mark.parametrize(
    "expect, answer, code",
    [
        ("call", Answer(calls=[rome()]), ""),
        ("call", Answer(calls=[rome(city="rome")]), ""),
        ("call", Answer(calls=[rome(city="Oslo")]), "wrong_value"),
        ("call", Answer(calls=[rome("get_time")]), "wrong_function"),
        ("call", Answer(calls=[rome(), rome()]), "wrong_call_count"),
        ("call", Answer(calls=[rome(town="Rome")]), "missing_argument"),
        ("call", Answer(calls=[rome(city="Rome", days=2)]), "unexpected_argument"),
        ("call", Answer(calls=[rome(city=7)]), "wrong_type"),
        ("call", Answer("Rome is nice."), "missing_call"),
        ("call", Answer(unreadable="not JSON"), "unreadable_answer"),
        ("any_call", Answer(calls=[rome(city="Oslo")]), ""),
        ("any_call", Answer("No."), "missing_call"),
        ("no_call", Answer("Happy to chat."), ""),
        ("no_call", Answer(calls=[rome()]), "unneeded_call"),
        ("no_call", Answer("  "), "empty_answer"),
        ("question", Answer("Which city do you mean?"), ""),
        ("question", Answer("Rome it is."), "no_question"),
        ("question", Answer(calls=[rome()]), "unneeded_call"),
        ("decline", Answer("Sorry, I can't book flights with these tools."), ""),
        ("decline", Answer("Sure, booked!"), "no_decline"),
        ("confirm", Answer("Shall I go ahead and book it for Friday?"), ""),
        ("confirm", Answer("Booking it now."), "no_confirmation"),
        ("confirm", Answer(calls=[rome()]), "no_confirmation"),
    ],
)
def test_each_expectation_and_mistake(expect, answer, code):
    verdict = score(item(expect), answer)
    assert (verdict.correct, verdict.codes) == (not code, [code] if code else [])
    assert not code or code in CODES


NUMBER = {"type": "object", "properties": {"number": {"type": "integer"}}, "required": ["number"]}


def test_a_dotted_name_is_read_as_the_tool_it_was_mapped_to():
    mapped = Item(
        **{
            **CALL.__dict__,
            "answers": [{"math_factorial": {"number": [5]}}],
            "aliases": {"math.factorial": "math_factorial"},
        }
    )
    mapped.tools = [{"type": "function", "function": {"name": "math_factorial", "parameters": NUMBER}}]
    assert score(mapped, Answer(calls=[{"name": "math.factorial", "arguments": {"number": 5}}])).correct
