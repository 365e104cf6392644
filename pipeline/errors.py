"""Errors the CLI turns into one line and an exit code, and the exit codes themselves."""

from __future__ import annotations

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
