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


def test_a_date_value_in_any_common_form():
    from filters.mentions import clock_of, moment_readings

    now = reference_moment("2026-11-23T10:00:00Z")
    day = date(2026, 12, 3)
    for value in ("2026-12-03", "12/03/2026", "03.12.2026", "December 3, 2026", "Thursday, 3 December 2026"):
        assert day in moment_readings(value, now)[0], value
    assert moment_readings("12-03-2026", now, day_first=True)[0] == {date(2026, 3, 12)}
    assert moment_readings("2026-12-03T15:30:00Z", now) == ({day}, (15, 30))
    assert moment_readings("12/03/2026 3:30 PM", now)[1] == (15, 30)
    assert moment_readings("Dec 3", now)[0] == {date(2025, 12, 3), day, date(2027, 12, 3)}  # the year from now
    assert moment_readings("Paris, France", now) is None and moment_readings("12-2026", now) is None
    assert clock_of("3pm") == clock_of("15:00") == (15, 0) and clock_of("9") is None


def test_holidays_and_years_said_in_words():
    from filters.mentions import years_in

    now = reference_moment("2026-11-23T10:00:00Z")
    assert {date(2026, 12, 24), date(2027, 12, 24)} <= dates_in("on Christmas Eve", now)
    assert date(2026, 12, 25) not in dates_in("on Christmas Eve", now)
    assert date(2026, 12, 3) in dates_in("December the 3rd", now)
    assert years_in("last year", now) == {2025} and years_in("holidays", now) == {2026}
    assert years_in("in 2024", now) == set()
