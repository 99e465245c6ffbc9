"""The essays site: everything it shows runs, on Python 3.11, 3.12 and 3.13.

* every file in essays/examples runs under ``-X dev -W error`` on each
  interpreter found, prints nothing on stderr, and prints its ``.out`` file
  when it has one (``NAME.3.11.out`` instead, where 3.11 prints otherwise);
* the Sphinx doctest builder runs once, as ``make docs`` does, and must run
  at least 150 examples with no failure;
* the same doctest blocks, pulled out of the pages, run on every interpreter
  under ``-X dev -W error`` (Sphinx itself only runs on the venv's Python);
* the C programs the walrus essay shows compile and behave as it says;
* every file the pages include is one of the tested files above, and no page
  shows a literal block that nothing runs;
* the IDE configurations the guide shows load gdbext: VS Code's launch.json
  through gdb/MI as cpptools sends it, CLion's project .gdbinit by auto-load;
* the built HTML shows no path of this checkout, no pid, no libthread_db
  noise, and the build stops when gdb or the demo programs are missing.

Interpreters that are not installed are skipped, never failed.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ESSAYS = ROOT / "essays"
EXAMPLES = ESSAYS / "examples"
PAGES = sorted(ESSAYS.glob("*.rst"))
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
TIMEOUT = 60  # seconds for any one child process; the slowest takes about one

# Slow-callback reports from asyncio's debug mode depend on machine load,
# not on the code; everything else on stderr is a failure.
SLOW_CALLBACK = re.compile(r"^Executing <.*> took [\d.]+ seconds$")


def _interpreters() -> dict[str, str | None]:
    """3.11 is the venv's Python (gdb's); 3.12 and 3.13 come from pyenv or PATH."""
    candidates = {
        "3.11": [sys.executable if sys.version_info[:2] == (3, 11) else None],
        "3.12": ["/root/.pyenv/versions/3.12.1/bin/python3"],
        "3.13": ["/root/.pyenv/versions/3.13.0/bin/python3"],
    }
    found: dict[str, str | None] = {}
    for version, paths in candidates.items():
        paths.append(shutil.which(f"python{version}"))
        found[version] = next((p for p in paths if p and os.access(p, os.X_OK)), None)
    return found


PYTHONS = _interpreters()


def _python(version: str) -> str:
    path = PYTHONS[version]
    if path is None:
        pytest.skip(f"Python {version} is not installed here")
    return path


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _real_errors(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not SLOW_CALLBACK.match(line))


# --- the example files -------------------------------------------------------

@pytest.fixture(scope="session")
def example_runs() -> dict[tuple[str, str], subprocess.CompletedProcess[str]]:
    """Run every example on every interpreter, three at a time, once per session."""
    jobs = [(script.name, version) for script in SCRIPTS for version, path in PYTHONS.items()
            if path is not None]

    def run(job: tuple[str, str]) -> subprocess.CompletedProcess[str]:
        name, version = job
        return subprocess.run([PYTHONS[version], "-X", "dev", "-W", "error", name],  # type: ignore[list-item]
                              cwd=EXAMPLES, capture_output=True, text=True, timeout=TIMEOUT,
                              env=_child_env(), stdin=subprocess.DEVNULL, check=False)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(jobs, pool.map(run, jobs)))


@pytest.mark.parametrize("version", list(PYTHONS))
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_example_runs(example_runs: dict, script: Path, version: str) -> None:
    _python(version)
    result = example_runs[(script.name, version)]
    assert result.returncode == 0, f"{script.name} on {version}:\n{result.stdout}{result.stderr}"
    assert not _real_errors(result.stderr), f"{script.name} on {version} wrote to stderr:\n" \
        f"{result.stderr}"
    expected = expected_output(script, version)
    if expected.exists():
        assert result.stdout == expected.read_text(encoding="utf-8"), \
            f"{script.name} on {version} no longer prints what {expected.name} shows"


def expected_output(script: Path, version: str) -> Path:
    """NAME.VERSION.out where that version prints something else, else NAME.out."""
    specific = script.with_name(f"{script.stem}.{version}.out")
    return specific if specific.exists() else script.with_suffix(".out")


def test_every_output_file_belongs_to_an_example() -> None:
    orphans = [out.name for out in EXAMPLES.glob("*.out")
               if not (EXAMPLES / f"{out.name.split('.')[0]}.py").exists()
               and out.name != "walrus_errno.out"]
    assert not orphans


# --- the C programs of the walrus essay ----------------------------------------

@pytest.fixture(scope="session")
def cc() -> str:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler")
    return compiler


def test_walrus_errno_program_prints_what_the_essay_shows(cc: str, tmp_path: Path) -> None:
    binary = tmp_path / "walrus_errno"
    # The flags demo_c/Makefile builds every demo program with.
    subprocess.run([cc, "-g", "-O0", "-Wall", "-Wextra", "-Werror", "-pthread", "-o", str(binary),
                    str(ROOT / "demo_c" / "walrus_errno.c"), "-pthread"],
                   check=True, timeout=TIMEOUT)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=TIMEOUT,
                            check=False)
    assert result.returncode == 0
    assert result.stdout == (EXAMPLES / "walrus_errno.out").read_text(encoding="utf-8")


def test_assignment_in_if_warns_and_misbehaves(cc: str, tmp_path: Path) -> None:
    source = EXAMPLES / "c" / "assign_in_if.c"
    warned = subprocess.run([cc, "-Wall", "-Werror", "-c", "-o", str(tmp_path / "x.o"),
                             str(source)], capture_output=True, text=True, timeout=TIMEOUT,
                            check=False)
    assert warned.returncode != 0
    assert "suggest parentheses around assignment used as truth value" in warned.stderr
    binary = tmp_path / "assign_in_if"
    subprocess.run([cc, "-o", str(binary), str(source)], check=True, timeout=TIMEOUT,
                   capture_output=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=TIMEOUT,
                            check=True)
    assert result.stdout == "access failed\n"  # although access("/") succeeded


def test_doubled_parentheses_silence_the_warning(cc: str, tmp_path: Path) -> None:
    binary = tmp_path / "assign_in_if_quiet"
    subprocess.run([cc, "-Wall", "-Wextra", "-Werror", "-o", str(binary),
                    str(EXAMPLES / "c" / "assign_in_if_quiet.c")], check=True, timeout=TIMEOUT,
                   capture_output=True)
    result = subprocess.run([str(binary)], capture_output=True, text=True, timeout=TIMEOUT,
                            check=True)
    assert result.stdout == "access failed\n"  # no warning, and still wrong


# --- the doctests ------------------------------------------------------------

@pytest.fixture(scope="session")
def sphinx_doctest(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, str]:
    """Run Sphinx's doctest builder once, with the flags `make docs` uses."""
    out = tmp_path_factory.mktemp("doctest")
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "doctest", "-n", "-W", "--keep-going", "-q",
         "-d", str(out / "doctrees"), str(ESSAYS), str(out / "doctest")],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)
    report = out / "doctest" / "output.txt"
    return proc.returncode, proc.stdout + proc.stderr, \
        report.read_text(encoding="utf-8") if report.exists() else ""


