"""pipeline.stats: Wilson intervals and the exact McNemar test, against published values."""

from __future__ import annotations

import pytest

from pipeline.stats import mcnemar, wilson


def test_wilson_interval_matches_published_values():
    # 143/150 is the review issue's example; 0/10 and 10/10 are the textbook edge cases (Wilson never leaves [0, 1])
    assert [round(100 * x, 1) for x in wilson(143, 150)] == [90.7, 97.7]
    assert [round(x, 4) for x in wilson(0, 10)] == [0.0, 0.2775]
    assert [round(x, 4) for x in wilson(10, 10)] == [0.7225, 1.0]
    assert wilson(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    "only_a, only_b, p",
    [
        (10, 2, 0.03857421875),  # 2 * (C(12,0) + C(12,1) + C(12,2)) / 2**12
        (2, 10, 0.03857421875),  # symmetric
        (30, 40, 0.281978921793656),  # scipy.stats.binomtest(30, 70, 0.5).pvalue
        (5, 5, 1.0),
        (0, 0, 1.0),
        (0, 6, 0.03125),  # 2 / 2**6
    ],
)
def test_mcnemar_is_the_exact_binomial_test(only_a, only_b, p):
    assert mcnemar(only_a, only_b) == pytest.approx(p, rel=1e-12)
