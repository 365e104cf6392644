"""filters.policy: system-prompt rules in meta.policy, the confirmation pattern, and the yes/no heuristics."""

from __future__ import annotations

import pytest

from filters.base import run_checks
from filters.category import CategoryCheck
from filters.checks import default_checks
from filters.policy import (
    is_acceptance,
    is_confirmation_question,
    is_decline,
    needs_confirmation,
    policy_issues,
    rule_from_dict,
)
from pipeline.record import Conversation
from tests.filters import STRUCTURAL

IDS = ["aB3dE5gH7", "Zy9Xw8Vu7", "Qr5St6Uv7"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": name,
            "description": name.replace("_", " "),
            "parameters": {"type": "object", "properties": props},
        },
    }
    for name, props in (
        ("search_flights", {"to": {"type": "string"}}),
        ("book_flight", {"offer_id": {"type": "string"}, "total_price": {"type": "number"}}),
        ("cancel_booking", {"booking_reference": {"type": "string"}}),
    )
]
USER = {"role": "user", "content": "Book me the cheapest flight to Oslo, offer F1 at 420."}
ASK = {
    "role": "assistant",
    "content": "Just to confirm: I'm about to book flight (offer id F1, total price 420). Shall I go ahead?",
}
YES = {"role": "user", "content": "Yes, go ahead."}
NO = {"role": "user", "content": "No, don't do that."}
DONE = {"role": "assistant", "content": "Done."}


def _call(index, name, **arguments):
    return {"id": IDS[index], "type": "function", "function": {"name": name, "arguments": arguments}}


def _turn(*calls):
    return {"role": "assistant", "content": None, "tool_calls": list(calls)}


def _result(index, name):
    return {"role": "tool", "tool_call_id": IDS[index], "name": name, "content": '{"ok": true}'}


BOOK = [_turn(_call(0, "book_flight", offer_id="F1", total_price=420)), _result(0, "book_flight"), DONE]
SEARCH = [_turn(_call(1, "search_flights", to="Oslo")), _result(1, "search_flights")]


def _record(messages, policy, category="multi_turn"):
    meta = {} if policy is None else {"policy": policy}
    return Conversation.model_validate(
        {"id": "r", "category": category, "tools": TOOLS, "messages": messages, "meta": meta}
    )


def _found(messages, policy):
    return [(issue.code, issue.path) for issue in policy_issues(_record(messages, policy))]


CONFIRM = [{"type": "confirm_before", "tools": ["book_flight"]}]


def test_confirm_before_needs_question_then_yes():
    assert _found([USER, ASK, YES] + BOOK, CONFIRM) == []
    assert _found([USER] + BOOK, CONFIRM) == [("policy_violation", "messages[1].tool_calls[0]")]
    assert _found([USER, YES] + BOOK, CONFIRM) == [("policy_violation", "messages[2].tool_calls[0]")]  # no question
    not_a_question = {"role": "assistant", "content": "I will book it now."}
    assert _found([USER, not_a_question, YES] + BOOK, CONFIRM) == [("policy_violation", "messages[3].tool_calls[0]")]


def test_issue_names_the_rule_and_is_a_category_issue():
    [issue] = policy_issues(_record([USER] + BOOK, CONFIRM))
    assert issue.check == "category" and "confirm_before(book_flight)" in issue.message


def test_decline_then_call_is_a_violation_and_no_call_is_fine():
    declined = [USER, ASK, NO, {"role": "assistant", "content": "Okay, I won't book it."}]
    assert _found(declined, CONFIRM) == []
    assert _found([USER, ASK, NO] + BOOK, CONFIRM) == [("policy_violation", "messages[3].tool_calls[0]")]
    [issue] = policy_issues(_record([USER, ASK, NO] + BOOK, CONFIRM))
    assert "declined" in issue.message
    assert _found([USER, ASK, NO] + BOOK, []) == []  # an empty policy checks nothing
    # with a policy, the user declined a tool no rule covers: calling it anyway is still a violation
    other = [{"type": "never_call", "tool": "cancel_booking"}]
    assert _found([USER, ASK, NO] + BOOK, other) == [("policy_violation", "messages[3].tool_calls[0]")]
    # a later user turn opens a new exchange
    assert (
        _found(
            [
                USER,
                ASK,
                NO,
                {"role": "assistant", "content": "Okay."},
                {"role": "user", "content": "Search flights to Oslo."},
            ]
            + SEARCH
            + [DONE],
            other,
        )
        == []
    )


