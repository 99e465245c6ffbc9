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
        out = gdb.execute(f"complete {command} {text}", to_string=True)
    except gdb.error:
        return []
    head = command + " "
    prefix = head + text
    cut = len(text) - len(word or "")
    return [line[len(head) + cut :] for line in out.splitlines()
            if line.startswith(head) and line.startswith(prefix[: len(head) + cut])]


def use_color() -> bool:
    """Whether output may contain ANSI colour right now."""
    mode = settings.value("color")
    if mode == "on":
        return True
    if mode == "off" or os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(gdb.parameter("style enabled"))
    except gdb.error:
        return False


def write(text: str) -> None:
    """Write TEXT to gdb's output stream."""
    gdb.write(text)
