"""Benchmark: near-duplicate recall and false flags on the hand-written dedup corpus (not a test).

    python bench/dedup_recall.py [--threshold 90] [--by-edit] [--misses]

The corpus (tests/filters/dedup_corpus.py): distinct human-written requests grouped by their call,
and two lightly edited copies of each (polite suffix/prefix, casing, punctuation, filler words, a
clause moved, number formats, whitespace; one edit, then two). Prints per length bucket of the
request: recall on the copies (goal >= 95%) and the share of distinct requests flagged (goal
<= 1%); then the same over one shared call, where hard negatives of other groups (Paris / Oslo,
a table for 2 / 4) are compared too (a stress test of the text similarity, not a goal).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from filters.dedup import DedupOptions, find_duplicates  # noqa: E402
from tests.filters.dedup_corpus import build, recall_by_edit, records, score  # noqa: E402


def table(title: str, rows: dict) -> str:
    """Rows as a fixed-width table."""
    lines = [
        title,
        f"{'words':>6} {'distinct':>8} {'flagged':>8} {'false%':>7} {'copies':>7} {'caught':>7} {'recall%':>8}",
    ]
    for bucket, row in rows.items():
        lines.append(
            f"{bucket:>6} {row['distinct']:>8} {row['flagged']:>8} {100 * row['false_flags']:>7.1f} "
            f"{row['copies']:>7} {row['caught']:>7} {100 * row['recall']:>8.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=DedupOptions.threshold)
    parser.add_argument("--by-edit", action="store_true", help="recall per edit kind too")
    parser.add_argument("--misses", action="store_true", help="print the copies missed and distinct requests flagged")
    args = parser.parse_args()
    options = DedupOptions(threshold=args.threshold, template_cap=10**9)
    entries = build()
    issues = find_duplicates(enumerate(records(entries)), options)
    print(table("same calls (what dedup compares in a run)", score(entries, issues)))
    shared = find_duplicates(enumerate(records(entries, one_call=True)), options)
    print(table("\none shared call (every pair compared; other groups' hard negatives too)", score(entries, shared)))
    if args.by_edit:
        print("\nrecall by edit")
        for edit, recall in recall_by_edit(entries, issues).items():
            print(f"  {edit:<28} {100 * recall:5.1f}")
    if args.misses:
        by_id = {entry["id"]: entry for entry in entries}
        for label, found in (("same calls", issues), ("one call", shared)):
            print(f"\n{label}: missed copies / flagged distinct requests")
            for i, entry in enumerate(entries):
                if entry["kind"] == "copy" and i not in found:
                    print(f"  missed  {entry['edit']:<24} {by_id[entry['source']]['text']!r} -> {entry['text']!r}")
                elif entry["kind"] == "distinct" and i in found:
                    print(f"  flagged {entry['text']!r}: {found[i].message}")


if __name__ == "__main__":
    main()
