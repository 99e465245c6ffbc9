"""prof: per-call wall and CPU time, on real programs under a real gdb.

Recursion, four threads, longjmp, a C++ exception, a thread and a program
that end with calls open, a tail call, a shared library loaded after the
start, CPU time against the program's own clock, JSON Lines and folded
output, two runs in one session, and bad input.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from gdbharness import NO_BREAKPOINTS, assert_clean, run_batch, strip_ansi

pytestmark = pytest.mark.timeout(60)

HEADER = re.compile(r"^(\S+\(.*\)) @ (\S+):(\d+)$")
ARG = re.compile(r"^\t(\w+): (.*) \[(.+)\]$")
COST = re.compile(r"^\tCost: (\d+\.\d{6}) s wall, (\d+\.\d{6}) s cpu$")
NOT_COMPLETED = re.compile(r"^\tNot completed: (.+)$")
KEYS = {"location", "function", "thread", "args", "depth", "wall_ns", "cpu_ns", "completed"}
# Internal breakpoints that prof owns show in 'maint info breakpoints' as
# negative numbers of type "breakpoint" (gdb's own are "longjmp master", ...).
INTERNAL = re.compile(r"^-\d+\s+breakpoint\s", re.MULTILINE)


def fib_calls(n: int) -> int:
    return 1 if n < 2 else fib_calls(n - 1) + fib_calls(n - 2) + 1


def calls_in(text: str) -> list[dict]:
    """The per-call blocks prof printed: header, args, and cost or reason."""
    calls: list[dict] = []
    for line in strip_ansi(text).splitlines():
        match = HEADER.match(line)
        if match:
            calls.append({"function": match.group(1), "file": match.group(2), "args": {}})
            continue
        if not calls:
            continue
        if match := ARG.match(line):
            calls[-1]["args"][match.group(1)] = (match.group(2), match.group(3))
        elif match := COST.match(line):
            calls[-1]["wall"], calls[-1]["cpu"] = float(match.group(1)), float(match.group(2))
        elif match := NOT_COMPLETED.match(line):
            calls[-1]["not_completed"] = match.group(1)
    return calls


def table_row(text: str, location: str) -> list[str]:
    """The summary table's cells for LOCATION (rich box drawing or plain columns)."""
    for line in strip_ansi(text).splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
        if not cells:
            cells = line.split()
        if cells and cells[0] == location:
            return cells
    raise AssertionError(f"no table row for {location}:\n{text}")


def records(path: Path) -> list[dict]:
    out = [json.loads(line) for line in path.read_text().splitlines()]
    for rec in out:
        assert set(rec) == KEYS, rec
    return out


def test_recursion_prints_every_call_and_outermost_is_longest(demo_build):
    n = 8
    out = run_batch(demo_build / "fib", ["prof fib", "run"], args=[str(n)])
    assert_clean(out.stdout)
    calls = calls_in(out.stdout)
    assert len(calls) == fib_calls(n)
    for call in calls:
        assert call["function"] == "fib(int)"
        assert call["file"].endswith("fib.c")
        assert set(call["args"]) == {"n"} and call["args"]["n"][1] == "int"
        assert "wall" in call and "cpu" in call, call
    # Each return is printed when it happens: the outermost call (n == 8) last,
    # and its time contains every other call's.
    outer = calls[-1]
    assert outer["args"]["n"][0] == str(n)
    assert outer["wall"] == max(c["wall"] for c in calls)
    assert outer["cpu"] == max(c["cpu"] for c in calls)
    row = table_row(out.stdout, "fib")
    assert row[1:3] == [str(fib_calls(n))] * 2
    assert f"fib({n}) = 21" in out.stdout


def test_output_records_pair_recursion(demo_build, tmp_path):
    path = tmp_path / "fib.jsonl"
    n = 10
    out = run_batch(demo_build / "fib", [f"prof --output {path} fib", "run"], args=[str(n)])
    assert_clean(out.stdout)
    assert calls_in(out.stdout) == []  # --output replaces the per-call text
    assert f"{fib_calls(n)} records in {path}" in out.stdout
    recs = records(path)
    assert len(recs) == fib_calls(n)
    assert all(r["completed"] and r["location"] == "fib" and r["function"] == "fib" for r in recs)
    assert all(r["thread"] == 1 for r in recs)
    assert all(isinstance(r["wall_ns"], int) and isinstance(r["cpu_ns"], int) for r in recs)
    # depth counts the open calls below: fib(n - d) runs at depth d at most.
    for r in recs:
        value = int(r["args"][0]["value"])
        assert r["args"][0]["name"] == "n" and r["args"][0]["type"] == "int"
        assert r["depth"] <= n - value
    outer = recs[-1]
    assert outer["depth"] == 0 and outer["args"][0]["value"] == str(n)
    assert [r["depth"] for r in recs].count(0) == 1
    assert outer["wall_ns"] == max(r["wall_ns"] for r in recs)
    assert outer["cpu_ns"] == max(r["cpu_ns"] for r in recs)


