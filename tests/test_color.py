"""Colour follows 'set gdbext color', gdb's 'set style enabled' and NO_COLOR."""

from __future__ import annotations

import pytest

JSON = 'dj "[1]"'


@pytest.mark.parametrize(
    ("style", "no_color", "mode", "coloured"),
    [
        ("on", False, "auto", True),
        ("off", False, "auto", False),
        ("on", True, "auto", False),
        ("off", True, "on", True),
        ("on", False, "off", False),
    ],
)
def test_colour_decision(demo_build, gdb_session, style, no_color, mode, coloured):
    env = {"NO_COLOR": "1"} if no_color else None
    gdb = gdb_session(demo_build / "fib", env=env)
    gdb.cmd(f"set style enabled {style}")
    gdb.cmd(f"set gdbext color {mode}")
    assert ("\x1b[" in gdb.cmd(JSON)) == coloured
    gdb.cmd("set style enabled off")  # gdb's own prompt and messages stay plain
    assert ("\x1b[" in gdb.cmd("pl fib.c:5,5")) == (coloured and mode == "on")


def test_bad_setting_values(gdb_session):
    gdb = gdb_session()
    out = gdb.cmd("set gdbext color sometimes")
    assert out.startswith('Undefined item: "sometimes".')
    assert gdb.cmd("show gdbext color") == "Colour in gdbext output is auto."
    assert gdb.cmd("set gdbext dj-max-bytes -5").startswith("integer -5 out of range")
