"""pipeline.pairs.values: each value mistake, on a small hand-built record, yields a rejected turn
that fails the checks with exactly its type's code while the chosen turn passes every check."""

from __future__ import annotations

import random

from filters.base import run_checks
from filters.checks import default_checks
from filters.grounding import GroundingOptions
from filters.plausibility import PlausibilityOptions
from filters.roles import annotations_of
from pipeline.pairs import PAIR_TYPES, Decision, cut, decisions, pairs_for, values, verdict
from pipeline.record import parse_record
from pipeline.seeds import alias_table, load_tools

CATALOG = load_tools()
CHECKS = default_checks(
    grounding=GroundingOptions(aliases=alias_table(CATALOG)),
    plausibility=PlausibilityOptions(annotations=annotations_of(CATALOG)),
)
DOMAINS = {tool.name: tool.domain for tool in CATALOG}


def _tool(name):
    return next(tool for tool in CATALOG if tool.name == name).to_tool().model_dump()


def _record(category, tools, user, calls, now="2026-11-23T10:00:00Z", after=()):
    """A record: the user's request, one assistant turn with `calls` (name, arguments), then `after`."""
    turn = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": f"c{n}x4Yz9Qa", "type": "function", "function": {"name": name, "arguments": arguments}}
            for n, (name, arguments) in enumerate(calls)
        ],
    }
    return parse_record(
        {
            "id": f"hand-{category}",
            "category": category,
            "tools": [_tool(name) for name in tools],
            "messages": [{"role": "user", "content": user}, turn, *after],
            "meta": {
                "now": now,
                "reference": [{"message": 1, "calls": [{"name": n, "arguments": a} for n, a in calls]}],
            },
        }
    )


def _only(record, name, index=1):
    """The one pair of type `name` at turn `index`, re-verified from scratch."""
    pairs = pairs_for(record, CHECKS, {name: 1}, DOMAINS)
    assert [p.type for p in pairs] == [name]
    pair = pairs[0]
    assert run_checks(cut(record, index, pair.chosen[0]), CHECKS) == []
    issues = run_checks(cut(record, index, pair.rejected[0]), CHECKS)
    assert verdict(PAIR_TYPES[name], issues) == {PAIR_TYPES[name].code}, issues
    return pair


def _arguments(pair, call=0):
    return pair.rejected[0]["tool_calls"][call]["function"]["arguments"]


def test_wrong_date_writes_next_weeks_friday_for_next_friday_and_the_reference_catches_it():
    # Monday 2026-11-23: "next Friday" can mean the 27th or Dec 4 (grounding accepts both)
    record = _record(
        "single",
        ["find_free_slots"],
        "Find 30 free minutes with ana.silva@gmail.com next Friday.",
        [("find_free_slots", {"participants": ["ana.silva@gmail.com"], "date": "2026-11-27", "duration_minutes": 30})],
    )
    pair = _only(record, "wrong_date")
    assert _arguments(pair)["date"] == "2026-12-04"
    assert PAIR_TYPES["wrong_date"].semantic


def test_unmeant_date_writes_the_day_before_the_named_weekday_and_grounding_catches_it():
    record = _record(
        "single",
        ["find_free_slots"],
        "Find 30 free minutes with ana.silva@gmail.com on Friday.",
        [("find_free_slots", {"participants": ["ana.silva@gmail.com"], "date": "2026-11-27", "duration_minutes": 30})],
    )
    candidates = [_arguments_of(turn)["date"] for turn in values.wrong_date(_decision(record), random.Random(0))]
    assert candidates[:2] == ["2026-11-26", "2026-11-28"]  # a weekday named: the day before or after first
    pair = _only(record, "unmeant_date")
    assert _arguments(pair)["date"] in ("2026-11-26", "2026-11-28", "2026-11-20")


