"""tp and prof where users break them: delete-all after a hit, Ctrl-C, gdbserver with threads.

Each test drives a real gdb on a program from demo_c/ and checks what the
user sees: gdb survives, the program is never stopped by a tracepoint, and
no Python error or internal breakpoint number is shown.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from gdbharness import assert_clean, run_batch
from tracehelp import table_row

pytestmark = pytest.mark.timeout(90)

INTERNAL = re.compile(r"^-\d+\s+breakpoint\s", re.MULTILINE)
needs_gdbserver = pytest.mark.skipif(shutil.which("gdbserver") is None,
                                     reason="gdbserver is not installed")




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
def test_gdbserver_prof_threads_cpu_is_unknown(demo_build, tmp_path):
    program = demo_build / "prof_threads"
    log = tmp_path / "calls.jsonl"
    out = run_batch(None, [
        f"target remote | gdbserver - {program}", f"prof -o {log} crunch", "continue",
    ], pre=[f"file {program}"])
    text = out.stdout
    assert_clean(text)
    assert "hit Breakpoint" not in text
    row = table_row(text, "crunch")
    assert row[1] == row[2] and int(row[1]) > 4
    assert row[-2:] == ["-", "-"]  # total and mean CPU: unknown, not another process's
    assert text.count("CPU time is unknown") == 1
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert rows and all(r["cpu_ns"] is None and r["wall_ns"] >= 0 for r in rows)


@needs_gdbserver
def test_gdbserver_in_another_pid_namespace_never_reads_a_strangers_cpu(demo_build):
    if shutil.which("unshare") is None:
        pytest.skip("no unshare")
    program = demo_build / "prof_cpu"
    server = f"unshare --pid --fork --mount-proc gdbserver - {program} 2 5"
    out = run_batch(None, [f"target remote | {server}", "prof burn", "tp main", "continue"],
                    pre=[f"file {program}"])
    text = out.stdout
    if "Remote communication error" in text or "unshare:" in text:
        pytest.skip("no PID namespaces here")
    assert_clean(text)
    assert "Tracepoint 'main' Count: 1" in text
    assert text.count("Cost: ") == 2 and text.count("cpu unknown") == 2
    assert table_row(text, "burn")[1:3] == ["2", "2"]


@needs_gdbserver
def test_gdbserver_over_tcp(demo_build):
    import subprocess

    program = demo_build / "tp_threads"
    server = subprocess.Popen(["gdbserver", "--once", "127.0.0.1:0", str(program)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        port = None
        assert server.stdout is not None
        for _ in range(20):
            line = server.stdout.readline()
            match = re.search(r"Listening on port (\d+)", line)
            if match:
                port = match.group(1)
                break
        assert port, "gdbserver did not say its port"
        out = run_batch(None, [f"target extended-remote 127.0.0.1:{port}", "tp -q step",
                               "prof -q worker", "continue"], pre=[f"file {program}"])
    finally:
        server.kill()
        server.wait()
    text = out.stdout
    assert_clean(text)
    assert "hit Breakpoint" not in text
    assert "Tracepoint 'step' Count: 20" in text
    assert table_row(text, "worker")[1:3] == ["4", "4"]
