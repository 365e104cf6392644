"""`python -m pipeline.seeds enrich ...`: see pipeline.seeds.enrich."""

from __future__ import annotations

import sys

from pipeline.seeds.enrich import main as enrich


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.seeds") -> int:
    """Dispatch `enrich`; anything else prints the usage and returns 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["enrich"]:
        return enrich(argv[1:], f"{prog} enrich")
    print(
        f"usage: {prog} enrich [--tools PATH] [--base-url URL --model NAME] [--dry-run] (enrich --help)",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