def test_sphinx_doctest_builder(sphinx_doctest: tuple[int, str, str]) -> None:
    pytest.importorskip("sphinx")
    status, log, report = sphinx_doctest
    assert status == 0, log + report
    tests = re.search(r"^\s*(\d+) tests?$", report, re.MULTILINE)
    failures = re.search(r"^\s*(\d+) failures? in tests$", report, re.MULTILINE)
    assert tests and failures, report
    assert int(failures.group(1)) == 0, report
    assert int(tests.group(1)) >= 150, f"only {tests.group(1)} doctests ran"


DIRECTIVE = re.compile(r"^(\s*)\.\. (doctest|testsetup|testcleanup|testcode|testoutput)::")


def doctest_blocks(page: Path) -> list[dict[str, object]]:
    """The page's ``.. doctest::`` blocks as [{"line": N, "text": ...}].

    Only the plain form is used on these pages; anything fancier (options,
    groups, testcode) fails here so that this copy never silently diverges
    from what Sphinx runs.
    """
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[dict[str, object]] = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        if match is None:
            assert not lines[i].lstrip().startswith(">>>"), \
                f"{page.name}:{i + 1}: '>>>' outside a '.. doctest::' block"
            i += 1
            continue
        assert match.group(2) == "doctest", f"{page.name}:{i + 1}: unsupported {match.group(2)}"
        indent = len(match.group(1))
        assert lines[i].rstrip().endswith("::"), f"{page.name}:{i + 1}: doctest group names"
        i += 1
        start = i
        assert i >= len(lines) or not re.match(r"^\s+:[\w-]+:", lines[i]), \
            f"{page.name}:{i + 1}: doctest options are not supported here"
        while i < len(lines) and (not lines[i].strip()
                                  or len(lines[i]) - len(lines[i].lstrip()) > indent):
            i += 1
        text = textwrap.dedent("\n".join(lines[start:i])).strip("\n") + "\n"
        blocks.append({"line": start + 1, "text": text})
    return blocks


