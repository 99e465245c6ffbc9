"""Highlighting (pygments) and tables (rich), with plain-text fallbacks.

Imported at first use by the commands that colour or tabulate, never when
gdbext loads: pygments and rich themselves are imported only inside these
functions, and a missing one costs one hint line per session, not a failure.
"""

from __future__ import annotations

import os

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


_hinted: set[str] = set()


def hint_missing(package: str, what: str) -> None:
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
        hint_missing("pygments", "output is not highlighted")
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
    color = ui.use_color()
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
