"""pipeline.eval.summary: rates per group with Wilson intervals, and the paired comparison."""

from __future__ import annotations

from rich.console import Console

from pipeline.eval.summary import compare, compare_table, summarize, summary_table


def row(i, category, verdict, codes=(), tools=("f",), executed=None):
    out = {"id": f"r{i}", "category": category, "kind": "call", "tools": list(tools), "verdict": verdict}
    out["codes"] = list(codes)
    if executed is not None:
        out["executed"] = executed
    return out


ROWS = [
    row(0, "single", "correct", executed=True),
    row(1, "single", "wrong", ["wrong_value"], executed=True),
    row(2, "single", "error"),
    row(3, "parallel", "correct", tools=("f", "g")),
    row(4, "no_call", "wrong", ["unneeded_call"], tools=()),
]


def test_summary_counts_scored_rows_and_keeps_errors_aside():
    summary = summarize(ROWS, {"model": "m"})
    assert (summary["items"], summary["scored"], summary["correct"], summary["errors"]) == (5, 4, 2, 1)
    assert summary["accuracy"] == 0.5 and (summary["low"], summary["high"]) == (0.15, 0.85)
    assert summary["by_category"]["single"] == {
        "scored": 2,
        "correct": 1,
        "accuracy": 0.5,
        "low": 0.0945,
        "high": 0.9055,
        "errors": 1,
    }
    assert summary["by_tool"]["g"]["correct"] == 1 and summary["by_tool"]["(no call)"]["scored"] == 1
    assert summary["mistakes"] == {"wrong_value": 1, "unneeded_call": 1}
    assert summary["executable"]["scored"] == 2 and summary["executable"]["correct"] == 2
    console = Console(width=120, record=True)
    console.print(summary_table(summary))
    text = console.export_text()
    assert "tool: g" in text and "executable" in text and "mistake: wrong_value" in text


def test_compare_pairs_items_both_scored():
    a = [row(i, "single", "correct" if i < 8 else "wrong") for i in range(12)]
    b = [row(i, "single", "correct" if i >= 6 else "wrong") for i in range(12)] + [row(99, "single", "correct")]
    result = compare(a, b)
    assert (result["paired"], result["only_a"], result["only_b"], result["unpaired"]) == (12, 6, 4, 1)
    assert result["difference"] == round(6 / 12 - 8 / 12, 4) == -0.1667
    assert result["p_value"] == 0.753906 and not result["significant"]  # exact binomial, 6 vs 4
    console = Console(width=120, record=True)
    console.print(compare_table(result, "a", "b"))
    assert "McNemar" in console.export_text()
