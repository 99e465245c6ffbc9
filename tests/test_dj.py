"""dj: strings in the program shown as JSON, read whole from its memory."""

from __future__ import annotations

import json

import pytest
from gdbharness import assert_clean, run_batch, strip_ansi

SMALL = {"name": "gdbext", "commands": ["dm", "dj", "pl", "tp", "prof"], "version": 1}


def pretty(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


@pytest.fixture
def at_inspect(demo_build, gdb_session):
    """A session stopped in inspect(doc, view, cstr), one frame below main."""
    gdb = gdb_session(demo_build / "json_strings")
    gdb.cmd("break inspect")
    gdb.cmd("run", timeout=60)
    return gdb


def test_std_string_string_view_and_const_char(at_inspect):
    assert at_inspect.cmd("dj doc") == pretty(SMALL)
    assert at_inspect.cmd("dj view") == pretty(SMALL)
    assert at_inspect.cmd("dj &doc") == pretty(SMALL)  # a pointer to a std::string
    assert at_inspect.cmd("dj cstr") == pretty([1, 2.5, None, True, "café ☕"])


def test_char_pointer_char_array_and_expressions(at_inspect):
    at_inspect.cmd("up")
    nested = {"nested": {"deep": {"deeper": [1, {"x": []}]}}}
    assert at_inspect.cmd("dj mutable_cstr") == pretty(nested)
    assert at_inspect.cmd("dj array") == pretty({"array": "in a char[64]"})
    assert at_inspect.cmd("dj &array[0]") == pretty({"array": "in a char[64]"})
    assert at_inspect.cmd('dj "[1, {\\"a\\": 2}]"') == pretty([1, {"a": 2}])


def test_large_string_is_printed_whole(demo_build):
    out = run_batch(demo_build / "json_strings", ["break inspect", "run", "up", "dj big"])
    assert_clean(out.stdout)
    start = out.stdout.index("{\n")
    document = json.loads(out.stdout[start:])
    assert len(document["items"]) == 16000
    assert document["items"][-1] == {"id": 15999, "name": "item-15999"}


def test_invalid_json_names_line_column_and_excerpt(at_inspect):
    at_inspect.cmd("up")
    out = at_inspect.cmd("dj broken")
    assert out.count("\n") == 0
    assert out.startswith("dj: 'broken' is not valid JSON: Expecting ',' delimiter")
    assert "line 3 column 2" in out
    assert '"c": 3' in out


def test_errors_are_one_line(at_inspect):
    at_inspect.cmd("up")
    cases = {
        "dj number": "dj: 'number' is not a string: its type is int",
        "dj nosuch": "dj: 'nosuch' is not a string: No symbol \"nosuch\" in current context.",
        "dj empty": "dj: 'empty' is an empty string, not JSON",
        "dj": "dj: missing expression",
        "dj (char *) 0": "dj: '(char *) 0' is a null pointer",
        "dj (std::string *) 0": "dj: '(std::string *) 0' is a null pointer",
        "dj (char *) 8": "dj: cannot read '(char *) 8'",
        "dj 1 +": "dj: '1 +' is not a string:",
    }
    for command, expected in cases.items():
        out = at_inspect.error(command)
        assert out.startswith(expected), (command, out)


def test_garbage_length_is_refused_before_reading(at_inspect):
    at_inspect.cmd("up")
    at_inspect.cmd("set gdbext dj-max-bytes 1000")
    out = at_inspect.cmd("dj big")
    assert out.startswith("dj: 'big' claims to hold")
    assert "set gdbext dj-max-bytes" in out
    # A forged std::string with an absurd length must not reach read_memory.
    at_inspect.cmd("set gdbext dj-max-bytes 0")
    at_inspect.cmd("set var small._M_string_length = 0x7fffffffffffff")
    out = at_inspect.cmd("dj small")
    assert out.startswith("dj: cannot read 'small'") or "claims" in out
    at_inspect.cmd("set gdbext dj-max-bytes 64")
    out = at_inspect.cmd("dj small")
    assert out.startswith("dj: 'small' claims to hold 36028797018963967 bytes")


def test_before_the_program_runs(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "json_strings")
    out = gdb.cmd("dj doc")
    assert out.startswith("dj: 'doc' is not a string: No symbol \"doc\" in current context.")
    assert "not running" in out
    assert gdb.cmd('dj "{}"') == "{}"


def test_colour_uses_the_json_lexer(at_inspect):
    at_inspect.cmd("set gdbext color on")
    out = at_inspect.cmd("dj doc")
    assert "\x1b[" in out
    assert strip_ansi(out) == pretty(SMALL)
    at_inspect.cmd("set gdbext color off")
    assert "\x1b[" not in at_inspect.cmd("dj doc")


def test_help_and_completion(at_inspect):
    out = at_inspect.cmd("help dj")
    assert out.startswith("Show a string held by the program as indented JSON.")
    out = at_inspect.cmd("complete dj vi")
    assert "dj view" in out.splitlines()
