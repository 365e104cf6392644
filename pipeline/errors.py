"""Errors the CLI turns into one line and an exit code, and the exit codes themselves."""

from __future__ import annotations

import signal
import sys
from typing import Callable

EXIT_DONE = 0
EXIT_SHORT = 1  # done, but cells left short or failed tasks over the threshold
EXIT_BAD_INPUT = 2
EXIT_BUDGET = 3
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class InputError(Exception):
    """Bad input: printed as `file: json.path: message`, exit code 2."""

    def __init__(self, message: str, file: str | None = None, path: str | None = None):
        super().__init__(message)
        self.file, self.path, self.message = file, path, message

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.path, self.message) if part)


class TeacherError(Exception):
    """The teacher endpoint failed in a way retrying cannot fix (auth, bad request, unreachable)."""


class BudgetReached(Exception):
    """A request budget (--max-requests, --max-tokens, --max-cost) is spent: stop sending, keep what is done."""


class Terminated(BaseException):
    """Raised by the SIGTERM handler so every `finally` (the embedded server's stop) runs."""


def _on_sigterm(signum, frame):
    raise Terminated()


def run_cli(job: Callable[[], int], unfinished: str) -> int:
    """Run a command's `job` and return its exit code; bad input, a failed teacher, Ctrl-C and
    SIGTERM become one line on stderr (`unfinished` says what a stop leaves behind)."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return job()
    except SystemExit as exit:  # argparse: 2 on bad usage, 0 for --help
        return int(exit.code or 0)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except TeacherError as error:
        print(f"error: teacher: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"interrupted: {unfinished}", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print(f"terminated: {unfinished}", file=sys.stderr)
        return EXIT_SIGTERM
