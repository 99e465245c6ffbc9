"""tp's and prof's front end: one grammar, one location check, one listing, one completion.

- :func:`parse`: ``[OPTIONS] [--] LOCATION [if CONDITION]`` (the grammar
  itself is :mod:`gdbext.trace.grammar`, pure and unit-tested);
- :func:`check_location`: fail now, clearly, for a location that can
  never exist; one that a shared library may still define is pending;
- :func:`listing`: the table ``tp`` and ``prof`` print without arguments;
- :func:`complete`: options, a FILE after ``-o``/``--folded``, and the
  location as ``break`` completes it, after any options.
"""

from __future__ import annotations

import os

import gdb

from gdbext import render, ui
from gdbext.trace import engine, grammar, writer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

    from gdbext.trace.engine import Client, Probe, Wants
    from gdbext.trace.grammar import Request

# gdb's errors for a location that a library loaded later could still satisfy.
PENDING_ERRORS = ('Function "', "No source file named ")


def parse(command: str, arg: str) -> Request:
    """The request in ARG for COMMAND; a bad one is a one-line ``gdb.GdbError``."""
    return grammar.parse(command, arg)


def check_location(location: str) -> tuple[Sequence[gdb.Symtab_and_line] | None, bool]:
    """``(sals, pending)`` for LOCATION, or a ``gdb.GdbError`` saying why it can't be.

    ``sals`` is None when the location is left for ``gdb.Breakpoint`` itself
    to check (explicit locations, ``*EXPRESSION``); ``pending`` is True when
    it matches nothing yet but a shared library could define it.
    """
    import re

    # gdb 13's gdb.decode_line parses outside its error handler: an unmatched
    # quote or a bad *EXPRESSION there crashes gdb.  So only plain linespecs
    # (function, FILE:LINE, Class::method, +N) are decoded here; gdb.Breakpoint
    # reports errors in the others safely.
    if not re.fullmatch(r"[\w$.:/+~@\- \t]+", location) or location.startswith("-"):
        return None, False
    try:
        rest, sals = gdb.decode_line(location)
    except gdb.error as exc:
        message = ui.first_line(exc) if str(exc).strip() else "bad location"
        if not message.startswith(PENDING_ERRORS):
            raise gdb.GdbError(message) from None
        reason = no_shared_libraries()
        if reason:
            raise gdb.GdbError(
                f"{message.rstrip('.')} ({reason}, so no shared library can define it)"
            ) from None
        return None, True
    if rest and rest.strip():
        raise gdb.GdbError(f"unexpected '{rest.strip()}' after the location")
    return sals, False


def no_shared_libraries() -> str:
    """Why no shared library can ever be loaded into the program ('' when one can)."""
    import struct

    path = gdb.current_progspace().filename
    if not path:
        return "no program is loaded"
    try:
        with open(path, "rb") as f:
            header = f.read(64)
            if header[:4] != b"\x7fELF":
                return ""
            end = "<" if header[5] == 1 else ">"
            if header[4] == 2:  # 64-bit
                (phoff,) = struct.unpack_from(end + "Q", header, 32)
                phentsize, phnum = struct.unpack_from(end + "HH", header, 54)
            else:
                (phoff,) = struct.unpack_from(end + "I", header, 28)
                phentsize, phnum = struct.unpack_from(end + "HH", header, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
        types = [struct.unpack_from(end + "I", table, i * phentsize)[0] for i in range(phnum)]
    except (OSError, struct.error):
        return ""  # unreadable or odd: assume libraries may come
    if 3 in types:  # PT_INTERP: a dynamic loader will load libraries
        return ""
    return f"{os.path.basename(path)} is statically linked"


def refuse_core(command: str) -> None:
    """A core file has no running program: fail before anything is set."""
    from gdbext import inferior

    if inferior.is_core():
        raise gdb.GdbError(
            f"a core file has no running program to {command}; "
            f"'run' or 'attach' a process first (nothing was set)")


def start(request: Request, wants: Wants, client: Client,
          out: writer.Writer | None) -> Probe:
    """Have the engine probe REQUEST's location for CLIENT; OUT is claimed only on success.

    On failure nothing is left: no breakpoint, and no file that this
    command created.
    """
    try:
        probe = engine.get().probe(request, wants, client)
        if out is not None:
            out.claim()
    except gdb.GdbError:
        if out is not None:
            out.abandon()
        raise
    return probe


def listing(title: str, columns: Sequence[str], rows: list[list[str]]) -> str:
    """The table of probes: Num first, numbers right-aligned."""
    right = [i for i, c in enumerate(columns) if c in ("Num", "Hits", "Calls", "Completed")]
    return render.render_table(title, tuple(columns), rows, right=right)


def complete(command: str, text: str, word: str | None) -> object:
    """Completions for COMMAND's arguments TEXT, WORD being the word gdb completes."""
    try:
        where, _words, partial = grammar.words_before(text)
    except Exception:  # completion never shows an error
        return []
    if where == "file":
        return _complete_file(partial, word)
    if where == "option":
        names = [n for o in grammar.OPTIONS[command] for n in o.names]
        names += list(grammar.EXPLICIT)
        cut = len(partial) - len(word or "")
        return [n[cut:] for n in names if n.startswith(partial)]
    return ui.gdb_completions("break", partial, word)


def _complete_file(partial: str, word: str | None) -> list[str]:
    """File names that start with PARTIAL (folders end in '/'), cut to WORD."""
    import glob

    cut = len(partial) - len(word or "")
    found = []
    for path in sorted(glob.glob(glob.escape(os.path.expanduser(partial)) + "*"))[:500]:
        slash = "/" if os.path.isdir(path) else ""
        if partial.startswith("~"):
            path = partial + path[len(os.path.expanduser(partial)):]
        found.append(path[cut:] + slash)
    return found
