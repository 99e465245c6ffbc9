"""What tp and prof share, under a real gdb: options, explicit locations, completion,
one writer per file, paths fixed when given, core files, and 'set gdbext debug'.
"""

from __future__ import annotations

import json

import pytest
from gdbharness import assert_clean, run_batch
from tracehelp import table_row

pytestmark = pytest.mark.timeout(90)




def test_explicit_locations_for_both_commands(demo_build, tmp_path):
    log = tmp_path / "hits.jsonl"
    out = run_batch(demo_build / "fib", [
        "prof -q -function fib",
        f"tp -q -o {log} -source fib.c -line 7",
        "tp -function main",
        "info breakpoints",
        "run",
    ], args=["6"])
    text = out.stdout
    assert_clean(text)
    assert "unrecognized" not in text and "unknown option" not in text
    assert table_row(text, "-function fib")[1:3] == ["25", "25"]
    assert "Tracepoint '-source fib.c -line 7' Count: 25" in text
    assert "Tracepoint '-function main' Count: 1" in text
    assert "main @ fib.c" in text
    assert len(log.read_text().splitlines()) == 25  # -q with -o: recorded, nothing printed


def test_same_options_same_errors(demo_build, tmp_path):
    out = run_batch(demo_build / "fib", [
        f"tp -o {tmp_path}/no/dir/x.jsonl fib",
        f"prof -o {tmp_path}/no/dir/x.jsonl fib",
        f"prof --folded {tmp_path} fib",
        f"tp --output {tmp_path} fib",
        "tp --bogus fib",
        "prof --bogus fib",
        "tp -o",
        "prof -o",
        "info breakpoints",
    ])
    lines = [line for line in out.stdout.splitlines() if line.startswith(("tp:", "prof:"))]
    assert lines == [
        f"tp: cannot write '{tmp_path}/no/dir/x.jsonl': folder {tmp_path}/no/dir does not exist",
        f"prof: cannot write '{tmp_path}/no/dir/x.jsonl': folder {tmp_path}/no/dir does not exist",
        f"prof: cannot write '{tmp_path}': it is a folder",
        f"tp: cannot write '{tmp_path}': it is a folder",
        "tp: unknown option '--bogus'; see 'help tp'",
        "prof: unknown option '--bogus'; see 'help prof'",
        "tp: missing FILE after -o; see 'help tp'",
        "prof: missing FILE after -o; see 'help prof'",
    ]
    assert not (tmp_path / "no").exists()
    assert "No breakpoints" in out.stdout


def test_completion_after_options(demo_build):
    out = run_batch(demo_build / "fib", [
        "complete tp -o x.jsonl fi",
        "complete prof --quiet fi",
        "complete prof -q -o y.jsonl -function fi",
        "complete tp --ou",
        "complete prof --fo",
        "complete tp -q -fun",
    ])
    lines = out.stdout.splitlines()
    assert "tp -o x.jsonl fib" in lines and "tp -o x.jsonl fib.c" in lines
    assert "prof --quiet fib" in lines
    assert "prof -q -o y.jsonl -function fib" in lines
    assert "tp --output" in lines
    assert "prof --folded" in lines
    assert "tp -q -function" in lines


def test_one_writer_per_file_shared_by_tp_and_prof(demo_build, tmp_path):
    log = tmp_path / "all.jsonl"
    log.write_text("stale\n")
    out = run_batch(demo_build / "fib", [
        f"prof -o {log} fib",
        f"tp -o {log} main",
        f"prof --output {tmp_path}/../{tmp_path.name}/all.jsonl fib if n == 1",
        "run",
    ], args=["5"])
    assert_clean(out.stdout)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert "stale" not in log.read_text()
    assert sum(1 for r in rows if "symbols" in r) == 1  # tp's main
    assert sum(1 for r in rows if "wall_ns" in r and r["args"][0]["value"] == "1") == 5 + 5
    assert sum(1 for r in rows if "wall_ns" in r) == 15 + 5


