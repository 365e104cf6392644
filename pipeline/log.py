"""Messages through Python's logging, under the `pipeline` logger.

On a terminal they go to stderr through rich (colour, markup); anywhere else as plain lines
(markup stripped), so a batch job's log reads like any other program's. A run also writes them
to RUN_DIR/run.log with a time and level on each line (`run_log`), ending with the reason when
an error or a signal stops the run. Both pass through pipeline.redact, as files do; run.log (and
plain stderr) never holds terminal control codes or redrawn frames. A message logged with
`extra={"run_log_only": True}` (progress lines while a terminal shows the bar) skips stderr.
`-v` shows debug messages, `-q` only warnings and errors.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.errors import MarkupError
from rich.logging import RichHandler
from rich.text import Text

from pipeline.redact import redact

LOGGER = logging.getLogger("pipeline")
_STYLE_TAG = re.compile(r"\[/?(?:red|yellow|green|bold|dim)?\]")
_TERMINAL_CODE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def plain_text(text: str) -> str:
    """`text` without terminal control: escape sequences (colours, cursor moves) removed, and of
    each line redrawn with carriage returns (a progress bar's frames) only what was drawn last."""
    text = _TERMINAL_CODE.sub("", text)
    if "\r" in text:
        text = "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in text.split("\n"))
    return text


class PlainFormatter(logging.Formatter):
    """Terminal control codes and rich markup stripped, secret-like strings redacted."""

    def format(self, record: logging.LogRecord) -> str:
        text = plain_text(record.getMessage())  # before the markup: rich drops a bare \r, not the frame before it
        if getattr(record, "markup", True) and "[" in text:
            try:
                text = Text.from_markup(text).plain
            except MarkupError:  # brackets in data (a path, a tool's text): drop only the styles our messages use
                text = _STYLE_TAG.sub("", text)
        plain = logging.makeLogRecord({**record.__dict__, "msg": text, "args": None})
        return redact(super().format(plain))


class RedactingRichHandler(RichHandler):
    """rich's handler with the message redacted before it is rendered (and perhaps wrapped)."""

    def render_message(self, record: logging.LogRecord, message: str):
        """The message as rich renders it, secret-like strings redacted first."""
        return super().render_message(record, redact(message))


def setup(verbosity: int = 0, stream=None) -> None:
    """Send the pipeline's messages to `stream` (stderr): INFO and up, DEBUG with verbosity > 0,
    WARNING and up with verbosity < 0. Calling it again replaces the earlier setup. What reaches
    `stream` is redacted (on a terminal too, where rich renders it)."""
    stream = stream or sys.stderr
    for handler in [h for h in LOGGER.handlers if getattr(h, "_pipeline_stream", False)]:
        LOGGER.removeHandler(handler)
    if stream.isatty():
        handler: logging.Handler = RedactingRichHandler(
            console=Console(file=stream),
            show_time=False,
            show_path=False,
            show_level=False,
            markup=True,
            rich_tracebacks=False,
        )
    else:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(PlainFormatter("%(message)s"))
    handler._pipeline_stream = True  # type: ignore[attr-defined]
    handler.addFilter(lambda record: not getattr(record, "run_log_only", False))
    handler.setLevel(logging.DEBUG if verbosity > 0 else logging.WARNING if verbosity < 0 else logging.INFO)
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.DEBUG if verbosity > 0 else logging.INFO)  # run.log keeps INFO even with -q
    LOGGER.propagate = False


def interactive() -> bool:
    """True when messages reach a terminal at INFO level (live progress bars are worth drawing)."""
    return any(isinstance(h, RichHandler) and h.level <= logging.INFO for h in LOGGER.handlers)


class _RunLogHandler(logging.FileHandler):
    """run.log's handler: a line the disk will not take (full, read-only) is dropped instead of
    printing a traceback, and closing does not raise; the run's next file write reports it in one line."""

    def handleError(self, record: logging.LogRecord) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handleError(record)

    def close(self) -> None:
        with suppress(OSError):
            super().close()


@contextmanager
def run_log(path: Path) -> Iterator[None]:
    """While inside, every message (INFO and up, DEBUG with -v) is also appended to `path` as a
    plain line with its time and level; an exception leaving it is recorded there as the reason
    the run stopped (stderr gets it from pipeline.errors.run_cli)."""
    handler = _RunLogHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)-7s %(message)s", "%Y-%m-%dT%H:%M:%S"))
    level = LOGGER.level
    if level == logging.NOTSET or level > logging.INFO:  # no setup (a library call): run.log still gets INFO
        LOGGER.setLevel(logging.INFO)
    LOGGER.addHandler(handler)
    try:
        yield
    except BaseException as error:
        stopped = LOGGER.makeRecord(
            LOGGER.name, logging.ERROR, __file__, 0, f"stopped: {str(error) or type(error).__name__}", None, None
        )
        stopped.markup = False  # the error's own text, brackets and all
        handler.handle(stopped)
        raise
    finally:
        LOGGER.removeHandler(handler)
        handler.close()
        LOGGER.setLevel(level)


def block(renderable, width: int = 120) -> str:
    """A rich renderable (a table) as plain text, for a log message."""
    buffer = StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue().rstrip()


def add_verbosity(parser: argparse.ArgumentParser) -> None:
    """-v (debug messages) and -q (warnings and errors only), for every command that logs."""
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more messages (debug)")
    parser.add_argument("-q", "--quiet", action="count", default=0, help="only warnings and errors")
