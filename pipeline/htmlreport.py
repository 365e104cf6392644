"""`fc-datagen report RUN_DIR`: RUN_DIR/report/index.html, one self-contained page (plots inlined,
no script, nothing fetched) showing what a curator checks before training on a run: the funnel
per check, code, category and temperature; tool and domain coverage; the most repeated values per
parameter; turn, request and call counts; pairs per type and source; the eval summary and the
human review when the run has them; ten example records per category; rejected candidates under
their most common codes. A run writes it at its end unless `--no-report`.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline import errors, plots
from pipeline.diversity import value_shares
from pipeline.errors import InputError
from pipeline.pages import environment, record_html, style
from pipeline.record import iter_rows, parse_record
from pipeline.review.labels import read_labels, review_line, summarize
from pipeline.seeds.tools import run_tools
from pipeline.writer import atomic_folder

REPORT_FOLDER = "report"
EXAMPLES_PER_CATEGORY = 10
REJECTED_CODES, REJECTED_PER_CODE = 6, 3


def _first_issue(record: dict[str, Any]) -> dict[str, Any]:
    issues = (record.get("meta") or {}).get("issues") or [{}]
    return issues[0]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


class Rejected:
    """One pass over rejected.jsonl (it can be far larger than memory): per first code (the
    check and code that removed a candidate) a count and a seeded reservoir of `per_code`
    candidates to show."""

    def __init__(self, rows: Iterable[dict[str, Any]], per_code: int = REJECTED_PER_CODE, seed: int = 0):
        self.codes: Counter = Counter()
        self.kept: dict[str, list[dict[str, Any]]] = defaultdict(list)
        draws: dict[str, random.Random] = {}
        for record in rows:
            issue = _first_issue(record)
            code = f"{issue.get('check') or 'unknown'}/{issue.get('code') or '?'}"
            self.codes[code] += 1
            kept = self.kept[code]
            if len(kept) < per_code:
                kept.append(record)
            else:
                slot = draws.setdefault(code, random.Random(f"{seed}:{code}")).randrange(self.codes[code])
                if slot < per_code:
                    kept[slot] = record

    def top(self, codes: int) -> list[dict[str, Any]]:
        """The `codes` most common first codes, each with its count and kept candidates."""
        ranked = sorted(self.codes.items(), key=lambda item: (-item[1], item[0]))[:codes]
        return [{"code": code, "count": count, "records": self.kept[code]} for code, count in ranked]


def _by(slices: list[dict[str, Any]], key) -> dict[str, dict[str, int]]:
    """The manifest's funnel slices summed per `key(slice)`: candidates, accepted, removed per check."""
    table: dict[str, Counter] = defaultdict(Counter)
    for row in slices:
        table[key(row)].update({"candidates": row.get("candidates", 0), "accepted": row.get("accepted", 0)})
        table[key(row)].update(row.get("removed_by_check") or {})
    return {name: dict(row) for name, row in sorted(table.items())}


