"""The fast path: the newest frame's values read straight from memory, checked first.

Used by the breakpoint engine for tp's hits (see :class:`FastReader`); the
slow path, and everything cached per code location, is
:mod:`gdbext.trace.frames`.
"""

from __future__ import annotations

import os

import gdb

from gdbext.trace import frames as _frames
from gdbext.trace.frames import Entry, Scope, shorten, unavailable, value_text

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# -- The fast path: values of the newest frame read straight from memory -----
#
# With -O0-style code, an argument or local that lives in memory sits, at a
# given pc, at a fixed offset from the frame pointer.  Creating a gdb.Frame
# (gdb computes its frame id from the unwind tables) and reading a symbol
# through it cost about 35 µs per hit; reading two registers and one block
# of memory costs about 8.  A FastReader learns the offsets of one Scope from
# the slow path, checks them on several hits, and only then reads the fast
# way: see FastReader.

FAST = os.environ.get("GDBEXT_FAST", "1") != "0"
"""Whether :class:`FastReader` may read without a frame (tests turn it off to compare)."""

LEARN_HITS = 3  #: hits on which the fast reading must agree with gdb's before it is used

# Frame pointer and stack pointer per architecture, read as raw registers
# ("$sp" and "$fp" are computed from the frame, as slow as the frame itself).
_REGISTERS = {
    "i386:x86-64": ("$rbp", "$rsp"),
    "i386:x86-64:intel": ("$rbp", "$rsp"),
    "i386": ("$ebp", "$esp"),
    "i386:intel": ("$ebp", "$esp"),
}
# Integer types that gdb prints as plain decimal numbers (char types print
# as `65 'A'`, wchar_t and friends as `65 L'A'`: they are read by gdb).
_PLAIN_INTS = {
    "short": "h", "short int": "h", "signed short": "h",
    "unsigned short": "H", "short unsigned int": "H", "unsigned short int": "H",
    "int": "i", "signed int": "i", "signed": "i",
    "unsigned int": "I", "unsigned": "I",
    "long": "q", "long int": "q", "signed long": "q",
    "unsigned long": "Q", "long unsigned int": "Q", "unsigned long int": "Q",
    "long long": "q", "long long int": "q", "signed long long": "q",
    "unsigned long long": "Q", "long long unsigned int": "Q", "unsigned long long int": "Q",
}
_TEXTUAL = {"wchar_t", "char8_t", "char16_t", "char32_t"}

_LEARNING, _READY, _OFF = 0, 1, 2
_SLOW, _STRUCT, _BOOL, _GDB = 0, 1, 2, 3  # how one entry is read on the fast path


