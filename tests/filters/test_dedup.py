"""filters.dedup: exact, near and template-capped duplicates over a set of records."""

from __future__ import annotations

import json
import random

import pytest
from rapidfuzz import fuzz

from filters.base import Issue
from filters.dedup import DedupOptions, find_duplicates, near_score, near_text, normalize_text, record_features
from pipeline.record import parse_record
from tests.filters.dedup_corpus import build, length_bucket, records, score

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_stock_price",
            "description": "Latest price of a stock.",
            "parameters": {
                "type": "object",
                "properties": {
                    "ticker": {"type": "string"},
                    "currency": {"type": "string", "enum": ["USD", "EUR"], "default": "USD"},
                },
                "required": ["ticker"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    },
]


def rec(rid, text, *calls, task_index=None, tools=TOOLS):
    """A canonical record: system, user `text`, then one assistant turn with `calls` ((name, arguments) pairs)."""
    messages = [{"role": "system", "content": "You are a trading assistant."}]
    if text is not None:
        messages.append({"role": "user", "content": text})
    if calls:
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": f"call{i:05d}", "type": "function", "function": {"name": name, "arguments": arguments}}
                    for i, (name, arguments) in enumerate(calls)
                ],
            }
        )
    record = {"id": rid, "category": "single", "tools": tools, "messages": messages, "meta": {}}
    if task_index is not None:
        record["meta"]["task_index"] = task_index
    return record


NVDA = ("get_stock_price", {"ticker": "NVDA"})
TSLA = ("get_stock_price", {"ticker": "TSLA"})


def messages(issues, records):
    """{dropped record id: issue message} from find_duplicates over `records` listed as (index, record)."""
    by_index = dict(records)
    return {by_index[index]["id"]: issue.message for index, issue in issues.items()}


def test_normalize_text_casefolds_strips_punctuation_and_applies_nfkc():
    assert normalize_text("  What's   NVDA\ttrading at?!  ") == "what s nvda trading at"
    assert normalize_text("ＳＴＲＡßＥ, please") == "strasse please"


def test_exact_duplicate_names_the_lowest_index():
    records = [
        rec("r0", "What is NVDA trading at?", NVDA),
        rec("r1", "Weather in Oslo?", ("get_weather", {"city": "Oslo"})),
        rec("r2", "what is nvda TRADING at", NVDA),
        rec("r3", "What is NVDA trading at?", NVDA),
    ]
    issues = find_duplicates(enumerate(records))
    assert issues == {
        2: Issue("dedup", "duplicate", "messages[1].content", "exact duplicate of r0"),
        3: Issue("dedup", "duplicate", "messages[1].content", "exact duplicate of r0"),
    }


@pytest.mark.parametrize("exhaustive", [8, 1])  # 1: every bucket goes through MinHash LSH
@pytest.mark.parametrize(
    "edited",
    [
        "what is nvidia (NVDA) trading at right now, today",  # punctuation and case
        "What is Nvidia (NVDA) trading at right now today?!",  # punctuation
        "What is Nvidia (NVDA) trading at just now today?",  # one word changed
        "What is Nvidia (NVDA) trading at right now?",  # one word dropped
    ],
)
def test_near_duplicate_is_caught(exhaustive, edited):
    original = "What is Nvidia (NVDA) trading at right now today?"
    records = [
        rec("r0", original, NVDA),
        rec("r1", "Show me the weather in Lima", ("get_weather", {"city": "Lima"})),
        rec("r2", edited, NVDA),
    ]
    issues = find_duplicates(enumerate(records), DedupOptions(exhaustive=exhaustive))
    ratio = fuzz.ratio(near_text(edited), near_text(original))
    assert ratio >= 90 and set(issues) == {2}
    assert issues[2].message in (f"near duplicate of r0 (ratio {ratio:.0f})", "exact duplicate of r0")
    if normalize_text(edited) != normalize_text(original):
        assert issues[2].message.startswith("near duplicate of r0")


