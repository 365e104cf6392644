"""filters.mentions: the numbers, dates and times a text states, in every reading a value may take."""

from __future__ import annotations

from datetime import date

import pytest

from filters.mentions import dates_in, loose, numbers_in, reference_moment, times_in

NOW = reference_moment("2026-11-23T10:00:00Z")  # a Monday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5k", {5000}),
        ("$1,200", {1200}),
        ("1.5 million", {1_500_000}),
        ("two adults", {2}),
        ("twenty-five", {25}),
        ("20%", {20, 0.2}),
        ("2 hours", {2, 120, 7200}),
        ("a dozen", {12}),
        ("-3.5", {-3.5}),
    ],
)
def test_numbers(text, expected):
    assert expected <= numbers_in(text)


@pytest.mark.parametrize(
    "text, expected, absent",
    [
        ("tomorrow", {date(2026, 11, 24)}, set()),
        ("the day after tomorrow", {date(2026, 11, 25)}, {date(2026, 11, 24)}),
        ("two weeks ago", {date(2026, 11, 9)}, set()),
        ("in 3 days", {date(2026, 11, 26)}, set()),
        ("a week from today", {date(2026, 11, 30)}, {date(2026, 11, 23)}),
        ("next Friday", {date(2026, 11, 27), date(2026, 12, 4)}, {date(2026, 11, 28)}),
        ("last Monday", {date(2026, 11, 16)}, set()),
        ("Dec 3", {date(2026, 12, 3)}, set()),
        ("3rd of December 2026", {date(2026, 12, 3)}, {date(2027, 12, 3)}),
        ("12/03/2026", {date(2026, 12, 3), date(2026, 3, 12)}, set()),
        ("on 2026-01-05", {date(2026, 1, 5)}, set()),
    ],
)
def test_dates(text, expected, absent):
    found = dates_in(text, NOW)
    assert expected <= found and not absent & found


def test_relative_dates_need_a_reference_moment():
    assert dates_in("tomorrow", None) == set() and reference_moment("garbage") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("at 3pm", {(15, 0)}),
        ("3:30 p.m.", {(15, 30)}),
        ("15:00", {(15, 0)}),
        ("noon", {(12, 0)}),
        ("at 9", {(9, 0), (21, 0)}),
    ],
)
def test_times(text, expected):
    assert expected <= times_in(text)


def test_loose_form():
    assert loose("St. Petersburg") == loose("Saint-Petersburg") == "st petersburg"
    assert loose("Nvidia's price") == "nvidia price"