def test_wrong_year_reads_a_january_date_said_in_december_as_this_year():
    record = _record(
        "single",
        ["list_tasks"],
        "Which of my tasks are due before January 3rd?",
        [("list_tasks", {"due_before": "2026-01-03"})],
        now="2025-12-20T09:00:00Z",
    )
    pair = _only(record, "wrong_year")
    assert _arguments(pair)["due_before"] == "2025-01-03"


def test_wrong_unit_swaps_the_unit_the_user_asked_for_for_the_default():
    record = _record(
        "single",
        ["get_current_weather"],
        "How warm is it in Denver right now, in imperial units?",
        [("get_current_weather", {"location": "Denver", "units": "imperial"})],
    )
    pair = _only(record, "wrong_unit")
    assert _arguments(pair)["units"] == "metric"
    assert PAIR_TYPES["wrong_unit"].semantic


def test_unmeant_unit_swaps_a_currency_nobody_mentioned_in():
    record = _record(
        "single",
        ["get_stock_price"],
        "What is Apple trading at in euros? Give it to me in EUR.",
        [("get_stock_price", {"ticker": "AAPL", "currency": "EUR"})],
    )
    pair = _only(record, "unmeant_unit")
    assert _arguments(pair)["currency"] in ("GBP", "JPY")  # USD is the default: that one is a wrong_unit


def test_a_unit_swap_never_repeats_another_argument_of_the_call():
    """convert_currency(from EUR to CHF) never becomes from CHF to CHF (a conversion to itself)."""
    record = _record(
        "single",
        ["convert_currency"],
        "Convert 1,350 euros to Swiss francs, please.",
        [("convert_currency", {"amount": 1350.0, "from_currency": "EUR", "to_currency": "CHF"})],
    )
    decision = next(decisions(record, DOMAINS))
    for turn in values.wrong_unit(decision, random.Random(0)):
        arguments = turn["tool_calls"][0]["function"]["arguments"]
        assert arguments["from_currency"] != arguments["to_currency"], arguments


def test_wrong_alias_copies_the_name_the_user_said_where_the_ticker_goes():
    record = _record(
        "single",
        ["get_stock_price"],
        "How is Nvidia doing today?",
        [("get_stock_price", {"ticker": "NVDA"})],
    )
    pair = _only(record, "wrong_alias")
    assert _arguments(pair)["ticker"] == "NVIDIA"  # the surface form, upper-cased as a ticker: schema-valid


def test_partial_parallel_replaces_one_items_call_with_a_sibling_tool_for_that_item():
    record = _record(
        "parallel",
        ["get_current_weather", "get_weather_forecast", "get_air_quality"],
        "What's the weather like right now in Lisbon and in Porto?",
        [("get_current_weather", {"location": "Lisbon"}), ("get_current_weather", {"location": "Porto"})],
    )
    pair = _only(record, "partial_parallel")
    names = [call["function"]["name"] for call in pair.rejected[0]["tool_calls"]]
    assert len(names) == 2 and names.count("get_current_weather") == 1
    assert {call["function"]["arguments"]["location"] for call in pair.rejected[0]["tool_calls"]} == {
        "Lisbon",
        "Porto",
    }  # every item still there, one of them asked the wrong question


def test_partial_parallel_never_swaps_a_reader_for_a_writer():
    record = _record(
        "parallel",
        ["track_order", "cancel_order"],
        "Where are my orders ORD-12345678 and ORD-87654321?",
        [("track_order", {"order_id": "ORD-12345678"}), ("track_order", {"order_id": "ORD-87654321"})],
    )
    decision = _decision(record)
    assert list(values.partial_parallel(decision, random.Random(0))) == []


def test_partial_parallel_repeat_asks_for_one_item_twice():
    record = _record(
        "parallel",
        ["get_current_weather"],
        "What's the weather like right now in Lisbon and in Porto?",
        [("get_current_weather", {"location": "Lisbon"}), ("get_current_weather", {"location": "Porto"})],
    )
    pair = _only(record, "partial_parallel_repeat")
    assert [c["function"]["arguments"]["location"] for c in pair.rejected[0]["tool_calls"]] in (
        ["Porto", "Porto"],
        ["Lisbon", "Lisbon"],
    )


