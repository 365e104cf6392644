"""pipeline.log: plain lines off a terminal, -q hides INFO there but run.log keeps it."""

from __future__ import annotations

import io

from pipeline import log


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