RUNNER = r'''
import doctest, json, sys
with open(sys.argv[1], encoding="utf-8") as file:
    spec = json.load(file)
tries = failures = 0
for page in spec["pages"]:
    globs = {"__name__": "__main__"}
    exec(spec["setup"], globs)
    for block in page["blocks"]:
        # One name per block: doctest's linecache hook looks examples up by
        # name, and a traceback through code from an earlier block must not
        # find this block's examples under it.
        name = f"{page['name']}:{block['line']}"
        test = doctest.DocTestParser().get_doctest(
            block["text"], globs, name, page["name"], block["line"] - 1)
        runner = doctest.DocTestRunner(optionflags=spec["flags"])
        result = runner.run(test, clear_globs=False)
        globs = test.globs  # DocTest works on a copy; later blocks continue from it
        tries += result.attempted
        failures += result.failed
print(f"{tries} passed, {failures} failed" if not failures else f"{failures} failed")
sys.exit(1 if failures else 0)
'''


@pytest.fixture(scope="session")
def doctest_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    saved_path = list(sys.path)
    try:
        conf = runpy.run_path(str(ESSAYS / "conf.py"))
    finally:
        sys.path[:] = saved_path
    spec = {
        "setup": conf["doctest_global_setup"],
        "flags": conf["doctest_default_flags"],
        "pages": [{"name": page.name, "blocks": doctest_blocks(page)} for page in PAGES],
    }
    folder = tmp_path_factory.mktemp("pages-doctest")
    (folder / "runner.py").write_text(RUNNER, encoding="utf-8")
    (folder / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    return folder


@pytest.mark.parametrize("version", list(PYTHONS))
def test_page_doctests_on(version: str, doctest_spec: Path) -> None:
    python = _python(version)
    result = subprocess.run([python, "-X", "dev", "-W", "error", str(doctest_spec / "runner.py"),
                             str(doctest_spec / "spec.json")], capture_output=True, text=True,
                            timeout=TIMEOUT * 2, cwd=doctest_spec, env=_child_env(), check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not _real_errors(result.stderr), result.stderr
    assert re.search(r"^(\d+) passed, 0 failed$", result.stdout, re.MULTILINE), result.stdout


def test_every_page_has_doctests_or_includes() -> None:
    for page in PAGES:
        if page.stem in ("index", "gdbext"):
            continue
        assert doctest_blocks(page) or "literalinclude" in page.read_text(encoding="utf-8")


# --- nothing shown untested ------------------------------------------------------

def _tested_files() -> set[Path]:
    files = set(SCRIPTS) | set(EXAMPLES.glob("*.out")) | set((EXAMPLES / "c").glob("*.c"))
    files |= {ROOT / "demo_c" / "walrus_errno.c", ROOT / "gdbinit.example"}
    # The extending-gdb essay's examples and the demo program it shows: tests/test_essay_gdb.py.
    files |= set((EXAMPLES / "gdb").iterdir()) | {ROOT / "demo_c" / "prof_longjmp.c"}
    files |= set((EXAMPLES / "ide").iterdir())  # test_vscode_* and test_clion_* below
    return {f.resolve() for f in files}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_shows_only_tested_code(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"^\s*\.\. literalinclude:: (\S+)", text, re.MULTILINE):
        path = (ESSAYS / target).resolve()
        assert path.exists(), f"{page.name} includes missing {target}"
        assert path in _tested_files(), f"{page.name} includes {target}, which no test runs"
    assert not re.search(r"^\s*\.\. (code-block|code|sourcecode)::", text, re.MULTILINE), \
        f"{page.name}: code blocks must be doctests or tested literalincludes"
    literal = [line for line in text.splitlines()
               if line.rstrip().endswith("::") and not line.lstrip().startswith("..")]
    assert not literal, f"{page.name}: untested literal blocks after {literal}"


# --- the guide's loading instructions ---------------------------------------------

def test_gdbinit_example_loads_gdbext(tmp_path: Path) -> None:
    gdb = shutil.which("gdb")
    example = ROOT / "gdbinit.example"
    if gdb is None or not example.exists() or not (ROOT / "gdbext" / "__init__.py").exists():
        pytest.skip("needs gdb, gdbinit.example and gdbext")
    gdbinit = tmp_path / "gdbinit"
    gdbinit.write_text(example.read_text(encoding="utf-8").replace("/path/to/gdbext", str(ROOT)),
                       encoding="utf-8")
    result = subprocess.run([gdb, "-nx", "-batch", "-x", str(gdbinit), "-ex", "help sf",
                             "-ex", "show gdbext"], capture_output=True, text=True,
                            timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert "Show the stack" in result.stdout
    assert "gdbext" in result.stdout


# --- the guide's Sphinx extension ----------------------------------------------

@pytest.fixture(scope="module")
def gdbhelp() -> Any:
    """essays/_ext/gdbhelp.py, imported as Sphinx imports it."""
    sys.path.insert(0, str(ESSAYS / "_ext"))
    try:
        import gdbhelp  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(ESSAYS / "_ext"))
    return gdbhelp


def test_gdbhelp_tells_gdbext_commands_from_gdbs_own(gdbhelp: Any, tmp_path: Path) -> None:
    """gdb has its own `tp` (an alias of `trace`): without gdbext it must not count."""
    gdb = shutil.which("gdb")
    if gdb is None:
        pytest.skip("needs gdb")
    empty = tmp_path / "__init__.py"
    empty.write_text("", encoding="utf-8")
    for topic in ("tp", "dm", "set gdbext"):
        text, reason = gdbhelp.gdbext_help(gdb, empty, topic)
        assert text is None and "does not define" in reason, (topic, text)
    listing = "set gdbext color -- Set colour.\nset gdbext dump-dir, set gdbext dd -- Set dir.\n"
    assert gdbhelp.subcommands("set gdbext", listing) == ["set gdbext color", "set gdbext dump-dir"]


def test_scrub_hides_the_checkout_pids_and_thread_db_noise(gdbhelp: Any) -> None:
    session = "\n".join([
        "[Thread debugging using libthread_db enabled]",
        'Using host libthread_db library "/lib/x86_64-linux-gnu/libthread_db.so.1".',
        "7 regions of process 10157 for '[heap]':",
        "/co/build/demo/dm-dumps/10157-0x5555-0x5556-heap.bin  4096 bytes",
        "fib @ /co/demo_c/cext/cx_fib.c:30",
        "│   2 │ fib if n == 1 │ /co/build/demo/tp.jsonl │",
        "[Inferior 1 (process 10157) exited normally]",
        "inode = 10157x",
    ])
    shown = gdbhelp.scrub(session, [("/co/build/demo/", ""), ("/co/", "../../")])
    assert shown.splitlines() == [
        "7 regions of process PID for '[heap]':",
        "dm-dumps/PID-0x5555-0x5556-heap.bin  4096 bytes",
        "fib @ ../../demo_c/cext/cx_fib.c:30",
        "│   2 │ fib if n == 1 │ tp.jsonl                │",  # the cell keeps its width
        "[Inferior 1 (process PID) exited normally]",
        "inode = 10157x",
    ]


def test_excerpt_and_callouts(gdbhelp: Any) -> None:
    session = "(gdb) dj a\n{\n  \"a\": 1\n}\n(gdb) dj b\n[]"
    lines = gdbhelp.excerpt(session, "(gdb) dj a", "}")
    assert lines == ["(gdb) dj a", "{", '  "a": 1', "}"]
    assert gdbhelp.mark(lines, ['"a"', "}"])[2:] == ['  "a": 1  ①', "}  ②"]
    with pytest.raises(ValueError, match="no line contains 'nothing'"):
        gdbhelp.excerpt(session, "nothing", None)
    with pytest.raises(ValueError, match="callout 1"):
        gdbhelp.mark(lines, ["absent"])


# --- the guide's IDE configurations ---------------------------------------------

def _gdb() -> str:
    gdb = os.environ.get("GDB") or shutil.which("gdb")
    if gdb is None:
        pytest.skip("needs gdb")
    return gdb


MI_RECORD = re.compile(r'^(\(gdb\) ?$|[~@&]"|[\^*=+]\w|\d+\^)')


def test_vscode_launch_json_loads_gdbext_through_mi(demo_build: Path) -> None:
    """cpptools sends each setupCommand to gdb/MI; console ones as -interpreter-exec."""
    gdb = _gdb()
    config = json.loads((EXAMPLES / "ide" / "launch.json").read_text(encoding="utf-8"))
    (launch,) = config["configurations"]
    assert launch["type"] == "cppdbg" and launch["MIMode"] == "gdb"
    assert launch["program"] == "${workspaceFolder}/build/demo/json_strings"
    commands = []
    for setup in launch["setupCommands"]:
        text = setup["text"].replace("${workspaceFolder}", str(ROOT))
        if not text.startswith("-"):
            text = "-interpreter-exec console " + json.dumps(text)
        commands.append(text)
    commands += [f"-file-exec-and-symbols {demo_build / 'json_strings'}",
                 "-break-insert inspect", "-exec-run",
                 '-interpreter-exec console "dj doc"', "-gdb-exit"]
    result = subprocess.run([gdb, "-nx", "-i=mi"], input="\n".join(commands) + "\n",
                            capture_output=True, text=True, timeout=TIMEOUT,
                            cwd=demo_build, check=False)
    lines = result.stdout.splitlines()
    answers = [line for line in lines if line.startswith("^")]
    assert answers[:2] == ["^done", "^done"], result.stdout  # both setup commands
    assert "Traceback" not in result.stdout + result.stderr
    stopped = next(i for i, line in enumerate(lines) if line.startswith("*stopped"))
    after_dj = lines.index("^done", stopped)  # dj's answer; its output comes before
    assert '"version' in "".join(lines[stopped:after_dj]), result.stdout
    assert all(MI_RECORD.match(line) for line in lines if line), result.stdout


def test_clion_project_gdbinit_is_auto_loaded(tmp_path: Path) -> None:
    """gdb reads the project's .gdbinit only once ~/.gdbinit declares it safe."""
    gdb = _gdb()
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    home.mkdir()
    ide = EXAMPLES / "ide"
    (project / ".gdbinit").write_text(
        (ide / "project.gdbinit").read_text(encoding="utf-8").replace("/path/to/gdbext",
                                                                     str(ROOT)),
        encoding="utf-8")

    def gdb_in_project() -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in ("XDG_CONFIG_HOME",)}
        env["HOME"] = str(home)
        return subprocess.run([gdb, "-batch", "-ex", "help dj"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)

    refused = gdb_in_project()  # no ~/.gdbinit yet: gdb warns and skips the project's
    assert "auto-load safe-path" in refused.stderr, refused.stderr
    assert "Undefined command" in refused.stderr
    (home / ".gdbinit").write_text(
        (ide / "home.gdbinit").read_text(encoding="utf-8").replace("/path/to/your/project",
                                                                  str(project)),
        encoding="utf-8")
    loaded = gdb_in_project()
    assert loaded.returncode == 0, loaded.stderr
    assert "Usage: dj" in loaded.stdout or "dj" in loaded.stdout.splitlines()[0], loaded.stdout
    assert not loaded.stderr.strip(), loaded.stderr


# --- the built site ---------------------------------------------------------------

def _sphinx(builder: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", builder, "-n", "-W", "--keep-going", "-q",
         "-d", str(out / "doctrees"), *extra, str(ESSAYS), str(out / builder)],
        capture_output=True, text=True, timeout=300, cwd=ROOT, check=False)


@pytest.fixture(scope="session")
def html_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("sphinx")
    if not (ROOT / "build" / "demo" / "json_strings").exists():
        pytest.skip("the guide's sessions need 'make demo-build'")
    out = tmp_path_factory.mktemp("html")
    built = _sphinx("html", out)
    assert built.returncode == 0, built.stdout + built.stderr
    return out / "html"


def test_html_shows_no_checkout_path_pid_or_thread_db_noise(html_site: Path) -> None:
    pages = {page.name: page.read_text(encoding="utf-8") for page in html_site.glob("*.html")}
    assert "gdbext.html" in pages
    for name, text in pages.items():
        assert str(ROOT) not in text, f"{name} shows the checkout's path"
        assert not re.search(r"\(process \d+\)|process \d+ for|\bLWP \d+", text), name
        assert "Using host libthread_db" not in text, name
    guide = pages["gdbext.html"]
    assert guide.count('<details class="fold">') >= 7
    assert guide.index('id="using-gdbext-from-an-ide"') < guide.index('id="settings"')
    assert "(process PID)" in guide and "①" in guide


@pytest.mark.parametrize("setting", ["gdbhelp_gdb=/no/such/gdb", "gdbhelp_build=/no/such/dir"])
def test_build_fails_loudly_without_gdb_or_demo_programs(setting: str, tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    built = _sphinx("dummy", tmp_path, "-D", setting)
    assert built.returncode != 0
    assert "/no/such/" in built.stdout + built.stderr
