"""dj: strings in the program shown as JSON, read whole from its memory, as written."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from gdbharness import REPO, assert_clean, run_batch, strip_ansi

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


def test_colour_follows_the_pygments_style(at_inspect):
    at_inspect.cmd("set gdbext color on")
    out = at_inspect.cmd("dj doc")
    assert "\x1b[" in out
    assert strip_ansi(out) == pretty(SMALL)
    at_inspect.cmd("set gdbext pl-style monokai")
    other = at_inspect.cmd("dj doc")
    assert "\x1b[" in other and other != out
    assert strip_ansi(other) == pretty(SMALL)
    at_inspect.cmd("set gdbext color off")
    assert "\x1b[" not in at_inspect.cmd("dj doc")


def test_help_and_completion(at_inspect):
    out = at_inspect.cmd("help dj")
    assert out.startswith("Show the JSON document a string in the program holds")
    assert "Usage: dj EXPR [PATH]" in out
    out = at_inspect.cmd("complete dj vi")
    assert "dj view" in out.splitlines()


# -- As written, strictly checked, by path (the documents in checks()) -----------

_OUTSIDE = re.compile(r'("(?:[^"\\]|\\.)*")|[ \t\n\r]+', re.S)


def squeeze(text: str) -> str:
    """TEXT without the whitespace outside strings."""
    return _OUTSIDE.sub(lambda m: m.group(1) or "", text)


@pytest.fixture
def at_checks(demo_build, gdb_session):
    """A session stopped in checks() once every document is built."""
    gdb = gdb_session(demo_build / "json_strings")
    gdb.cmd("break shown")
    gdb.cmd("run", timeout=60)
    gdb.cmd("up")
    return gdb


def program_string(gdb, name: str) -> str:
    """What the program's std::string NAME holds, as gdb's printf shows it."""
    return gdb.cmd(f'printf "%s", {name}._M_dataplus._M_p')


@pytest.mark.parametrize("name", ["duplicates", "numbers", "escapes", "spacing", "surrogate"])
def test_documents_are_shown_as_written(at_checks, name):
    out = at_checks.cmd(f"dj {name}")
    document = "\n".join(line for line in out.splitlines() if not line.startswith("note: "))
    assert squeeze(document) == squeeze(program_string(at_checks, name))
    assert json.loads(document) == json.loads(program_string(at_checks, name))


def test_what_a_round_trip_would_change_is_kept(at_checks):
    assert at_checks.cmd("dj numbers") == (
        "[\n  1E400,\n  -0,\n  1e2,\n  0.1000000000000000055511151231257827,\n  -1.5e-7\n]"
    )
    out = at_checks.cmd("dj escapes")
    assert '"e": "\\u00e9\\ud83d\\ude00"' in out and '"path": "C:\\\\dir\\/x"' in out
    assert at_checks.cmd("dj surrogate") == '[\n  "\\ud800",\n  "\\udfff"\n]'


def test_duplicate_keys_are_shown_with_a_note(at_checks):
    out = at_checks.cmd("dj duplicates").splitlines()
    assert out[-1] == 'note: duplicate key "a" at line 1 column 25 (first at line 1 column 2)'
    assert out[1] == '  "a": 1,' and out[-2] == "}" and out[-3] == '  "a": 2'


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("nan", "NaN is not JSON (only finite numbers are) at line 1 column 11: "),
        ("trailing", "Trailing comma before ']' at line 1 column 12: "),
        ("single", "Single quotes are not JSON; strings take double quotes at line 1 column 2: "),
        ("comment", "Comments are not JSON at line 1 column 9: "),
    ],
)
def test_strict_checking_is_one_line(at_checks, name, problem):
    out = at_checks.error(f"dj {name}")
    assert out.startswith(f"dj: '{name}' is not valid JSON: {problem}")
    assert " >>> " in out


def test_invalid_utf8_is_shown_as_escapes_with_a_note(at_checks):
    out = at_checks.cmd("dj bad_utf8").splitlines()
    assert out[:5] == ["{", '  "name": "caf\\xe9",', '  "ok": "é",', '  "bytes": "\\xff\\xfe"', "}"]
    assert out[5] == (
        "note: 'bad_utf8' is not valid UTF-8: the first bad byte is at offset 13 "
        "(line 1 column 14); each bad byte is shown as \\xNN"
    )


def test_json_lines_show_every_document(at_checks):
    out = at_checks.cmd("dj lines").splitlines()
    assert out[-1] == "note: 'lines' holds 3 JSON documents"
    assert squeeze("\n".join(out[:-1])) == squeeze(program_string(at_checks, "lines"))
    assert at_checks.cmd("dj lines .s").splitlines() == [
        '"one"', '"two"', '"three"', "note: 'lines' holds 3 JSON documents; .s is shown from each"
    ]


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("dj nested .items[0].tags[1]", '"y"'),
        ("dj nested .items[1].id", "2"),
        ("dj nested .items[1]", '{\n  "id": 2,\n  "tags": []\n}'),
        ('dj nested ["a b"].c', "null"),
        ("dj nested .", None),
    ],
)
def test_a_path_selects_part_of_the_document(at_checks, command, shown):
    out = at_checks.cmd(command)
    assert out == (shown if shown is not None else at_checks.cmd("dj nested"))


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("dj nested .nope", "dj: 'nested' .nope: the document has no key \"nope\""),
        ("dj nested .items[7]", "dj: 'nested' .items[7]: .items has no element [7]: it has 2"),
        ("dj nested .items.id", "dj: 'nested' .items.id: .items is an array, not an object"),
        ("dj nested .items[", "dj: malformed path '.items[' at '['"),
        ("dj spaces", "dj: 'spaces' is a string of only whitespace, not JSON"),
        ("dj nan .x", "dj: 'nan' is not valid JSON: NaN is not JSON"),
    ],
)
def test_path_errors_are_one_line(at_checks, command, message):
    assert at_checks.error(command).startswith(message)


def test_under_mi_no_traceback(demo_build):
    """gdb -i=mi: dj's output arrives as console stream records, whole."""
    done = subprocess.run(
        ["gdb", "-nx", "-q", "-i=mi", str(demo_build / "json_strings")],
        input=(f"-interpreter-exec console \"source {REPO / 'gdbext' / '__init__.py'}\"\n"
               "-break-insert inspect\n-exec-run\n"
               "-interpreter-exec console \"dj doc .commands[1]\"\n"
               "-interpreter-exec console \"dj doc .nope\"\n-gdb-exit\n"),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert_clean(done.stdout)
    assert '\\"dj\\"' in done.stdout  # coloured or not: ui.use_color() decides under MI
    assert 'dj: \'doc\' .nope: the document has no key \\"nope\\"' in done.stdout


def test_path_completion_offers_the_documents_keys(at_checks):
    assert at_checks.cmd("complete dj nested .it") == "dj nested .items"
    assert at_checks.cmd("complete dj nested .items[0].").splitlines() == [
        "dj nested .items[0].id", "dj nested .items[0].tags"
    ]
    assert at_checks.cmd("complete dj lines .").splitlines() == ["dj lines .n", "dj lines .s"]
    assert at_checks.cmd("complete dj nosuch .a") == ""
    assert at_checks.cmd("complete dj nan .") == ""
    assert "dj nested" in at_checks.cmd("complete dj nes").splitlines()


def test_core_file(demo_build, tmp_path, gdb_session):
    """A core file holds the strings too: dj, paths and notes work on it."""
    core = tmp_path / "json_strings.core"
    out = run_batch(demo_build / "json_strings", ["break shown", "run", f"gcore {core}"],
                    load=False)
    assert core.exists(), out.stdout
    gdb = gdb_session(demo_build / "json_strings")
    gdb.cmd(f"core-file {core}")
    gdb.cmd("up")
    assert gdb.cmd("dj lines .s").splitlines()[:3] == ['"one"', '"two"', '"three"']
    assert gdb.cmd("dj nested .items[1].id") == "2"


def test_quitting_at_the_pager_stops_dj_cleanly(at_inspect):
    at_inspect.cmd("up")
    at_inspect.cmd("set pagination on")
    at_inspect.cmd("set height 20")
    child = at_inspect.child
    child.sendline("dj big")
    child.expect_exact("--Type <RET> for more")
    child.send("q\r")
    child.expect_exact("(gdbext-test) ", timeout=60)
    assert child.before.replace("\r\n", "\n").rstrip().endswith("dj: interrupted")
    at_inspect.cmd("set height 0")
    assert at_inspect.cmd("dj small .version") == "1"


def test_optimised_build(demo_build, tmp_path, gdb_session):
    """-O2: what gdb cannot read is one line naming it; what it can, dj shows."""
    program = tmp_path / "json_strings_o2"
    subprocess.run(
        ["g++", "-g", "-O2", "-Wall", "-Wextra", "-Werror", "-std=c++17", "-o", str(program),
         str(REPO / "demo_c" / "json_strings.cpp")],
        check=True, timeout=120,
    )
    gdb = gdb_session(program)
    gdb.cmd("break shown")
    gdb.cmd("run", timeout=60)
    gdb.cmd("up")
    assert gdb.cmd("dj numbers").startswith("[\n  1E400,")
    out = gdb.cmd("dj duplicates")
    note = 'note: duplicate key "a" at line 1 column 25 (first at line 1 column 2)'
    if not out.startswith("dj: "):
        assert out.endswith(note)
    else:  # the compiler may keep it nowhere gdb can find
        assert "\n" not in out and out.startswith("dj: cannot read 'duplicates'")


def test_a_path_through_a_duplicate_key_says_which_one(at_checks):
    assert at_checks.cmd("dj duplicates .a").splitlines() == [
        "1", "note: the key of .a is written more than once; dj follows the first"
    ]
    assert at_checks.cmd("dj duplicates .b.a") == "0"
