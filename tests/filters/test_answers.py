"""filters.answers: derived numbers with provenance and words that contradict a result."""

from __future__ import annotations

import json

import pytest

from filters.answers import contradiction, unsupported_number

WEATHER = json.dumps({"location": "Lima", "temperature_c": 18.7, "humidity": 74, "summary": "Heavy rain"})
PRICES = [json.dumps({"ticker": "AAPL", "price": 228.91}), json.dumps({"ticker": "MSFT", "price": 481.05})]
WALK = json.dumps({"distance_km": 1.9, "duration_minutes": 24})


@pytest.mark.parametrize(
    "answer, results, said, unsupported",
    [
        ("One of each comes to $709.96.", PRICES, [], None),
        ("One of each comes to $719.96.", PRICES, [], "$719.96"),
        ("Microsoft is $252.14 more.", PRICES, [], None),
        ("Lima: 18.7 °C (about 66 °F).", [WEATHER], [], None),
        ("Lima: 18.7 °C (about 72 °F).", [WEATHER], [], "72"),
        ("Lima is 66 degrees warm.", [WEATHER], [], "66"),  # a conversion names its unit
        ("About 19 °C in Lima.", [WEATHER], [], None),
        ("A 1.9 km walk (about 1.2 miles).", [WALK], [], None),
        ("A 1.9 km walk (about 3.1 miles).", [WALK], [], "3.1"),
        ("That walk takes 0.4 hours.", [WALK], [], None),
        ("So 26 minutes in all.", [WALK], [], "26"),  # 24 + 1.9 is 25.9, shown exactly it is not 26
        ("Roughly 26 minutes in all.", [WALK], [], None),  # said as approximate, rounding is fine
        ("$100 buys £74.52.", [json.dumps({"rate": 1.342})], ["Convert 100 pounds"], None),
        ("Saturday was 23% of the week.", [json.dumps({"days": [{"s": 15093}, {"s": 51639}]})], [], None),
        ("Saturday was 32% of the week.", [json.dumps({"days": [{"s": 15093}, {"s": 51639}]})], [], "32"),
        ("I found 2 nonstop flights.", [json.dumps({"offers": [{"stops": 0}, {"stops": 0}, {"stops": 1}]})], [], None),
        ("I found 5 flights.", [json.dumps({"offers": [{"stops": 0}]})], ["5 people"], "5"),
    ],
)
def test_numbers_need_provenance(answer, results, said, unsupported):
    assert unsupported_number(answer, results, said) == unsupported


@pytest.mark.parametrize(
    "answer, result, contradicts",
    [
        ("Lima: dry and sunny.", {"summary": "Heavy rain"}, True),
        ("Lima: heavy rain, take an umbrella.", {"summary": "Heavy rain"}, False),
        ("It's sunny in Oslo.", {"summary": "Overcast"}, True),
        ("It's raining in Oslo.", {"summary": "Sunny"}, True),
        ("No rain today in Oslo.", {"summary": "Sunny"}, False),
        ("The chance of rain is low.", {"summary": "Clear"}, False),
        ("The other days look dry.", {"days": [{"condition": "rain"}, {"condition": "partly_cloudy"}]}, False),
        ("Your order has shipped.", {"status": "processing"}, True),
        ("It hasn't shipped yet.", {"status": "processing"}, False),
        ("It has shipped.", {"status": "in_transit"}, False),
        ("It will be shipped on Friday.", {"status": "processing"}, False),
        ("It should be delivered on May 3.", {"status": "in_transit"}, False),
        ("It was delivered on May 3.", {"status": "in_transit"}, True),
        ("BA117 is on time.", {"status": "delayed"}, True),
        ("Your booking is confirmed.", {"status": "cancelled"}, True),
        ("Your cancellation is confirmed.", {"status": "cancelled"}, False),
        ("Yes, it is open right now.", {"open_now": False}, True),
        ("None of them is open right now.", {"places": [{"open_now": False}, {"open_now": False}]}, False),
        ("Two are open now; one is closed.", {"places": [{"open_now": True}, {"open_now": False}]}, False),
        ("It's closed at the moment.", {"open_now": True}, True),
        ("It's in stock.", {"in_stock": False}, True),
    ],
)
def test_words_may_not_contradict_every_result(answer, result, contradicts):
    assert bool(contradiction(answer, [json.dumps(result)])) == contradicts
