"""Pure logic, without gdb: tp's and prof's command line, dm's options, region parsing and names.

These modules import nothing from gdb, so they are tested here directly,
fast, with the inputs users type.
"""

from __future__ import annotations

import sys

import pytest
from gdbharness import REPO

sys.path.insert(0, str(REPO))

from gdbext import dm_options, regions
from gdbext.trace import grammar
from gdbext.usage import UsageError


def parsed(command: str, text: str) -> tuple:
    r = grammar.parse(command, text)
    return (r.output, r.quiet, r.folded, r.report, r.location, r.condition)


@pytest.mark.parametrize("command", ["tp", "prof"])
@pytest.mark.parametrize(("text", "expected"), [
    ("fib", (None, False, None, False, "fib", None)),
    ("fib if n == 3", (None, False, None, False, "fib", "n == 3")),
    ("-o x.jsonl fib", ("x.jsonl", False, None, False, "fib", None)),
    ("--output x.jsonl fib", ("x.jsonl", False, None, False, "fib", None)),
    ("--output=x.jsonl -q fib", ("x.jsonl", True, None, False, "fib", None)),
    ('-o "my file.jsonl" fib', ("my file.jsonl", False, None, False, "fib", None)),
    ("--output='a b' --quiet fib", ("a b", True, None, False, "fib", None)),
    ("-q -function fib if n > 1", (None, True, None, False, "-function fib", "n > 1")),
    ("-function fib", (None, False, None, False, "-function fib", None)),
    ("-source fib.c -line 7", (None, False, None, False, "-source fib.c -line 7", None)),
    ("-qualified ns::f", (None, False, None, False, "-qualified ns::f", None)),
    ("-label out", (None, False, None, False, "-label out", None)),
    ("-func fib", (None, False, None, False, "-func fib", None)),
    ("-- -3", (None, False, None, False, "-3", None)),
    ("-3", (None, False, None, False, "-3", None)),
    ("*0x401136", (None, False, None, False, "*0x401136", None)),
    ("'file with if.c':12", (None, False, None, False, "'file with if.c':12", None)),
    ("gift if shift", (None, False, None, False, "gift", "shift")),
    ("", (None, False, None, False, "", None)),
])
def test_both_commands_read_options_and_locations_alike(command, text, expected):
    assert parsed(command, text) == expected


def test_prof_only_options():
    assert parsed("prof", "--folded f.folded -q fib") == (None, True, "f.folded", False, "fib",
                                                         None)
    assert parsed("prof", "--report") == (None, False, None, True, "", None)
    with pytest.raises(UsageError, match=r"^tp: unknown option '--folded'; see 'help tp'$"):
        grammar.parse("tp", "--folded x fib")


@pytest.mark.parametrize(("text", "message"), [
    ("--bogus fib", "unknown option '--bogus'"),
    ("-x fib", "unknown option '-x'"),
    ("-o", "missing FILE after -o"),
    ("--output", "missing FILE after --output"),
    ("--output= fib", "the file name after --output is empty"),
    ("-q=1 fib", "-q takes no value"),
    ("fib if", "missing CONDITION after 'if'"),
    ("if n > 1", "missing LOCATION before 'if'"),
    ('-o "unterminated fib', "unterminated quote"),
])
@pytest.mark.parametrize("command", ["tp", "prof"])
def test_errors_are_one_line_with_one_wording(command, text, message):
    with pytest.raises(UsageError) as info:
        grammar.parse(command, text)
    assert str(info.value) == f"{command}: {message}; see 'help {command}'"


@pytest.mark.parametrize(("spec", "expected"), [
    ("fib", ("fib", None)),
    ("fib if n == 3", ("fib", "n == 3")),
    ("fib.c:12 if x", ("fib.c:12", "x")),
    ("if x", ("", "x")),
    ("fib if", ("fib", "")),
    ("iffy", ("iffy", None)),
    ("diff.c:3", ("diff.c:3", None)),
    ("'if.c':3 if a", ("'if.c':3", "a")),
    ('"my if.c":3', ('"my if.c":3', None)),
    ("fib\tif\tn", ("fib", "n")),
])
def test_split_condition(spec, expected):
    assert grammar.split_condition(spec) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("fi", ("location", [], "fi")),
    ("-o x.jsonl read_f", ("location", ["-o", "x.jsonl"], "read_f")),
    ("--quiet read_f", ("location", ["--quiet"], "read_f")),
    ("-o ", ("file", ["-o"], "")),
    ("--folded /tm", ("file", ["--folded"], "/tm")),
    ("--qu", ("option", [], "--qu")),
    ("-q -fun", ("option", ["-q"], "-fun")),
    ("-function ma", ("location", [], "-function ma")),
    ("-- -fo", ("location", ["--"][:0], "-fo")),
])
def test_completion_knows_where_the_location_starts(text, expected):
    assert grammar.words_before(text) == expected


