"""Drive a real gdb: interactive sessions through pexpect, and batch runs.

Every gdb started here runs with ``-nx`` (no user .gdbinit), pagination and
confirmation off, unlimited width, and TERM=dumb (no bracketed-paste escapes
around prompts).  Every expect has a timeout, so a hung gdb fails the test
instead of hanging the run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pexpect
from pexpect.popen_spawn import PopenSpawn

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # gdbext's pure modules (no gdb import) serve the tests too

from gdbext.mi import c_string  # noqa: E402

GDBEXT_INIT = REPO / "gdbext" / "__init__.py"
PROMPT = "(gdbext-test) "
# The gdb under test: GDB=/path/to/gdb, default the gdb first on PATH.
GDB = os.environ.get("GDB") or "gdb"
DEFAULT_TIMEOUT = 30

SETUP = (
    "set pagination off",
    "set confirm off",
    "set width 0",
    "set height 0",
    # gdb styles a pty's output even with TERM=dumb; tests that check colour
    # turn it on themselves.
    "set style enabled off",
    # Releases other than the distribution's own (gdb-for-pwndbg) differ in
    # what they bring: they export their PYTHONHOME into the programs they
    # run, have no libstdc++ printers on their auto-load path, and offer
    # debuginfod downloads.  The same settings on every gdb make the
    # sessions alike; none of them is gdbext's business.
    "unset environment PYTHONHOME",
    "add-auto-load-safe-path /usr/share/gdb/auto-load",
    "add-auto-load-scripts-directory /usr/share/gdb/auto-load",
    "set debuginfod enabled off",
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def gdb_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment gdb runs in: the caller's, with a dumb terminal."""
    env = dict(os.environ)
    env["TERM"] = "dumb"
    env.pop("NO_COLOR", None)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    if extra:
        env.update(extra)
    return env


# gdb's answer to `info breakpoints` when there are none; gdb 13 says "No
# breakpoints or watchpoints.", gdb 16 and later list more kinds.
NO_BREAKPOINTS = re.compile(r"^No breakpoints(,| or) watchpoints", re.MULTILINE)


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def assert_clean(text: str) -> None:
    """A user must never see a Python traceback."""
    markers = ("Traceback (most recent call last)", "Python Exception", "Error occurred in Python")
    for marker in markers:
        assert marker not in text, f"gdb showed a Python error:\n{text}"