def test_max_arg_only_above_the_limit():
    rule = [{"type": "max_arg", "tool": "book_flight", "argument": "total_price", "max": 500}]
    assert _found([USER] + BOOK, rule) == []
    expensive = [_turn(_call(0, "book_flight", offer_id="F1", total_price=620)), _result(0, "book_flight"), DONE]
    assert _found([USER] + expensive, rule) == [("policy_violation", "messages[1].tool_calls[0]")]
    assert _found([USER, ASK, YES] + expensive, rule) == []
    assert "max_arg(book_flight.total_price > 500)" in policy_issues(_record([USER] + expensive, rule))[0].message


def test_never_call():
    rule = [{"type": "never_call", "tool": "cancel_booking"}]
    assert _found([USER] + BOOK, rule) == []
    cancel = [_turn(_call(0, "cancel_booking", booking_reference="X1")), _result(0, "cancel_booking"), DONE]
    assert _found([USER, ASK, YES] + cancel, rule) == [("policy_violation", "messages[3].tool_calls[0]")]


def test_requires_before():
    rule = [{"type": "requires_before", "tool": "book_flight", "before": "search_flights"}]
    assert _found([USER] + SEARCH + BOOK, rule) == []
    assert _found([USER] + BOOK, rule) == [("policy_violation", "messages[1].tool_calls[0]")]
    same_turn = [
        _turn(_call(1, "search_flights", to="Oslo"), _call(0, "book_flight", offer_id="F1")),
        _result(1, "search_flights"),
        _result(0, "book_flight"),
        DONE,
    ]
    assert _found([USER] + same_turn, rule) == [("policy_violation", "messages[1].tool_calls[1]")]


def test_malformed_rules_and_no_policy():
    assert _found([USER] + BOOK, None) == [] and _found([USER] + BOOK, []) == []
    bad = [{"type": "max_arg", "tool": "book_flight", "argument": "total_price"}, {"type": "sometimes"}] + CONFIRM
    assert _found([USER, ASK, YES] + BOOK, bad) == [
        ("policy_violation", "meta.policy[0]"),
        ("policy_violation", "meta.policy[1]"),
    ]
    assert _found([USER] + BOOK, {"type": "never_call"}) == [("policy_violation", "meta.policy")]


@pytest.mark.parametrize(
    "data",
    [
        {"type": "confirm_before", "tools": []},
        {"type": "max_arg", "tool": "a", "argument": "x", "max": True},
        {"type": "never_call", "tool": "bad name"},
        {"type": "requires_before", "tool": "a", "before": "a"},
        {"type": "never_call", "tool": "a", "extra": 1},
        "never_call",
        None,
    ],
)
def test_rule_from_dict_rejects(data):
    with pytest.raises(ValueError):
        rule_from_dict(data)


def test_needs_confirmation():
    rules = CONFIRM + [{"type": "max_arg", "tool": "cancel_booking", "argument": "fee", "max": 50}]
    assert needs_confirmation(rules, {"name": "book_flight", "arguments": {}})
    assert not needs_confirmation(rules, {"name": "search_flights", "arguments": {}})
    assert needs_confirmation(rules, {"name": "cancel_booking", "arguments": {"fee": 50.5}})
    assert needs_confirmation(rules, {"name": "cancel_booking", "arguments": {"fee": "$75"}})
    assert not needs_confirmation(rules, {"name": "cancel_booking", "arguments": {"fee": 50}})
    assert not needs_confirmation(rules, {"name": "cancel_booking", "arguments": {}})


def test_category_check_runs_the_policy():
    record = _record([USER] + BOOK, [{"type": "never_call", "tool": "book_flight"}], category="single")
    assert [(i.check, i.code) for i in CategoryCheck()(record)] == [("category", "policy_violation")]
    assert [i.code for i in run_checks(record, default_checks(STRUCTURAL))] == ["policy_violation"]


