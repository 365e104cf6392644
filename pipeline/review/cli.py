"""`fc-datagen review RUN_DIR`: read a seeded, per-category sample of a run's accepted records in
the browser and label each accept or reject (with a reason); `--summary` prints the human-accept
rate per category with Wilson 95% intervals; `--export jsonl|argilla` writes the labels out.
Labels go to RUN_DIR/review/labels.jsonl after every click; a restart continues where it stopped.
When the page stops (Ctrl-C), the run's report is written again to show the labels.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipeline import errors
from pipeline.errors import InputError
from pipeline.record import read_rows
from pipeline.review.export import export_labels
from pipeline.review.labels import read_labels, review_line, summarize
from pipeline.review.sample import load_sample, stored_sample
from pipeline.writer import finished_manifest


def parse_args(argv: list[str] | None, prog: str) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    p.add_argument("run_dir", help="a finished run folder (holds manifest.json)")
    p.add_argument("--sample", type=int, default=150, help="records to review, drawn per category (default 150)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")
    p.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    p.add_argument("--summary", action="store_true", help="print the human-accept rates and exit")
    p.add_argument("--export", choices=["jsonl", "argilla"], help="write the labels with their records and exit")
    args = p.parse_args(argv)
    if args.sample < 1:
        p.error("--sample must be at least 1")
    return args


def print_summary(summary: dict, console: Console) -> None:
    """The per-category table, the overall line and the rejection reasons."""
    table = Table(title="human review")
    for column in ("category", "reviewed", "accepted", "rate", "95% interval"):
        table.add_column(column, justify="left" if column == "category" else "right")
    for name, row in summary["categories"].items():
        low, high = row["interval"]
        table.add_row(
            name,
            str(row["reviewed"]),
            str(row["accepted"]),
            f"{100 * row['rate']:.1f}%",
            f"{100 * low:.1f} – {100 * high:.1f}",
        )
    console.print(table)
    console.print(review_line(summary))
    if summary["reasons"]:
        console.print("rejected for: " + ", ".join(f"{reason} {count}" for reason, count in summary["reasons"].items()))


def main(argv: list[str] | None = None, prog: str = "fc-datagen review") -> int:
    """Entry point; returns the exit code."""

    def job() -> int:
        args = parse_args(argv, prog)
        run_dir = Path(args.run_dir)
        manifest = finished_manifest(run_dir)
        records = read_rows(run_dir / "accepted.jsonl")
        labels = read_labels(run_dir)
        console = Console()
        if args.summary:
            summary = summarize(labels, {str(r["id"]) for r in records})
            if not summary["reviewed"]:
                console.print(f"no labels yet: `{prog} {run_dir}` serves the review page")
                return errors.EXIT_SHORT
            print_summary(summary, console)
            return errors.EXIT_DONE
        if args.export:  # the sample the reviewer saw, never a new draw
            by_id = {str(r["id"]): r for r in records}
            print(export_labels(run_dir, by_id, stored_sample(run_dir), labels, args.export))
            return errors.EXIT_DONE
        sample = load_sample(run_dir, records, args.sample, args.seed)
        if not records:
            raise InputError("the run has no accepted records to review", str(run_dir / "accepted.jsonl"))
        from pipeline.review.server import Review, serve  # the checks load only for the page

        review = Review(run_dir, records, sample, manifest)
        labelled = sum(i in labels for i in sample)
        try:
            serve(
                review,
                args.port,
                lambda url: print(
                    f"review {len(sample)} records ({labelled} labelled) at {url}  "
                    "(Ctrl-C stops; labels are saved on every click)",
                    flush=True,
                ),
            )
        finally:
            if (run_dir / "report").is_dir():  # the report shows the labels given
                from pipeline.job import write_run_report

                write_run_report(run_dir)
        return errors.EXIT_DONE

    return errors.run_cli(job, "every label given so far is saved in review/labels.jsonl")


if __name__ == "__main__":
    raise SystemExit(main())