def test_options_text_round_trips():
    r = grammar.parse("prof", '-q -o "a b.jsonl" --folded f fib')
    again = grammar.parse("prof", r.options_text() + " fib")
    assert (again.quiet, again.output, again.folded) == (True, "a b.jsonl", "f")


# -- dm ----------------------------------------------------------------------


def test_dm_options():
    o = dm_options.parse("--list --max-size 64K [heap]")
    assert (o.list, o.max_size, o.pattern, o.addr) == (True, 65536, "[heap]", None)
    o = dm_options.parse("--addr &buf[3]")
    assert (o.addr, o.pattern) == ("&buf[3]", None)
    assert dm_options.parse("-- -weird").pattern == "-weird"
    assert dm_options.parse_size("1.5G") == 3 << 29
    assert dm_options.parse_size("0x1000") == 4096
    for bad, message in (("--nope x", "unknown option '--nope'"),
                         ("x --list", "options go before PATTERN"),
                         ("", "missing PATTERN"),
                         ("--addr", "--addr needs an expression"),
                         ("--max-size lots x", "cannot read 'lots' as a size")):
        with pytest.raises(UsageError, match=message):
            dm_options.parse(bad)
    assert dm_options.is_pseudo_name("[heap]") and not dm_options.is_pseudo_name("[a b]")


# -- regions -------------------------------------------------------------------

LIVE = """process 1234
Mapped address spaces:

          Start Addr           End Addr       Size     Offset  Perms  objfile
      0x555555554000     0x555555555000     0x1000        0x0  r--p   /tmp/prog
      0x7ffff7fbb000     0x7ffff7fbf000     0x4000        0x0  rw-s   /memfd:a name (deleted)
      0x7ffff7fc0000     0x7ffff7fc1000     0x1000        0x0  rw-p   {}
""".format("")
CORE = """          Start Addr           End Addr       Size     Offset objfile
      0x555555554000     0x555555555000     0x1000        0x0 /tmp/prog
"""


def test_proc_mappings_live_and_core():
    live = regions.parse_proc_mappings(LIVE)
    assert [(r.start, r.perms, r.name) for r in live] == [
        (0x555555554000, "r--p", "/tmp/prog"),
        (0x7FFFF7FBB000, "rw-s", "/memfd:a name (deleted)"),
        (0x7FFFF7FC0000, "rw-p", ""),
    ]
    assert live[1].size == 0x4000
    core = regions.parse_proc_mappings(CORE)
    assert [(r.perms, r.name) for r in core] == [("", "/tmp/prog")]


def test_core_sections_join_split_segments():
    text = (
        "Core file: `core.1' ...\n"
        " [1]     0x1000->0x2000 at 0x00000548: load1a ALLOC LOAD READONLY CODE HAS_CONTENTS\n"
        " [2]     0x2000->0x3000 at 0x00000548: load1b ALLOC READONLY CODE\n"
        " [3]     0x5000->0x6000 at 0x00001000: load2 ALLOC LOAD HAS_CONTENTS\n"
        " [4]     0x7000->0x8000 at 0x00002000: note0 READONLY HAS_CONTENTS\n"
    )
    found = regions.parse_core_sections(text)
    assert [(r.start, r.end, r.perms) for r in found] == [(0x1000, 0x3000, "r-x"),
                                                         (0x5000, 0x6000, "rw-")]


@pytest.mark.parametrize(("name", "stem"), [
    ("", "anon"), ("[heap]", "heap"), ("/usr/lib/libc.so.6", "libc.so.6"),
    ("../../x", "x"), ("..", "region"), ("/", "region"), ("a\nb", "a_b"), ("a\0b", "a_b"),
    ("/memfd:dm-partial (deleted)", "memfd_dm-partial_deleted"), ("x" * 100, "x" * 64),
])
def test_safe_stem(name, stem):
    assert regions.safe_stem(name) == stem


def test_printable():
    assert regions.printable("a\nb") == "a\\x0ab"
    assert regions.printable("café") == "café"