QUESTIONS = [
    "Shall I go ahead and place the order for $620.50?",
    "Just to confirm: book the flight for Jan 3?",
    "Should I proceed?",
    "Do you want me to send it now?",
    "I'm about to transfer $900 to Anna. OK?",
    "Would you like me to delete the event 'Standup'?",
    "Is that correct?",
    "Can you confirm the total of $620?",
    "Ready for me to submit the order?",
    "Sounds good?",
    "Mind if I lock the door now?",
    "I will book the 9am slot, all right if I go ahead?",
    "Okay to place the order?",
    "Are you sure you want to cancel order 1234?",
    "Good to go?",
    "The total is $1,240.00. Do you confirm?",
]
NOT_QUESTIONS = [
    "I placed the order, confirmation number 12. Anything else?",
    "How can I help you?",
    "Do you want anything else?",
    "I'll book it now.",
    "Please confirm.",
    "Your order is confirmed.",
    "What city?",
    "Which date works for you?",
    "Is the weather nice today?",
    "",
    None,
    "Should be sunny. Proceeding now.",
]
YESES = [
    "Yes",
    "yes please",
    "Yep, go ahead.",
    "Sure!",
    "Go ahead",
    "Please do.",
    "Confirmed.",
    "Do it",
    "OK",
    "Okay, sounds good.",
    "Yeah, book it.",
    "Absolutely, go for it.",
    "No problem, go ahead.",
    "Yes, cancel it.",
    "Of course, why not.",
    "Sounds good to me",
    "That's right, please proceed.",
    "Yup",
    "Yes \u2014 I'm sure.",
    "Go ahead, no need to ask again.",
    "Sure thing!",
    "I don't mind, go ahead",
    "Correct.",
]
NOS = [
    "No",
    "no, don't do it",
    "Nope.",
    "Nah",
    "Don't.",
    "Cancel that.",
    "Stop!",
    "Hold off for now.",
    "Not now.",
    "Yes... wait, no.",
    "Actually, no thanks.",
    "I changed my mind.",
    "Forget it.",
    "Never mind.",
    "Absolutely not!",
    "Please don't.",
    "Let's not.",
    "I'm not sure, let me think.",
    "Sure, but hold on a sec.",
    "Not yet",
    "Ok no, leave it.",
    "I\u2019d rather not.",
    "cancel",
    "That's wrong.",
    "YES. Actually NO.",
]


@pytest.mark.parametrize("text", QUESTIONS)
def test_confirmation_questions(text):
    assert is_confirmation_question(text)


@pytest.mark.parametrize("text", NOT_QUESTIONS)
def test_not_confirmation_questions(text):
    assert not is_confirmation_question(text)


@pytest.mark.parametrize("text", YESES)
def test_acceptances(text):
    assert is_acceptance(text) and not is_decline(text)


@pytest.mark.parametrize("text", NOS)
def test_declines_win(text):
    assert is_decline(text) and not is_acceptance(text)


@pytest.mark.parametrize("text", ["Book a flight to Oslo.", "What's the weather?", "", None, "Hmm."])
def test_neither_yes_nor_no(text):
    assert not is_acceptance(text) and not is_decline(text)


def test_a_question_with_dots_inside_is_still_a_confirmation_question():
    from filters.policy import is_confirmation_question

    assert is_confirmation_question("Do you want me to save Copacabana Palace (Av. Atlântica 1702) to Favourites?")
    assert is_confirmation_question("Shall I text Aunt Linda 'Happy birthday!! Have a great day'?")
    assert not is_confirmation_question("I'll proceed. Anything else?")


def test_covers_tells_calls_of_one_function_apart_by_what_the_question_says():
    from filters.policy import covers

    beer = {"name": "save_place", "arguments": {"name": "Hofbräuhaus", "list_name": "Beer halls"}}
    visitors = {"name": "save_place", "arguments": {"name": "Hofbräuhaus", "list_name": "Visitors"}}
    hall = {"name": "save_place", "arguments": {"name": "New Town Hall", "list_name": "Visitors"}}
    question = "Shall I save the Hofbräuhaus to Beer halls and to Visitors, and New Town Hall to Visitors?"
    assert all(
        covers(question, call, [o for o in (beer, visitors, hall) if o is not call]) for call in (beer, visitors, hall)
    )
    vague = "Shall I save the Hofbräuhaus and New Town Hall?"
    assert not covers(vague, beer, [visitors, hall]) and covers(vague, hall, [beer, visitors])
    ask = {"name": "create_task", "arguments": {"title": "Renew passport"}}
    assert covers("Shall I message Ben and add Renew passport to your tasks?", ask, [beer])
    assert not covers("Shall I message Ben?", ask, [beer])
