"""pl [ARGS]: gdb's ``list`` with syntax highlighting and a current-line marker."""

from __future__ import annotations

import os

import gdb

from gdbext import settings, ui

# Plain strings: re compiles them at first use (and caches them), not when gdbext loads.
_LINE = r"^(\d+)\t(.*)$"
_ANSI = r"\x1b\[[0-9;]*m"
_LOCATED = r"(?m)^Located in (.+)$"
MARKER = "=> "

# path -> (mtime, style, highlighted lines): each file is highlighted whole, once,
# so comments and strings that span lines colour correctly.
_cache: dict[str, tuple[float, str, list[str]]] = {}


class PrettyList(ui.Command):
    """List source lines like 'list', with syntax highlighting.

Usage: pl [ARGS]

ARGS are exactly what 'list' takes (pl, pl -, pl fib, pl file.c:10,20, ...),
and pl shows the same lines with the same numbers.  The line where the
selected frame stopped is marked with '=>', with or without colour.

Colour follows 'set gdbext color' (auto: when 'set style enabled' is on and
NO_COLOR is unset).  'set gdbext pl-style NAME' picks any pygments style.
The lexer is chosen from the file name (C, C++, Python, assembly, ...;
plain text when unknown)."""

    name = "pl"
    command_class = gdb.COMMAND_FILES
    completer = gdb.COMPLETE_LOCATION

    def run(self, arg: str, from_tty: bool) -> None:
        import re

        from gdbext import render

        listing = re.sub(_ANSI, "", ui.capture(f"list {arg}".rstrip()))
        path = _current_source()
        color = ui.use_color()
        lines = _highlighted(path) if (color and path) else None
        marked = _stopped_line(path)
        out = []
        for raw in listing.splitlines():
            match = re.match(_LINE, raw)
            if not match:
                out.append(raw)
                continue
            number, text = int(match.group(1)), match.group(2)
            if color:
                if lines is not None and number <= len(lines) and _same(lines[number - 1], text):
                    text = lines[number - 1]
                else:  # the file changed on disk, or there is no file: colour the line alone
                    alias = render.lexer_alias_for(path or "")
                    text = render.highlight(text, alias, _style()).rstrip("\n")
            prefix = MARKER if number == marked else ""
            if prefix and color:
                prefix = "\x1b[1;32m" + prefix + "\x1b[0m"
            out.append(f"{prefix}{number}\t{text}")
        ui.write("\n".join(out) + ("\n" if out else ""))


def _style() -> str:
    return settings.value("pl-style") or "default"


def _current_source() -> str | None:
    """The full path of the file 'list' just showed, or None."""
    try:
        info = ui.capture("info source")
    except gdb.error:
        return None
    import re

    match = re.search(_LOCATED, info)
    return match.group(1).strip() if match else None


def _stopped_line(path: str | None) -> int | None:
    """The line in PATH where the selected frame is, if it is in PATH."""
    if path is None:
        return None
    try:
        sal = gdb.selected_frame().find_sal()
    except gdb.error:
        return None
    if sal.symtab is None or sal.line == 0:
        return None
    try:
        same = os.path.realpath(sal.symtab.fullname()) == os.path.realpath(path)
    except (gdb.error, OSError):
        return None
    return sal.line if same else None


def _same(highlighted: str, text: str) -> bool:
    import re

    return re.sub(_ANSI, "", highlighted) == text


def _highlighted(path: str) -> list[str] | None:
    """PATH highlighted whole, as one string per line; None when unreadable."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    style = _style()
    cached = _cache.get(path)
    if cached and cached[0] == mtime and cached[1] == style:
        return cached[2]
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            source = f.read()
    except OSError:
        return None
    from gdbext import render

    lines = render.highlight(source, render.lexer_alias_for(path), style).split("\n")
    _cache[path] = (mtime, style, lines)
    return lines


def register() -> None:
    PrettyList()
