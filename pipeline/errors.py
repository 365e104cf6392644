"""Errors the CLI turns into one line and an exit code, and the exit codes themselves."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable

from pipeline.redact import redacted_stderr

EXIT_DONE = 0
EXIT_SHORT = 1  # done, but fewer records than asked or failed tasks over the threshold
EXIT_BAD_INPUT = 2
EXIT_BUDGET = 3
EXIT_ENVIRONMENT = 4  # the machine refused: disk full, read-only, no permission (OSError); fix it, run again
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
    """The teacher endpoint failed in a way retrying cannot fix (auth, bad request, unreachable);
    `raw`: the start of an answer the client could not read (the failed task's meta.raw)."""

    def __init__(self, message: str, raw: str = ""):
        super().__init__(message)
        self.raw = raw


class StopSending(Exception):
    """The run sends no more requests; the ones in flight finish (their answers reach the cache)."""


class BudgetReached(StopSending):
    """A request budget (--max-requests, --max-tokens, --max-cost) is spent: stop sending, keep what is done."""


class Interrupted(StopSending):
    """A first SIGINT or SIGTERM arrived: stop sending, let in-flight requests finish, then exit 130/143."""


class Terminated(BaseException):
    """Raised by the SIGTERM handler so every `finally` (the embedded server's stop) runs."""


def _on_sigterm(signum, frame):
    raise Terminated()


class SignalDrain:
    """Inside a running event loop: the first SIGINT/SIGTERM calls `on_first(name)` (stop sending,
    let in-flight work finish); a second one cancels the running task at once. `received` lists the
    signals' names; `restore()` puts the previous handlers back."""

    def __init__(self, on_first: Callable[[str], None]):
        self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        self.on_first, self.received = on_first, []
        self.previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
        for signum in self.previous:
            self.loop.add_signal_handler(signum, self._on_signal, signum)

    def _on_signal(self, signum: int) -> None:
        self.received.append(signal.Signals(signum).name)
        if len(self.received) == 1:
            self.on_first(self.received[0])
        elif self.task is not None:
            self.task.cancel()  # the caller's finally turns this into KeyboardInterrupt / Terminated

    def restore(self) -> None:
        """Put the handlers back that were there before."""
        for signum, handler in self.previous.items():
            self.loop.remove_signal_handler(signum)
            signal.signal(signum, handler)

    def raise_stop(self) -> None:
        """After the loop's work: KeyboardInterrupt (exit 130) or Terminated (143) for the last signal, if any came."""
        if self.received:
            raise KeyboardInterrupt() if self.received[-1] == "SIGINT" else Terminated()


def run_cli(job: Callable[[], int], unfinished: str) -> int:
    """Run a command's `job` and return its exit code; bad input, a failed teacher, a file the
    machine will not write, Ctrl-C and SIGTERM become one line on stderr (`unfinished` says what a
    stop leaves behind). Everything written to stderr meanwhile is redacted (pipeline.redact), like
    the files."""
    signal.signal(signal.SIGTERM, _on_sigterm)
    with redacted_stderr():
        return _exit_code(job, unfinished)


def _exit_code(job: Callable[[], int], unfinished: str) -> int:
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
    except OSError as error:  # disk full, read-only, permission denied: the file, the reason, what is left
        where = f"{error.filename}: " if error.filename else ""
        print(f"error: {where}{error.strerror or error}; {unfinished}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print(f"interrupted: {unfinished}", file=sys.stderr)
        return EXIT_SIGINT
    except Terminated:
        print(f"terminated: {unfinished}", file=sys.stderr)
        return EXIT_SIGTERM
