"""pl: the same lines as list, highlighted, with the stopped line marked."""

from __future__ import annotations

import re

import pytest
from gdbharness import strip_ansi

NUMBERED = re.compile(r"^(?:=> )?(\d+)\t(.*)$")


def numbered(output: str) -> list[tuple[int, str]]:
    """(line number, text) pairs of a listing, colour and marker removed."""
    pairs = []
    for line in strip_ansi(output).splitlines():
        match = NUMBERED.match(line)
        assert match, f"not a listing line: {line!r}"
        pairs.append((int(match.group(1)), match.group(2)))
    return pairs


@pytest.fixture
def two_sessions(demo_build, gdb_session):
    """Two sessions stopped at the same place: one for list, one for pl."""
    sessions = []
    for _ in range(2):
        gdb = gdb_session(demo_build / "fib", "5")
        gdb.cmd("break fib if n == 1")
        gdb.cmd("run", timeout=60)
        sessions.append(gdb)
    return sessions


@pytest.mark.parametrize("color", ["off", "on"])
def test_same_lines_as_list(two_sessions, color):
    plain, pretty = two_sessions
    pretty.cmd(f"set gdbext color {color}")
    for args in ["", "", "-", "fib", "main", "fib.c:1,5", "", "fib.c:12"]:
        expected = numbered(plain.cmd(f"list {args}"))
        got = pretty.cmd(f"pl {args}")
        assert numbered(got) == expected, args
        assert ("\x1b[" in got) == (color == "on"), args


def test_marks_the_stopped_line_with_and_without_colour(two_sessions):
    _, gdb = two_sessions
    out = gdb.cmd("pl fib")
    marked = [line for line in out.splitlines() if line.startswith("=> ")]
    assert marked == ["=> 7\t    if (n < 2)"]
    gdb.cmd("set gdbext color on")
    out = strip_ansi(gdb.cmd("pl fib"))
    assert [line for line in out.splitlines() if line.startswith("=> ")] == marked
    gdb.cmd("up")
    out = gdb.cmd("pl")
    assert "=> 11\t" in strip_ansi(out)


def test_multiline_comment_keeps_comment_colour(two_sessions):
    _, gdb = two_sessions
    gdb.cmd("set gdbext color on")
    out = gdb.cmd("pl 10,10")
    # Line 10 is inside a /* ... */ comment that starts on line 9: highlighting
    # the whole file colours it as a comment (pygments' default style: italic).
    assert out.startswith("10\t\x1b[38;5;66;03m")


def test_style_setting(two_sessions):
    _, gdb = two_sessions
    gdb.cmd("set gdbext color on")
    default = gdb.cmd("pl fib.c:5,5")
    gdb.cmd("set gdbext pl-style monokai")
    assert gdb.cmd("show gdbext pl-style") == "pl and dj highlight with the pygments style monokai."
    monokai = gdb.cmd("pl fib.c:5,5")
    assert default != monokai and strip_ansi(default) == strip_ansi(monokai)
    out = gdb.cmd("set gdbext pl-style no-such-style")
    assert out.startswith("set gdbext pl-style: unknown pygments style 'no-such-style'")
    assert gdb.cmd("show gdbext pl-style") == "pl and dj highlight with the pygments style monokai."


def test_errors_and_help(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib")
    assert gdb.cmd("pl 500").startswith("pl: Line number 495 out of range;")
    assert gdb.cmd("pl nosuchfunction") == 'pl: Function "nosuchfunction" not defined.'
    assert gdb.cmd("help pl").startswith("List source lines like 'list', with syntax highlighting.")
    assert "pl main" in gdb.cmd("complete pl mai").splitlines()


def test_no_symbols(gdb_session):
    gdb = gdb_session("/bin/true")
    out = gdb.cmd("pl")
    assert out.startswith("pl: ") and "\n" not in out