class FastReader:
    """Reads a :class:`Scope`'s values in the newest frame without a ``gdb.Frame``.

    One reader serves one caller (a tracepoint) at one pc whose newest frame
    is described by SCOPE (not an inlined frame: the caller checks).  Give it
    the first hits through :meth:`learn`, which reads the slow way (as
    :meth:`Scope.values`) and records, for each entry that lives in memory,
    its offset from the frame pointer.  Once LEARN_HITS hits agree (same
    offsets, same frame pointer - stack pointer distance, and the fast
    reading gives exactly gdb's text), :meth:`read` serves later hits:

    - both registers are read and their distance must be the learned one
      (a different distance means the frame is laid out differently: the
      pc is in a prologue, or a variable-length array moved the stack
      pointer), else :meth:`read` returns None and the caller reads slowly;
    - plain integers and bools come from one ``read_memory`` and are
      formatted in Python as gdb does; other fixed-size values in memory
      (pointers, chars, floats, structs, enums) are built by gdb from their
      address and type (exactly gdb's text, about 4 µs each);
    - entries that are not in memory at a fixed offset (registers, optimised
      out, variable-length) are read through a frame, which is then made.

    Learning starts again whenever symbols are reloaded or the program stops
    (a setting such as ``output-radix`` may have changed in between), and
    nothing is ever read the fast way while :data:`FAST` is False.
    """

    __slots__ = (
        "distance",
        "generation",
        "hits",
        "key",
        "kinds",
        "lo",
        "offsets",
        "order",
        "registers",
        "scope",
        "size",
        "state",
        "structs",
        "types",
    )

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.key = scope.pc * 2
        self.state = _OFF
        self._reset()

    def _reset(self) -> None:
        self.generation = _frames.generation
        self.hits = 0
        self.distance: int | None = None
        count = len(self.scope.entries)
        self.kinds = [_SLOW] * count
        self.offsets: list[int | None] = [None] * count
        self.structs: list[Any] = [None] * count
        self.types: list[Any] = [None] * count
        self.lo = self.size = 0
        self.registers: tuple[str, str] | None = None
        self.order = "<"
        self.state = _LEARNING if FAST and self.scope.entries else _OFF

    @property
    def ready(self) -> bool:
        """Whether :meth:`read` may be tried (learned, and nothing changed since).

        False for good once the scope is no longer the cached one (symbols
        were reloaded): the caller then makes a new reader for the new scope.
        """
        if self.generation != _frames.generation:
            self._reset()
        return self.state == _READY and FAST and _frames.cached(self.key) is self.scope

    @property
    def fast_names(self) -> tuple[str, ...]:
        """Names of the entries :meth:`read` reads without a frame (none until learned)."""
        if self.state != _READY:
            return ()
        return tuple(e.name for e, kind in zip(self.scope.entries, self.kinds) if kind != _SLOW)

    @property
    def learning(self) -> bool:
        if self.generation != _frames.generation:
            self._reset()
        return self.state == _LEARNING and FAST

    def learn(self, frame: gdb.Frame, max_value: int | None) -> list[str]:
        """The values in FRAME (the newest frame, at the scope's pc), read the slow way.

        Also checks the fast reading against them.  Never raises.
        """
        texts, values = _read_values(frame, self.scope.entries)
        try:
            self._check(frame, texts, values)
        except Exception:  # anything unexpected: this location stays slow
            self.state = _OFF
        return [_limit(text, max_value) for text in texts]

    def _check(self, frame: gdb.Frame, texts: list[str], values: list[Any]) -> None:
        if self.state != _LEARNING:
            return
        first = self.hits == 0
        if first:
            self.registers = _REGISTERS.get(frame.architecture().name())
            if self.registers is None:
                self.state = _OFF
                return
            endian = gdb.execute("show endian", to_string=True)
            self.order = ">" if "big endian" in endian else "<"
        fp_name, sp_name = self.registers  # type: ignore[misc]
        fp = int(gdb.parse_and_eval(fp_name))
        sp = int(gdb.parse_and_eval(sp_name))
        # The registers the fast path reads must be this frame's.
        if fp != int(frame.read_register(fp_name[1:])) or sp != int(
            frame.read_register(sp_name[1:])
        ):
            self.state = _OFF
            return
        if first:
            self.distance = fp - sp
        elif fp - sp != self.distance:
            self.state = _OFF
            return
        inferior = gdb.selected_inferior()
        for i, entry in enumerate(self.scope.entries):
            value = values[i]
            if first:
                self._classify(i, entry, value, fp)
            kind = self.kinds[i]
            if kind == _SLOW:
                continue
            address = _address(value)
            if address is None or address - fp != self.offsets[i]:
                self.kinds[i] = _SLOW
                continue
            if kind != _GDB:
                data = inferior.read_memory(address, self.structs[i].size).tobytes()
                if self._text(kind, self.structs[i].unpack(data)[0]) == texts[i]:
                    continue
                # Not printed as plain decimal (output-radix, a pretty-printer): gdb formats it.
                kind = self.kinds[i] = _GDB
                self.types[i] = value.type.pointer()
            if _gdb_text(address, self.types[i]) != texts[i]:
                self.kinds[i] = _SLOW
        self.hits += 1
        if self.hits < 1 + LEARN_HITS:
            return
        plain = [i for i, kind in enumerate(self.kinds) if kind in (_STRUCT, _BOOL)]
        if not any(kind != _SLOW for kind in self.kinds):
            self.state = _OFF
            return
        if plain:
            self.lo = min(self.offsets[i] for i in plain)  # type: ignore[type-var]
            hi = max(self.offsets[i] + self.structs[i].size for i in plain)  # type: ignore[operator]
            self.size = hi - self.lo
            if self.size > 4096:  # far apart: not one frame's block of locals
                self.state = _OFF
                return
        self.state = _READY

    def _classify(self, i: int, entry: Entry, value: Any, fp: int) -> None:
        """How entry I can be read fast, from its first value (SLOW if it cannot)."""
        address = _address(value)
        if address is None or entry.dynamic or entry.size <= 0 or not _frame_relative(entry):
            return
        vtype = value.type
        code = vtype.strip_typedefs().code
        if code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF, gdb.TYPE_CODE_FUNC,
                    gdb.TYPE_CODE_VOID, gdb.TYPE_CODE_ERROR):
            return
        if getattr(vtype, "dynamic", False):
            return
        import struct

        self.offsets[i] = address - fp
        kind, fmt = _GDB, None
        if code == gdb.TYPE_CODE_INT and not _textual(vtype):
            fmt = _PLAIN_INTS.get(vtype.strip_typedefs().name or "")
            if fmt is not None and struct.calcsize("<" + fmt) == vtype.sizeof:
                kind = _STRUCT
        elif code == gdb.TYPE_CODE_BOOL and vtype.sizeof == 1:
            kind, fmt = _BOOL, "B"
        if kind == _GDB:
            self.types[i] = vtype.pointer()
        else:
            self.structs[i] = struct.Struct(self.order + fmt)  # type: ignore[operator]
        self.kinds[i] = kind

    def _text(self, kind: int, number: int) -> str:
        if kind == _BOOL and number in (0, 1):
            return ("false", "true")[number]  # as C and C++ print them (checked while learning)
        return str(number)

    def read(self, max_value: int | None) -> list[str] | None:
        """The values in the newest frame, or None when they must be read the slow way.

        Call only when :attr:`ready`, in the thread that hit the pc, with the
        newest frame selected (as in ``gdb.Breakpoint.stop``).  Never raises.
        """
        try:
            fp_name, sp_name = self.registers  # type: ignore[misc]
            fp = int(gdb.parse_and_eval(fp_name))
            if fp - int(gdb.parse_and_eval(sp_name)) != self.distance:
                return None  # laid out differently: not what was learned
            data = b""
            if self.size:
                data = gdb.selected_inferior().read_memory(fp + self.lo, self.size).tobytes()
            out = []
            frame = None
            kinds, offsets, structs, lo = self.kinds, self.offsets, self.structs, self.lo
            for i, kind in enumerate(kinds):
                if kind == _STRUCT:
                    text = str(structs[i].unpack_from(data, offsets[i] - lo)[0])
                elif kind == _BOOL:
                    text = self._text(kind, structs[i].unpack_from(data, offsets[i] - lo)[0])
                elif kind == _GDB:
                    text = _gdb_text(fp + offsets[i], self.types[i])  # type: ignore[operator]
                else:
                    if frame is None:
                        frame = gdb.newest_frame()
                    try:
                        text = value_text(frame.read_var(self.scope.entries[i].symbol))
                    except Exception as exc:
                        text = unavailable(exc)
                out.append(_limit(text, max_value))
            return out
        except Exception:
            return None


