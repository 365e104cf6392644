"""pipeline.progress: yield, records/min, candidates/min and ETA per category; plain lines once a minute."""

from __future__ import annotations

import io

from pipeline import log, progress
from pipeline.engine import RunResult


def test_rates_and_eta_from_the_pace_so_far():
    rates = progress.Rates(passed=10, done=25, n=50, seconds=120)
    assert rates.records_per_minute == 5 and rates.candidates_per_minute == 12.5 and rates.yield_ == 0.4
    assert rates.eta_seconds == 480  # 40 records to go at 5 a minute
    assert rates.summary() == "yield 40%, 5.0 records/min, 12.5 candidates/min, ETA 8m 00s"
    assert rates.summary(eta=False) == "yield 40%, 5.0 records/min, 12.5 candidates/min"
    assert progress.Rates(0, 0, 5, 0).summary() == "yield ?, 0.0 records/min, 0.0 candidates/min, ETA ?"
    assert progress.Rates(5, 9, 5, 30).eta_seconds == 0
    assert [progress.duration(s) for s in (4.6, 61, 3599, 7500)] == ["5s", "1m 01s", "59m 59s", "2h 05m"]


def test_without_a_terminal_a_plain_line_each_minute_with_the_rates(tmp_path):
    stream, now = io.StringIO(), [0.0]
    log.setup(0, stream)
    with log.run_log(tmp_path / "run.log"), progress.run_progress(clock=lambda: now[0]) as display:
        update = display.category("single", 20)
        for second, passed in ((10, 1), (59, 3), (61, 4), (90, 6), (125, 8)):
            now[0] = float(second)
            update(RunResult(done=2 * passed, passed=passed))
    lines = stream.getvalue().splitlines()
    assert lines == [
        "single: 4 of 20 passed so far, 8 candidates, yield 50%, 3.9 records/min, 7.9 candidates/min, ETA 4m 04s",
        "single: 8 of 20 passed so far, 16 candidates, yield 50%, 3.8 records/min, 7.7 candidates/min, ETA 3m 08s",
    ]
    assert [line.split(" ", 2)[2].strip() for line in (tmp_path / "run.log").read_text().splitlines()] == lines
    log.setup(0, io.StringIO())


def test_the_bar_text_fits_an_80_column_terminal():
    text = progress.Rates(passed=150, done=400, n=2000, seconds=3000).compact()
    assert text == "38% kept, 3.0 rec/min, 8.0 cand/min, ETA 10h 16m"
    assert len("multi_turn ━━━━━━━━━━ 150/2000 " + text) <= 80