def test_folded_stacks(demo_build, tmp_path):
    folded = tmp_path / "fib.folded"
    jsonl = tmp_path / "fib.jsonl"
    n = 6
    out = run_batch(demo_build / "fib", [f"prof --output {jsonl} --folded {folded} fib", "run"],
                    args=[str(n)])
    assert_clean(out.stdout)
    lines = folded.read_text().splitlines()
    stacks = {}
    for line in lines:
        match = re.fullmatch(r"(\S+) (\d+)", line)
        assert match, line
        stacks[match.group(1)] = int(match.group(2))
    # One stack per depth: main;fib ... main;fib;fib;fib;fib;fib;fib (fib(6) down to fib(0)).
    assert set(stacks) == {"main" + ";fib" * depth for depth in range(1, n + 1)}
    # Each line holds the calls' own CPU time, so together they are the outermost call's.
    outer = records(jsonl)[-1]
    total = sum(stacks.values())
    assert total == outer["cpu_ns"], (total, outer)


def test_four_threads(demo_build, tmp_path):
    path = tmp_path / "crunch.jsonl"
    out = run_batch(demo_build / "prof_threads", [f"prof --output {path} crunch", "run"])
    assert_clean(out.stdout)
    assert "exited normally" in out.stdout
    recs = records(path)
    assert len(recs) == 4 * 3 * 4  # threads x rounds x nesting
    assert all(r["completed"] for r in recs)
    threads = {r["thread"] for r in recs}
    assert len(threads) == 4 and 1 not in threads
    for thread in threads:
        mine = [r for r in recs if r["thread"] == thread]
        assert len(mine) == 12
        ids = {r["args"][0]["value"] for r in mine}
        assert len(ids) == 1  # a thread's calls are never mixed with another's
        # crunch(id, level) recurses down to level 0: depth 3 - level, innermost returns first.
        assert [int(r["args"][1]["value"]) for r in mine] == [0, 1, 2, 3] * 3
        assert all(r["depth"] == 3 - int(r["args"][1]["value"]) for r in mine)
        for i in range(0, 12, 4):
            # The outer call holds the three inside it, and a little more work
            # (two stops more: the estimated cost of stops may take some of it).
            nest = [r["cpu_ns"] for r in mine[i : i + 4]]
            assert nest[3] >= 0.8 * max(nest), nest
    row = table_row(out.stdout, "crunch")
    assert row[1:3] == ["48", "48"]


@pytest.mark.parametrize(
    ("program", "function", "message"),
    [("prof_longjmp", "jumper", "longjmp out of jumper(3)"),
     ("prof_exception", "thrower", "caught 'three' thrown through thrower(3)")],
)
def test_unwound_call_is_not_completed(demo_build, tmp_path, program, function, message):
    path = tmp_path / "calls.jsonl"
    out = run_batch(demo_build / program, [
        f"prof {function}", f"prof --output {path} {function}", "run", "maint info breakpoints",
    ])
    assert_clean(out.stdout)
    assert message in out.stdout and "total 24" in out.stdout
    assert "exited normally" in out.stdout
    # Text: six calls, the one with n == 3 unwound, the others returned.
    calls = calls_in(out.stdout)
    assert [c["args"]["n"][0] for c in calls] == ["0", "1", "2", "3", "4", "5"]
    for call in calls:
        if call["args"]["n"][0] == "3":
            assert call["not_completed"] == "unwound (longjmp or exception)"
            assert "wall" not in call
        else:
            assert "not_completed" not in call and "wall" in call
    # JSON: the same, and calls 4 and 5 (entered at the very same stack
    # address as the abandoned call 3) are paired with their own returns.
    recs = records(path)
    assert [(r["args"][0]["value"], r["completed"]) for r in recs] == [
        ("0", True), ("1", True), ("2", True), ("3", False), ("4", True), ("5", True)]
    unwound = recs[3]
    assert unwound["wall_ns"] is None and unwound["cpu_ns"] is None
    assert table_row(out.stdout, function)[1:3] == ["6", "5"]
    # Nothing of prof's is left behind once the program has exited.
    assert not INTERNAL.search(out.stdout.split("maint info breakpoints")[-1])


