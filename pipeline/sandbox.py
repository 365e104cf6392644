"""Whether executors can run confined on this machine, and the command that confines them.

An executor runs as `unshare --user --map-root-user --net --mount --pid --fork --kill-child
--mount-proc python -I pipeline/_executor_runner.py`: fresh user, mount, pid and network
namespaces (no network but a loopback that is down; every process it leaves dies with it), in
which the runner makes every mount read-only but a small tmpfs on its folder, drops its
capabilities over them and installs a seccomp filter (no new process, no socket). Linux with
unprivileged user namespaces and util-linux's `unshare` is all it takes.

Where that fails (another OS, a container that forbids user namespaces), read-only tools'
executors still run, with limits but unconfined, after one warning; executors of tools that
change data are refused (`check_executors`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

from pipeline import log
from pipeline.errors import InputError

RUNNER = Path(__file__).with_name("_executor_runner.py")
FLAGS = ("--user", "--map-root-user", "--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc")


@lru_cache(maxsize=1)
def unavailable() -> str | None:
    """None when executors can be confined here, else why not (one line); probed once per process."""
    binary = shutil.which("unshare")
    if binary is None or not sys.platform.startswith("linux"):
        return "util-linux's unshare is not installed" if binary is None else f"no user namespaces on {sys.platform}"
    try:
        probe = subprocess.run(
            [binary, *FLAGS, sys.executable, "-I", str(RUNNER)],
            input=json.dumps({"confine": True, "probe": True}).encode(),
            capture_output=True,
            env={},
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare failed: {error}"
    if probe.returncode != 0 or probe.stdout != b'"confined"':
        lines = probe.stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit code {probe.returncode}"]
        return f"confining failed: {lines[-1]}"
    return None


def command() -> list[str]:
    """The argv that runs the executor runner: confined when possible, else plain `python -I`."""
    plain = [sys.executable, "-I", str(RUNNER)]
    return plain if unavailable() else [shutil.which("unshare") or "unshare", *FLAGS, *plain]


def check_executors(catalog: list, execute_side_effects: bool) -> None:
    """Before a run: refuse to run executors of tools that change data where they cannot be
    confined (InputError), and warn once that read-only tools' executors will run unconfined."""
    executors = [tool for tool in catalog if tool.executor]
    reason = unavailable() if executors else None
    if reason is None:
        return
    writers = [tool for tool in executors if not tool.read_only]
    if writers and execute_side_effects:
        raise InputError(
            f"execute_side_effects: {writers[0].name} changes data and its executor cannot be confined here "
            f"({reason}); leave execute_side_effects off (its results are then simulated or mocked)",
            writers[0].source or None,
        )
    log.LOGGER.warning("read-only tools' executors run unconfined (limits only, network reachable): %s", reason)
