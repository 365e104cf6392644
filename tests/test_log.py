"""pipeline.log: plain lines off a terminal, -q hides INFO there but run.log keeps it."""

from __future__ import annotations

import io

import pytest

from pipeline import log
from pipeline.errors import TeacherError

KEY = "sk-abcdefghijklmnopqrstuvwx"


def test_plain_lines_quiet_stream_and_a_full_run_log(tmp_path):
    stream = io.StringIO()
    log.setup(-1, stream)  # -q
    with log.run_log(tmp_path / "run.log"):
        log.LOGGER.info("[yellow]progress[/] 3 of 5")
        log.LOGGER.warning("[red]short:[/] cell [/tmp/x] sk-abcdefghijklmnopqrstuvwx")
    assert (
        stream.getvalue() == "short: cell [/tmp/x] [REDACTED]\n"
    )  # markup gone, data brackets kept; INFO hidden by -q
    lines = (tmp_path / "run.log").read_text().splitlines()
    assert [line.split(" ", 2)[1] for line in lines] == ["INFO", "WARNING"]
    assert lines[0].endswith("progress 3 of 5") and "[/tmp/x]" in lines[1] and "sk-abcdefghij" not in lines[1]
    log.setup(0, io.StringIO())


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_redacted_lines_too(tmp_path):
    stream = Terminal()
    log.setup(0, stream)  # rich renders on a terminal: the redaction is on the stream it writes to
    long_key = "sk-proj-" + "a1B2" * 40  # longer than the terminal is wide: rich wraps it
    log.LOGGER.warning(f"[red]failed:[/] HTTP 401: key {KEY} at https://admin:hunter2pass@proxy.example/v1 {long_key}")
    shown = stream.getvalue()
    assert "failed:" in shown and KEY not in shown and "hunter2pass" not in shown and "a1B2a1B2" not in shown
    log.setup(0, io.StringIO())


def test_the_reason_a_run_stopped_ends_its_run_log(tmp_path):
    log.setup(0, io.StringIO())
    with pytest.raises(TeacherError), log.run_log(tmp_path / "run.log"):
        log.LOGGER.info("started")
        raise TeacherError(f"HTTP 401 from http://x/v1: [bad key] {KEY}")
    last = (tmp_path / "run.log").read_text().splitlines()[-1]
    assert last.split(" ", 2)[1] == "ERROR" and last.endswith(
        "stopped: HTTP 401 from http://x/v1: [bad key] [REDACTED]"
    )


def test_run_log_never_holds_terminal_frames_and_progress_lines_can_skip_the_terminal(tmp_path):
    stream = io.StringIO()
    log.setup(0, stream)
    with log.run_log(tmp_path / "run.log"):
        log.LOGGER.info("\x1b[?25l\r\x1b[2Ksingle \x1b[90m━━\x1b[0m 1/9\r\x1b[2Ksingle ━━━ 2/9\nnext line")
        log.LOGGER.info("single: 2 of 9 passed so far", extra={"run_log_only": True})
    lines = (tmp_path / "run.log").read_text().splitlines()
    assert lines[0].endswith("INFO    single ━━━ 2/9") and lines[1] == "next line"
    assert lines[2].endswith("single: 2 of 9 passed so far")
    assert stream.getvalue() == "single ━━━ 2/9\nnext line\n"  # the run_log_only line stayed off stderr
    log.setup(0, io.StringIO())