def test_near_duplicates_through_lsh_in_a_large_bucket():
    """A bucket bigger than `exhaustive`: candidates come from MinHash bands only."""
    base = [
        "Could you check the price of Nvidia stock for me please",
        "How is the NVDA share price doing this morning",
        "Tell me what one Nvidia share costs at the moment",
        "I want the latest quote for NVDA in dollars",
    ]
    records = [rec(f"r{i}", text, NVDA) for i, text in enumerate(base)]
    records += [rec(f"r{i + 4}", text.lower().replace("please", "pls") + "?", NVDA) for i, text in enumerate(base)]
    issues = find_duplicates(enumerate(records), DedupOptions(exhaustive=2))
    assert {records[i]["id"]: issue.message.split(" (")[0] for i, issue in issues.items()} == {
        "r4": "near duplicate of r0",
        "r5": "exact duplicate of r1",
        "r6": "exact duplicate of r2",
        "r7": "exact duplicate of r3",
    }


def test_same_text_with_different_calls_is_kept():
    records = [
        rec("r0", "What is it trading at?", NVDA),
        rec("r1", "What is it trading at?", TSLA),
        rec("r2", "What is it trading at?", ("get_stock_price", {"ticker": "NVDA", "currency": "EUR"})),
    ]
    assert find_duplicates(enumerate(records)) == {}


def test_template_siblings_with_different_values_are_kept():
    records = [
        rec("r0", "What's Apple trading at?", ("get_stock_price", {"ticker": "AAPL"})),
        rec("r1", "What's Tesla trading at?", TSLA),
        rec("r2", "What's Nvidia trading at?", NVDA),
        rec("r3", "What is MSFT trading at?", ("get_stock_price", {"ticker": "MSFT"})),
        rec("r4", "What is AMZN trading at?", ("get_stock_price", {"ticker": "AMZN"})),
    ]
    assert find_duplicates(enumerate(records)) == {}
    assert record_features(records[3]).template == record_features(records[4]).template  # values masked
    assert record_features(records[0]).template != record_features(records[1]).template  # aliases are not values


def test_template_mask_covers_numbers_and_digit_runs():
    first = rec(
        "a", "Buy 1,500 shares of NVDA at 121.40", ("place_order", {"ticker": "NVDA", "quantity": 1500, "price": 121.4})
    )
    second = rec(
        "b", "Buy 20 shares of TSLA at 99.5", ("place_order", {"ticker": "TSLA", "quantity": 20, "price": 99.5})
    )
    other_tool = rec("c", "Buy 20 shares of TSLA at 99.5", ("place_limit_order", {"ticker": "TSLA", "quantity": 20}))
    assert record_features(first).template == record_features(second).template != record_features(other_tool).template


def test_template_cap_drops_records_beyond_the_cap_naming_the_first():
    tickers = ["AAPL", "TSLA", "NVDA", "MSFT", "AMZN"]
    records = [
        rec(f"r{t}", f"What is {t} trading at?", ("get_stock_price", {"ticker": t}), task_index=i)
        for i, t in enumerate(tickers)
    ]
    listed = list(enumerate(records))
    random.Random(3).shuffle(listed)
    issues = find_duplicates(listed, DedupOptions(template_cap=3))
    assert messages(issues, listed) == {
        "rMSFT": "template cap 3 reached (first: rAAPL)",
        "rAMZN": "template cap 3 reached (first: rAAPL)",
    }
    assert find_duplicates(listed, DedupOptions(template_cap=5)) == {}


def test_exact_copy_of_a_dropped_record_names_the_kept_one():
    original = "What is Nvidia (NVDA) trading at right now today?"
    near = "What is Nvidia (NVDA) trading at right now?"
    records = [rec("r0", original, NVDA), rec("r1", near, NVDA), rec("r2", near, NVDA)]
    ratio = fuzz.ratio(near_text(near), near_text(original))
    assert messages(find_duplicates(enumerate(records)), enumerate(records)) == {
        "r1": f"near duplicate of r0 (ratio {ratio:.0f})",
        "r2": f"near duplicate of r0 (ratio {ratio:.0f})",
    }


