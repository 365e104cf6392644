"""What an eval's verdicts add up to, and how two models' verdicts on the same items differ.

A verdict row (one line of eval.jsonl) has `id`, `category`, `kind`, `expect`, `tools` (the
functions a right answer calls), `verdict` (correct, wrong, or error: no answer to score) and
`codes`. Accuracy is over the scored rows (correct + wrong); errors are counted beside it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from rich.table import Table

from pipeline.stats import mcnemar, wilson

Row = dict[str, Any]


def rate(rows: list[Row]) -> dict[str, Any]:
    """Scored, correct, accuracy and its Wilson 95% interval, and unscored errors, of some rows."""
    scored = [row for row in rows if row["verdict"] != "error"]
    correct = sum(row["verdict"] == "correct" for row in scored)
    low, high = wilson(correct, len(scored))
    return {
        "scored": len(scored),
        "correct": correct,
        "accuracy": round(correct / len(scored), 4) if scored else None,
        "low": round(low, 4),
        "high": round(high, 4),
        "errors": len(rows) - len(scored),
    }


def _by(rows: list[Row], keys: Callable[[Row], Iterable[str]]) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for key in keys(row):
            groups[key].append(row)
    return {key: rate(groups[key]) for key in sorted(groups)}


def summarize(rows: list[Row], about: dict[str, Any]) -> dict[str, Any]:
    """summary.json: `about` (model, source, style...), then accuracy overall, per category, per
    decision kind, per expected tool, the count of each mistake code, and the executable score
    (the turns whose calls could run: did they return what the reference's return)."""
    return {
        **about,
        "items": len(rows),
        **rate(rows),
        "by_category": _by(rows, lambda row: [row["category"]]),
        "by_kind": _by(rows, lambda row: [row["kind"]]),
        "by_tool": _by(rows, lambda row: sorted(set(row.get("tools") or [])) or ["(no call)"]),
        "mistakes": dict(Counter(code for row in rows for code in row.get("codes") or []).most_common()),
        "executable": rate(
            [{"verdict": "correct" if row["executed"] else "wrong"} for row in rows if row.get("executed") is not None]
        ),
    }


def _percent(group: dict[str, Any]) -> str:
    if group["accuracy"] is None:
        return "-"
    return f"{100 * group['accuracy']:.1f}% [{100 * group['low']:.1f}, {100 * group['high']:.1f}]"


def summary_table(summary: dict[str, Any]) -> Table:
    """The summary as a rich table: overall, per category, per kind, per tool, the executable
    score, then the mistakes."""
    table = Table(title=f"{summary.get('model', 'model')} on {summary.get('source', 'the test split')}")
    for column in ("", "scored", "correct", "accuracy [95% CI]", "errors"):
        table.add_column(column, justify="left" if not column else "right")
    table.add_row("all", str(summary["scored"]), str(summary["correct"]), _percent(summary), str(summary["errors"]))
    for section, label in (("by_category", ""), ("by_kind", ""), ("by_tool", "tool: ")):
        table.add_section()
        for name, group in summary[section].items():
            table.add_row(
                label + name, str(group["scored"]), str(group["correct"]), _percent(group), str(group["errors"])
            )
    executable = summary.get("executable") or {}
    if executable.get("scored"):
        table.add_section()
        table.add_row("executable", str(executable["scored"]), str(executable["correct"]), _percent(executable), "")
    if summary["mistakes"]:
        table.add_section()
        for code, count in summary["mistakes"].items():
            table.add_row(f"mistake: {code}", "", str(count), "", "")
    return table


def compare(a: list[Row], b: list[Row]) -> dict[str, Any]:
    """Two models' verdicts on the items both scored: accuracy of each, the difference (B - A), and
    the exact McNemar p-value, overall and per category."""
    by_id = {row["id"]: row for row in b if row["verdict"] != "error"}
    paired = [(row, by_id[row["id"]]) for row in a if row["verdict"] != "error" and row["id"] in by_id]

    def side_by_side(pairs: list[tuple[Row, Row]]) -> dict[str, Any]:
        right_a = [left["verdict"] == "correct" for left, _ in pairs]
        right_b = [right["verdict"] == "correct" for _, right in pairs]
        only_a = sum(x and not y for x, y in zip(right_a, right_b))
        only_b = sum(y and not x for x, y in zip(right_a, right_b))
        n = len(pairs)
        acc_a, acc_b = (sum(right_a) / n, sum(right_b) / n) if n else (0.0, 0.0)
        p = mcnemar(only_a, only_b)
        return {
            "paired": n,
            "a": round(acc_a, 4),
            "b": round(acc_b, 4),
            "difference": round(acc_b - acc_a, 4),
            "only_a": only_a,
            "only_b": only_b,
            "p_value": round(p, 6),
            "significant": p < 0.05,
        }

    categories: dict[str, list[tuple[Row, Row]]] = defaultdict(list)
    for pair in paired:
        categories[pair[0]["category"]].append(pair)
    return {
        **side_by_side(paired),
        "unpaired": len(a) + len(b) - 2 * len(paired),
        "by_category": {name: side_by_side(categories[name]) for name in sorted(categories)},
    }


def compare_table(result: dict[str, Any], name_a: str, name_b: str) -> Table:
    """The comparison as a rich table, one row per category and one for all."""
    table = Table(title=f"{name_a} (A) vs {name_b} (B), paired on the same items")
    for column in ("", "items", "A", "B", "B - A", "only A right", "only B right", "McNemar p"):
        table.add_column(column, justify="left" if not column else "right")

    def row(name: str, group: dict[str, Any]) -> None:
        mark = " *" if group["significant"] else ""
        table.add_row(
            name,
            str(group["paired"]),
            f"{100 * group['a']:.1f}%",
            f"{100 * group['b']:.1f}%",
            f"{100 * group['difference']:+.1f}{mark}",
            str(group["only_a"]),
            str(group["only_b"]),
            f"{group['p_value']:.4f}",
        )

    row("all", result)
    table.add_section()
    for name, group in result["by_category"].items():
        row(name, group)
    table.caption = "* p < 0.05 (exact McNemar test on the items one model got right and the other wrong)"
    return table