def funnel(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest's funnel: candidates removed per check and code, and per category and per
    temperature the candidates, the accepted and the removed by each check."""
    flow = manifest.get("funnel") or {}
    removed = {name: count for name, count in (flow.get("removed_by_check") or {}).items() if count}
    slices = flow.get("by_slice") or []
    return {
        "candidates": flow.get("candidates", 0),
        "removed": removed,
        "codes": sorted(flow.get("codes") or [], key=lambda row: -row["count"]),
        "checks": list(removed),
        "by_category": _by(slices, lambda row: str(row.get("category"))),
        "by_temperature": _by(slices, lambda row: _number(row.get("temperature"))),
    }


def tool_domains(manifest: dict[str, Any]) -> dict[str, str]:
    """Tool name -> domain, from the run's tool files (the bundled seeds when it named none)."""
    return {tool.name: tool.domain for tool in run_tools(manifest)}


class Accepted:
    """One pass over accepted.jsonl (records are not kept, only what the page shows): the ids,
    records per category, calls per tool and records per domain, per-record lengths, and a seeded
    reservoir of `per_category` example records per category."""

    def __init__(self, rows: Iterable[dict[str, Any]], domains: dict[str, str], per_category: int, seed: int = 0):
        self.ids: set[str] = set()
        self.categories: Counter = Counter()
        self.calls: Counter = Counter()
        self.domains: Counter = Counter()
        self.sizes: dict[str, list[int]] = {"request_words": [], "user_chars": [], "turns": [], "calls": []}
        self.examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.catalog = domains
        draws: dict[str, random.Random] = {}
        for record in rows:
            category = record.get("category") or "?"
            self.ids.add(str(record.get("id")))
            self.categories[category] += 1
            messages = [m for m in record.get("messages") or [] if isinstance(m, dict)]
            names = [(call.get("function") or {}).get("name") for m in messages for call in m.get("tool_calls") or []]
            self.calls.update(names)
            self.domains.update({domains.get(name, "other") for name in names} or {"(no call)"})
            users = [m.get("content") or "" for m in messages if m.get("role") == "user"]
            if users:
                self.sizes["request_words"].append(len(users[0].split()))
            self.sizes["user_chars"] += [len(text) for text in users]
            self.sizes["turns"].append(sum(m.get("role") != "system" for m in messages))
            self.sizes["calls"].append(len(names))
            kept = self.examples[category]
            if len(kept) < per_category:
                kept.append(record)
            else:
                slot = draws.setdefault(category, random.Random(f"{seed}:{category}")).randrange(
                    self.categories[category]
                )
                if slot < per_category:
                    kept[slot] = record

    def coverage(self) -> dict[str, Any]:
        """Calls per tool, records per domain, and catalog tools no record calls."""
        return {
            "calls": self.calls.most_common(),
            "domains": self.domains.most_common(),
            "uncalled": sorted(set(self.catalog) - set(self.calls)),
        }


def repeated_values(rows: Iterable[dict[str, Any]], top: int = 15) -> list[dict[str, Any]]:
    """The parameters whose most used value takes the largest share of their uses, with the
    manifest's rules (pipeline.diversity.value_shares), worst first; `rows` are read once."""

    def records():
        for row in rows:
            try:
                yield parse_record(row)
            except ValueError:
                continue  # not a record: accepted.jsonl edited by hand

    return value_shares(records())[:top]


def pair_counts(pairs: Iterable[dict]) -> dict[str, Any]:
    """Pairs per type, split by source (perturbed, generated, student)."""
    table: dict[str, Counter] = defaultdict(Counter)
    for pair in pairs:
        table[pair.get("type") or "?"][pair.get("source") or "?"] += 1
    sources = sorted({source for row in table.values() for source in row})
    rows = sorted(table.items(), key=lambda item: -sum(item[1].values()))
    return {"sources": sources, "rows": [(name, [row[s] for s in sources], sum(row.values())) for name, row in rows]}


def eval_summaries(run_dir: Path) -> list[dict[str, Any]]:
    """Every model scored under RUN_DIR/eval/ (pipeline.eval.summary): accuracy with its interval
    overall, per category and per decision kind, and the mistakes."""
    found = []
    for path in sorted((run_dir / "eval").glob("*/summary.json")):
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if not isinstance(summary, dict) or "by_category" not in summary:
            continue

        def row(name: str, group: dict[str, Any]) -> tuple:
            accuracy = group.get("accuracy")
            shown = (
                "-"
                if accuracy is None
                else f"{100 * accuracy:.1f}% [{100 * group['low']:.1f}, {100 * group['high']:.1f}]"
            )
            return name, group.get("scored", 0), group.get("correct", 0), shown, group.get("errors", 0)

        groups = [("by_category", "category"), ("by_kind", "kind")]
        found.append(
            {
                "model": summary.get("model") or path.parent.name,
                "about": f"{summary.get('source', '')}, {summary.get('prompt_style', '')} prompts",
                "rows": [row("all", summary)]
                + [row(f"{label}: {name}", group) for key, label in groups for name, group in summary[key].items()],
                "mistakes": list((summary.get("mistakes") or {}).items()),
            }
        )
    return found


def build_report(run_dir: Path) -> str:
    """The report page of a run folder (it must hold manifest.json)."""
    manifest_path = run_dir / "manifest.json"
    if not manifest_path.is_file():
        raise InputError("not a run folder (no manifest.json; a run writes it last)", str(run_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    accepted = Accepted(iter_rows(run_dir / "accepted.jsonl"), tool_domains(manifest), EXAMPLES_PER_CATEGORY)
    rejected = Rejected(iter_rows(run_dir / "rejected.jsonl"))
    flow = funnel(manifest)
    values = repeated_values(iter_rows(run_dir / "accepted.jsonl"))  # a second pass: nothing is held
    cover, sizes = accepted.coverage(), accepted.sizes
    pair_table = pair_counts(iter_rows(run_dir / "pairs.jsonl"))
    temperatures = sorted((manifest.get("yield_by_temperature") or {}).items(), key=lambda item: float(item[0]))
    labels = read_labels(run_dir)
    review = summarize(labels, accepted.ids) if labels else None
    review = review if review and review["reviewed"] else None  # no label of this run's records
    figures = {
        "funnel": plots.bars(
            list(flow["removed"]), list(flow["removed"].values()), "candidates removed per check", "candidates"
        ),
        "categories": plots.stacked(
            list(flow["by_category"]),
            {
                name: [row.get(name, 0) for row in flow["by_category"].values()]
                for name in ["accepted", *flow["checks"]]
            },
            "per category: accepted, and removed by each check",
            "candidates",
        ),
        "temperature": plots.line(
            [float(t) for t, _ in temperatures],
            [row["yield"] for _, row in temperatures],
            "yield by temperature",
            "temperature",
            "accepted / candidates",
        ),
        "values": plots.bars(
            [f"{row['tool']}.{row['parameter']}" for row in values],
            [100 * row["share"] for row in values],
            "share of calls taking the most common value",
            "% of the parameter's calls",
        ),
        "tools": plots.bars(
            [n for n, _ in cover["calls"][:25]], [c for _, c in cover["calls"][:25]], "calls per tool (top 25)", "calls"
        ),
        "domains": plots.bars(
            [n for n, _ in cover["domains"]], [c for _, c in cover["domains"]], "records per domain", "records"
        ),
        "request_words": plots.histogram(sizes["request_words"], "opening request length", "words"),
        "user_chars": plots.histogram(sizes["user_chars"], "user turn length", "characters"),
        "turns": plots.histogram(sizes["turns"], "turns per record", "turns (system excluded)"),
        "calls": plots.histogram(sizes["calls"], "calls per record", "calls"),
        "pairs": plots.bars(
            [row[0] for row in pair_table["rows"]], [row[2] for row in pair_table["rows"]], "pairs per type", "pairs"
        ),
    }
    page = environment().get_template("report.html.j2")
    return page.render(
        title=run_dir.resolve().name,
        manifest=manifest,
        counts=manifest.get("counts") or {},
        funnel=flow,
        temperatures=temperatures,
        coverage=cover,
        values=values,
        sizes={name: _stats(values) for name, values in sizes.items()},
        pairs=pair_table,
        evals=eval_summaries(run_dir),
        review=review,
        review_line=review_line(review) if review else None,
        examples={name: [record_html(r) for r in group] for name, group in sorted(accepted.examples.items())},
        rejected=[
            {**group, "records": [record_html(r) for r in group["records"]]} for group in rejected.top(REJECTED_CODES)
        ],
        figures=figures,
        plots_missing=None if plots.available() else plots.MISSING,
        style=style(),
    )


def _stats(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(values),
        "min": ordered[0],
        "median": statistics.median(ordered),
        "max": ordered[-1],
        "mean": round(sum(values) / len(values), 1),
    }


def write_report(run_dir: Path) -> Path:
    """Write RUN_DIR/report/index.html (the folder is replaced whole) and return the file's path."""
    html = build_report(run_dir)
    with atomic_folder(run_dir / REPORT_FOLDER) as folder:
        (folder / "index.html").write_text(html, encoding="utf-8")
    return run_dir / REPORT_FOLDER / "index.html"


def main(argv: list[str] | None = None, prog: str = "fc-datagen report") -> int:
    """Entry point; returns the exit code."""

    def job() -> int:
        parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
        parser.add_argument("run_dir", help="a run folder (holds manifest.json)")
        args = parser.parse_args(argv)
        path = write_report(Path(args.run_dir))
        if not plots.available():
            print(f"note: {plots.MISSING}", flush=True)
        print(path)
        return errors.EXIT_DONE

    return errors.run_cli(job, "no report was written")


if __name__ == "__main__":
    raise SystemExit(main())
