"""What every command shares for talking to the user.

- :class:`Command`: the base class.  It turns any failure into one
  ``gdb.GdbError`` line that names the command, so no user ever sees a
  Python traceback.
- :func:`use_color`: the one colour decision (``set gdbext color``,
  gdb's ``set style enabled``, ``NO_COLOR``).
- :func:`highlight` and :func:`render_table`: pygments and rich, imported at
  first use, with plain-text fallbacks when they are not installed.
"""

from __future__ import annotations

import os

import gdb

from gdbext import settings

# typing and argparse cost milliseconds to import; gdbext loads without them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
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
        except gdb.GdbError as exc:
            raise gdb.GdbError(self.message(exc)) from None
        except (gdb.error, gdb.MemoryError) as exc:
            raise gdb.GdbError(self.message(exc)) from None
        except KeyboardInterrupt:
            raise gdb.GdbError(f"{self.name}: interrupted") from None
        except Exception as exc:  # a bug in gdbext: still one line, never a traceback
            raise gdb.GdbError(
                f"{self.name}: internal error ({type(exc).__name__}: {first_line(exc)}); "
                "please report it with the command you ran"
            ) from None

    def message(self, exc: BaseException) -> str:
        """One line that starts with the command's name."""
        text = first_line(exc)
        return text if text.startswith(self.name + ":") else f"{self.name}: {text}"

    def fail(self, message: str) -> NoReturn:
        """Stop the command with MESSAGE, prefixed with the command's name."""
        raise gdb.GdbError(f"{self.name}: {message}")


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


_hinted: set[str] = set()


def _hint_missing(package: str, what: str) -> None:
    """Say once per session that PACKAGE is missing, in one line."""
    if package not in _hinted:
        _hinted.add(package)
        gdb.write(f"gdbext: {package} is not installed, so {what} (pip install {package})\n")


# File name extensions to pygments lexer aliases.  pygments' own
# get_lexer_for_filename costs ~50 ms on first use; this table costs nothing.
LEXER_BY_EXTENSION = {
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".hh": "cpp", ".hpp": "cpp",
    ".hxx": "cpp", ".h++": "cpp", ".ipp": "cpp", ".tcc": "cpp", ".inl": "cpp",
    ".py": "python", ".pyw": "python", ".pyi": "python",
    ".s": "gas", ".S": "gas", ".asm": "nasm",
    ".rs": "rust", ".go": "go", ".d": "d", ".f": "fortran", ".f90": "fortran",
    ".m": "objective-c", ".mm": "objective-c++", ".java": "java", ".zig": "zig",
    ".sh": "bash", ".json": "json", ".js": "javascript",
}


def lexer_alias_for(path: str) -> str:
    """The pygments lexer alias for a source file, ``text`` when unknown."""
    return LEXER_BY_EXTENSION.get(os.path.splitext(path)[1], "text")


def highlight(text: str, lexer_alias: str, style: str | None = None) -> str:
    """TEXT with ANSI colours for LEXER_ALIAS, or TEXT unchanged without pygments."""
    try:
        from pygments import highlight as _pyg_highlight
        from pygments.formatters import Terminal256Formatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
    except ImportError:
        _hint_missing("pygments", "output is not highlighted")
        return text
    try:
        lexer = get_lexer_by_name(lexer_alias, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return text
    try:
        formatter = Terminal256Formatter(style=style or "default")
    except ClassNotFound:
        formatter = Terminal256Formatter(style="default")
    return _pyg_highlight(text, lexer, formatter)


def render_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()
) -> str:
    """A table as text: rich's box drawing when available, plain columns otherwise.

    RIGHT lists the indexes of columns to align right (numbers).
    """
    cells = [[str(c) for c in row] for row in rows]
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        return _plain_table(title, columns, cells, right)
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i in right else "left", no_wrap=True)
    for row in cells:
        table.add_row(*(Text(c) for c in row))  # Text: '[heap]' is not rich markup
    color = use_color()
    console = Console(
        width=max(80, _table_width(columns, cells) + 4 * len(columns) + 4),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
    )
    with console.capture() as capture:
        console.print(table)
    return capture.get()


def _table_width(columns: Sequence[str], cells: Sequence[Sequence[str]]) -> int:
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    return sum(widths)


def _plain_table(
    title: str, columns: Sequence[str], cells: Sequence[Sequence[str]], right: Sequence[int]
) -> str:
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]

    def line(values: Sequence[str]) -> str:
        out = [
            v.rjust(w) if i in right else v.ljust(w)
            for i, (v, w) in enumerate(zip(values, widths))
        ]
        return "  ".join(out).rstrip()

    text = [title, line(columns), "  ".join("-" * w for w in widths)]
    text.extend(line(row) for row in cells)
    return "\n".join(text) + "\n"


def write(text: str) -> None:
    """Write TEXT to gdb's output stream."""
    gdb.write(text)