class GdbSession:
    """An interactive gdb under pexpect; ``cmd`` runs one command and returns its output."""

    def __init__(
        self,
        program: os.PathLike | str | None = None,
        args: Sequence[str] = (),
        load: bool = True,
        cwd: os.PathLike | str | None = None,
        env: dict[str, str] | None = None,
        pre: Sequence[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        argv = ["-nx", "-q", "-iex", f"set prompt {PROMPT}"]
        for line in SETUP:
            argv += ["-iex", line]
        for line in pre:
            argv += ["-iex", line]
        if program is not None:
            argv += ["--args", str(program), *args]
        self.timeout = timeout
        self.child = pexpect.spawn(
            GDB,
            argv,
            cwd=str(cwd) if cwd else None,
            env=gdb_env(env),
            encoding="utf-8",
            codec_errors="replace",
            timeout=timeout,
            dimensions=(24, 500),
        )
        self.child.delaybeforesend = None  # the default 50 ms per send adds up
        self.log: list[str] = []
        self._expect_prompt(timeout)
        if load:
            out = self.cmd(f"source {GDBEXT_INIT}")
            assert out == "", f"loading gdbext printed: {out!r}"

    def _expect_prompt(self, timeout: float | None) -> str:
        self.child.expect_exact(PROMPT, timeout=timeout or self.timeout)
        text = self.child.before.replace("\r\n", "\n")
        self.log.append(text)
        return text

    def cmd(self, line: str, timeout: float | None = None) -> str:
        """Run LINE and return what gdb printed before the next prompt (no echo)."""
        self.child.sendline(line)
        text = self._expect_prompt(timeout)
        # The terminal echoes what we typed; drop that first line.
        first, _, rest = text.partition("\n")
        if first.strip() == line.strip():
            text = rest
        assert_clean(text)
        return text.rstrip("\n") if text.endswith("\n") else text

    def error(self, line: str) -> str:
        """Run LINE, a gdbext command that must fail: one line naming the command."""
        out = self.cmd(line)
        name = line.split()[0]
        assert "\n" not in out and out.startswith(f"{name}: "), (line, out)
        return out

    def close(self) -> None:
        if self.child.isalive():
            try:
                self.child.sendline("kill")
                self.child.sendline("quit")
                self.child.expect(pexpect.EOF, timeout=10)
            except (pexpect.TIMEOUT, pexpect.EOF, OSError):
                pass
        self.child.close(force=True)


def run_batch(
    program: os.PathLike | str | None,
    commands: Sequence[str],
    args: Sequence[str] = (),
    load: bool = True,
    cwd: os.PathLike | str | None = None,
    env: dict[str, str] | None = None,
    pre: Sequence[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run gdb -batch with COMMANDS; stdout and stderr together in ``.stdout``."""
    argv = [GDB, "-nx", "-batch"]
    for line in (*SETUP, *pre):
        argv += ["-iex", line]
    if load:
        argv += ["-ex", f"source {GDBEXT_INIT}"]
    for line in commands:
        argv += ["-ex", line]
    if program is not None:
        argv += ["--args", str(program), *args]
    return subprocess.run(
        argv,
        cwd=str(cwd) if cwd else None,
        env=gdb_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )


# An MI output line: a record, optionally behind a token, or the prompt.
MI_RECORD = re.compile(r'^(\d*[\^*+=][a-z-]+(,.*)?|[~@&]".*"|\(gdb\) ?)$')
MI_CONSOLE = re.compile(r'^[~@&]"(.*)"$')


class MiSession:
    """gdb driven through gdb/MI over pipes, as an IDE drives it.

    ``command`` sends one MI command with a token and returns every line up
    to its result record; ``console`` runs a CLI command through
    ``-interpreter-exec console``.  Each line gdb writes is kept in
    ``lines`` so that a test can check that all of them are MI records.
    """

    def __init__(self, program: os.PathLike | str | None = None, args: Sequence[str] = (),
                 cwd: os.PathLike | str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        argv = [GDB, "-nx", "-q", "--interpreter=mi3"]
        for line in SETUP:  # style stays as gdb sets it under MI: that is what is tested
            if not line.startswith("set style"):
                argv += ["-iex", line]
        if program is not None:
            argv += ["--args", str(program), *args]
        self.timeout = timeout
        # Pipes, not a terminal: IDEs talk to gdb this way.
        self.child = PopenSpawn(argv, cwd=str(cwd) if cwd else None, env=gdb_env(),
                                encoding="utf-8", codec_errors="replace", timeout=timeout)
        self.child.delaybeforesend = None
        self.lines: list[str] = []
        self.token = 0
        self._until(re.compile(r"^\(gdb\) ?$"))
        # The program's own output must not mix with the MI stream.
        self.command("-inferior-tty-set /dev/null")

    def _readline(self, timeout: float) -> str:
        self.child.expect("\r?\n", timeout=timeout)
        line = self.child.before
        self.lines.append(line)
        return line

    def _until(self, pattern: re.Pattern[str], timeout: float | None = None) -> list[str]:
        got = []
        while True:
            line = self._readline(timeout or self.timeout)
            got.append(line)
            if pattern.match(line):
                return got

    def command(self, line: str, timeout: float | None = None) -> list[str]:
        """Send LINE with a fresh token; the lines up to and including its result record."""
        self.token += 1
        self.child.sendline(f"{self.token}{line}")
        return self._until(re.compile(rf"^{self.token}\^"), timeout)

    def console(self, line: str, timeout: float | None = None) -> tuple[str, str]:
        """Run a CLI command: ``(console text, result record)``."""
        quoted = line.replace("\\", "\\\\").replace('"', '\\"')
        got = self.command(f'-interpreter-exec console "{quoted}"', timeout)
        return mi_console_text(got), got[-1]

    def wait_stopped(self, timeout: float | None = None) -> list[str]:
        """The lines up to the next ``*stopped`` record."""
        return self._until(re.compile(r"^\*stopped"), timeout)

    def close(self) -> None:
        try:
            self.child.sendline("-gdb-exit")
            self.child.expect(pexpect.EOF, timeout=10)
        except (pexpect.TIMEOUT, pexpect.EOF, OSError):
            self.child.kill(9)
        self.child.wait()


def mi_console_text(lines: Sequence[str]) -> str:
    """What the console stream records (``~"..."``) among LINES say, joined."""
    return "".join(c_string(m.group(1)) for m in map(MI_CONSOLE.match, lines)
                   if m and m.group(0).startswith("~"))