def test_thread_and_program_end_with_calls_open(demo_build, tmp_path):
    hold, nest = tmp_path / "hold.jsonl", tmp_path / "nest.jsonl"
    out = run_batch(demo_build / "prof_exit", [
        "prof hold", f"prof --output {hold} hold", f"prof --output {nest} nest", "run",
    ])
    assert_clean(out.stdout)
    assert "hold(0) = 40" in out.stdout and "exited normally" in out.stdout
    reasons = {c["args"]["how"][0]: c.get("not_completed") for c in calls_in(out.stdout)
               if c["function"] == "hold(int)"}
    assert reasons == {"1": "its thread exited", "0": None, "2": "the program ended"}
    recs = records(hold)
    assert sorted((r["args"][0]["value"], r["completed"]) for r in recs) == [
        ("0", True), ("1", False), ("2", False)]
    assert {r["thread"] for r in recs if r["args"][0]["value"] == "1"} != {1}
    nests = records(nest)
    assert [r["completed"] for r in nests] == [False] * 3
    assert sorted(r["depth"] for r in nests) == [0, 1, 2]
    assert table_row(out.stdout, "hold")[1:3] == ["3", "1"]
    assert table_row(out.stdout, "nest")[1:3] == ["3", "0"]


def test_tail_call_is_paired_at_the_return_site(demo_build):
    # relay() is optimised into a jump to helper(): no ret of its own.
    out = run_batch(demo_build / "prof_tail", ["prof relay", "run", "maint info breakpoints"])
    assert_clean(out.stdout)
    calls = calls_in(out.stdout)
    assert [c["args"]["n"][0] for c in calls] == ["0", "1", "2", "3", "4"]
    assert all("wall" in c for c in calls)
    assert table_row(out.stdout, "relay")[1:3] == ["5", "5"]
    assert not INTERNAL.search(out.stdout.split("maint info breakpoints")[-1])


def test_cpu_time_matches_the_programs_own_clock(demo_build, tmp_path):
    path = tmp_path / "burn.jsonl"
    out = run_batch(demo_build / "prof_cpu", [f"prof --output {path} burn", "run"], args=["3"])
    assert_clean(out.stdout)
    own = [int(x) for x in re.findall(r"burn\(25\): (\d+) ns cpu", out.stdout)]
    recs = records(path)
    assert len(own) == len(recs) == 3
    for mine, rec in zip(own, recs):
        assert rec["completed"]
        # Never less than the program measured; how close is make bench's to say
        # (bench_nested), as a loaded machine adds to what the call really costs.
        assert 0.95 * mine <= rec["cpu_ns"] <= 1.5 * mine + 5_000_000, (rec["cpu_ns"], mine)
        assert rec["wall_ns"] >= 0.9 * mine


def check_nesting(recs: list[dict], units: int) -> None:
    """The rules of prof's times, on work() calls each holding UNITS calls of step()."""
    assert all(r["completed"] and r["cpu_ns"] is not None for r in recs)
    for r in recs:  # a call lasts at least the CPU time it used
        assert r["wall_ns"] >= r["cpu_ns"], r
    steps: list[dict] = []
    works = 0
    for r in recs:  # written as calls complete: a work() call after its step() calls
        if r["location"] == "step":
            assert r["cpu_ns"] > 0, r  # each step() spins: never 0
            steps.append(r)
            continue
        works += 1
        assert len(steps) == units
        # A call is never shorter than the calls inside it, together.
        assert r["wall_ns"] >= sum(c["wall_ns"] for c in steps), (r, steps)
        assert r["cpu_ns"] >= sum(c["cpu_ns"] for c in steps), (r, steps)
        steps = []
    assert works and not steps


@pytest.mark.parametrize("inside", [[], ["tp -q step"], ['dprintf step,"unit %d\\n",unit'],
                                    ["tp -q step", 'dprintf step,"unit %d\\n",unit']],
                         ids=["prof", "prof+tp", "prof+dprintf", "prof+tp+dprintf"])
def test_times_leave_out_every_stop_inside_a_call(demo_build, tmp_path, inside):
    # prof on work() and on step() (nested), with more stops inside each step():
    # a tracepoint, a dprintf (a stop gdbext does not see), or both.
    out = tmp_path / "calls.jsonl"
    result = run_batch(demo_build / "prof_nested",
                       [f"prof -o {out} work", f"prof -o {out} step", *inside, "run"],
                       args=["4", "10", "20000"])
    assert_clean(result.stdout)
    assert "exited normally" in result.stdout
    recs = records(out)
    assert len(recs) == 4 + 40
    check_nesting(recs, 10)


