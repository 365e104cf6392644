"""pipeline.surface: blueprint values said by alias or as a relative date, at the configured rate."""

from __future__ import annotations

import random

from filters.grounding import GroundingCheck, GroundingOptions
from pipeline.record import parse_record
from pipeline.surface import surface_forms

PARAMS = {
    "type": "object",
    "properties": {
        "ticker": {"type": "string", "x-aliases": {"NVDA": ["Nvidia"], "AAPL": ["Apple"]}},
        "day": {"type": "string", "format": "date"},
    },
}
NOW = "2026-11-23T10:00:00Z"


def test_rate_one_uses_an_alias_and_a_relative_date_that_grounding_accepts():
    arguments, surface = surface_forms({"ticker": "NVDA", "day": "2026-03-01"}, PARAMS, NOW, 1.0, random.Random(3))
    assert surface["ticker"] == "Nvidia" and arguments["ticker"] == "NVDA"
    request = f"Show {surface['ticker']} for {surface['day']}"
    record = parse_record(
        {
            "id": "r",
            "meta": {"now": NOW},
            "tools": [{"type": "function", "function": {"name": "quote", "parameters": PARAMS}}],
            "messages": [
                {"role": "user", "content": request},
                {
                    "role": "assistant",
                    "tool_calls": [{"id": "aB3dE5gH7", "function": {"name": "quote", "arguments": arguments}}],
                },
            ],
        }
    )
    assert GroundingCheck(GroundingOptions(aliases={"nvda": ["Nvidia"]}))(record) == []


def test_rate_zero_changes_nothing_and_rates_are_roughly_kept():
    assert surface_forms({"ticker": "NVDA", "day": "2026-03-01"}, PARAMS, NOW, 0.0, random.Random(1)) == (
        {"ticker": "NVDA", "day": "2026-03-01"},
        {},
    )
    said = sum(
        "ticker" in surface_forms({"ticker": "AAPL"}, PARAMS, NOW, 0.5, random.Random(seed))[1] for seed in range(400)
    )
    assert 160 <= said <= 240


def test_two_dates_keep_their_values():
    params = {
        "type": "object",
        "properties": {"start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"}},
    }
    arguments = {"start": "2026-01-05", "end": "2026-02-27"}
    assert surface_forms(arguments, params, NOW, 1.0, random.Random(0)) == (arguments, {})
