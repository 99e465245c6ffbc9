"""What every command shares for talking to the user.

- :class:`Command`: the base class.  It turns any failure into one
  ``gdb.GdbError`` line that names the command, so no user ever sees a
  Python traceback.
- :func:`use_color`: the one colour decision (``set gdbext color``,
  gdb's ``set style enabled``, ``NO_COLOR``).
- :func:`write`: output to gdb.

Highlighting and tables (pygments, rich) are in :mod:`gdbext.render`,
imported by the commands that need them at first use.
"""

from __future__ import annotations

import os

import gdb

from gdbext import settings
from gdbext.usage import UsageError

# typing and argparse cost milliseconds to import; gdbext loads without them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, NoReturn


class Command(gdb.Command):
    """Base class: subclasses set ``name`` and a docstring and implement ``run``.

    The docstring is gdb's ``help NAME`` text.  ``completer`` is one of gdb's
    ``COMPLETE_*`` constants, or override ``complete``.
    """

    name: str = ""
    command_class: int = gdb.COMMAND_DATA
    completer: int = gdb.COMPLETE_NONE

    def __init__(self) -> None:
        super().__init__(self.name, self.command_class, self.completer)

    def run(self, arg: str, from_tty: bool) -> None:
        raise NotImplementedError

    def invoke(self, arg: str, from_tty: bool) -> None:
        try:
            self.run(arg, from_tty)
        except (gdb.GdbError, UsageError) as exc:
            raise gdb.GdbError(self.message(exc)) from None
        except (gdb.error, gdb.MemoryError) as exc:
            raise gdb.GdbError(self.message(exc)) from None
        except KeyboardInterrupt:
            raise gdb.GdbError(f"{self.name}: interrupted") from None
        except Exception as exc:  # a bug in gdbext: still one line, never a traceback
            raise gdb.GdbError(internal_error(self.name, exc)) from None

    def message(self, exc: BaseException) -> str:
        """One line that starts with the command's name."""
        text = first_line(exc)
        return text if text.startswith(self.name + ":") else f"{self.name}: {text}"

    def fail(self, message: str) -> NoReturn:
        """Stop the command with MESSAGE, prefixed with the command's name."""
        raise gdb.GdbError(f"{self.name}: {message}")


def internal_error(who: str, exc: BaseException) -> str:
    """The one line for a bug in gdbext; with ``set gdbext debug on`` the traceback first.

    WHO names the command (or 'tp: tracepoint 2').
    """
    try:
        debug = bool(settings.value("debug"))
    except (KeyError, gdb.error):
        debug = False
    if debug:
        import traceback

        gdb.write("".join(traceback.format_exception(exc)), gdb.STDERR)
    return (f"{who}: internal error ({type(exc).__name__}: {first_line(exc)}); "
            "please report it with the command you ran"
            + ("" if debug else " ('set gdbext debug on' shows the details)"))


