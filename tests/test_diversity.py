"""pipeline.diversity: the manifest's repetition and raw-forms measures."""

from __future__ import annotations

from pipeline.diversity import raw_forms, repetition
from pipeline.record import parse_record

TOOL = {
    "type": "function",
    "function": {
        "name": "get_event",
        "parameters": {
            "type": "object",
            "properties": {
                "event_id": {"type": "string"},
                "calendar_id": {"type": "string"},
                "order_id": {"type": "string"},
                "city": {"type": "string"},
                "units": {"type": "string", "enum": ["c", "f"]},
                "party_size": {"type": "integer", "minimum": 1, "maximum": 12},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "stars": {
                    "anyOf": [{"type": "number", "minimum": 1, "maximum": 5, "multipleOf": 0.5}, {"type": "null"}]
                },
                "days": {"type": "array", "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri"]}},
                "tags": {"type": "array", "items": {"type": "string"}},
            },
        },
    },
}


def _record(index, user, arguments, followup=False):
    call = {"id": f"a{index:08d}", "type": "function", "function": {"name": "get_event", "arguments": arguments}}
    messages = [{"role": "user", "content": user}, {"role": "assistant", "tool_calls": [call]}]
    if followup:  # the same values again in a later turn: one use per record
        messages += [
            {"role": "tool", "tool_call_id": call["id"], "content": "{}"},
            {"role": "user", "content": "and again"},
            {"role": "assistant", "tool_calls": [{**call, "id": f"b{index:08d}"}]},
        ]
    return parse_record({"id": f"r{index}", "tools": [TOOL], "messages": messages})


def test_repetition_finds_the_overused_value_once_per_record_and_skips_small_enums():
    records = [
        _record(i, "x", {"city": "Paris" if i < 6 else f"City {i}", "units": "c"}, followup=True) for i in range(40)
    ]
    report = repetition(records)
    worst = report["worst"][0]
    assert (worst["parameter"], worst["value"], worst["share"], worst["uses"]) == ("city", "Paris", 0.15, 40)
    assert report["over_limit"] == 1 and all(row["parameter"] != "units" for row in report["worst"])


def test_few_options_are_left_out_whatever_their_type():
    """A party of 2 or a 4.5-star minimum is what most people ask for: a bounded integer or stepped
    number with at most 20 values, or a list of a small enum's options, is an enum in all but name.
    A limit of 1..100 or a free list is not, and is still counted."""
    records = [
        _record(
            i,
            "x",
            {
                "party_size": 2,
                "stars": 4.5,
                "days": ["mon"],
                "limit": 10 if i < 8 else i,
                "tags": ["a"] if i < 8 else [str(i)],
            },
        )
        for i in range(40)
    ]
    report = repetition(records)
    assert sorted(row["parameter"] for row in report["worst"]) == ["limit", "tags"]
    assert report["over_limit"] == 2


def test_raw_forms_counts_iso_snake_case_and_ids_a_user_could_not_know():
    records = [
        _record(0, "what is on 2026-12-04T10:00?", {"city": "Oslo"}),
        _record(1, "open evt_9x2k7p4q1w please", {"event_id": "evt_9x2k7p4q1w"}),
        _record(2, "cancel order ORD-12345678", {"order_id": "ORD-12345678"}),  # a number from an e-mail
        _record(3, "show my family calendar", {"calendar_id": "family"}),  # a name, not an opaque id
    ]
    forms = raw_forms(records)
    assert forms["user_turns"] == 4 and forms["iso_date"] == forms["iso_timestamp"] == 0.25
    assert forms["snake_case"] == 0.25 and forms["opaque_id"] == 0.25 and forms["any"] == 0.5


def test_underscores_people_type_are_not_raw_forms():
    records = [
        _record(0, "mail julien_mercier@gmail.com the file invoice_4471.pdf", {"city": "Oslo"}),
        _record(1, "see https://example.org/share/q3_report", {"city": "Oslo"}),
        _record(2, "alerts for storm and air_quality please", {"city": "Oslo"}),  # an enum token: raw
    ]
    forms = raw_forms(records)
    assert round(forms["snake_case"], 2) == 0.33 and round(forms["any"], 2) == 0.33
