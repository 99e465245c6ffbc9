"""tp: tracepoints that print or log every argument and local without stopping."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from gdbharness import NO_BREAKPOINTS, REPO, assert_clean, run_batch

DEMO = REPO / "demo_c"
HEADER = re.compile(r"^(\S+) @ (\S+):(\d+)$")


def fib_calls(n: int) -> list[int]:
    """The argument of every call of the recursive fib(n), in call order."""
    if n < 2:
        return [n]
    return [n, *fib_calls(n - 1), *fib_calls(n - 2)]


def hits(text: str) -> list[tuple[str, list[str]]]:
    """Every printed hit: (header line, its symbol lines without the tab)."""
    out: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if HEADER.match(line):
            out.append((line, []))
        elif line.startswith("\t") and out:
            out[-1][1].append(line[1:])
    return out


def marker_line(source: str, marker: str) -> int:
    """The line number of the line in demo_c/SOURCE that contains MARKER."""
    for number, line in enumerate((DEMO / source).read_text().splitlines(), 1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in {source}")


def batch(program: Path | None, commands: list[str], args: tuple[str, ...] = ()) -> str:
    out = run_batch(program, commands, args=args)
    assert_clean(out.stdout)
    return out.stdout


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_recursion_prints_every_hit_and_the_count(demo_build):
    out = batch(demo_build / "fib", ["tp fib", "run"], args=("5",))
    assert "Breakpoint 1 at " in out  # a real breakpoint, announced as such
    seen = hits(out)
    assert [header for header, _ in seen] == ["fib @ fib.c:7"] * 15
    assert [symbols for _, symbols in seen] == [[f"n(int: {n}) [4]"] for n in fib_calls(5)]
    assert "fib @ fib.c:7\n\tn(int: 5) [4]\n" in out
    assert "fib(5) = 5" in out  # the program ran to the end without stopping
    assert "Breakpoint 1, " not in out
    assert out.count("Tracepoint 'fib' Count: 15") == 1


def test_four_threads_as_json_lines(demo_build, tmp_path):
    log = tmp_path / "step.jsonl"
    out = batch(demo_build / "tp_threads", [f"tp --output {log} step", "tp worker", "run"])
    assert f"Tracepoint 1 writes each hit to {log}" in out
    assert "Tracepoint 'step' Count: 20" in out
    assert "Tracepoint 'worker' Count: 4" in out
    assert "step @" not in out  # --output writes instead of printing
    assert len(hits(out)) == 4  # the worker hits
    rows = records(log)
    assert len(rows) == 20
    per_thread: dict[int, list[int]] = {}
    for row in rows:
        assert list(row) == ["location", "function", "file", "line", "thread", "symbols"]
        assert (row["location"], row["function"], row["file"]) == ("step", "step", "tp_threads.c")
        assert row["line"] == marker_line("tp_threads.c", "int scaled = round * job->id;")
        symbols = {s["name"]: s for s in row["symbols"]}
        assert list(symbols) == ["job", "round", "scaled"]  # 'note' is declared further down
        assert symbols["job"]["type"] == "const struct job *"
        assert symbols["job"]["kind"] == "arg" and symbols["job"]["size"] == 8
        assert symbols["round"] == {**symbols["round"], "type": "int", "size": 4, "kind": "arg"}
        assert symbols["scaled"]["kind"] == "local"
        per_thread.setdefault(row["thread"], []).append(int(symbols["round"]["value"]))
    assert len(per_thread) == 4 and 1 not in per_thread  # four threads, none is main
    assert all(rounds == [0, 1, 2, 3, 4] for rounds in per_thread.values())


def test_counts_restart_at_each_run_and_delete_keeps_the_summary(
    demo_build, gdb_session, tmp_path
):
    log = tmp_path / "main.jsonl"
    log.write_text("old contents\n")
    gdb = gdb_session(demo_build / "fib", "4")
    gdb.cmd("tp fib")
    gdb.cmd(f"tp -o {log} main")
    assert "No tracepoints" not in gdb.cmd("tp")
    first = gdb.cmd("run")
    assert "Tracepoint 'fib' Count: 9" in first
    assert "Tracepoint 'main' Count: 1" in first
    listing = gdb.cmd("tp")
    assert re.search(r"fib\s.*\b9\b.*\(printed\)", listing), listing
    assert str(log) in listing
    second = gdb.cmd("run")
    assert "Tracepoint 'fib' Count: 9" in second  # not 18: counts restart
    assert len(hits(second)) == 9
    gdb.cmd("delete 1")
    assert "fib" not in gdb.cmd("tp")
    third = gdb.cmd("run")
    assert "fib @" not in third and "Tracepoint 'fib'" not in third
    assert "Tracepoint 'main' Count: 1" in third
    # Emptied when set, then one record per run appended.
    assert [row["function"] for row in records(log)] == ["main"] * 3
    gdb.cmd("delete")
    assert "No tracepoints" in gdb.cmd("tp")


def test_pending_until_the_shared_library_loads(demo_build, tmp_path):
    log = tmp_path / "lib.jsonl"
    out = batch(
        demo_build / "tp_shlib",
        ["tp tp_lib_clamp", f"tp -o {log} tp_lib_clamp", "tp tp_lib_scale", "run"],
    )
    assert (
        "tp: 'tp_lib_clamp' is not in the program or any library loaded so far; "
        "tracepoint 1 is pending until a shared library defines it ('delete 1' removes it)"
    ) in out
    assert "Tracepoint 'tp_lib_clamp' Count: 3" in out
    assert "Tracepoint 'tp_lib_scale' Count: 3" in out
    assert "sum 55" in out
    clamp = [symbols for header, symbols in hits(out) if header.startswith("tp_lib_clamp @ ")]
    assert [s[:2] for s in clamp] == [  # 'clamped' is not set yet: any value
        [f"scaled(int: {i * 10}) [4]", "limit(int: 25) [4]"] for i in (1, 2, 3)
    ]
    assert all(s[2].startswith("clamped(int: ") for s in clamp)
    rows = records(log)
    assert [row["symbols"][0]["value"] for row in rows] == ["10", "20", "30"]
    assert {row["file"] for row in rows} == {"tp_shlib.c"}


def test_condition_ignore_and_disable(demo_build, gdb_session):
    gdb = gdb_session(demo_build / "fib", "5")
    gdb.cmd("tp fib")
    gdb.cmd("condition 1 n == 1")
    assert "stop only if n == 1" in gdb.cmd("info breakpoints")
    out = gdb.cmd("run")
    assert [s for _, s in hits(out)] == [["n(int: 1) [4]"]] * 5
    assert "Tracepoint 'fib' Count: 5" in out
    gdb.cmd("condition 1")
    gdb.cmd("ignore 1 10")
    assert "Tracepoint 'fib' Count: 5" in gdb.cmd("run")  # 15 hits, the first 10 ignored
    gdb.cmd("disable 1")
    assert "Tracepoint 'fib' Count: 0" in gdb.cmd("run")
    gdb.cmd("delete 1")
    gdb.cmd("tp fib if n >= 3")
    assert "Tracepoint 'fib if n >= 3' Count: 4" in gdb.cmd("run")


def test_blocks_shadowing_vla_and_long_values(demo_build):
    inner = marker_line("tp_values.c", "tp: inner")
    out = batch(
        demo_build / "tp_values",
        ["set gdbext tp-max-value 24", f"tp tp_values.c:{inner}", "run"],
    )
    seen = hits(out)
    assert len(seen) == 2
    header, symbols = seen[1]
    assert header == f"inspect @ tp_values.c:{inner}"
    names = [line.split("(", 1)[0] for line in symbols]
    # Arguments, then the function's locals, then the inner blocks'; the outer
    # 'total' is hidden by the inner one; 'later' is declared further down.
    assert names == ["n", "text", "p", "bad", "i", "total", "vla"]
    values = {line.split("(", 1)[0]: line for line in symbols}
    assert values["p"] == "p(struct point: {x = 3, y = 4}) [8]"
    assert values["i"] == "i(int: 1) [4]"
    assert values["total"] == "total(int: 2) [4]"
    assert values["vla"] == 'vla(char [variable length]: "vv") [3]'
    text_value = values["text"][len("text(const char *: ") : -len(") [8]")]
    assert len(text_value) == 24 and text_value.endswith("...")
    assert "<error: Cannot" in values["bad"] or "..." in values["bad"]


def test_frames_api_never_raises_for_unreadable_values(demo_build, tmp_path):
    script = (
        "python\n"
        "from gdbext.trace import frames\n"
        "frame = gdb.selected_frame()\n"
        "print('LOC', frames.frame_location(frame))\n"
        "print('SYMS', [(s.name, s.type, s.value, s.size, s.kind)"
        " for s in frames.read_symbols(frame, 0)])\n"
        "print('BAD', frames.format_value(gdb.parse_and_eval('*(int *)16'), 0))\n"
        "print('LONG', frames.format_value(gdb.parse_and_eval('text'), 10))\n"
        "end\n"
    )
    path = tmp_path / "frames_probe.gdb"
    path.write_text(script)
    entry = marker_line("tp_values.c", "tp: entry")
    out = batch(demo_build / "tp_values", [f"break tp_values.c:{entry}", "run", f"source {path}"])
    assert f"LOC ('inspect', 'tp_values.c', {entry})" in out
    syms = re.search(r"^SYMS (.*)$", out, re.MULTILINE)
    assert syms is not None, out
    assert "('n', 'int', '2', 4, 'arg')" in syms.group(1)
    assert "('bad', 'const char *'" in syms.group(1)
    assert "BAD <unavailable: Cannot access memory at address 0x10>" in out
    assert re.search(r"^LONG 0x[0-9a-f]{5}\.\.\.$", out, re.MULTILINE), out


def test_bad_input_is_one_line_and_sets_nothing(demo_build, tmp_path):
    missing = tmp_path / "no" / "such" / "dir" / "x.jsonl"
    out = batch(
        demo_build / "fib",
        [
            f"tp --output {missing} fib",
            f"tp --output {tmp_path} fib",
            "tp --output",
            f"tp --output {tmp_path / 'ok.jsonl'}",
            "tp --bogus fib",
            "tp fib.c:9999",
            "tp fib thread 1",
            "tp fib if",
            "tp if n > 1",
            "tp fib if nosuchvar > 1",
            'tp "fib.c:7',  # gdb.decode_line would crash gdb 13 on these two
            "tp *nosuch",
            "tp fib((",
            "info breakpoints",
            "tp",
        ],
    )
    lines = out.splitlines()
    errors = [line for line in lines if line.startswith("tp: ")]
    # gdb's own words for a line without code changed in gdb 16; tp passes them on.
    errors = [re.sub(r"No compiled code for line", "No line", e) for e in errors]
    assert errors[:12] == [
        f"tp: cannot write '{missing}': folder {missing.parent} does not exist",
        f"tp: cannot write '{tmp_path}': it is a folder",
        "tp: missing FILE after --output; see 'help tp'",
        "tp: missing LOCATION; see 'help tp'",
        "tp: unknown option '--bogus'; see 'help tp'",
        'tp: No line 9999 in file "fib.c".',
        "tp: unexpected 'thread 1' after the location; "
        "see 'help tp'",
        "tp: missing CONDITION after 'if'; see 'help tp'",
        "tp: missing LOCATION before 'if'; see 'help tp'",
        "tp: bad condition 'nosuchvar > 1': No symbol \"nosuchvar\" in current context.",
        "tp: cannot trace '\"fib.c:7': unmatched quote",
        "tp: cannot trace '*nosuch': No symbol \"nosuch\" in current context.",
    ]
    assert not (tmp_path / "ok.jsonl").exists()
    assert not missing.parent.exists()
    # A name that matches nothing in a dynamically linked program may still come
    # from a shared library: pending, and said so.
    assert any(
        line.startswith("tp: 'fib((' is not in the program or any library loaded so far")
        for line in lines
    ), out
    info = out[out.index("Num     Type") :].split("Tracepoints")[0]  # not tp's listing
    assert "fib((" in info and info.count("breakpoint") == 1  # only the pending one


def test_no_such_function_in_a_static_program_is_an_error(tmp_path):
    source = tmp_path / "tiny.c"
    source.write_text("int f(int x) { return x + 1; }\nint main(void) { return f(-1); }\n")
    program = tmp_path / "tiny"
    built = subprocess.run(
        ["gcc", "-g", "-O0", "-static", "-o", str(program), str(source)],
        capture_output=True, text=True, check=False,
    )
    if built.returncode != 0:
        pytest.skip("no static C library to link against")
    out = batch(program, ["tp nosuch", "tp 'nosuch'", "info breakpoints", "tp f", "run"])
    assert (
        'tp: Function "nosuch" not defined (tiny is statically linked, '
        "so no shared library can define it)" in out
    )
    assert (  # a location checked only once set: removed again
        "tp: ''nosuch'' matches nothing (tiny is statically linked, "
        "so no shared library can define it)" in out
    )
    assert NO_BREAKPOINTS.search(out), out
    assert "is pending until" not in out
    assert "Tracepoint 'f' Count: 1" in out
    assert "\tx(int: -1) [4]" in out


def test_completion_no_program_and_loaded_twice(tmp_path, demo_build):
    out = batch(demo_build / "fib", ["complete tp fi"])
    assert out.splitlines() == ["tp fib", "tp fib.c"]
    out = batch(None, ["tp fib", "tp", "help tp"])
    assert 'tp: No symbol table is loaded.  Use the "file" command.' in out
    assert "No tracepoints; 'tp LOCATION' sets one (see 'help tp')." in out
    assert "Usage: tp [-q] [-o FILE] [--] LOCATION [if CONDITION]" in out
    # Sourcing gdbext again must not print every summary twice.
    out = batch(
        demo_build / "fib",
        [f"source {REPO / 'gdbext' / '__init__.py'}", "tp fib", "run"],
        args=("3",),
    )
    assert out.count("Tracepoint 'fib' Count: 5") == 1


# -- The fast path (frames.FastReader) must print exactly what the slow path prints.

READERS = (
    "python from gdbext import tracer as _tp; print('READERS', ["
    "(t.number(), t.probe._reader.fast_names if t.probe._reader else ()) for t in _tp._live()])"
)


def fast_and_slow(program: Path, commands: list[str], args: tuple[str, ...] = ()) -> list[str]:
    """COMMANDS' output with the breakpoint engine's fast path on, then off; process ids
    blanked out."""
    outs = []
    for fast in (True, False):
        out = batch(
            program,
            ["set gdbext engine breakpoint",
             f"python import gdbext.trace.fastpath as f; f.FAST = {fast}", *commands, READERS],
            args=args,
        )
        outs.append(re.sub(r"process \d+", "process N", out))
    return outs


def readers(out: str) -> list[tuple[int, tuple[str, ...]]]:
    match = re.search(r"^READERS (.*)$", out, re.MULTILINE)
    assert match is not None, out
    return eval(match.group(1))  # a list of tuples of ints and strings, printed by repr


def test_fast_path_prints_the_same_scalars(demo_build):
    walk = marker_line("tp_scalars.c", "tp: walk body")
    mixed = marker_line("tp_scalars.c", "tp: mixed body")
    fast, slow = fast_and_slow(
        demo_build / "tp_scalars", [f"tp tp_scalars.c:{walk}", f"tp tp_scalars.c:{mixed}", "run"]
    )
    assert fast.replace(fast[fast.index("READERS") :], "") == slow.replace(
        slow[slow.index("READERS") :], ""
    )
    # The fast path really served hits: every scalar of walk(), and in
    # mixed() everything in memory except the char types gdb prints as text.
    assert readers(fast) == [
        (1, ("depth", "mask", "step", "big", "flag", "small", "wide", "huge", "signed64",
             "u32", "odd")),
        (2, ("n", "name", "p", "ratio", "letter", "tiny", "colour", "sum")),
    ]
    assert readers(slow) == [(1, ()), (2, ())]
    seen = hits(fast)
    assert len(seen) == 10 + 8
    last_walk = dict(line.split("(", 1) for line in seen[9][1])
    assert last_walk["depth"] == "int: 0) [4]"
    assert last_walk["step"] == "short: -5300) [2]"  # negative, changed at every hit
    assert last_walk["mask"] == "unsigned int: 98415) [4]"
    assert last_walk["huge"] == "unsigned long long: 18446744073709551615) [8]"
    assert last_walk["signed64"] == "int64_t: -9223372036854775808) [8]"
    assert last_walk["big"] == "long long: 1536) [8]"
    assert "big(long long: -3) [8]" in seen[0][1]
    assert last_walk["flag"] == "_Bool: false) [1]"
    assert last_walk["odd"] == "_Bool: false) [1]"
    assert seen[8][1][-1] == "odd(_Bool: true) [1]"
    last_mixed = dict(line.split("(", 1) for line in seen[-1][1])
    assert last_mixed["letter"] == "char: 72 'H') [1]"
    assert last_mixed["tiny"] == "int8_t: -7 '\\371') [1]"
    assert last_mixed["colour"] == "enum colour: GREEN) [4]"
    assert last_mixed["p"] == "struct pair: {a = 7, b = -14}) [8]"


def test_fast_path_in_recursion_as_json_and_after_a_setting_changes(demo_build, tmp_path):
    for fast in (True, False):
        log = tmp_path / f"fib-{fast}.jsonl"
        out = batch(
            demo_build / "fib",
            [
                f"python import gdbext.trace.fastpath as f; f.FAST = {fast}",
                f"tp -o {log} fib",
                "tp fib",
                "run",
                "set output-radix 16",  # the fast path must notice: it learns again
                "run",
                READERS,
            ],
            args=("10",),
        )
        assert readers(out) == ([(1, ("n",)), (2, ("n",))] if fast else [(1, ()), (2, ())])
        printed = [symbols for _, symbols in hits(out)]
        expected = [[f"n(int: {n}) [4]"] for n in fib_calls(10)]
        assert printed == expected + [[f"n(int: {n:#x}) [4]"] for n in fib_calls(10)]
        values = [row["symbols"][0]["value"] for row in records(log)]
        assert values == [str(n) for n in fib_calls(10)] + [f"{n:#x}" for n in fib_calls(10)]


def test_fast_path_is_not_fooled_by_a_prologue_or_threads(demo_build, tmp_path):
    # At a function's first instruction the frame pointer is still the caller's.
    fast, slow = fast_and_slow(demo_build / "tp_scalars", ["tp *walk", "tp *mixed", "run"])
    assert fast.replace(fast[fast.index("READERS") :], "") == slow.replace(
        slow[slow.index("READERS") :], ""
    )
    assert len(hits(fast)) == 18
    # Four threads hit the same tracepoint: each hit reads its own thread's frame.
    logs = []
    for fast_on in (True, False):
        log = tmp_path / f"threads-{fast_on}.jsonl"
        batch(
            demo_build / "tp_threads",
            [f"python import gdbext.trace.fastpath as f; f.FAST = {fast_on}",
             f"tp -o {log} step", "run"],
        )
        logs.append(sorted(json.dumps(row, sort_keys=True) for row in records(log)))
    assert len(logs[0]) == 20 and logs[0] == logs[1]


def test_condition_on_a_pending_location(demo_build):
    # gdb 13 alone disables a pending breakpoint with a condition when the
    # library loads ("Error in re-setting breakpoint"); tp keeps the condition.
    out = run_batch(demo_build / "prof_dlopen", ["tp plugin_square if x == 2", "run"])
    assert_clean(out.stdout)
    assert "Error in re-setting" not in out.stdout
    assert "\tx(int: 2) [4]" in out.stdout
    assert "\tx(int: 1) [4]" not in out.stdout
    assert "Tracepoint 'plugin_square if x == 2' Count: 1" in out.stdout


def test_a_reference_shows_what_it_refers_to(demo_build):
    # As 'info args' prints them: the address, then the value referred to;
    # a pretty-printed target (std::string) alone.
    out = run_batch(demo_build / "tp_refs", ["tp area", "run"])
    assert_clean(out.stdout)
    assert re.search(r"^\tp\(const Point &: @0x[0-9a-f]+: \{x = 2, y = 3\}\) \[8\]$",
                     out.stdout, re.MULTILINE), out.stdout
    assert '\tname(const std::string &: "box") [8]' in out.stdout


def test_quiet_with_output_writes_the_records_and_prints_no_hit(demo_build, tmp_path):
    log = tmp_path / "quiet.jsonl"
    out = batch(demo_build / "fib", [f"tp -q -o {log} fib", "tp", "run"], args=("5",))
    assert hits(out) == []  # nothing per hit on the console
    assert out.count("Tracepoint 'fib' Count: 15") == 1
    assert str(log) in out  # the listing shows the file, not "--quiet"
    assert [r["symbols"][0]["value"] for r in records(log)] == [str(n) for n in fib_calls(5)]


def test_commands_run_at_every_hit_after_its_output_even_when_one_fails(demo_build, tmp_path):
    script = tmp_path / "cmds.gdb"
    script.write_text(
        "tp fib if n == 2\n"
        "commands\nsilent\nprint n * 10\nprint nosuchvar\ncontinue\n"
        "printf \"after %d\\n\", n\nend\n"
        "prof -q fib\ncommands\nprintf \"prof %d\\n\", n\nend\n"
    )
    out = batch(demo_build / "fib", [f"source {script}", "run", "print 12345"], args=("4",))
    one_hit = (  # 'silent': the hit's own lines are left out, its commands run
        "$N = 20\n"
        'No symbol "nosuchvar" in current context.\n'
    )
    text = re.sub(r"\$\d+ = 20", "$N = 20", out)
    assert text.count(one_hit) == 2, out
    assert "n(int: 2) [4]" not in out
    assert text.count("after 2\n") == 2  # the rest ran after the failing one
    assert out.count("prof 2\n") == 2 and out.count("prof ") >= 9  # prof's commands too
    # 'continue' cannot run at a hit: one note, and the program was never resumed twice.
    assert out.count("tp 1: 'continue' cannot run at a hit") == 1
    # The program ran to its end before gdb took the next command.
    last = re.search(r"\$\d+ = 12345", out)
    assert last and out.index("fib(4) = 3") < out.index("exited normally") < last.start()
    assert "Tracepoint 'fib if n == 2' Count: 2" in out


def test_commands_with_if_while_and_python_blocks_keep_the_run(demo_build, tmp_path):
    script = tmp_path / "blocks.gdb"
    script.write_text(
        "tp -q fib\ncommands\n"
        "if n == 2\n  printf \"two\\n\"\nelse\n  print nosuch\n  printf \"else %d\\n\", n\nend\n"
        "set $i = 0\nwhile $i < 2\n  set $i = $i + 1\n  printf \"i=%d\\n\", $i\nend\n"
        "python\nif True:\n    print('py', gdb.parse_and_eval('n'))\n    nosuch_py\nend\n"
        "printf \"n=%d\\n\", n\nend\n"
    )
    out = run_batch(demo_build / "fib", [f"source {script}", "run"], args=("3",))
    text = out.stdout
    assert "Traceback" not in text
    assert text.count("two\n") == 1 and text.count("else ") == 4
    assert text.count('No symbol "nosuch" in current context.') == 4  # one line each
    assert text.count("i=1\ni=2\n") == 5 and text.count("py ") == 5
    assert text.count("Error while executing Python code: NameError") == 5
    assert [int(n) for n in re.findall(r"^n=(\d+)$", text, re.M)] == fib_calls(3)
    assert "fib(3) = 2" in text and "Tracepoint 'fib' Count: 5" in text
