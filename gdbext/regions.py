"""Memory regions as plain records, parsed from gdb's text, and named as files.

Pure logic, without gdb: :mod:`gdbext.inferior` gets the text from gdb and
:mod:`gdbext.dumper` names its dumps with :func:`safe_stem`; both are
unit-tested in tests/test_pure.py without starting gdb.
"""

from __future__ import annotations


class Region:
    """One mapped address range ``[start, end)`` of the program, as a plain record.

    ``perms`` is ``info proc mappings``' column (``rw-p``); for a core file's
    load segments it is three letters (``rw-``) inferred from the segment's
    flags.  ``name`` is the path, ``[heap]``, ``[stack]``, ... or ``""`` for
    anonymous memory.
    """

    __slots__ = ("end", "name", "offset", "perms", "start")

    def __init__(self, start: int, end: int, perms: str, offset: int, name: str) -> None:
        self.start, self.end, self.perms, self.offset, self.name = start, end, perms, offset, name

    @property
    def size(self) -> int:
        return self.end - self.start

    def __repr__(self) -> str:
        return (
            f"Region({self.start:#x}, {self.end:#x}, {self.perms!r}, {self.offset:#x}, "
            f"{self.name!r})"
        )


def parse_proc_mappings(text: str) -> list[Region]:
    """The regions in the output of ``info proc mappings``.

    Live processes have a ``Perms`` column; core files (file-backed mappings
    only) do not, and get ``perms == ""``.
    """
    regions = []
    has_perms = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("Start Addr"):
            has_perms = "Perms" in stripped.split()
            continue
        if not stripped.startswith("0x"):
            continue
        fields = stripped.split(None, 5 if has_perms else 4)
        try:
            start, end, offset = int(fields[0], 16), int(fields[1], 16), int(fields[3], 16)
        except (IndexError, ValueError):
            continue
        if has_perms:
            perms = fields[4] if len(fields) > 4 else ""
            name = fields[5] if len(fields) > 5 else ""
        else:
            perms, name = "", fields[4] if len(fields) > 4 else ""
        regions.append(Region(start, end, perms, offset, name))
    return regions


def parse_core_sections(text: str) -> list[Region]:
    """The load segments listed under ``Core file:`` in ``maintenance info sections``.

    BFD splits a segment whose memory size exceeds its file size into
    ``loadNa`` and ``loadNb``; the two become one region again.  Permissions
    come from the flags: always ``r``, ``w`` unless READONLY, ``x`` if CODE.
    Names are empty; :func:`core_regions` adds them.
    """
    regions: list[Region] = []
    in_core = False
    last_load = ""
    for line in text.splitlines():
        if not line.startswith(" "):
            in_core = line.startswith("Core file:")
            continue
        if not in_core:
            continue
        # " [14]     0x555555554000->0x555555555000 at 0x00000548: load1 ALLOC LOAD ..."
        head, sep, tail = line.partition(": ")
        fields = head.split()
        words = tail.split()
        if not sep or len(fields) < 4 or not words or not words[0].startswith("load"):
            continue
        if "ALLOC" not in words[1:]:
            continue
        try:
            start_text, _, end_text = fields[1].partition("->")
            start, end = int(start_text, 16), int(end_text, 16)
        except ValueError:
            continue
        if end <= start:
            continue
        load = words[0].rstrip("ab")
        perms = "r" + ("-" if "READONLY" in words else "w") + ("x" if "CODE" in words else "-")
        previous = regions[-1] if regions else None
        if previous is not None and load == last_load and previous.end == start:
            previous.end = end  # loadNb continues loadNa
            continue
        regions.append(Region(start, end, perms, 0, ""))
        last_load = load
    return regions


def printable(name: str) -> str:
    """NAME with control characters escaped, safe to print on a terminal."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)


def safe_stem(name: str) -> str:
    """A file-name part made from a region name: its base name, only [A-Za-z0-9._+-].

    Never empty, never starts with '.', never holds '/' or NUL, at most 64
    characters: '[heap]' -> 'heap', '/usr/lib/libc.so.6' -> 'libc.so.6',
    '../../x' -> 'x', '' -> 'anon'.
    """
    if not name:
        return "anon"
    base = name.rstrip("/").rsplit("/", 1)[-1].strip("[]")
    out = []
    for c in base:
        ok = c.isascii() and (c.isalnum() or c in "._+-")
        if ok:
            out.append(c)
        elif out and out[-1] != "_":
            out.append("_")
    stem = "".join(out).strip("._-")[:64].rstrip("._-")
    return stem or "region"
