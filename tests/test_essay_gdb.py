"""The essay on extending gdb with Python: every example runs in a real gdb.

Each ``NAME.out`` file under essays/examples/gdb is both what the page shows
and what this module checks.  Its ``(gdb) COMMAND`` lines are the session: the
example's script is loaded with ``gdb -nx -batch -x SCRIPT`` and each command
is given with ``-ex``, under ``set trace-commands on`` so that gdb echoes it
(``+COMMAND``) at the point where it ran; the echo becomes ``(gdb) COMMAND``
again.  Commands that the scripts run themselves (gdb.execute) are echoed too
and left out, as a user would not see them.  The MI session is
``printers-mi.out``: each ``-command`` line is sent to ``gdb -i=mi`` and
followed by gdb's result record.

The programs are compiled from their folder with relative file names, so
that gdb names them as ``shelf.c``, never by the path of this checkout.
The .out files are gdb 13's.  gdb 18 (GDB=.../gdb) prints the same except
where the essay says it does not: the MI value of a varobj with a printer,
and the built-in printers that ``info pretty-printer`` lists.

Set ESSAY_GDB_UPDATE=1 to rewrite the .out files from what gdb prints, and
GDB=/path/to/gdb to run another gdb than the one on PATH.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "essays" / "examples" / "gdb"
UPDATE = os.environ.get("ESSAY_GDB_UPDATE") == "1"
TIMEOUT = 60
PROMPT = "(gdb) "

# .out file -> (script, program): the programs are shelf.c here (also built with -O2)
# and three of demo_c/.
CASES = {
    "items.out": ("items.py", "shelf"),
    "items_O2.out": ("items.py", "shelf-O2"),
    "settings.out": ("settings.py", "shelf"),
    "values.out": ("values.py", "shelf"),
    "execute.out": ("execute.py", "shelf"),
    "count_hits.out": ("count_hits.py", "shelf"),
    "events.out": ("events.py", "shelf"),
    "printers.out": ("printers.py", "shelf"),
    "finish_longjmp.out": ("finish_prof.py", "prof_longjmp"),
    "finish_exception.out": ("finish_prof.py", "prof_exception"),
    "finish_tail.out": ("finish_prof.py", "prof_tail"),
}
MI_CASE = ("printers-mi.out", "printers.py", "shelf")
SOURCES = {"shelf": (EXAMPLES / "shelf.c", "-O0"), "shelf-O2": (EXAMPLES / "shelf.c", "-O2"),
           "prof_longjmp": (ROOT / "demo_c" / "prof_longjmp.c", "-O0"),
           "prof_exception": (ROOT / "demo_c" / "prof_exception.cpp", "-O0"),
           "prof_tail": (ROOT / "demo_c" / "prof_tail.c", "-O0")}

# Newer gdbs would ask whether to download debug information from the network.
QUIET = ("-iex", "set debuginfod enabled off")

# What differs from one run or machine to the next and says nothing about the example.
NOISE = re.compile(r"^(\[Thread debugging using libthread_db enabled\]"
                   r"|Using host libthread_db library .*"
                   r"|\[Inferior \d+ \(process \d+\) exited normally\])$")


def session_commands(expected: str) -> list[str]:
    """The commands of a transcript: its lines that start with the prompt."""
    return [line[len(PROMPT):] for line in expected.splitlines() if line.startswith(PROMPT)]


def transcript(raw: str, commands: list[str]) -> str:
    """gdb's batch output, with `trace-commands` echoes turned back into prompts."""
    pending = list(commands)
    lines = []
    for line in raw.splitlines():
        if line.startswith("+"):
            if pending and line == "+" + pending[0]:
                lines.append(PROMPT + pending.pop(0))
            continue  # a command the example ran itself
        if not NOISE.match(line):
            lines.append(line)
    assert not pending, f"gdb never ran {pending}:\n{raw}"
    return "\n".join(lines) + "\n"


def mi_transcript(raw: str, commands: list[str]) -> str:
    """Each MI command followed by its result record (the line starting with '^')."""
    results = [line for line in raw.splitlines() if line.startswith("^")]
    assert len(results) == len(commands), raw
    return "".join(f"{command}\n{result}\n" for command, result in zip(commands, results))


