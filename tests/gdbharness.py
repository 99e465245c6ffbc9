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
from collections.abc import Sequence
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parent.parent
GDBEXT_INIT = REPO / "gdbext" / "__init__.py"
PROMPT = "(gdbext-test) "
DEFAULT_TIMEOUT = 30

SETUP = (
    "set pagination off",
    "set confirm off",
    "set width 0",
    "set height 0",
    # gdb styles a pty's output even with TERM=dumb; tests that check colour
    # turn it on themselves.
    "set style enabled off",
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
            "gdb",
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
    argv = ["gdb", "-nx", "-batch"]
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
