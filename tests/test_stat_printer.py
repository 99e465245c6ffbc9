"""The struct stat pretty-printer, compared field by field with os.lstat."""

from __future__ import annotations

import grp
import os
import pwd
import re
import stat
import time

import pytest

FIELD = re.compile(r"^\s+(\w+) = (.*?),?$")


def fields(output: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in map(FIELD.match, output.splitlines()) if m}


def device(dev: int) -> str:
    return f"{os.major(dev)},{os.minor(dev)}"


def stamp(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    local = time.localtime(seconds)
    return time.strftime("%Y-%m-%d %H:%M:%S", local) + f".{nanos:09d} " + time.strftime("%z", local)


def named(ident: int, lookup) -> str:
    try:
        return f"{ident} ({lookup(ident)[0]})"
    except KeyError:
        return str(ident)


@pytest.fixture
def paths(tmp_path):
    regular = tmp_path / "regular.txt"
    regular.write_text("hello, stat\n")
    os.chmod(regular, 0o4750)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(regular)
    empty = tmp_path / "empty"
    empty.touch()
    return [regular, tmp_path, "/dev/null", fifo, link, empty, "/tmp"]


def test_matches_os_lstat(demo_build, gdb_session, paths):
    gdb = gdb_session(demo_build / "stat_kinds", *map(str, paths))
    gdb.cmd("set print pretty on")
    gdb.cmd("break show")
    out = gdb.cmd("run", timeout=60)
    for i, path in enumerate(paths):
        if i:
            gdb.cmd("continue")
        got = fields(gdb.cmd("print *sb"))
        st = os.lstat(path)
        kind = {
            stat.S_IFREG: "regular file" if st.st_size else "regular empty file",
            stat.S_IFDIR: "directory",
            stat.S_IFCHR: "character special file",
            stat.S_IFIFO: "fifo",
            stat.S_IFLNK: "symbolic link",
        }[stat.S_IFMT(st.st_mode)]
        expected = {
            "size": str(st.st_size),
            "blocks": str(st.st_blocks),
            "io_block": str(st.st_blksize),
            "type": kind,
            "device": f"{device(st.st_dev)} ({st.st_dev:#x})",
            "inode": str(st.st_ino),
            "links": str(st.st_nlink),
            "access": f"{stat.S_IMODE(st.st_mode):04o} ({stat.filemode(st.st_mode)})",
            "uid": named(st.st_uid, pwd.getpwuid),
            "gid": named(st.st_gid, grp.getgrgid),
            "atime": stamp(st.st_atime_ns),
            "mtime": stamp(st.st_mtime_ns),
            "ctime": stamp(st.st_ctime_ns),
        }
        if stat.S_ISCHR(st.st_mode):
            expected["device_type"] = device(st.st_rdev)
        assert got == expected, path
    assert out  # the first stop was reached


def test_mode_letters():
    # The letters come from Python's stat.filemode, which knows the special bits.
    assert stat.filemode(stat.S_IFDIR | 0o1777) == "drwxrwxrwt"
    assert stat.filemode(stat.S_IFREG | 0o640) == "-rw-r-----"


def test_collection_can_be_disabled(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "stat_kinds", "/dev/null")
    assert "gdbext\n    stat" in gdb.cmd("info pretty-printer")
    gdb.cmd("break show")
    gdb.cmd("run", timeout=60)
    assert gdb.cmd("print *sb").startswith("$1 = character special file, 0 bytes = {size = 0,")
    gdb.cmd("disable pretty-printer global gdbext;stat")
    assert gdb.cmd("print *sb").startswith("$2 = {st_dev = ")
    gdb.cmd("enable pretty-printer global gdbext")
    assert "size = 0" in gdb.cmd("print *sb")


def test_garbage_struct_never_raises(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "stat_kinds", "/tmp")
    gdb.cmd("break show")
    gdb.cmd("run", timeout=60)
    gdb.cmd("set var sb->st_atim.tv_sec = 0x7fffffffffffffff")
    gdb.cmd("set var sb->st_mtim.tv_nsec = -5")
    gdb.cmd("set var sb->st_mode = 0xffffffff")
    gdb.cmd("set var sb->st_uid = 4000000000")
    out = gdb.cmd("print *sb")
    assert "not a valid time" in out
    assert "nanoseconds field -5 out of range" in out
    assert "uid = 4000000000," in out
    out = gdb.cmd("print *(struct stat *) 16")
    assert "<unreadable>" in out or "Cannot access memory" in out