def test_transcript_restores_prompts_and_drops_noise() -> None:
    raw = ("+items pantry\nrice\n++print 1\n$1 = 1\n[Thread debugging using libthread_db "
           "enabled]\n+run\n[Inferior 1 (process 42) exited normally]\n")
    assert transcript(raw, ["items pantry", "run"]) == \
        "(gdb) items pantry\nrice\n$1 = 1\n(gdb) run\n"
    assert session_commands("(gdb) a b\nout\n(gdb) c\n") == ["a b", "c"]


def test_every_example_file_is_run_here() -> None:
    used = {name for name in CASES} | {script for script, _ in CASES.values()}
    used |= {MI_CASE[0], MI_CASE[1], "shelf.c"}
    assert {path.name for path in EXAMPLES.iterdir()} == used


@pytest.fixture(scope="session")
def gdb() -> str:
    path = os.environ.get("GDB") or shutil.which("gdb")
    if path is None:
        pytest.skip("gdb is not installed")
    return path


@pytest.fixture(scope="session")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example programs, built as demo_c/Makefile builds them (-g, warnings are errors)."""
    build = tmp_path_factory.mktemp("essay-gdb")
    built = {}
    for name, (source, optimise) in SOURCES.items():
        cplusplus = source.suffix == ".cpp"
        compiler = shutil.which("g++" if cplusplus else "gcc")
        if compiler is None:
            pytest.skip("needs gcc and g++")
        flags = ["-std=c++17"] if cplusplus else []
        subprocess.run([compiler, "-g", optimise, "-Wall", "-Wextra", "-Werror", *flags,
                        "-o", str(build / name), source.name], cwd=source.parent, check=True,
                       timeout=TIMEOUT)
        built[name] = build / name
    return built


def across_versions(text: str) -> str:
    """TEXT without what the essay says differs between gdb 13 and 16+."""
    # gdb 13 has one more builtin printer (mpx_bound128), so its counts are one higher.
    text = re.sub(r"^ +mpx_bound128\n", "", text, flags=re.MULTILINE)
    text = re.sub(r"\b\d+ of \d+ printers\b", "N of M printers", text)
    # A varobj with a printer: gdb 13 reports "{...}", gdb 16+ the printer's summary.
    text = re.sub(r'(-var-create [^\n]*\n\^done,name="[^"]*",numchild="\d+",)value="[^"]*"',
                  r'\1value="{...}"', text)
    return re.sub(r'(-var-evaluate-expression [^\n]*\n\^done,)value="[^"]*"',
                  r'\1value="{...}"', text)


def check(out: Path, actual: str) -> None:
    if UPDATE:
        out.write_text(actual, encoding="utf-8")
    assert "Traceback" not in actual
    expected = out.read_text(encoding="utf-8")
    assert across_versions(actual) == across_versions(expected), f"{out.name} no longer matches gdb"


@pytest.mark.parametrize("out_name", sorted(CASES))
def test_example_prints_its_out_file(out_name: str, gdb: str, programs: dict[str, Path]) -> None:
    script, program = CASES[out_name]
    out = EXAMPLES / out_name
    commands = session_commands(out.read_text(encoding="utf-8"))
    argv = [gdb, "-nx", "-batch", *QUIET, *(["-iex", "set trace-commands on"] if commands else []),
            "-x", script]
    for command in commands:
        argv += ["-ex", command]
    done = subprocess.run([*argv, str(programs[program])], cwd=EXAMPLES, capture_output=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          stdin=subprocess.DEVNULL, timeout=TIMEOUT, check=False,
                          env={**os.environ, "TERM": "dumb"})
    assert done.returncode == 0, done.stdout
    check(out, transcript(done.stdout, commands))


def test_mi_session_shows_what_an_ide_sees(gdb: str, programs: dict[str, Path]) -> None:
    out_name, script, program = MI_CASE
    out = EXAMPLES / out_name
    commands = [line for line in out.read_text(encoding="utf-8").splitlines()
                if line.startswith("-")]
    done = subprocess.run([gdb, "-nx", "-q", *QUIET, "-i=mi", "-x", script, str(programs[program])],
                          cwd=EXAMPLES, input="\n".join(commands) + "\n", capture_output=True,
                          text=True, timeout=TIMEOUT, check=False,
                          env={**os.environ, "TERM": "dumb"})
    assert done.returncode == 0, done.stdout + done.stderr
    check(out, mi_transcript(done.stdout, commands))
