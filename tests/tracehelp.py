"""What tests of tp and prof read from their output: table rows, boxed by rich or plain."""

from __future__ import annotations

import re

from gdbharness import strip_ansi


def table_rows(text: str, first: str) -> list[list[str]]:
    """Every table row of TEXT whose first cell is FIRST, as its non-empty cells."""
    found = []
    for line in strip_ansi(text).splitlines():
        cells = [c.strip() for c in re.split(r"[│|]", line) if c.strip()]
        if cells and cells[0] == first:
            found.append(cells)
    return found


def table_row(text: str, first: str) -> list[str]:
    """The first table row of TEXT whose first cell is FIRST."""
    found = table_rows(text, first)
    if not found:
        raise AssertionError(f"no table row for {first}:\n{text}")
    return found[0]
