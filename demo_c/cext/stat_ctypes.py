"""stat(2) through ctypes, with the struct stat of Linux x86_64 (glibc).

ctypes does not read C headers: the Stat structure below has to repeat the layout
of <bits/struct_stat.h> by hand, field by field, padding included.  On x86_64
st_nlink comes *before* st_mode, and the structure is 144 bytes; build/cext/
stat_layout prints what the C compiler says, and the tests compare the two.

A failed call returns -1 and leaves the reason in errno; with use_errno=True ctypes
saves it for ctypes.get_errno(), and OSError(errno, strerror, filename) turns it
into the right subclass (FileNotFoundError for ENOENT, PermissionError, ...).

    $ python stat_ctypes.py /etc/passwd
    /etc/passwd: mode=0o100644 size=... ino=... nlink=1 uid=0 gid=0

With --shim the call goes through build/cext/libcxstat.so (cx_stat(), built with
-g -O0) instead of libc's stat(), which gives a debugger a function with debug info
and a typed `struct stat *` to stop in.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import platform
import sys
from pathlib import Path
from typing import Callable, Union

__all__ = ["Stat", "Timespec", "stat"]

PathArg = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

SUPPORTED = sys.platform.startswith("linux") and platform.machine() == "x86_64"


class Timespec(ctypes.Structure):
    """struct timespec: seconds and nanoseconds."""

    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class Stat(ctypes.Structure):
    """struct stat as glibc lays it out on Linux x86_64 (144 bytes)."""

    _fields_ = [
        ("st_dev", ctypes.c_ulong),  # dev_t
        ("st_ino", ctypes.c_ulong),  # ino_t
        ("st_nlink", ctypes.c_ulong),  # nlink_t: before st_mode on x86_64
        ("st_mode", ctypes.c_uint),  # mode_t
        ("st_uid", ctypes.c_uint),  # uid_t
        ("st_gid", ctypes.c_uint),  # gid_t
        ("__pad0", ctypes.c_int),
        ("st_rdev", ctypes.c_ulong),  # dev_t
        ("st_size", ctypes.c_long),  # off_t
        ("st_blksize", ctypes.c_long),  # blksize_t
        ("st_blocks", ctypes.c_long),  # blkcnt_t, in 512-byte units
        ("st_atim", Timespec),
        ("st_mtim", Timespec),
        ("st_ctim", Timespec),
        ("__glibc_reserved", ctypes.c_long * 3),
    ]

    @property
    def st_atime_ns(self) -> int:
        """Last access time in nanoseconds, as os.stat_result.st_atime_ns."""
        return self.st_atim.tv_sec * 1_000_000_000 + self.st_atim.tv_nsec

    @property
    def st_mtime_ns(self) -> int:
        """Last modification time in nanoseconds."""
        return self.st_mtim.tv_sec * 1_000_000_000 + self.st_mtim.tv_nsec

    @property
    def st_ctime_ns(self) -> int:
        """Last status change time in nanoseconds."""
        return self.st_ctim.tv_sec * 1_000_000_000 + self.st_ctim.tv_nsec


StatFunc = Callable[..., int]  # (path: bytes, buf: pointer to Stat) -> 0 or -1
_funcs: dict[bool, StatFunc] = {}


def _libc_stat() -> StatFunc:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    try:
        func = libc.stat  # glibc >= 2.33 exports stat itself
    except AttributeError:
        # Older glibc only has __xstat(version, path, buf); version 1 is x86_64's.
        xstat = libc["__xstat"]
        xstat.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(Stat)]
        xstat.restype = ctypes.c_int
        return lambda path, buf: xstat(1, path, buf)
    func.argtypes = [ctypes.c_char_p, ctypes.POINTER(Stat)]
    func.restype = ctypes.c_int
    return func


def _shim_stat() -> StatFunc:
    here = Path(__file__).resolve().parent
    for path in (here / "libcxstat.so", here.parent.parent / "build" / "cext" / "libcxstat.so"):
        if path.is_file():
            lib = ctypes.CDLL(str(path), use_errno=True)
            func = lib.cx_stat
            func.argtypes = [ctypes.c_char_p, ctypes.POINTER(Stat)]
            func.restype = ctypes.c_int
            return func
    raise FileNotFoundError("libcxstat.so not found: run `make cext`")


def stat(path: PathArg, *, shim: bool = False) -> Stat:
    """Return the Stat of path, or raise OSError (FileNotFoundError, ...) like os.stat."""
    if not SUPPORTED:
        raise NotImplementedError("Stat has the layout of Linux x86_64 only")
    raw = os.fsencode(path)  # TypeError for anything but str, bytes, PathLike
    if b"\0" in raw:
        raise ValueError("embedded null byte")  # c_char_p would cut the path there
    if shim not in _funcs:
        _funcs[shim] = _shim_stat() if shim else _libc_stat()
    buf = Stat()
    ctypes.set_errno(0)
    if _funcs[shim](raw, ctypes.byref(buf)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), os.fsdecode(raw))
    return buf


def main(argv: list[str] | None = None) -> int:
    """Print a few fields of each PATH's Stat; exit 1 if any stat failed."""
    parser = argparse.ArgumentParser(description="stat(2) through ctypes")
    parser.add_argument("--shim", action="store_true", help="call cx_stat() in libcxstat.so")
    parser.add_argument("paths", nargs="+", metavar="PATH")
    args = parser.parse_args(argv)
    rc = 0
    for path in args.paths:
        try:
            st = stat(path, shim=args.shim)
        except OSError as exc:
            print(f"stat_ctypes: {exc}", file=sys.stderr)
            rc = 1
            continue
        print(f"{path}: mode={st.st_mode:#o} size={st.st_size} ino={st.st_ino} "
              f"nlink={st.st_nlink} uid={st.st_uid} gid={st.st_gid}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
