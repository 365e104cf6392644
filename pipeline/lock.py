"""One writer per run directory: `run.lock` records host, process id and start time.

Taking the lock creates the file exclusively. A lock left by a process that no longer runs on
this host (killed, crashed) is taken over; one held by a live process, or by another host
(whose processes this one cannot see), stops the second job with a one-line error.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import InputError

LOCK_NAME = "run.lock"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


class RunLock:
    """The run directory's lock, as a context manager."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self.held = False

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock, taking over one whose process is dead; InputError when another job holds it."""
        mine = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for _ in range(2):
            try:
                descriptor = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = self._holder()
                if holder is not None and (holder.get("host") != mine["host"] or _alive(int(holder.get("pid", 0)))):
                    raise InputError(
                        f"another job writes this run (host {holder.get('host')}, pid {holder.get('pid')}, since "
                        f"{holder.get('started')}); if it is gone, delete {LOCK_NAME}",
                        str(self.path.parent),
                    ) from None
                self.path.unlink(missing_ok=True)  # its process is dead (or the file is unreadable): take it over
                continue
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(mine, handle)
            self.held = True
            return
        raise InputError(f"cannot take {LOCK_NAME}: another job keeps creating it", str(self.path.parent))

    def _holder(self) -> dict | None:
        try:
            holder = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return holder if isinstance(holder, dict) and str(holder.get("pid", "")).isdigit() else None

    def release(self) -> None:
        """Remove the lock if this process holds it."""
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False
