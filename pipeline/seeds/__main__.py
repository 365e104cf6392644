"""`python -m pipeline.seeds COMMAND ...` (or `fc-datagen seeds COMMAND ...`): tools for the seed tools.

`enrich` asks the teacher for realistic values of free-form parameters (see pipeline.seeds.enrich).
`--help` lists the commands; `COMMAND --help` lists a command's options.
"""

from __future__ import annotations

import importlib
import sys

# command -> (module with main(argv, prog), one line of help)
COMMANDS = {
    "enrich": (
        "pipeline.seeds.enrich",
        "ask the teacher for realistic values of free-form string parameters (<tools>.values.json)",
    ),
}


def usage(prog: str) -> str:
    """The help text listing the seed commands."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()]
    return (
        f"usage: {prog} COMMAND [options]\n\ncommands:\n"
        + "\n".join(lines)
        + f"\n\n`{prog} COMMAND --help` lists a command's options."
    )


def main(argv: list[str] | None = None, prog: str = "python -m pipeline.seeds") -> int:
    """Dispatch to a seed command's main; `--help` prints the usage (exit 0), nothing or an unknown command exits 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] in (["-h"], ["--help"]):
        print(usage(prog))
        return 0
    if argv and argv[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[argv[0]][0])
        return module.main(argv[1:], f"{prog} {argv[0]}")
    if argv:
        print(f"error: unknown command {argv[0]!r} (choose from {', '.join(COMMANDS)})", file=sys.stderr)
    else:
        print(usage(prog), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
