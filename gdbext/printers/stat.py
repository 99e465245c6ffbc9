"""A pretty-printer for ``struct stat`` (and ``struct stat64``) that reads like stat(1).

``print st`` shows size, blocks, IO block, file type, device, inode, links,
access bits (octal and ``ls -l`` letters), owner and group with names, and
the three timestamps in local time with nanoseconds.  Any field that cannot
be read or makes no sense (an uninitialised struct) is shown as what it is,
never as an error.
"""

from __future__ import annotations

import stat as st
from collections.abc import Callable, Iterator

import gdb

_TYPES = (
    (st.S_IFREG, "regular file"),
    (st.S_IFDIR, "directory"),
    (st.S_IFCHR, "character special file"),
    (st.S_IFBLK, "block special file"),
    (st.S_IFIFO, "fifo"),
    (st.S_IFLNK, "symbolic link"),
    (st.S_IFSOCK, "socket"),
)


def file_type(mode: int, size: int) -> str:
    """The file type the way GNU stat(1) names it."""
    for bits, name in _TYPES:
        if st.S_IFMT(mode) == bits:
            return "regular empty file" if bits == st.S_IFREG and size == 0 else name
    return f"unknown file type {st.S_IFMT(mode):#o}"


def major(dev: int) -> int:
    """glibc's gnu_dev_major."""
    return ((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFF & 0xFFFFFFFF)


def minor(dev: int) -> int:
    """glibc's gnu_dev_minor."""
    return (dev & 0xFF) | ((dev >> 12) & ~0xFF & 0xFFFFFFFF)


def _name(lookup: Callable[[int], object], ident: int) -> str:
    try:
        return str(lookup(ident)[0])  # type: ignore[index]
    except (KeyError, OverflowError, ValueError, TypeError):
        return ""


def owner(uid: int) -> str:
    """``1000 (alice)``, or the number alone where no name exists."""
    import pwd

    name = _name(pwd.getpwuid, uid)
    return f"{uid} ({name})" if name else str(uid)


def group(gid: int) -> str:
    """``100 (users)``, or the number alone where no name exists."""
    import grp

    name = _name(grp.getgrgid, gid)
    return f"{gid} ({name})" if name else str(gid)


def timestamp(seconds: int, nanoseconds: int | None) -> str:
    """Local time as stat(1) prints it: ``2024-05-01 12:34:56.123456789 +0200``."""
    import time

    try:
        local = time.localtime(seconds)
        text = time.strftime("%Y-%m-%d %H:%M:%S", local)
    except (OverflowError, OSError, ValueError):
        return f"{seconds} (not a valid time)"
    if nanoseconds is not None:
        if 0 <= nanoseconds < 1_000_000_000:
            text += f".{nanoseconds:09d}"
        else:
            text += f" (nanoseconds field {nanoseconds} out of range)"
    return text + " " + time.strftime("%z", local)


class StatPrinter:
    """Prints one ``struct stat`` value."""

    def __init__(self, value: gdb.Value) -> None:
        self.value = value

    def _int(self, field: str) -> int | None:
        try:
            return int(self.value[field])
        except (gdb.error, gdb.MemoryError, ValueError, OverflowError):
            return None

    def _time(self, which: str) -> str:
        # glibc: st_atim (struct timespec); older headers: st_atime + st_atimensec.
        try:
            spec = self.value[f"st_{which}tim"]
            return timestamp(int(spec["tv_sec"]), int(spec["tv_nsec"]))
        except (gdb.error, gdb.MemoryError):
            pass
        seconds = self._int(f"st_{which}time")
        if seconds is None:
            return "<unavailable>"
        return timestamp(seconds, self._int(f"st_{which}timensec"))

    def to_string(self) -> str:
        mode, size = self._int("st_mode"), self._int("st_size")
        if mode is None:
            return "struct stat <unreadable>"
        return f"{file_type(mode, size or 0)}, {size} bytes"

    def _field(self, field: str) -> gdb.Value | str:
        """The struct's own member, typed (``__off_t``, ``__uid_t``, ...), fetched now."""
        try:
            value = self.value[field]
            value.fetch_lazy()
        except (gdb.error, gdb.MemoryError):
            return "<unavailable>"
        return value

    def children(self) -> Iterator[tuple[str, gdb.Value | str]]:
        # Counts are the struct's own typed members, so an IDE's variables
        # view (gdb/MI -var-list-children) shows them as numbers.  Fields a
        # person reads better as text (type, device, mode, owner, times) are
        # text on the console; under MI they are typed members too, since MI
        # shows a text child only as "[N]", the length of a char array.
        machine = _machine_interface()

        def described(field: str, show: Callable[[int], str]) -> gdb.Value | str:
            if machine:
                return self._field(field)
            raw = self._int(field)
            return "<unavailable>" if raw is None else show(raw)

        def device(d: int) -> str:
            return f"{major(d)},{minor(d)} ({d:#x})"

        mode = self._int("st_mode")
        size = self._int("st_size") or 0
        yield "size", self._field("st_size")
        yield "blocks", self._field("st_blocks")
        yield "io_block", self._field("st_blksize")
        yield "type", "<unavailable>" if mode is None else file_type(mode, size)
        yield "device", described("st_dev", device)
        if mode is not None and (st.S_ISCHR(mode) or st.S_ISBLK(mode)):
            yield "device_type", described("st_rdev", lambda d: f"{major(d)},{minor(d)}")
        yield "inode", self._field("st_ino")
        yield "links", self._field("st_nlink")
        yield "access", described("st_mode", lambda m: f"{st.S_IMODE(m):04o} ({st.filemode(m)})")
        yield "uid", described("st_uid", owner)
        yield "gid", described("st_gid", group)
        for which in "amc":
            yield f"{which}time", self._field(f"st_{which}tim") if machine else self._time(which)


def _machine_interface() -> bool:
    from gdbext import ui

    return ui.machine_interface()
