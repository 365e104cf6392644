"""filters.selection: rules a request states to pick one item of a result."""

import pytest

from filters.selection import parse_rule, pick, rule_problem, rule_words

OFFERS = [
    {"id": "A", "price": 612.4, "rating": 4.1, "type": "lock", "name": "Front door"},
    {"id": "B", "price": 538.9, "rating": 4.8, "type": "thermostat", "name": "Hallway thermostat"},
    {"id": "C", "price": 701.0, "rating": 3.9, "type": "lights", "name": "Porch light"},
]


@pytest.mark.parametrize(
    "text, index",
    [
        ("first", 0),
        ("cheapest:price", 1),
        ("nearest:price", 1),
        ("highest_rated:rating", 1),
        ("where:type=lights", 2),
    ],
)
def test_each_rule_picks_its_item(text, index):
    assert pick(OFFERS, parse_rule(text)) == (index, "")


def test_matching_ignores_case_and_spacing():
    assert pick(OFFERS, {"rule": "matching", "field": "name", "value": "porch  LIGHT"}) == (2, "")


@pytest.mark.parametrize(
    "items, rule, why",
    [
        ([], {"rule": "first"}, "there is nothing to choose from"),
        (OFFERS, {"rule": "where", "field": "type", "value": "camera"}, "0 items have type 'camera'"),
        (OFFERS + [dict(OFFERS[1], id="D")], {"rule": "cheapest", "field": "price"}, "2 items tie at price 538.9"),
        (OFFERS + [dict(OFFERS[0], id="E")], {"rule": "where", "field": "type", "value": "lock"}, "2 items have"),
        (OFFERS, {"rule": "cheapest", "field": "name"}, "no item has a numeric name"),
    ],
)
def test_no_single_item(items, rule, why):
    index, message = pick(items, rule)
    assert index is None and message.startswith(why)


@pytest.mark.parametrize("text", ["best:price", "first:price", "cheapest", "where:type", "where:type=", "matching:a=b"])
def test_malformed_rules(text):
    with pytest.raises(ValueError):
        parse_rule(text)


def test_words_and_shapes():
    assert rule_words(parse_rule("cheapest:price")) == "the cheapest one"
    assert rule_words({"rule": "matching", "field": "title", "value": "Pay property tax"}) == (
        "the one named Pay property tax"
    )
    assert rule_problem({"rule": "first"}) is None
    assert rule_problem({"rule": "where", "field": "type"}) == "a where rule needs a value"
    assert rule_problem("first") is not None