def _read_values(frame: gdb.Frame, entries: tuple[Entry, ...]) -> tuple[list[str], list[Any]]:
    """Each entry's full text and value (None when unreadable) in FRAME."""
    texts: list[str] = []
    values: list[Any] = []
    for entry in entries:
        try:
            value = frame.read_var(entry.symbol)
        except Exception as exc:
            texts.append(unavailable(exc))
            values.append(None)
            continue
        try:
            texts.append(value_text(value))
        except Exception as exc:
            texts.append(unavailable(exc))
        values.append(value)
    return texts, values


def _limit(text: str, max_value: int | None) -> str:
    if (max_value and len(text) > max_value) or "\n" in text:
        return shorten(text, max_value)
    return text


def _address(value: Any) -> int | None:
    """VALUE's address when it lives in target memory, else None."""
    if value is None:
        return None
    try:
        if value.is_optimized_out:
            return None
        address = value.address
        return None if address is None else int(address)
    except Exception:
        return None


_FRAME_RELATIVE = (
    # DWARF: the frame base (the CFA, or a register) plus a constant.
    r'Symbol "[^"]*" is a complex DWARF expression:\s+0: DW_OP_fbreg -?\d+\s*\.\s*',
    r'Symbol "[^"]*" is (?:a variable|an argument) at frame base reg \$\w+ '
    r"offset -?\d+\+-?\d+\.\s*",
)


def _frame_relative(entry: Entry) -> bool:
    """Whether ENTRY's address is its frame's base plus a constant, by its location description.

    Anything else is left to gdb: static and thread-local storage, registers,
    location lists, and addresses read from memory (``DW_OP_deref``, as for
    C++ objects passed by value), which a constant offset would get wrong
    as soon as another caller passes another object.
    """
    import re

    symbol = entry.symbol
    try:
        found = gdb.lookup_symbol(entry.name)[0]  # in the selected frame: the newest
        if found is None or (found.line, found.symtab.filename, found.is_argument) != (
            symbol.line, symbol.symtab.filename, symbol.is_argument
        ):
            return False  # not the entry: gdb would describe another symbol
        text = gdb.execute(f"info address {entry.name}", to_string=True)
    except Exception:
        return False
    return any(re.fullmatch(pattern, text) for pattern in _FRAME_RELATIVE)


def _textual(vtype: gdb.Type) -> bool:
    """Whether gdb prints integers of VTYPE as characters (wchar_t, char16_t, ...)."""
    while True:
        if vtype.name in _TEXTUAL or vtype.sizeof == 1:
            return True
        if vtype.code != gdb.TYPE_CODE_TYPEDEF:
            return False
        vtype = vtype.target()


def _gdb_text(address: int, pointer: gdb.Type) -> str:
    try:
        return value_text(gdb.Value(address).cast(pointer).dereference())
    except Exception as exc:
        return unavailable(exc)
