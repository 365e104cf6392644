"""Child side of pipeline.execute: read {"file", "function", "arguments", "confine"} as JSON on
stdin, load the file as a module, call `function(**arguments)` and print the JSON result on stdout.

Arguments are bound by keyword only; no text is ever evaluated. Anything the executor prints
goes to stderr, so stdout carries the result alone. A failure exits non-zero with the
traceback on stderr (its last line names the error).

With "confine" (the parent started us as root of fresh user, mount, pid and network namespaces,
see pipeline.sandbox) the function runs confined before its file is even loaded:
- every mount is remounted read-only, and a small tmpfs is mounted on the working folder;
- a nested user namespace drops every capability over those mounts (the read-only flags are
  locked: no remount, no new mount can undo them);
- a seccomp filter refuses new processes (fork, vfork, clone without CLONE_THREAD, clone3, execve)
  and sockets (the network namespace has only a down loopback anyway), and namespace/mount calls.
This file is run with `python -I` and imports only the standard library.
"""

import contextlib
import ctypes
import errno
import importlib.util
import json
import os
import platform
import struct
import sys

WORK_LIMIT = "64m"  # size of the tmpfs an executor may write into
CLONE_NEWUSER, CLONE_THREAD = 0x10000000, 0x00010000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_NOATIME, MS_BIND, MS_NODIRATIME, MS_RELATIME = (
    1,
    2,
    4,
    8,
    32,
    1024,
    4096,
    2048,
    1 << 21,
)
MOUNT_FLAGS = {
    "nosuid": MS_NOSUID,
    "nodev": MS_NODEV,
    "noexec": MS_NOEXEC,
    "noatime": MS_NOATIME,
    "nodiratime": MS_NODIRATIME,
    "relatime": MS_RELATIME,
    "strictatime": 1 << 24,
}
# (audit arch, syscalls refused with EPERM, clone, clone3); numbers from the kernel's syscall tables
ARCHES = {
    "x86_64": (
        0xC000003E,
        {
            "fork": 57,
            "vfork": 58,
            "execve": 59,
            "execveat": 322,
            "socket": 41,
            "mount": 165,
            "umount2": 166,
            "pivot_root": 155,
            "chroot": 161,
            "ptrace": 101,
            "unshare": 272,
            "setns": 308,
        },
        56,
    ),
    "aarch64": (
        0xC00000B7,
        {
            "execve": 221,
            "execveat": 281,
            "socket": 198,
            "mount": 40,
            "umount2": 39,
            "pivot_root": 41,
            "chroot": 51,
            "ptrace": 117,
            "unshare": 97,
            "setns": 268,
        },
        220,
    ),
}
NEW_MOUNT_API = {
    "open_tree": 428,
    "move_mount": 429,
    "fsopen": 430,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
}
CLONE3 = 435
X32_BIT = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def _call(name, *args):
    if getattr(libc, name)(*args) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{name}: {os.strerror(code)}")


def confine(work: str) -> None:
    """Read-only filesystem except `work`, no capabilities, no processes, no sockets (see module doc)."""
    for point, options in _mounts():
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | sum(MOUNT_FLAGS.get(o, 0) for o in options)
        with contextlib.suppress(OSError):  # checked below: every mount must end read-only
            _call("mount", None, point.encode(), None, ctypes.c_ulong(flags), None)
    writable = [point for point, options in dict(_mounts()).items() if "rw" in options]  # the visible ones
    if writable:
        raise OSError(errno.EPERM, f"sandbox: cannot make {writable[0]} read-only")
    _call(
        "mount",
        b"tmpfs",
        work.encode(),
        b"tmpfs",
        ctypes.c_ulong(MS_NOSUID | MS_NODEV),
        f"size={WORK_LIMIT},mode=0777".encode(),
    )
    os.chdir(work)
    _call("unshare", CLONE_NEWUSER)
    _seccomp()


def _mounts():
    """(mount point, per-mount options) from /proc/self/mountinfo, parents before children."""
    with open("/proc/self/mountinfo", encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")  # \040 for a space, and so on
            yield point, fields[5].split(",")


def _seccomp() -> None:
    """Install the filter described in the module doc (no new privileges first, as the kernel asks)."""
    arch, refused, clone = ARCHES[platform.machine()]
    refused = {**refused, **NEW_MOUNT_API}
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EPERM
    kill, no_such = 0x80000000, 0x00050000 | errno.ENOSYS
    ld, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    program = [
        (ld, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, arch),
        (ret, 0, 0, kill),
        (ld, 0, 0, 0),  # seccomp_data.nr
        (jge, 0, 1, X32_BIT),  # x32 system calls: another numbering, refused whole
        (ret, 0, 0, kill),
        (jeq, 0, 1, CLONE3),
        (ret, 0, 0, no_such),  # the C library falls back to clone, checked below
        (jeq, 0, 4, clone),
        (ld, 0, 0, 16),  # low word of args[0]: the clone flags
        (jset, 1, 0, CLONE_THREAD),  # a thread is fine, a process is not
        (ret, 0, 0, deny),
        (ret, 0, 0, allow),
    ]
    for number in sorted(refused.values()):
        program += [(jeq, 0, 1, number), (ret, 0, 0, deny)]
    program.append((ret, 0, 0, allow))
    blob = b"".join(struct.pack("HBBI", *op) for op in program)
    buffer = ctypes.create_string_buffer(blob)

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Program(len(program), ctypes.addressof(buffer))
    _call("prctl", 38, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))  # NO_NEW_PRIVS
    _call("prctl", 22, ctypes.c_ulong(2), ctypes.byref(prog), ctypes.c_ulong(0), ctypes.c_ulong(0))  # SECCOMP filter


USAGE = (
    "usage: python -I pipeline/_executor_runner.py < REQUEST.json\n\n"
    "Internal: pipeline.execute starts this to run one seed executor; it reads "
    '{"file", "function", "arguments", "confine"} on stdin and prints the JSON result.'
)


def main() -> int:
    if sys.argv[1:2] in (["-h"], ["--help"]):
        print(USAGE)
        return 0
    request = json.loads(sys.stdin.buffer.read())
    if request.get("confine"):
        confine(os.getcwd())
    if request.get("probe"):
        sys.stdout.write(json.dumps("confined"))
        return 0
    spec = importlib.util.spec_from_file_location("seed_executor", request["file"])
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {request['file']}")
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(sys.stderr):
        spec.loader.exec_module(module)
        function = getattr(module, request["function"])
        result = function(**request["arguments"])
    sys.stdout.write(json.dumps(result, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