MIXED = [
    rec("k0", "What is Nvidia (NVDA) trading at right now today?", NVDA),
    rec("k1", "Weather in Oslo please", ("get_weather", {"city": "Oslo"})),
    rec("k2", "what is nvidia nvda trading at right now today", NVDA),
    rec("k3", "What is Nvidia (NVDA) trading at right now?", NVDA),
    rec("k4", "What is Nvidia (NVDA) trading at right now today?", TSLA),
    rec("k5", "Weather in Oslo, please!", ("get_weather", {"city": "Oslo"})),
    rec("k6", "How warm is it in Oslo?", ("get_weather", {"city": "Oslo"})),
]
MIXED_EXPECTED = {"k2": "exact duplicate of k0", "k3": "near duplicate of k0 (ratio 93)", "k5": "exact duplicate of k1"}


@pytest.mark.parametrize("seed", range(5))
def test_result_does_not_depend_on_input_order(seed):
    listed = list(enumerate(MIXED))  # the caller's index is the order key
    random.Random(seed).shuffle(listed)
    assert messages(find_duplicates(listed), listed) == MIXED_EXPECTED


@pytest.mark.parametrize("seed", range(5))
def test_task_index_orders_records_when_present(seed):
    records = [{**record, "meta": {"task_index": 10 + i}} for i, record in enumerate(MIXED)]
    shuffled = records[:]
    random.Random(seed).shuffle(shuffled)
    listed = list(enumerate(shuffled))  # positions in the shuffled file: task_index decides
    assert messages(find_duplicates(listed), listed) == MIXED_EXPECTED


def test_plain_dict_and_conversation_give_the_same_features():
    record = rec("r0", "Is it cold in Oslo? And what's NVDA at?", ("get_weather", {"city": "Oslo"}), NVDA, task_index=4)
    record["messages"] += [
        {"role": "tool", "tool_call_id": "call00000", "name": "get_weather", "content": "{}"},
        {"role": "user", "content": "Also Tesla please"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call00002",
                    "type": "function",
                    "function": {"name": "get_stock_price", "arguments": {"ticker": "TSLA"}},
                }
            ],
        },
    ]
    features = record_features(record)
    assert features == record_features(parse_record(record))
    assert features.task_index == 4 and features.path == "messages[1].content"
    assert features.text == "is it cold in oslo and what s nvda at also tesla please"


def test_arguments_as_json_string_equal_arguments_as_dict():
    as_dict = rec("r0", "What is NVDA at?", ("get_stock_price", {"ticker": "NVDA", "currency": "USD"}))
    as_string = rec("r0", "What is NVDA at?", ("get_stock_price", json.dumps({"currency": "usd", "ticker": "nvda"})))
    omitted_default = rec("r0", "What is NVDA at?", NVDA)
    assert record_features(as_dict) == record_features(as_string) == record_features(omitted_default)


def test_independent_calls_in_any_order_are_the_same_calls():
    first = rec("a", "Oslo weather and NVDA price", ("get_weather", {"city": "Oslo"}), NVDA)
    second = rec("b", "Oslo weather and NVDA price", NVDA, ("get_weather", {"city": "Oslo"}))
    assert record_features(first).calls == record_features(second).calls
    assert find_duplicates(enumerate([first, second]))[1].message == "exact duplicate of a"


def test_records_without_user_turn_or_calls_do_not_crash():
    records = [
        rec("r0", None, NVDA),
        rec("r1", None, NVDA),
        rec(
            "r2",
            "Hello there",
        ),
        rec("r3", "Hello there!"),
        rec("r4", None),
        {"id": "r5", "messages": []},
        {"messages": "not a list"},
        rec("r6", "", TSLA),
    ]
    issues = find_duplicates(enumerate(records))
    assert issues[1] == Issue("dedup", "duplicate", "", "exact duplicate of r0")
    assert issues[3].message == "exact duplicate of r2"
    # r4, r5 and the id-less broken record: no text, no calls (the tools offered differ: near, not exact)
    assert set(issues) == {1, 3, 5, 6}
    assert issues[5].message == issues[6].message == "near duplicate of r4 (ratio 100)"
    assert find_duplicates([]) == {}


