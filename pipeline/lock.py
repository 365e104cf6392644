"""One writer per run directory: `run.lock` records host, process id and start time.

The lock itself is an OS lock (`flock`) on run.lock, held for the whole job: the kernel gives it
to one process at a time and frees it when its holder ends, however it ends (kill -9 too), so
taking over a dead job's lock is the same single atomic step as taking a free one, and two jobs
racing for it cannot both win. The file's content names the holder for the error message. A
lock file that names another host (whose processes this one cannot see) or a live process on
this host other than the OS lock's holder (a job that took the lock without it) also stops the
second job with a one-line error.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from pipeline.errors import InputError

LOCK_NAME = "run.lock"
ATTEMPTS = 100  # tries when the file is removed (its holder released it) between our open and our lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


def _same_file(descriptor: int, path: Path) -> bool:
    """Whether `path` still names the file open at `descriptor` (a releasing holder removes it)."""
    try:
        here, there = os.fstat(descriptor), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _holder_of(text: str) -> dict | None:
    try:
        holder = json.loads(text)
    except ValueError:
        return None
    return holder if isinstance(holder, dict) and str(holder.get("pid", "")).isdigit() else None


class RunLock:
    """The run directory's lock, as a context manager."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self.descriptor: int | None = None

    @property
    def held(self) -> bool:
        """Whether this object holds the lock."""
        return self.descriptor is not None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def acquire(self) -> None:
        """Take the lock (a dead job's too); InputError when another job holds it."""
        mine = {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for _ in range(ATTEMPTS):
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                taken = self._take(descriptor, mine)
            except BaseException:
                os.close(descriptor)  # closing frees the OS lock
                raise
            if taken:
                self.descriptor = descriptor
                return
            os.close(descriptor)
        raise InputError(f"cannot take {LOCK_NAME}: other jobs keep taking and releasing it", str(self.path.parent))

    def _take(self, descriptor: int, mine: dict) -> bool:
        """Lock the open file and write `mine` into it: True, or False when the file was released
        and removed meanwhile (try again); InputError when another job holds it."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise self._held_by(self._holder(), alive=True) from None
        if not _same_file(descriptor, self.path):
            return False
        holder = _holder_of(os.pread(descriptor, 4096, 0).decode("utf-8", "replace"))
        if holder is not None and (
            holder.get("host") != mine["host"] or (int(holder["pid"]) != mine["pid"] and _alive(int(holder["pid"])))
        ):
            raise self._held_by(holder, alive=False)
        os.ftruncate(descriptor, 0)  # a dead job's content (or none): ours replaces it
        os.pwrite(descriptor, json.dumps(mine).encode("utf-8"), 0)
        return True

    def _held_by(self, holder: dict | None, alive: bool) -> InputError:
        """The one-line error naming the holder (`alive`: it holds the OS lock, so it surely runs)."""
        who = f" (host {holder.get('host')}, pid {holder.get('pid')}, since {holder.get('started')})" if holder else ""
        hint = "" if alive else f"; if it is gone, delete {LOCK_NAME}"
        return InputError(f"another job writes this run{who}{hint}", str(self.path.parent))

    def _holder(self) -> dict | None:
        try:
            return _holder_of(self.path.read_text(encoding="utf-8"))
        except OSError:
            return None

    def release(self) -> None:
        """Remove the lock file and free the lock, if this object holds it."""
        if self.descriptor is not None:
            self.path.unlink(missing_ok=True)  # first: a job that opened this file finds it gone and tries anew
            os.close(self.descriptor)
            self.descriptor = None
