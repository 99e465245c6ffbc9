"""Loading gdbext: silent, idempotent, settings untouched, works without extras."""

from __future__ import annotations

import subprocess

from gdbharness import GDBEXT_INIT, REPO, assert_clean, run_batch, strip_ansi

COMMANDS = ("dm", "dj", "pl", "tp", "prof")


def test_source_twice_is_silent_and_registers_once(tmp_path):
    out = run_batch(
        None,
        [f"source {GDBEXT_INIT}", "info pretty-printer", "help user-defined"],
        cwd=tmp_path,
    )
    assert out.returncode == 0
    assert_clean(out.stdout)
    assert out.stdout.count("gdbext") == 1, out.stdout  # one printer collection
    assert "stat" in out.stdout


def test_loads_from_any_directory_with_relative_path(tmp_path):
    rel = subprocess.run(
        ["realpath", "--relative-to", str(tmp_path), str(GDBEXT_INIT)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    out = run_batch(None, [f"source {rel}", "help dj"], load=False, cwd=tmp_path)
    assert out.returncode == 0, out.stdout
    assert out.stdout.startswith("Show a string held by the program as indented JSON.")


def test_every_command_has_help():
    out = run_batch(None, [f"help {name}" for name in COMMANDS])
    assert_clean(out.stdout)
    assert "Undefined command" not in out.stdout
    for name in COMMANDS:
        assert f"Usage: {name}" in out.stdout


def test_loading_changes_no_gdb_setting():
    probe = ["show style enabled", "show print elements", "show pagination", "show confirm",
             "show listsize", "show print pretty", "show history save", "show prompt"]
    before = run_batch(None, probe, load=False).stdout
    after = run_batch(None, probe).stdout
    assert before == after


def test_works_without_pygments_or_rich(demo_build):
    # Make both imports fail inside gdb's Python, as on a machine without them.
    block = 'python import sys; sys.modules["pygments"] = None; sys.modules["rich"] = None'
    out = run_batch(
        demo_build / "fib",
        ["set gdbext color on", "break fib", "run", "pl", "dj \"[1]\""],
        pre=[block],
    )
    assert_clean(out.stdout)
    lines = out.stdout.splitlines()
    hints = [line for line in lines if "pygments is not installed" in line]
    assert len(hints) == 1
    assert any(strip_ansi(line).startswith("=> 7\t") for line in lines), out.stdout
    assert "\x1b[" not in out.stdout.replace("\x1b[1;32m=> \x1b[0m", "")


def test_gdbinit_example_loads(tmp_path):
    text = (REPO / "gdbinit.example").read_text()
    script = tmp_path / "gdbinit"
    script.write_text(text.replace("/path/to/gdbext", str(REPO)))
    out = run_batch(None, [f"source {script}", "help sf", "help dj"], load=False)
    assert out.returncode == 0, out.stdout
    assert_clean(out.stdout)
    assert "Undefined command" not in out.stdout


def test_loads_from_a_copy_under_another_name_without_touching_sys_path(tmp_path):
    copy = tmp_path / "my-gdb-tools"
    subprocess.run(["cp", "-r", str(GDBEXT_INIT.parent), str(copy)], check=True)
    out = run_batch(
        None,
        [
            f"source {copy}/__init__.py",
            "help dj",
            "python import sys; print('repo on sys.path:', any(p == str(__import__('pathlib')"
            f".Path('{REPO}')) for p in sys.path))",
            "python print(sorted(k for k in globals() if not k.startswith('__')))",
        ],
        load=False,
    )
    assert_clean(out.stdout)
    assert out.stdout.startswith("Show a string held by the program as indented JSON.")
    assert "repo on sys.path: False" in out.stdout
    assert "'register'" not in out.stdout and "_load_from_source" not in out.stdout


def test_a_broken_install_says_so_in_one_line(tmp_path):
    copy = tmp_path / "gdbext"
    subprocess.run(["cp", "-r", str(GDBEXT_INIT.parent), str(copy)], check=True)
    (copy / "settings.py").write_text("raise RuntimeError('settings are broken')\n")
    out = run_batch(None, [f"source {copy}/__init__.py"], load=False)
    assert_clean(out.stdout)
    assert out.stdout.strip().splitlines() == [
        f"gdbext: could not load from {copy}/__init__.py: RuntimeError: settings are broken"
    ]


# What only a command's first use needs: loading gdbext must not import (and,
# without bytecode, compile) any of it, nor the standard modules it uses.
MACHINERY = ("gdbext.profiler", "gdbext.tracer", "gdbext.dumper", "gdbext.trace",
             "gdbext.trace.frames", "gdbext.trace.breakpoints", "gdbext.events",
             "gdbext.inferior", "gdbext.profreport", "gdbext.render", "gdbext.printers.stat")
STDLIB_AT_FIRST_USE = ("json", "argparse", "typing", "dataclasses", "struct")
PROBE = (
    "python import sys; print('MODULES', sorted(m for m in sys.modules "
    f"if m.startswith('gdbext') or m in {STDLIB_AT_FIRST_USE!r}))"
)


def _imported(stdout: str) -> list[list[str]]:
    return [eval(line[len("MODULES ") :]) for line in stdout.splitlines()
            if line.startswith("MODULES ")]


def test_loading_imports_no_command_machinery():
    out = run_batch(
        None,
        [PROBE, *(f"help {name}" for name in COMMANDS), "complete dm --a", "complete dm --li",
         "info pretty-printer", "show gdbext", PROBE],
    )
    assert out.returncode == 0, out.stdout
    assert_clean(out.stdout)
    after_load, after_help = _imported(out.stdout)
    assert "gdbext.ui" in after_load and "gdbext.commands.prof" in after_load, after_load
    for imported in (after_load, after_help):
        assert not [m for m in imported if m in MACHINERY or m in STDLIB_AT_FIRST_USE], imported
    assert after_help == after_load
    assert "dm --addr" in out.stdout and "dm --list" in out.stdout  # dm's own completer


def test_machinery_and_its_event_handlers_come_once_at_first_use(demo_build, tmp_path):
    # prof before tp, gdbext sourced again in between: each exit report once,
    # tp's (whose handlers connect when gdbext loads) before prof's.
    out = run_batch(
        demo_build / "fib",
        ["dm --list .", "prof --quiet fib", PROBE, f"source {GDBEXT_INIT}",
         f"tp --output {tmp_path / 'hits.jsonl'} fib", "run", PROBE],
        cwd=tmp_path,
    )
    assert_clean(out.stdout)
    after_prof, after_run = _imported(out.stdout)
    assert {"gdbext.profiler", "gdbext.dumper"} <= set(after_prof), after_prof
    assert "gdbext.tracer" not in after_prof
    assert "gdbext.tracer" in after_run
    assert out.stdout.count("Tracepoint 'fib' Count: 177") == 1, out.stdout
    assert out.stdout.count("prof: time per call") == 1, out.stdout
    assert out.stdout.index("Tracepoint 'fib' Count") < out.stdout.index("prof: time per call")