def test_paths_are_fixed_when_the_command_is_given(demo_build, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = run_batch(demo_build / "fib", [
        "prof -q --folded rel.folded -o rel.jsonl fib",
        f"cd {elsewhere}",
        "run",
    ], args=["4"], cwd=tmp_path)
    assert_clean(out.stdout)
    assert (tmp_path / "rel.folded").read_text().startswith("main;fib")
    assert len((tmp_path / "rel.jsonl").read_text().splitlines()) == 9
    assert not list(elsewhere.iterdir())
    assert f"prof: folded stacks of CPU time in {tmp_path}/rel.folded" in out.stdout


def test_core_file_is_refused_and_nothing_is_set(demo_build, tmp_path):
    core = tmp_path / "fib.core"
    made = run_batch(demo_build / "fib", ["break fib", "run", f"gcore {core}", "kill"],
                     args=["3"], load=False)
    if not core.exists():
        pytest.skip(f"gcore failed: {made.stdout[-300:]}")
    out = run_batch(None, [f"core-file {core}", "tp fib", "prof fib", "tp -o x.jsonl main",
                           "info breakpoints"], pre=[f"file {demo_build / 'fib'}"],
                    cwd=tmp_path)
    assert_clean(out.stdout)
    refusals = [line for line in out.stdout.splitlines() if line.startswith(("tp:", "prof:"))]
    assert len(refusals) == 3 and all("core file" in line for line in refusals), refusals
    assert "No breakpoints" in out.stdout
    assert not (tmp_path / "x.jsonl").exists()


def test_debug_setting_shows_the_traceback_behind_an_internal_error(demo_build):
    breaking = ("python import gdbext.tracer as t; "
                "t.Tracepoint.on_entry = lambda self, hit: 1 // 0")
    quiet = run_batch(demo_build / "fib", ["tp fib", breaking, "run"], args=["3"])
    assert "internal error (ZeroDivisionError: integer division or modulo by zero)" \
        in quiet.stdout
    assert quiet.stdout.count("internal error") == 1  # once, not per hit
    assert "'set gdbext debug on' shows the details" in quiet.stdout
    assert_clean(quiet.stdout)
    assert "exited normally" in quiet.stdout  # the program was never stopped
    loud = run_batch(demo_build / "fib", ["set gdbext debug on", "tp fib", breaking, "run"],
                     args=["3"])
    assert "Traceback (most recent call last)" in loud.stdout
    assert "ZeroDivisionError" in loud.stdout
    assert "show gdbext debug" not in loud.stdout
    shown = run_batch(None, ["show gdbext debug"])
    assert "off" in shown.stdout


def test_saved_tracepoints_come_back_as_tracepoints(demo_build, tmp_path):
    saved = tmp_path / "bps.gdb"
    script = tmp_path / "set.gdb"
    script.write_text(
        "tp -q fib if n == 2\n"
        f"prof -q -o {tmp_path / 'calls.jsonl'} fib\n"
        "tp main\n"
        "commands 1\nsilent\nprintf \"hit %d\\n\", n\nend\n"
        "disable 3\n"
        f"save breakpoints {saved}\n"
    )
    out = run_batch(demo_build / "fib", [f"source {script}"])
    assert_clean(out.stdout)
    # A new session: the file is sourced, then the program runs to its end.
    out = run_batch(demo_build / "fib", [f"source {saved}", "run", "info breakpoints"],
                    args=["4"])
    text = out.stdout
    assert_clean(text)
    assert "Breakpoint 1, " not in text and "hit Breakpoint" not in text  # never stops
    assert "exited normally" in text
    assert text.count("hit 2\n") == 2  # the commands came back, 'silent' too
    assert "Tracepoint 'fib if n == 2' Count: 2" in text  # the condition too
    assert table_row(text, "fib")[1:3] == ["9", "9"]
    assert len((tmp_path / "calls.jsonl").read_text().splitlines()) == 9  # its --output
    assert "Tracepoint 'main' Count: 0" in text and "main @ fib.c" not in text  # disabled
    listing = text[text.index("exited normally"):]
    assert "gdbext-probe tp --quiet -- fib" in listing
    assert listing.count("breakpoint     keep") == 3  # the plain breakpoints are gone


def test_a_saved_tracepoint_that_cannot_come_back_never_stops(demo_build, tmp_path):
    saved = tmp_path / "bps.gdb"
    saved.write_text("break fib\n  commands\n    gdbext-probe tp -o /no/such/dir/x.jsonl -- fib\n"
                     "  end\n")
    out = run_batch(demo_build / "fib", [f"source {saved}", "run"], args=["4"])
    text = out.stdout
    assert_clean(text)
    assert "gdbext: breakpoint 1 stays disabled" in text and "/no/such/dir" in text
    assert "Breakpoint 1, " not in text and "exited normally" in text
