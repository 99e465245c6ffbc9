"""tp and prof in non-stop mode, two inferiors running at once (each 'run &').

Each process's counts and calls are its own, printed at its own exit, with
no warning and no call left "not completed".
"""

from __future__ import annotations

import re
import time

import pexpect
import pytest
from gdbharness import assert_clean
from tracehelp import table_rows

pytestmark = pytest.mark.timeout(120)


def wait_for(session, pattern: str, count: int, timeout: float = 60) -> str:
    """What gdb printed until PATTERN was seen COUNT times (the programs run in the background)."""
    text = ""
    deadline = time.monotonic() + timeout
    while len(re.findall(pattern, text)) < count:
        assert time.monotonic() < deadline, text[-3000:]
        try:
            text += session.child.read_nonblocking(65536, timeout=1)
        except pexpect.TIMEOUT:  # nothing printed in that second
            pass
    return text.replace("\r\n", "\n")


def test_two_inferiors_running_at_once_keep_their_own_counts(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib", "14", pre=["set non-stop on"])
    gdb.cmd("tp -q fib")
    gdb.cmd("prof -q fib")
    gdb.cmd("run &")
    gdb.cmd(f"add-inferior -exec {demo_build / 'fib'}")
    gdb.cmd("inferior 2")
    gdb.cmd("set args 12")
    gdb.cmd("run &")
    text = wait_for(gdb, "└", 2)  # both exits: tp's count, then prof's table
    assert_clean(text)
    found = {inf: n for n, inf in re.findall(r"Tracepoint 'fib' Count: (\d+) in inferior (\d)",
                                              text)}
    assert found == {"1": "1219", "2": "465"}, text[-3000:]
    rows = {row[1] for row in table_rows(text, "fib")}
    assert rows == {"1219", "465"}, text[-3000:]
    assert all(row[1] == row[2] for row in table_rows(text, "fib"))  # all completed
    for bad in ("Error removing breakpoint", "warning:", "not completed", "Not completed"):
        assert bad not in text, text[-3000:]
    assert "Breakpoint 1, " not in text and "Breakpoint 2, " not in text
