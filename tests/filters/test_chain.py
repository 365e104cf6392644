"""filters.chain: link paths and the replay of meta.links."""

from __future__ import annotations

import json

from filters.chain import chain_issues, values_at
from pipeline.record import parse_record

RESULT = {"offers": [{"offer_id": "FO-AAAA1111", "price": 120}, {"offer_id": "FO-BBBB2222", "price": 99}], "count": 2}


def test_values_at_reads_keys_indexes_and_every_element():
    assert values_at(RESULT, "offers[*].offer_id") == ["FO-AAAA1111", "FO-BBBB2222"]
    assert values_at(RESULT, "offers[1].price") == [99]
    assert values_at(RESULT, "count") == [2]
    assert (
        values_at(RESULT, "offers[5].offer_id") == []
        and values_at(RESULT, "missing.key") == []
        and values_at("text", "a") == []
    )


def _record(offer_id: str, links) -> object:
    return parse_record(
        {
            "id": "r",
            "category": "nested",
            "tools": [],
            "meta": {"links": links},
            "messages": [
                {"role": "user", "content": "Find flights from Oslo to Rome on 2026-03-04 and book the first one."},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {"id": "aaaaaaaa1", "type": "function", "function": {"name": "search_flights", "arguments": {}}}
                    ],
                },
                {"role": "tool", "tool_call_id": "aaaaaaaa1", "name": "search_flights", "content": json.dumps(RESULT)},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "bbbbbbbb2",
                            "type": "function",
                            "function": {"name": "book_flight", "arguments": {"offer_id": offer_id}},
                        }
                    ],
                },
            ],
        }
    )


LINK = {"message": 3, "call": 0, "argument": "offer_id", "from_message": 2, "output": "offers[*].offer_id"}


def test_a_linked_argument_from_the_result_passes():
    assert chain_issues(_record("FO-BBBB2222", [LINK])) == []


def test_a_linked_argument_the_result_never_gave_is_unused_tool_result():
    issues = chain_issues(_record("FO-ZZZZ9999", [LINK]))
    assert [(i.check, i.code, i.path) for i in issues] == [
        ("grounding", "unused_tool_result", "messages[3].tool_calls[0].function.arguments.offer_id")
    ]


def test_bad_links_are_invalid_record_not_crashes():
    for link in (
        {**LINK, "message": 9},
        {**LINK, "from_message": 3},
        {**LINK, "output": 5},
        "nope",
        {**LINK, "call": 4},
    ):
        assert [i.code for i in chain_issues(_record("FO-AAAA1111", [link]))] == ["invalid_record"], link
    assert [i.code for i in chain_issues(_record("FO-AAAA1111", {"not": "a list"}))] == ["invalid_record"]
    assert chain_issues(_record("FO-AAAA1111", [])) == []