def test_time_at_a_prompt_is_left_out(demo_build, gdb_session, tmp_path):
    # The user stops inside a call (a breakpoint of their own) and waits at
    # the prompt: that call's time does not include the wait.
    out = tmp_path / "calls.jsonl"
    gdb = gdb_session(demo_build / "prof_nested", "2", "10", "20000")
    gdb.cmd(f"prof -o {out} work")
    gdb.cmd(f"prof -o {out} step")
    gdb.cmd("break step if unit == 3")
    stopped = re.compile(r"Breakpoint 3(\.\d+)?, step \(unit=3")
    assert stopped.search(gdb.cmd("run"))
    time.sleep(1.0)
    assert stopped.search(gdb.cmd("continue"))
    time.sleep(1.0)
    text = gdb.cmd("continue")
    assert_clean(text)
    assert "exited normally" in text
    recs = records(out)
    check_nesting(recs, 10)
    # Each call spins about a millisecond; a second at the prompt is not its time.
    assert all(r["wall_ns"] < 500_000_000 for r in recs), recs


@pytest.mark.parametrize("program", ["prof_loop", "prof_loop_O2"])
def test_a_loop_back_to_the_first_statement_is_one_call(demo_build, tmp_path, program):
    # run() jumps back to its first statement (where 'break run' stops) ten
    # times per call, as an interpreter's main loop does: each call counts
    # once, from its entry address to its return, with the arguments it was
    # called with.
    out = tmp_path / "calls.jsonl"
    result = run_batch(demo_build / program, ["prof run", f"prof -o {out} run", "run"],
                       args=["4"])
    assert_clean(result.stdout)
    assert "counted, not timed" not in result.stdout
    assert "run: 4 calls, total 1270" in result.stdout
    calls = calls_in(result.stdout)
    assert len(calls) == 4
    assert all(c["args"]["depth"][0] == "1" and c["args"]["ops"][0] == "10" for c in calls)
    assert all("wall" in c and c["wall"] >= c["cpu"] for c in calls)
    assert table_row(result.stdout, "run")[1:3] == ["4", "4"]
    recs = records(out)
    assert len(recs) == 4 and all(r["completed"] and r["depth"] == 0 for r in recs)


def test_pending_location_in_a_shared_library(demo_build):
    # plugin_square lives in a library that prof_dlopen loads with dlopen().
    program = demo_build / "prof_dlopen"
    out = run_batch(program, ["prof plugin_square", "info breakpoints", "run"])
    assert_clean(out.stdout)
    assert "prof: plugin_square is pending; profiling starts when a shared library" in out.stdout
    assert "<PENDING>  plugin_square" in out.stdout
    calls = calls_in(out.stdout)
    assert [c["args"]["x"][0] for c in calls] == ["1", "2", "3"]
    assert all(c["function"] == "plugin_square(int)" and "wall" in c for c in calls)
    assert table_row(out.stdout, "plugin_square")[1:3] == ["3", "3"]
    assert "total 14" in out.stdout
    # A condition on a pending location: gdb 13 alone would disable the
    # breakpoint when the library loads ("Error in re-setting breakpoint").
    out = run_batch(program, ["prof plugin_square if x == 2", "run"])
    assert_clean(out.stdout)
    assert "Error in re-setting" not in out.stdout
    assert [c["args"]["x"][0] for c in calls_in(out.stdout)] == ["2"]
    assert table_row(out.stdout, "plugin_square")[1:3] == ["1", "1"]


def test_library_unloaded_and_loaded_again(demo_build):
    # dlclose() unloads plugin_square's library, with prof's internal return
    # breakpoints in it: gdb 14 and later would fail to insert them and stop
    # the program.  Loaded again, the function is profiled again.
    out = run_batch(demo_build / "prof_dlopen", ["prof plugin_square", "run", "info breakpoints"],
                    args=["2"])
    assert_clean(out.stdout)
    assert "Cannot insert breakpoint" not in out.stdout
    assert out.stdout.count("total 14") == 2
    assert "exited normally" in out.stdout
    calls = calls_in(out.stdout)
    assert [c["args"]["x"][0] for c in calls] == ["1", "2", "3"] * 2
    assert all("wall" in c for c in calls)
    assert table_row(out.stdout, "plugin_square")[1:3] == ["6", "6"]
    assert re.search(r"<PENDING>\s+plugin_square", out.stdout)


