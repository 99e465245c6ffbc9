"""tp and prof where users break them: delete-all after a hit, Ctrl-C, gdbserver with threads.

Each test drives a real gdb on a program from demo_c/ and checks what the
user sees: gdb survives, the program is never stopped by a tracepoint, and
no Python error or internal breakpoint number is shown.
"""

from __future__ import annotations

import re
import shutil
import time

import pytest
from gdbharness import assert_clean, run_batch, strip_ansi

pytestmark = pytest.mark.timeout(90)

INTERNAL = re.compile(r"^-\d+\s+breakpoint\s", re.MULTILINE)
needs_gdbserver = pytest.mark.skipif(shutil.which("gdbserver") is None,
                                     reason="gdbserver is not installed")


def table_row(text: str, location: str) -> list[str]:
    for line in strip_ansi(text).splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
        if cells and cells[0] == location:
            return cells
    raise AssertionError(f"no table row for {location}:\n{text}")


@pytest.mark.parametrize("delete", ["delete", "delete breakpoints"])
def test_delete_all_after_profs_first_hit_keeps_gdb_alive(demo_build, delete):
    out = run_batch(demo_build / "fib", [
        "start 5", "tp fib", "prof --quiet fib", "next", "next", delete,
        "info breakpoints", "continue", "print 42",
    ])
    text = out.stdout
    assert_clean(text)
    assert "Fatal signal" not in text and "internal to GDB" not in text
    assert "fib(5) = 5" in text and "exited normally" in text
    assert "$1 = 42" in text  # gdb still runs commands
    assert "Tracepoint 'fib' Count" not in text  # nothing is left of tp ...
    assert "Calls" not in text  # ... or prof


def test_delete_all_interactively_removes_internal_breakpoints(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib", "6")
    gdb.cmd("start")
    gdb.cmd("prof --quiet fib")
    gdb.cmd("tp fib if n == 1")
    gdb.cmd("next")
    gdb.cmd("next")
    gdb.cmd("delete")
    assert not INTERNAL.search(gdb.cmd("maint info breakpoints"))
    assert "exited normally" in gdb.cmd("continue")
    assert gdb.cmd("print 1 + 1") == "$1 = 2"


@pytest.mark.parametrize("command", ["prof --quiet fib", "tp -o /dev/null fib"])
def test_ctrl_c_is_a_clean_sigint_stop_and_continue_goes_on(demo_build, gdb_session, command):
    gdb = gdb_session(demo_build / "fib", "32")
    gdb.cmd(command)
    gdb.child.sendline("run")
    stops = []
    for _ in range(3):
        time.sleep(0.7)
        gdb.child.sendintr()
        stops.append(gdb._expect_prompt(30))
        gdb.child.sendline("continue")
    time.sleep(0.3)
    gdb.child.sendintr()
    stops.append(gdb._expect_prompt(30))
    for text in stops:
        assert_clean(text)
        assert "SIGINT" in text, text
        assert not re.search(r"Breakpoint -?\d+,", text), text
    if command.startswith("prof"):
        calls = int(table_row(gdb.cmd("prof --report"), "fib")[1])
        assert calls > 100
    else:
        assert int(table_row(gdb.cmd("tp"), "1")[3]) > 100


@needs_gdbserver
def test_gdbserver_threads_never_stop_at_a_tracepoint(demo_build, tmp_path):
    program = demo_build / "tp_threads"
    out = run_batch(None, [
        f"target remote | gdbserver - {program}",
        f"tp -o {tmp_path}/hits.jsonl step",
        "prof --quiet worker",
        "continue",
    ], pre=[f"file {program}"])
    text = out.stdout
    assert_clean(text)
    assert not re.search(r"hit Breakpoint", text), text
    assert "exited normally" in text
    assert "Tracepoint 'step' Count: 20" in text
    assert len((tmp_path / "hits.jsonl").read_text().splitlines()) == 20
    assert table_row(text, "worker")[1:3] == ["4", "4"]


@needs_gdbserver
def test_gdbserver_prof_threads(demo_build):
    program = demo_build / "prof_threads"
    out = run_batch(None, [
        f"target remote | gdbserver - {program}", "prof --quiet crunch", "continue",
    ], pre=[f"file {program}"])
    assert_clean(out.stdout)
    assert "hit Breakpoint" not in out.stdout
    row = table_row(out.stdout, "crunch")
    assert row[1] == row[2] and int(row[1]) > 4
