"""gdbext inside a running Python: tp, prof and the stat printer on demo_c/cext.

The inferior is gdb's own interpreter, /usr/bin/python3.11, running
``import cx_fib; print(cx_fib.fib(15))``.  cx_fib's shared object is loaded only
by the import, so ``tp fib`` and ``prof fib`` are set while ``fib`` does not
exist yet (pending) and must resolve when Python dlopen()s the module.  The
extension's recursive C function is ``fib`` (``cx_fib_fib`` is the wrapper
Python calls): fib(15) makes 1973 calls of it.

The stat part stops in cx_stat() of libcxstat.so (built -g -O0), which
stat_ctypes.stat(..., shim=True) calls through ctypes, and prints the
``struct stat`` that ctypes allocated once stat(2) has filled it.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import stat
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

import pytest
from gdbharness import REPO, GdbSession, assert_clean, run_batch, strip_ansi

# Every test here starts one gdb on one short Python run; a minute is plenty.
pytestmark = pytest.mark.timeout(60)

PYTHON = Path("/usr/bin/python3.11")  # gdb's own interpreter: the ABI build/cext has
CEXT = REPO / "build" / "cext"
CX_FIB_C = REPO / "demo_c" / "cext" / "cx_fib.c"
N = 15
FIB_CODE = f"import cx_fib; print(cx_fib.fib({N}))"
HEADER = re.compile(r"^(\S+) @ (\S+):(\d+)$")
FIELD = re.compile(r"^\s+(\w+) = (.*?),?$")


def fib(n: int) -> int:
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def fib_args(n: int) -> list[int]:
    """The argument of every call of the recursive C fib(n), in call order."""
    return [n] if n < 2 else [n, *fib_args(n - 1), *fib_args(n - 2)]


def line_of(source: Path, marker: str) -> int:
    """The number of the first line of SOURCE that contains MARKER."""
    for number, line in enumerate(source.read_text().splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in {source}")


def same_file(shown: str, source: Path) -> bool:
    """True when gdb's file name SHOWN (relative or absolute) is SOURCE."""
    return shown == str(source) or (not shown.startswith("/") and shown == source.name)


@pytest.fixture(scope="session")
def cext() -> Path:
    """`make cext` once (a no-op when up to date), as tests/test_cext.py does."""
    if not os.access(PYTHON, os.X_OK):
        pytest.skip(f"{PYTHON} (gdb's Python) is not installed")
    proc = subprocess.run(
        ["make", "--no-print-directory", "cext"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, f"make cext failed:\n{proc.stdout}\n{proc.stderr}"
    return CEXT


def gdb_python(cext: Path, commands: list[str], code: str = FIB_CODE) -> str:
    """Run ``python3.11 -c CODE`` (build/cext on its path) under gdb -batch; the output."""
    out = run_batch(PYTHON, [f"set environment PYTHONPATH {cext}", *commands],
                    args=("-c", code), timeout=50)
    assert_clean(out.stdout)
    return strip_ansi(out.stdout)


def table_row(text: str, first: str) -> list[str]:
    """The cells of the table row (rich box drawing or plain columns) that starts FIRST."""
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"[│|┃]", line) if c.strip()] or line.split()
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no table row for {first}:\n{text}")


def test_fib_15_makes_1973_calls() -> None:
    calls = fib_args(N)
    assert len(calls) == 1973 == 2 * fib(N + 1) - 1
    assert calls[:3] == [15, 14, 13] and calls.count(1) == fib(N)


def test_tp_pending_in_the_extension_prints_every_call(cext: Path) -> None:
    out = gdb_python(cext, ["tp fib", "run"])
    assert re.search(r"^tp: 'fib' is not in the program .* is pending", out, re.MULTILINE), out
    # Resolved by `import cx_fib`, traced without stopping: Python ran to the end.
    assert "Breakpoint 1, " not in out
    assert f"\n{fib(N)}\n" in out
    assert "exited normally" in out
    line = line_of(CX_FIB_C, "if (n < 2)")
    headers: list[str] = []
    symbols: list[str] = []
    lines = out.splitlines()
    for i, text in enumerate(lines):
        if match := HEADER.match(text):
            function, shown, number = match.groups()
            assert (function, int(number)) == ("fib", line), text
            assert same_file(shown, CX_FIB_C), text
            headers.append(text)
            symbols.append(lines[i + 1])
    assert len(headers) == 1973
    assert symbols == [f"\tn(unsigned int: {n}) [4]" for n in fib_args(N)]
    assert out.count(f"Tracepoint 'fib' Count: {len(headers)}") == 1