@pytest.fixture(scope="module")
def corpus():
    """The dedup corpus's entries and what find_duplicates (default options) drops among them."""
    entries = build()
    return entries, find_duplicates(enumerate(records(entries)))


def test_corpus_is_large_and_spans_lengths(corpus):
    entries, _ = corpus
    distinct = [entry["text"] for entry in entries if entry["kind"] == "distinct"]
    assert len(set(distinct)) == len(distinct) >= 300
    assert {length_bucket(text) for text in distinct} == {"<=6", "7-15", ">15"}
    assert all(entry["text"] != entries[int(entry["source"][1:])]["text"] for entry in entries if entry["source"])


@pytest.mark.parametrize("bucket", ["<=6", "7-15", ">15", "all"])
def test_corpus_copies_are_caught_and_distinct_requests_kept(corpus, bucket):
    """Issue 24: >= 95% of the lightly edited copies flagged, <= 1% of the distinct requests, per length."""
    row = score(*corpus)[bucket]
    assert row["recall"] >= 0.95, row
    assert row["false_flags"] <= 0.01, row
    assert row["wrong_source"] == 0, row


@pytest.mark.parametrize(
    "edited",
    [
        "Hey, can you book a table for two at Nopa at 7pm, please?",  # greeting, "can you", number word, please
        "book a table for 2 at nopa at 7 pm thanks!",  # casing, spacing of 7pm, thanks
        "At 7pm, just book a table for 2 at Nopa",  # clause moved, filler
        "Book   a table for 2 at Nopa at 7PM - thanks in advance",  # whitespace, casing, closer
    ],
)
def test_near_text_is_the_same_after_light_edits(edited):
    assert near_text(edited) == near_text("Book a table for 2 at Nopa at 7pm") == "2 7 at at book for nopa pm table"


def test_near_text_writes_numbers_and_amounts_one_way():
    assert near_text("Convert a thousand dollars to euros") == near_text("convert $1,000 to EUR")
    assert near_text("twenty eight minutes") == near_text("28 min") == "28 min"
    assert near_text("three thousand two hundred fifty steps") == near_text("3,250 steps") == "3250 steps"
    assert near_text("one two three") == "1 2 3"
    assert near_text("Whats on at 15:00?") == near_text("What's on at 1500")


def test_short_requests_must_have_the_same_words():
    """Four words or fewer: one changed word is another request, though fuzz.ratio passes 90."""
    assert fuzz.ratio(normalize_text("Bedroom lights off"), normalize_text("Bedroom lights on")) >= 90
    assert near_score(near_text("Bedroom lights off"), near_text("Bedroom lights on"), DedupOptions()) == 0
    assert near_score(near_text("Bedroom lights off"), near_text("bedroom lights off, thx"), DedupOptions()) == 100


def test_a_changed_number_is_another_request():
    first, second = "Flights from JFK to Heathrow on December 18", "Flights from JFK to Heathrow on December 19"
    assert fuzz.ratio(near_text(first), near_text(second)) >= 90
    assert near_score(near_text(first), near_text(second), DedupOptions()) == 0


def test_corpus_hard_negatives_of_other_calls_stay_apart_on_text_alone():
    """Every record given one call: "Dec 18" / "Dec 19", "a table for 2" / "for 4" are still two requests."""
    entries = build()
    row = score(entries, find_duplicates(enumerate(records(entries, one_call=True))))["all"]
    assert row["false_flags"] <= 0.01 and row["recall"] >= 0.95, row


def test_short_words_must_not_be_negative():
    with pytest.raises(ValueError, match="short_words"):
        DedupOptions(short_words=-1)