def test_run_twice_restarts_counts_and_loading_twice_changes_nothing(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib", "10")
    assert gdb.cmd("prof --quiet fib").startswith("Breakpoint 1 at")
    first = gdb.cmd("run")
    assert table_row(first, "fib")[1:3] == ["177", "177"]
    gdb.cmd(f"source {Path(__file__).resolve().parent.parent / 'gdbext' / '__init__.py'}")
    second = gdb.cmd("run")
    assert second.count("Calls") == 1  # one table: event handlers were not connected twice
    assert table_row(second, "fib")[1:3] == ["177", "177"]
    listing = gdb.cmd("prof")
    row = table_row(listing, "1")
    assert row[1:6] == ["y", "fib", "177", "177", "--quiet"] and row[6] in ("uprobe", "breakpoint")
    report = gdb.cmd("prof --report")
    assert table_row(report, "fib")[1:3] == ["177", "177"]


def test_delete_removes_internal_breakpoints(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib", "6")
    gdb.cmd("set gdbext engine breakpoint")  # its internal breakpoints are what is checked
    gdb.cmd("prof --quiet fib")
    gdb.cmd("break fib if n == 1")
    gdb.cmd("run")
    assert INTERNAL.search(gdb.cmd("maint info breakpoints"))  # on fib's ret
    report = gdb.cmd("prof --report")
    row = table_row(report, "fib")
    assert int(row[1]) > int(row[2])  # calls still open
    gdb.cmd("delete 1")
    assert not INTERNAL.search(gdb.cmd("maint info breakpoints"))
    assert gdb.cmd("prof").startswith("No locations are profiled.")
    done = gdb.cmd("delete 2") + gdb.cmd("continue")
    assert "exited normally" in done and "Calls" not in done


def test_bad_input_is_one_line_naming_prof(demo_build, gdb_session, tmp_path):
    gdb = gdb_session(demo_build / "fib")
    cases = {
        f"prof --output {tmp_path}/missing/dir/x.jsonl fib": "cannot write",
        f"prof --folded {tmp_path} fib": "cannot write",
        "prof --output": "missing FILE after --output; see 'help prof'",
        "prof --bogus fib": "unknown option '--bogus'; see 'help prof'",
        "prof --quiet": "missing LOCATION",
        "prof fib.c:11": "is not where fib starts",
        "prof --report": "nothing is profiled",
        "prof fib thread 1": "unexpected 'thread 1'",
    }
    for command, expected in cases.items():
        assert expected in gdb.error(command), command
    assert NO_BREAKPOINTS.match(gdb.cmd("info breakpoints"))
    assert not (tmp_path / "missing").exists()
    assert gdb.cmd("prof").startswith("No locations are profiled.")
    # A name nothing defines yet: pending, as with 'break' and tp, since a
    # shared library loaded later may define it ...
    out = gdb.cmd("prof nosuch_function")
    assert out.splitlines()[-1] == (
        "prof: nosuch_function is pending; profiling starts when a shared library defines it."
    )
    # ... but with no program at all, nothing can.
    bare = gdb_session(None)
    assert bare.cmd("prof fib") == 'prof: No symbol table is loaded.  Use the "file" command.'


def test_help():
    out = run_batch(None, ["help prof"])
    assert_clean(out.stdout)
    text = out.stdout
    assert text.startswith("Measure every call of a function without stopping the program.")
    for part in ("Usage: prof", "--quiet", "--output FILE", "--folded FILE", "--report",
                 "Examples:", "not completed"):
        assert part in text, part


@pytest.mark.parametrize("how", ["prof if", "condition", "ignore"])
def test_condition_and_ignore_select_calls(demo_build, tmp_path, how):
    path = tmp_path / "fib.jsonl"
    setup = {
        "prof if": [f"prof --output {path} fib if n == 3"],
        "condition": [f"prof --output {path} fib", "condition 1 n == 3"],
        "ignore": [f"prof --output {path} fib", "ignore 1 12"],
    }[how]
    out = run_batch(demo_build / "fib", [*setup, "info breakpoints", "run"], args=["6"])
    assert_clean(out.stdout)
    recs = records(path)
    assert all(r["completed"] for r in recs)
    if how == "ignore":  # the first 12 calls are not recorded; the last 13 are
        assert len(recs) == fib_calls(6) - 12
        assert table_row(out.stdout, "fib")[1:3] == ["13", "13"]
        return
    assert "stop only if n == 3" in out.stdout
    assert [(r["args"][0]["value"], r["depth"]) for r in recs] == [("3", 0)] * 3
    assert table_row(out.stdout, "fib")[1:3] == ["3", "3"]