def _answered(answer, results, calls, user, tools):
    after = [
        {"role": "tool", "tool_call_id": f"c{n}x4Yz9Qa", "name": calls[n][0], "content": content}
        for n, content in enumerate(results)
    ] + [{"role": "assistant", "content": answer}]
    return _record("parallel" if len(calls) > 1 else "single", tools, user, calls, after=after)


def test_misread_result_says_one_items_price_of_another_and_the_answers_check_catches_it():
    record = _answered(
        "Apple is at $228.91 and Microsoft at $481.05.",
        ['{"ticker": "AAPL", "price": 228.91}', '{"ticker": "MSFT", "price": 481.05}'],
        [("get_stock_price", {"ticker": "AAPL"}), ("get_stock_price", {"ticker": "MSFT"})],
        "Where are AAPL and MSFT trading?",
        ["get_stock_price"],
    )
    record.messages[-1].content = "AAPL is at $228.91 and MSFT at $481.05."
    assert [d.index for d in decisions(record)] == [1, 4]  # the answer after the results is a decision now
    pair = _only(record, "misread_result", index=4)
    assert pair.rejected[0]["content"] in (
        "AAPL is at $481.05 and MSFT at $481.05.",
        "AAPL is at $228.91 and MSFT at $228.91.",
    )


def test_misread_result_reads_the_low_as_the_high():
    record = _answered(
        "Madrid today: the high is 15°C and the low is 6°C.",
        ['{"location": "Madrid", "days": [{"date": "2026-11-23", "high": 15.0, "low": 6.0, "condition": "sunny"}]}'],
        [("get_weather_forecast", {"location": "Madrid", "days": 1})],
        "Highs and lows in Madrid for 1 day, today?",
        ["get_weather_forecast"],
    )
    pair = _only(record, "misread_result", index=3)
    assert pair.rejected[0]["content"] in (
        "Madrid today: the high is 6°C and the low is 6°C.",
        "Madrid today: the high is 15°C and the low is 15°C.",
    )


def test_a_shared_value_is_no_misread():
    record = _answered(
        "Bangkok Garden and Sap Sua Thai are tied at 4.5.",
        ['{"restaurants": [{"name": "Bangkok Garden", "rating": 4.5}, {"name": "Sap Sua Thai", "rating": 4.5}]}'],
        [("search_restaurants", {"city": "Denver", "cuisine": "thai"})],
        "Best rated Thai places in Denver?",
        ["search_restaurants"],
    )
    assert run_checks(record, CHECKS) == []
    assert pairs_for(record, CHECKS, {"misread_result": 1}, DOMAINS) == []  # nothing to misread: same value


def _decision(record, index=1):
    return Decision(record, index, DOMAINS)


def _arguments_of(turn, call=0):
    return turn["tool_calls"][call]["function"]["arguments"]


def test_misread_result_redoes_the_conversion_that_follows_the_number():
    record = _answered(
        "Madrid today: the high is 15.0 °C (about 59 °F); the low is 6.0 °C (about 43 °F).",
        ['{"location": "Madrid", "days": [{"date": "2026-11-23", "high": 15.0, "low": 6.0, "condition": "sunny"}]}'],
        [("get_weather_forecast", {"location": "Madrid", "days": 1})],
        "Highs and lows in Madrid for 1 day, today?",
        ["get_weather_forecast"],
    )
    pair = _only(record, "misread_result", index=3)
    assert pair.rejected[0]["content"] in (
        "Madrid today: the high is 6.0 °C (about 43 °F); the low is 6.0 °C (about 43 °F).",
        "Madrid today: the high is 15.0 °C (about 59 °F); the low is 15.0 °C (about 59 °F).",
    )  # the rejected answer misreads the field, and is consistent with itself