def first_line(exc: BaseException | str) -> str:
    """The first non-empty line of an exception's text (gdb errors can span lines)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__ if isinstance(exc, BaseException) else ""


def arg_parser(prog: str, **kwargs: Any) -> argparse.ArgumentParser:
    """An argparse parser for command PROG that raises ``gdb.GdbError`` on bad input.

    Parse with ``parser.parse_args(gdb.string_to_argv(arg))``.  argparse is
    imported here, at first use, not when gdbext loads.
    """
    import argparse

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise gdb.GdbError(f"{self.prog}: {message}; see 'help {self.prog}'")

    return _Parser(prog=prog, add_help=False, allow_abbrev=False, **kwargs)


def gdb_completions(command: str, text: str, word: str | None) -> list[str]:
    """What gdb completes for ``COMMAND TEXT`` (e.g. 'print', 'break'), cut to WORD.

    For a command whose argument ends with an expression or a location that
    gdb's own completer understands.
    """
    text = text.lstrip()
    try:
        out = capture(f"complete {command} {text}")
    except gdb.error:
        return []
    head = command + " "
    prefix = head + text
    cut = len(text) - len(word or "")
    return [line[len(head) + cut :] for line in out.splitlines()
            if line.startswith(head) and line.startswith(prefix[: len(head) + cut])]


def use_color() -> bool:
    """Whether output may contain ANSI colour right now.

    ``auto`` colours only where a person reads a terminal: gdb's ``style
    enabled`` on, ``NO_COLOR`` unset, and gdb's interpreter the console, not
    gdb/MI or DAP (IDEs show console records as plain text, and gdb leaves
    ``style enabled`` on under MI).
    """
    mode = settings.value("color")
    if mode == "on":
        return True
    if mode == "off" or os.environ.get("NO_COLOR") or machine_interface():
        return False
    try:
        return bool(gdb.parameter("style enabled"))
    except gdb.error:
        return False


def capture(command: str) -> str:
    """What gdb's COMMAND prints, as the text a person would read.

    gdb 18 under MI returns some commands' output from ``gdb.execute(...,
    to_string=True)`` still wrapped in MI console records (``~"text\\n"``),
    line by line and mixed with plain lines; those are unwrapped here, so
    that what gdbext parses reads the same under every gdb and interpreter.
    """
    return unwrap(gdb.execute(command, to_string=True))


def unwrap(text: str) -> str:
    """TEXT with MI console records (``~"text\\n"``) replaced by their text.

    A command that captures another's output itself (``frame apply``) can
    come back wrapped twice: records are unwrapped until none is left.
    """
    import re

    while '~"' in text or '&"' in text:
        out = []
        for line in text.splitlines(keepends=True):
            record = re.fullmatch(r'[~&]"(.*)"\n?', line, re.DOTALL)
            out.append(_c_string(record.group(1)) if record else line)
        unwrapped = "".join(out)
        if unwrapped == text:
            break
        text = unwrapped
    return text


def _c_string(body: str) -> str:
    """The text of an MI C string's BODY; octal escapes are UTF-8 bytes."""
    import re

    named = {"n": b"\n", "t": b"\t", "r": b"\r", "e": b"\x1b", '"': b'"', "\\": b"\\"}
    data = bytearray()
    for part in re.finditer(r"\\([0-7]{1,3}|.)|[^\\]+", body, re.DOTALL):
        escape = part.group(1)
        if escape is None:
            data += part.group(0).encode()
        elif escape[0] in "01234567":
            data.append(int(escape, 8) & 0xFF)
        else:
            data += named.get(escape, escape.encode())
    return data.decode("utf-8", "replace")


_MACHINE: list[bool] = []


def machine_interface() -> bool:
    """Whether gdb was started for a program to drive (``-i=mi``, ``--interpreter=dap``, ...).

    gdb's Python API does not say which interpreter is running, but the
    interpreter is chosen on gdb's command line and never changes after, so
    gdb's own argument list (``/proc/self/cmdline``) answers once for good.
    """
    if not _MACHINE:
        _MACHINE.append(_interpreter_from_argv(_own_argv()) not in ("", "console", "tui"))
    return _MACHINE[0]


def _own_argv() -> list[str]:
    try:
        with open("/proc/self/cmdline", "rb") as f:
            raw = f.read()
    except OSError:
        return []
    return [a.decode("utf-8", "replace") for a in raw.split(b"\0") if a]


def _interpreter_from_argv(argv: list[str]) -> str:
    """The interpreter named by gdb's options in ARGV ('' when none is)."""
    name = ""
    args = iter(argv[1:])
    for arg in args:
        if arg in ("--args", "-args"):
            break  # what follows is the program's command line
        option, eq, value = arg.lstrip("-").partition("=")
        if arg.startswith("-") and option in ("i", "interpreter"):
            name = value if eq else next(args, "")
    return name


def write(text: str) -> None:
    """Write TEXT to gdb's output stream."""
    gdb.write(text)
