"""A frame's arguments and locals as plain records, cheaply enough to read on every hit.

Shared by ``tp`` and ``prof``.  Everything that depends only on the code
location (which symbols are visible, their names, types, sizes, the function,
file and line) is computed once per program counter and cached in a
:class:`Scope`; reading the values is the only work left per hit.

Typical use inside a ``gdb.Breakpoint.stop()``::

    from gdbext import settings
    from gdbext.trace import frames

    frame = gdb.newest_frame()
    scope = frames.scope_at(frame)                # cached per pc
    function, file, line = scope.function, scope.file, scope.line
    for sym in scope.symbols(frame, settings.value("tp-max-value")):
        print(sym.name, sym.type, sym.value, sym.size, sym.kind)

or, without the scope: :func:`read_symbols` and :func:`frame_location`.

A caller that reads the same location on many hits (``tp``) can also use a
:class:`gdbext.trace.fastpath.FastReader`, which reads values at fixed frame
offsets straight from memory once it has checked them against gdb's own
reading.

Nothing here raises for an unreadable value: it becomes text such as
``<unavailable: Cannot access memory at address 0x8>``.  The cache is
emptied whenever gdb loads or drops symbol files (``new_objfile``,
``clear_objfiles``, ``free_objfile`` events), so a rebuilt program or a
library loaded at another address is never described with stale symbols.
"""

from __future__ import annotations

import gdb

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
        text = unavailable(exc)
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
            target = unavailable(exc)
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


def unavailable(exc: BaseException) -> str:
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
            text = unavailable(exc)
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
                text = unavailable(exc)
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
# Bumped whenever cached knowledge may be stale (symbols reloaded, the user
# had control): fast readers check themselves again.
generation = 0


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
    global generation
    _cache.clear()
    generation += 1


def _relearn(*_event: object) -> None:
    """Make every fast reader check itself again (a setting may have changed)."""
    global generation
    generation += 1


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


def cached(pc_key: int) -> Scope | None:
    """The cached scope under KEY (see :func:`scope_at`), None when not cached."""
    return _cache.get(pc_key)
