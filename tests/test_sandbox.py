"""pipeline.sandbox: executors run confined (no process, no socket, a read-only filesystem but their
folder), capped, and where confinement is impossible only read-only tools' executors run."""

from __future__ import annotations

import dataclasses
import shutil
import socket

import pytest

from pipeline import sandbox
from pipeline.errors import InputError
from pipeline.execute import Execution, execute
from tests.test_execute import _tool

confined = pytest.mark.skipif(bool(sandbox.unavailable()), reason=f"no confinement here: {sandbox.unavailable()}")
REFUSED = "PermissionError: [Errno 1] Operation not permitted"


@confined
@pytest.mark.parametrize(
    "body",
    [
        "import os, time\n    if os.fork() == 0:\n        time.sleep(60)\n    return 1",
        "import subprocess\n    return subprocess.Popen(['sleep', '60']).pid",
        "import subprocess\n    return subprocess.getoutput('id')",
    ],
    ids=["fork", "popen", "getoutput"],
)
def test_a_confined_executor_starts_no_process(tmp_path, body):
    assert execute(_tool(tmp_path, f"def run():\n    {body}\n"), {}) == Execution(None, REFUSED)


@confined
def test_a_confined_executor_opens_no_socket(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.5)
        port = server.getsockname()[1]
        body = f"import socket\n    return str(socket.create_connection(('127.0.0.1', {port}), timeout=2))"
        assert execute(_tool(tmp_path, f"def run():\n    {body}\n"), {}) == Execution(None, REFUSED)
        with pytest.raises(TimeoutError):
            server.accept()


@confined
def test_a_confined_executor_writes_only_into_its_folder(tmp_path):
    outside = tmp_path / "outside.txt"
    tool = _tool(
        tmp_path,
        "def run(path):\n"
        "    open('mine.txt', 'w').write('kept')\n"
        "    mine = open('mine.txt').read()\n"
        "    open(path, 'w').write(mine)\n",
    )
    run = execute(tool, {"path": str(outside)})
    assert run == Execution(None, f"OSError: [Errno 30] Read-only file system: '{outside}'")
    assert not outside.exists()


@confined
def test_a_confined_executor_cannot_undo_its_read_only_mounts(tmp_path):
    body = "import ctypes\n    return ctypes.CDLL(None).mount(None, b'/', None, 32 | 4096, None)"
    assert execute(_tool(tmp_path, f"def run():\n    {body}\n"), {}) == Execution(-1)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("return 'x' * 3_000_000", "output longer than 1024 KiB"),
        ("import sys\n    sys.stderr.write('x' * 3_000_000)", "error output longer than 1024 KiB"),
    ],
)
def test_output_is_capped(tmp_path, body, expected):
    assert execute(_tool(tmp_path, f"def run():\n    {body}\n"), {}) == Execution(None, expected)


def test_unconfined_only_read_only_tools_run(tmp_path, monkeypatch, pipeline_logs, caplog):
    monkeypatch.setattr(sandbox, "unavailable", lambda: "no user namespaces here (test)")
    reader = _tool(tmp_path, "def run():\n    return 1\n")
    writer = dataclasses.replace(reader, name="writer", read_only=False)
    assert execute(reader, {}) == Execution(1)
    assert execute(writer, {}) == Execution(
        None, "not run: writer changes data and cannot be confined here (no user namespaces here (test))"
    )
    sandbox.check_executors([reader, writer], execute_side_effects=False)
    assert "run unconfined" in caplog.text
    with pytest.raises(InputError, match="execute_side_effects: writer changes data"):
        sandbox.check_executors([reader, writer], execute_side_effects=True)


def test_without_unshare_the_reason_is_one_line(monkeypatch):
    sandbox.unavailable.cache_clear()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    try:
        assert sandbox.unavailable() == "util-linux's unshare is not installed"
        assert sandbox.command()[1:] == ["-I", str(sandbox.RUNNER)]
    finally:
        sandbox.unavailable.cache_clear()