def test_tp_counts_again_when_python_runs_again(
    cext: Path, gdb_session: Callable[..., GdbSession], tmp_path: Path
) -> None:
    # A second run is a new process: the module is loaded anew, the pending
    # location resolves again, and the count starts from zero.
    log = tmp_path / "fib.jsonl"
    gdb = gdb_session(PYTHON, "-c", FIB_CODE)
    gdb.cmd(f"set environment PYTHONPATH {cext}")
    assert "pending" in gdb.cmd(f"tp -o {log} fib")
    for _ in range(2):
        out = gdb.cmd("run")
        assert f"\n{fib(N)}\n" in out and out.count("Tracepoint 'fib' Count: 1973") == 1, out
    assert table_row(strip_ansi(gdb.cmd("tp")), "1")[1:5] == ["y", "fib", "1973", str(log)]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(records) == 2 * 1973  # later runs append
    assert [int(r["symbols"][0]["value"]) for r in records] == fib_args(N) * 2
    assert all(r["function"] == "fib" and same_file(r["file"], CX_FIB_C) for r in records)


def test_prof_pending_table_and_json_lines(cext: Path, tmp_path: Path) -> None:
    path = tmp_path / "fib.jsonl"
    out = gdb_python(cext, [f"prof --output {path} fib", "run"])
    assert re.search(r"^prof: fib is pending", out, re.MULTILINE), out
    assert f"\n{fib(N)}\n" in out
    assert "fib(unsigned int) @" not in out  # --output replaces the per-call text
    assert f"prof: 1973 records in {path}" in out
    row = table_row(out, "fib")
    assert row[1:3] == ["1973", "1973"]  # calls, completed
    assert all(re.fullmatch(r"\d+\.\d{6}", cell) for cell in row[3:]), row
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 1973
    assert all(r["completed"] and r["location"] == r["function"] == "fib" for r in records)
    assert {r["thread"] for r in records} == {1}
    assert all(r["args"][0]["name"] == "n" and r["args"][0]["type"] == "unsigned int"
               for r in records)
    # Calls are written as they return: the outermost last, longest, at depth 0.
    assert sorted(int(r["args"][0]["value"]) for r in records) == sorted(fib_args(N))
    outer = records[-1]
    assert outer["args"][0]["value"] == str(N) and outer["depth"] == 0
    assert [r["depth"] for r in records].count(0) == 1
    assert outer["wall_ns"] == max(r["wall_ns"] for r in records)
    assert outer["cpu_ns"] == max(r["cpu_ns"] for r in records)
    assert max(r["depth"] for r in records) == N - 1  # fib(15) -> ... -> fib(1)


def _stamp(ns: int) -> str:
    seconds, nanos = divmod(ns, 1_000_000_000)
    local = time.localtime(seconds)
    return (time.strftime("%Y-%m-%d %H:%M:%S", local) + f".{nanos:09d} "
            + time.strftime("%z", local))


def _named(ident: int, lookup: Callable[[int], Sequence[str]]) -> str:
    try:
        return f"{ident} ({lookup(ident)[0]})"
    except KeyError:
        return str(ident)


def test_stat_printer_on_the_struct_ctypes_filled(cext: Path, tmp_path: Path) -> None:
    target = tmp_path / "data.txt"
    target.write_text("filled by stat(2), allocated by ctypes\n")
    target.chmod(0o640)
    code = ("import stat_ctypes; "
            f"st = stat_ctypes.stat({str(target)!r}, shim=True); "
            "print('ctypes:', st.st_size, oct(st.st_mode), st.st_ino)")
    out = gdb_python(cext, [
        "set breakpoint pending on",
        "break cx_stat",
        "run",
        "set $buf = buf",  # cx_stat's argument: ctypes' Stat, typed as struct stat *
        "finish",
        "set print pretty on",
        "print *$buf",
        "continue",
    ], code=code)
    assert re.search(r"Breakpoint 1, cx_stat \(path=0x[0-9a-f]+ \"" + re.escape(str(target)), out)
    assert "Value returned is $1 = 0" in out
    printed = out[out.index("$2 = "):]
    st = os.stat(target)
    assert printed.startswith(f"$2 = regular file, {st.st_size} bytes = {{")
    got = {m.group(1): m.group(2) for m in map(FIELD.match, printed.splitlines()) if m}
    assert got == {
        "size": str(st.st_size),
        "blocks": str(st.st_blocks),
        "io_block": str(st.st_blksize),
        "type": "regular file",
        "device": f"{os.major(st.st_dev)},{os.minor(st.st_dev)} ({st.st_dev:#x})",
        "inode": str(st.st_ino),
        "links": str(st.st_nlink),
        "access": f"0640 ({stat.filemode(st.st_mode)})",
        "uid": _named(st.st_uid, pwd.getpwuid),
        "gid": _named(st.st_gid, grp.getgrgid),
        "atime": _stamp(st.st_atime_ns),
        "mtime": _stamp(st.st_mtime_ns),
        "ctime": _stamp(st.st_ctime_ns),
    }
    # ...and Python read the very same bytes through its ctypes Stat.
    assert f"ctypes: {st.st_size} {oct(st.st_mode)} {st.st_ino}" in out
