"""A frame's arguments and locals as plain records, cheaply enough to read on every hit.

Shared by ``tp`` and ``prof``.  Everything that depends only on the code
location (which symbols are visible, their names, types, sizes, the function,
file and line) is computed once per program counter and cached in a
:class:`Scope`; reading the values is the only work left per hit.

Typical use inside a ``gdb.Breakpoint.stop()``::

    from gdbext import frames, settings

    frame = gdb.newest_frame()
    scope = frames.scope_at(frame)                # cached per pc
    function, file, line = scope.function, scope.file, scope.line
    for sym in scope.symbols(frame, settings.value("tp-max-value")):
        print(sym.name, sym.type, sym.value, sym.size, sym.kind)

or, without the scope: :func:`read_symbols` and :func:`frame_location`.

A caller that reads the same location on many hits (``tp``) can also use a
:class:`FastReader`, which reads values at fixed frame offsets straight from
memory once it has checked them against gdb's own reading.

Nothing here raises for an unreadable value: it becomes text such as
``<unavailable: Cannot access memory at address 0x8>``.  The cache is
emptied whenever gdb loads or drops symbol files (``new_objfile``,
``clear_objfiles``, ``free_objfile`` events), so a rebuilt program or a
library loaded at another address is never described with stale symbols.
"""

from __future__ import annotations

import os

import gdb

from gdbext import ui

# typing costs milliseconds to import; gdbext loads without it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

ARG = "arg"  #: ``Symbol.kind`` / ``Entry.kind`` of a function argument
LOCAL = "local"  #: ``Symbol.kind`` / ``Entry.kind`` of a local variable
UNKNOWN = "??"  #: function or file name when gdb does not know it


