"""gdbext under gdb/MI, the way IDEs (VS Code, CLion, Emacs) drive gdb.

Every command runs through ``-interpreter-exec console``; each test checks
what an IDE would show: no colour codes in the console records (gdb leaves
``style enabled`` on under MI, so ``set gdbext color auto`` must decide
itself), every line gdb writes an MI record, a bad command one ``^error``,
and the ``struct stat`` printer's children typed values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from gdbharness import GDBEXT_INIT, MI_RECORD, MiSession, mi_console_text

ESC = "\x1b"


@pytest.fixture
def mi() -> Iterator[object]:
    sessions: list[MiSession] = []

    def start(program: object = None, *args: str, **kwargs: object) -> MiSession:
        session = MiSession(program, args, **kwargs)  # type: ignore[arg-type]
        sessions.append(session)
        text, result = session.console(f"source {GDBEXT_INIT}")
        assert result.endswith("^done") and text == "", (text, result)
        return session

    yield start
    for session in sessions:
        session.close()
        assert_all_records(session)


def assert_all_records(session: MiSession) -> None:
    strays = [line for line in session.lines if line and not MI_RECORD.match(line)]
    assert not strays, f"lines that are not MI records: {strays[:5]}"
    joined = "\n".join(session.lines)
    assert ESC not in joined and "\\033" not in joined and "\\e[" not in joined, joined[-2000:]
    for marker in ("Traceback", "Python Exception", "internal error ("):
        assert marker not in joined, joined[-2000:]


def run_to(session: MiSession, location: str) -> None:
    assert session.command(f"-break-insert {location}")[-1].startswith(f"{session.token}^done")
    assert session.command("-exec-run")[-1].endswith("^running")
    stopped = session.wait_stopped()[-1]
    assert 'reason="breakpoint-hit"' in stopped, stopped


def test_style_is_on_under_mi_yet_nothing_is_coloured(mi, demo_build):
    gdb = mi(demo_build / "json_strings")
    # gdb 13 leaves styling on under MI even over pipes (gdb 18 turns it off
    # there, but not on a terminal an IDE may give it): gdbext must decide itself.
    gdb.console("set style enabled on")
    text, _ = gdb.console("show gdbext color")
    assert "auto" in text
    run_to(gdb, "inspect")
    text, result = gdb.console("dj doc")
    assert result.endswith("^done")
    assert '"name": "gdbext"' in text and ESC not in text


def test_dj_bad_input_is_one_error_record(mi, demo_build):
    gdb = mi(demo_build / "json_strings")
    run_to(gdb, "inspect")
    for command, expected in (("dj number", "is not a string"), ("dj nosuchvar", "No symbol"),
                              ("dj", "dj")):
        got = gdb.command(f'-interpreter-exec console "{command}"')
        errors = [line for line in got if re.match(r"^\d+\^error", line)]
        assert len(errors) == 1 and got[-1] == errors[0], got
        message = re.search(r'msg="(.*)"', errors[0]).group(1)
        assert message.startswith("dj: ") and expected in message, message
        assert "\\n" not in message


@pytest.mark.parametrize(("command", "expected"), [
    ("pl nosuchfunction", "nosuchfunction"),
    ("dm (", "invalid regular expression"),
    ("tp --bogus fib", "--bogus"),
    ("prof --bogus fib", "--bogus"),
    ("dj 1 +", ""),
])
def test_every_command_fails_with_one_error_record(mi, demo_build, command, expected):
    gdb = mi(demo_build / "fib", "5")
    run_to(gdb, "fib")
    got = gdb.command(f'-interpreter-exec console "{command}"')
    errors = [line for line in got if re.match(r"^\d+\^error", line)]
    assert len(errors) == 1 and got[-1] == errors[0], got
    message = re.search(r'msg="(.*)"', errors[0]).group(1)
    name = command.split()[0]
    assert message.startswith(f"{name}: ") and expected in message, message
    assert "\\n" not in message  # one line


def test_pl_marks_the_line_without_colour(mi, demo_build):
    gdb = mi(demo_build / "fib", "5")
    gdb.console("set style enabled on")
    run_to(gdb, "fib")
    text, result = gdb.console("pl")
    assert result.endswith("^done")
    assert re.search(r"^=> \d+\t", text, re.MULTILINE), text
    # Forcing colour still works under MI: the user asked for it.
    gdb.console("set gdbext color on")
    text, _ = gdb.console("pl")
    gdb.console("set gdbext color auto")
    assert ESC in text
    # Those forced lines are the only coloured ones: drop them before the final check.
    gdb.lines[:] = [line for line in gdb.lines if "\\e[" not in line]


def test_dm_lists_and_writes_regions(mi, demo_build, tmp_path):
    gdb = mi(demo_build / "dm_regions", cwd=tmp_path)
    run_to(gdb, "stop_here")
    text, _ = gdb.console(r"dm --list \[heap\]")
    assert "[heap]" in text and "nothing written" in text
    text, result = gdb.console(f"set gdbext dump-dir {tmp_path}")
    text, result = gdb.console("dm [heap]")
    assert result.endswith("^done") and "heap.bin" in text, text
    assert [p for p in os.listdir(tmp_path) if p.endswith("heap.bin")]


def test_tp_and_prof_never_stop_and_report_in_console_records(mi, demo_build, tmp_path):
    gdb = mi(demo_build / "fib", "6", cwd=tmp_path)
    text, result = gdb.console("tp fib")
    assert result.endswith("^done") and "Breakpoint 1" in text
    text, result = gdb.console("prof --quiet fib")
    assert result.endswith("^done"), result
    gdb.command("-exec-run")
    stopped = gdb.wait_stopped(timeout=120)
    # The only stop is the exit: tracepoints and prof never stop the program.
    assert [line for line in stopped if line.startswith("*stopped")] == [stopped[-1]]
    assert 'reason="exited-normally"' in stopped[-1], stopped[-1]
    text = mi_console_text(gdb.lines)
    assert text.count("fib @ fib.c:7") == 25, text[-2000:]
    assert "Tracepoint 'fib' Count: 25" in text
    assert "prof: time per call" in text and "│ fib " in text
    assert ESC not in text


def test_help_and_settings(mi):
    gdb = mi()
    text, result = gdb.console("help tp")
    assert result.endswith("^done") and "tp" in text
    text, _ = gdb.console("show gdbext")
    assert "gdbext color" in text


def test_stat_printer_children_are_typed_values(mi, demo_build, tmp_path):
    # A folder of the test's own: /tmp's link count changes as others use it.
    gdb = mi(demo_build / "stat_kinds", str(tmp_path))
    assert gdb.command("-enable-pretty-printing")[-1].endswith("^done")
    run_to(gdb, "show")
    created = gdb.command("-var-create st * *sb")[-1]
    assert 'dynamic="1"' in created, created
    listed = gdb.command("-var-list-children --all-values st")[-1]
    children = {name: (value, kind) for name, value, kind in
                re.findall(r'exp="(\w+)",numchild="\d+",value="([^"]*)",type="([^"]*)"', listed)}
    info = os.stat(tmp_path)
    assert children["size"][0] == str(info.st_size) and children["size"][1] != "char"
    assert children["inode"][0] == str(info.st_ino)
    assert children["links"][0] == str(info.st_nlink)
    assert children["uid"][0] == str(info.st_uid)
    assert children["access"][0] == str(info.st_mode)
    assert children["mtime"][1] == "struct timespec"
    assert not [name for name, (value, _) in children.items()
                if re.fullmatch(r"\[\d+\]", value) and name != "type"], children
    # Under MI the summary still reads like stat(1); the fields are typed
    # there too (an IDE's debug console and its variables view share them).
    text, _ = gdb.console("print *sb")
    assert text.startswith("$1 = directory, ") and f"inode = {info.st_ino}" in text


def test_loading_twice_under_mi_is_silent(mi):
    gdb = mi()
    text, result = gdb.console(f"source {Path(GDBEXT_INIT)}")
    assert text == "" and result.endswith("^done")


def test_tracepoint_commands_run_at_each_hit_and_a_failing_one_keeps_the_run(mi, demo_build):
    gdb = mi(demo_build / "fib", "4")
    text, result = gdb.console("tp fib if n == 2")
    assert result.endswith("^done"), result
    lines = gdb.command('-break-commands 1 "print n * 10" "print nosuchvar" "print n + 1000"')
    assert lines[-1].endswith("^done"), lines
    gdb.command("-exec-run")
    stopped = gdb.wait_stopped(timeout=120)
    # The only stop is the exit: a failing command did not end the run early.
    assert [line for line in stopped if line.startswith("*stopped")] == [stopped[-1]]
    assert 'reason="exited-normally"' in stopped[-1], stopped[-1]
    text = mi_console_text(gdb.lines)
    joined = "\n".join(gdb.lines)
    # Each hit: its own lines, then its commands' output.
    assert len(re.findall(r"n\(int: 2\) \[4\]\n\$\d+ = 20\n", text)) == 2, text[-2000:]
    assert len(re.findall(r"\$\d+ = 1002", text)) == 2, text[-2000:]  # after the failing one
    assert len(re.findall(r"\$\d+ = 20", text)) == 2, text[-2000:]
    assert joined.count("nosuchvar") >= 2
    assert "Tracepoint 'fib if n == 2' Count: 2" in text
