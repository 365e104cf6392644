"""The embedded default teacher: a local llama.cpp server with a packaged, hash-pinned GGUF.

The model comes from pipeline.backends.models (Qwen2.5-Coder-0.5B by default; `--embedded-model`
picks another). The server is llama.cpp's own C++ server from the prebuilt `xllamacpp` wheel
(pipeline.backends.llama_server) or, where only llama-cpp-python is installed, its Python server.
It binds 127.0.0.1 on a free port, is talked to through the same openai client as any endpoint,
and is stopped at exit, on Ctrl-C and on errors (and by the kernel if this process dies:
PDEATHSIG).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pipeline.backends.models import DEFAULT_MODEL, INSTALL_HINT, get_model, gguf_metadata, model_file
from pipeline.errors import InputError, TeacherError


def server_kind() -> str:
    """Which llama.cpp server is installed: "xllamacpp" (preferred, prebuilt), "llama-cpp-python", or ""."""
    if importlib.util.find_spec("xllamacpp") is not None:
        return "xllamacpp"
    if importlib.util.find_spec("llama_cpp") is not None:
        return "llama-cpp-python"
    return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:  # runs in the child before exec (Linux only)
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class EmbeddedServer:
    """Context manager: start the llama.cpp server, yield its base URL, stop it on exit.

    `slots` requests are decoded at once (the client sends that many); `threads` CPU threads."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        n_ctx: int = 8192,
        threads: int | None = None,
        slots: int = 1,
        startup_timeout: float = 180.0,
        log_dir: Path | None = None,
    ):
        self.spec = get_model(model)
        self.n_ctx, self.slots, self.startup_timeout = n_ctx, slots, startup_timeout
        self.threads = threads or min(2, os.cpu_count() or 1)
        self.log_dir = log_dir
        self.process: subprocess.Popen | None = None
        self.base_url = ""
        self.model = self.spec.name
        self.kind = ""
        self.metadata: dict = {}

    @staticmethod
    def client_settings(teacher, slots: int = 1) -> dict:
        """How a client should talk to this server (applied to the run's TeacherConfig).

        As many requests in flight as the server has slots; a local server that errors is broken,
        not busy, so fail fast instead of backing off; and wait long, since a request the client
        gives up on keeps the slot busy and queues everything behind it.
        """
        return {
            "concurrency": slots,
            "max_attempts": min(teacher.max_attempts, 2),
            "retry_initial": 0.5,
            "timeout": max(teacher.timeout, 300.0),
        }

    def describe(self) -> dict:
        """What the manifest records: the model, its file's GGUF metadata, hash, license and server."""
        return {
            "embedded_model": self.spec.name,
            "title": self.spec.title,
            "gguf": self.metadata,
            "sha256": self.spec.sha256 or None,
            "license": self.spec.license,
            "source": self.spec.source,
            "server": self.kind,
            "threads": self.threads,
            "slots": self.slots,
        }

    def command(self, path: Path, port: int) -> list[str]:
        """The server's command line for this machine's installed server."""
        if self.kind == "xllamacpp":
            return [
                sys.executable,
                "-m",
                "pipeline.backends.llama_server",
                "--model",
                str(path),
                "--alias",
                self.model,
                "--port",
                str(port),
                "--threads",
                str(self.threads),
                "--slots",
                str(self.slots),
                "--n-ctx",
                str(self.n_ctx),
            ]
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(path),
            "--model_alias",
            self.model,
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

    def __enter__(self) -> EmbeddedServer:
        self.kind = server_kind()
        if not self.kind:
            raise InputError(INSTALL_HINT)
        path, port = model_file(self.spec.name), free_port()
        self.metadata = gguf_metadata(path)
        log_dir = self.log_dir or Path(tempfile.gettempdir())
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / "embedded-server.log"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.command(path, port),
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