class Symbol:
    """One argument or local of a frame, read at one moment.

    ``name``: as in the source; ``type``: the declared type as gdb prints it
    (``"const char *"``); ``value``: gdb's one-line rendering of the value,
    shortened to the caller's limit, or ``<unavailable: REASON>``;
    ``size``: ``sizeof`` the type in bytes (0 when unknown, e.g. ``void``);
    ``kind``: ``"arg"`` or ``"local"``.
    """

    __slots__ = ("kind", "name", "size", "type", "value")

    def __init__(self, name: str, type: str, value: str, size: int, kind: str) -> None:
        self.name, self.type, self.value, self.size, self.kind = name, type, value, size, kind

    def as_dict(self) -> dict[str, Any]:
        """``{"name", "type", "value", "size", "kind"}``, ready for ``json.dumps``."""
        return {
            "name": self.name,
            "type": self.type,
            "value": self.value,
            "size": self.size,
            "kind": self.kind,
        }

    def __repr__(self) -> str:
        return (
            f"Symbol({self.name!r}, {self.type!r}, {self.value!r}, {self.size!r}, {self.kind!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Symbol):
            return NotImplemented
        return (self.name, self.type, self.value, self.size, self.kind) == (
            other.name, other.type, other.value, other.size, other.kind
        )

    __hash__ = None  # type: ignore[assignment]  # mutable record


def format_value(value: gdb.Value, max_value: int | None) -> str:
    """VALUE as gdb prints it, on one line, at most MAX_VALUE characters.

    MAX_VALUE ``None`` or 0 means unlimited.  A longer text keeps its first
    MAX_VALUE - 3 characters and ends with ``...``.  A value that cannot be
    read (bad pointer, register not saved, optimised out, a failing pretty
    printer) becomes ``<unavailable: REASON>``; this function never raises
    for a value gdb cannot render.
    """
    try:
        text = value_text(value)
    except Exception as exc:  # gdb.error, gdb.MemoryError, a pretty-printer's bug
        text = _unavailable(exc)
    return shorten(text, max_value)


_REFERENCES = (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF)


def value_text(value: gdb.Value) -> str:
    """``str(value)``, except that a reference also shows what it refers to.

    gdb's Python gives only ``@0x7ffe...`` for a reference, where ``print``
    and ``info args`` show ``@0x7ffe...: {x = 1, y = 2}``; this matches them.
    """
    text = str(value)
    # A reference to a type with a pretty-printer already prints its target.
    if text.startswith("@") and value.type.code in _REFERENCES:
        try:
            target = str(value.referenced_value())
        except Exception as exc:
            target = _unavailable(exc)
        text = f"{text}: {target}"
    return text


def shorten(text: str, max_value: int | None) -> str:
    """TEXT on one line (``set print pretty`` output is joined) and cut to MAX_VALUE.

    MAX_VALUE ``None`` or 0 means unlimited.
    """
    if "\n" in text:
        text = " ".join(part.strip() for part in text.splitlines() if part.strip())
    if max_value and len(text) > max_value:
        text = text[: max(0, max_value - 3)] + "..."
    return text


def _unavailable(exc: BaseException) -> str:
    for line in str(exc).splitlines():
        if line.strip():
            return f"<unavailable: {line.strip()}>"
    return "<unavailable>"


class Entry:
    """One visible argument or local of a :class:`Scope`, before any read.

    ``symbol``: the ``gdb.Symbol`` (read it with ``frame.read_var(symbol)``);
    ``name``; ``type``: the type as gdb prints it; ``size``: its ``sizeof``
    (0 when unknown or ``dynamic``); ``kind``: :data:`ARG` or :data:`LOCAL`;
    ``dynamic``: True when the size is only known per value (variable-length
    arrays), as :meth:`Scope.symbols` then reports it.
    """

    __slots__ = ("dynamic", "kind", "name", "size", "symbol", "type")

    def __init__(self, symbol: gdb.Symbol, kind: str) -> None:
        self.symbol = symbol
        self.name: str = symbol.name
        self.kind = kind
        sym_type = symbol.type
        self.type: str = str(sym_type) if sym_type is not None else UNKNOWN
        # Variable-length arrays and other dynamic types: size known per read.
        self.dynamic: bool = bool(getattr(sym_type, "dynamic", False))
        self.size: int = 0 if self.dynamic else _sizeof(sym_type)


def _sizeof(sym_type: gdb.Type | None) -> int:
    if sym_type is None:
        return 0
    try:
        return int(sym_type.sizeof)
    except (gdb.error, TypeError, ValueError):
        return 0


def entry_values(
    frame: gdb.Frame, entries: Sequence[Entry], max_value: int | None
) -> list[str]:
    """The value of each of ENTRIES (of FRAME's scope) in FRAME, as :func:`format_value`.

    Never raises: an unreadable value becomes ``<unavailable: REASON>``.
    """
    out = []
    for entry in entries:
        try:
            text = value_text(frame.read_var(entry.symbol))
        except Exception as exc:
            text = _unavailable(exc)
        if (max_value and len(text) > max_value) or "\n" in text:
            text = shorten(text, max_value)
        out.append(text)
    return out


class Scope:
    """Everything about one code location that does not change between hits.

    Get one with :func:`scope_at`.  Attributes:

    - ``pc``: the program counter it describes;
    - ``function``: the function's name as gdb shows it in a backtrace
      (``"fib"``, ``"ns::Klass::method"``), ``"??"`` without symbols;
    - ``signature``: the function symbol's full name (C++: with parameter
      types, ``"inspect(std::string const&, char const*)"``; C: same as
      ``function``);
    - ``file``: the source file as recorded in the debug info (what gdb shows
      in ``Breakpoint 1, fib (n=3) at fib.c:7``), ``"??"`` when unknown;
    - ``fullname``: the absolute source path when gdb knows it, else ``file``;
    - ``line``: the source line, 0 when unknown;
    - ``entries``: a tuple of :class:`Entry`, the visible symbols:
      arguments first (in declaration order), then locals from the
      function's outermost block inwards.  A
      local shadowed by an inner one of the same name is left out, and so
      is a local declared in the same file below the current line (not yet
      in scope in C/C++).
    """

    __slots__ = ("entries", "file", "fullname", "function", "line", "pc", "signature")

    def __init__(self, frame: gdb.Frame) -> None:
        self.pc: int = frame.pc()
        self.function = UNKNOWN
        self.signature = UNKNOWN
        self.file = UNKNOWN
        self.fullname = UNKNOWN
        self.line = 0
        self.entries: tuple[Entry, ...] = ()
        try:
            name = frame.name()
        except gdb.error:
            name = None
        if name:
            self.function = self.signature = name
        try:
            sal = frame.find_sal()
        except gdb.error:
            sal = None
        if sal is not None and sal.symtab is not None:
            self.file = sal.symtab.filename
            try:
                self.fullname = sal.symtab.fullname()
            except gdb.error:
                self.fullname = self.file
            self.line = sal.line
        try:
            block = frame.block()
        except (gdb.error, RuntimeError):  # no debug info for this pc
            return
        self.entries = _visible(block, self.line, self.file)
        if block.function is not None:
            sig = block.function.print_name
            self.signature = sig or self.signature
            if self.function == UNKNOWN:
                self.function = sig

    def values(self, frame: gdb.Frame, max_value: int | None) -> list[str]:
        """The value of each of ``entries`` in FRAME, formatted as :func:`format_value`.

        FRAME must be a frame at this scope's ``pc``.  Never raises.
        """
        return entry_values(frame, self.entries, max_value)

    def symbols(self, frame: gdb.Frame, max_value: int | None) -> list[Symbol]:
        """The visible arguments and locals of FRAME, read now, as :class:`Symbol` records."""
        out = []
        for entry in self.entries:
            try:
                value = frame.read_var(entry.symbol)
                text = value_text(value)
            except Exception as exc:
                value = None
                text = _unavailable(exc)
            if (max_value and len(text) > max_value) or "\n" in text:
                text = shorten(text, max_value)
            size = entry.size
            if entry.dynamic:
                size = _sizeof(value.type) if value is not None else 0
            out.append(Symbol(entry.name, entry.type, text, size, entry.kind))
        return out


def _visible(block: gdb.Block, line: int, file: str) -> tuple[Entry, ...]:
    """Arguments, then locals outermost first, of BLOCK and its superblocks up to the function."""
    chain = []
    while block is not None and not block.is_global and not block.is_static:
        chain.append(block)
        if block.function is not None:
            break
        block = block.superblock
    seen: set[str] = set()
    per_block: list[list[Entry]] = []
    args: list[Entry] = []
    for blk in chain:  # innermost first, so inner names shadow outer ones
        locals_here: list[Entry] = []
        for symbol in blk:
            name = symbol.name
            if not name or name in seen:
                continue
            if symbol.is_argument:
                seen.add(name)
                args.append(Entry(symbol, ARG))
            elif symbol.is_variable:
                if line and symbol.line > line and _same_file(symbol, file):
                    continue  # declared below the current line: not in scope yet
                seen.add(name)
                locals_here.append(Entry(symbol, LOCAL))
        per_block.append(locals_here)
    entries = list(args)
    for locals_here in reversed(per_block):
        entries.extend(locals_here)
    return tuple(entries)


def _same_file(symbol: gdb.Symbol, file: str) -> bool:
    symtab = symbol.symtab
    return symtab is not None and symtab.filename == file


_cache: dict[int, Scope] = {}
_hooked = False


def scope_at(frame: gdb.Frame) -> Scope:
    """The cached :class:`Scope` for FRAME's pc (built on first use).

    Any frame works (the newest, a caller, an inlined one); about 0.3 µs
    when cached.  Raises ``gdb.error`` only when FRAME itself is invalid.
    """
    # A caller frame's line and block are looked up at pc - 1 (the call), the
    # newest frame's at pc itself: cache them apart.  Frames of inlined
    # functions share a pc with their callers, so they are not cached.
    key = frame.pc() * 2 + (frame.level() > 0)
    scope = _cache.get(key)
    if scope is None:
        if not _hooked:
            _hook_events()
        scope = Scope(frame)
        if frame.type() != gdb.INLINE_FRAME:
            _cache[key] = scope
    return scope


def read_symbols(frame: gdb.Frame, max_value: int | None) -> list[Symbol]:
    """Every argument and local visible in FRAME at its pc, read now.

    Arguments come first, then locals (see :class:`Scope` for the order and
    what is left out).  Values are shortened to MAX_VALUE characters (``None``
    or 0: unlimited; pass ``settings.value("tp-max-value")`` to honour
    ``set gdbext tp-max-value``).  Unreadable values become
    ``<unavailable: REASON>``; this never raises for a bad value.
    """
    return scope_at(frame).symbols(frame, max_value)


def frame_location(frame: gdb.Frame) -> tuple[str, str, int]:
    """``(function, file, line)`` of FRAME, e.g. ``("fib", "fib.c", 7)``.

    ``"??"`` and 0 stand for what is unknown (no debug info).  Cached per pc.
    """
    scope = scope_at(frame)
    return scope.function, scope.file, scope.line


def clear_cache(*_event: object) -> None:
    """Forget every cached :class:`Scope` (done automatically when symbols change)."""
    global _generation
    _cache.clear()
    _generation += 1


def _relearn(*_event: object) -> None:
    """Make every :class:`FastReader` check itself again (a setting may have changed)."""
    global _generation
    _generation += 1


def _hook_events() -> None:
    """Empty the cache whenever symbol files come or go; connected once per gdb."""
    global _hooked
    _hooked = True
    events = gdb.events
    for name in ("new_objfile", "clear_objfiles", "free_objfile"):
        registry = getattr(events, name, None)
        if registry is not None:
            registry.connect(clear_cache)
    # Whenever the user gets control, settings that change how values print
    # (output-radix, language, pretty-printers) may change too; and a new run
    # may put the program elsewhere.
    for name in ("stop", "before_prompt", "exited"):
        registry = getattr(events, name, None)
        if registry is not None:
            registry.connect(_relearn)


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
_generation = 0

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
        self.generation = _generation
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
        if self.generation != _generation:
            self._reset()
        return self.state == _READY and FAST and _cache.get(self.key) is self.scope

    @property
    def fast_names(self) -> tuple[str, ...]:
        """Names of the entries :meth:`read` reads without a frame (none until learned)."""
        if self.state != _READY:
            return ()
        return tuple(e.name for e, kind in zip(self.scope.entries, self.kinds) if kind != _SLOW)

    @property
    def learning(self) -> bool:
        if self.generation != _generation:
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
            endian = ui.capture("show endian")
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
                        text = _unavailable(exc)
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
            texts.append(_unavailable(exc))
            values.append(None)
            continue
        try:
            texts.append(value_text(value))
        except Exception as exc:
            texts.append(_unavailable(exc))
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
        text = ui.capture(f"info address {entry.name}")
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
        return _unavailable(exc)
