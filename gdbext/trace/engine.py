"""The seam between tp/prof and the ways of watching a program: "probe these locations;
tell me about entries, returns and hits".

tp and prof are *clients*: they say what they want to know at a location
(:class:`Wants`) and receive :class:`Hit` objects; they never touch a
breakpoint, a register or a clock themselves.  An *engine* turns a request
into something that watches the program and reports what happens there.
So tp's and prof's output, records and summaries are the same whichever
engine ran.

Engines:

- ``breakpoints`` (:mod:`gdbext.trace.breakpoints`), the first and the
  default: never-stopping gdb breakpoints; Python runs at each hit.
- a second engine (uprobes, issue 8) registers itself with :func:`register`.

The contract, for an engine author:

``Engine.probe(request, wants, client) -> Probe``
    Start watching ``request.location`` (all that ``break`` takes; the
    condition ``request.condition`` must hold for a hit to count).  Raise
    ``gdb.GdbError`` (one line, no command name) when it cannot be done,
    having created nothing.  The returned :class:`Probe` is what the user
    sees and manages (``info breakpoints``, ``delete``, ``disable`` for the
    breakpoint engine).
``client.on_entry(hit)``
    The location was reached (``hit.kind == ENTRY``).  For a client that
    wants returns (prof) the location is a function's entry and ``hit.cfa``
    identifies the call; ``hit.wall_ns``/``hit.cpu_ns`` are its clocks.
``client.on_return(hit)``
    A call of the function returns (``hit.kind == RETURN``): ``hit.cfa``
    is the returning call's frame address; clocks as above.  Only for
    ``Wants.returns``.  The engine may report returns of calls it never
    reported entries for (the client ignores them), and need not report a
    return for a call unwound by longjmp or an exception (the client finds
    out from the next entry or return at a shallower frame).
``client.on_warning(text)``
    Something the user should know about one location (not profiled
    there, and why).  Shown once per text by the client.
``client.on_thread_exit(inferior, thread)``
    Thread THREAD (gdb's global number) of inferior INFERIOR ended; calls
    still open in it will never return.  Only for ``Wants.returns``.
``client.on_deleted()``
    The probe went away (the user deleted it); the client writes out what
    it holds.  The engine has already stopped reporting.

Every callback runs with the program stopped (the breakpoint engine) or
later, from recorded data (an engine that decodes captures); a client
must not assume it can read the live program except through the
:class:`Hit`.  Per-process state is the client's business, keyed by
``hit.inferior`` (see :mod:`gdbext.trace.state`); an engine keeps its own
per-process data there too.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol

    from gdbext.trace.frames import Scope, Symbol
    from gdbext.trace.grammar import Request

ENTRY = "entry"  #: Hit.kind: the location was reached (a call starts)
RETURN = "return"  #: Hit.kind: a call returns


class Wants:
    """What a client needs at each hit, so an engine reads no more than that.

    ``values``: every visible argument and local (tp); ``args``: the
    arguments only (prof, unless quiet); ``returns``: RETURN hits and
    clocks, with the location taken as a function's entry (prof);
    ``stack``: the names of the calling functions (prof's folded stacks).
    """

    __slots__ = ("args", "returns", "stack", "values")

    def __init__(self, values: bool = False, args: bool = False, returns: bool = False,
                 stack: bool = False) -> None:
        self.values, self.args, self.returns, self.stack = values, args, returns, stack


class Hit:
    """One thing an engine saw.  Plain attributes, filled by the engine:

    - ``kind``: :data:`ENTRY` or :data:`RETURN`;
    - ``inferior``: gdb's inferior number; ``thread``: gdb's global thread
      number;
    - ``pc``: the address reached;
    - ``cfa``: the call's frame address (the stack pointer just before the
      call instruction pushed the return address), which pairs an entry
      with its return; None when not asked for (tp);
    - ``wall_ns``: the program's own elapsed time at the event, in ns, with
      whatever the engine itself made the program wait excluded; only
      differences between hits of one inferior mean anything; None when not
      asked for;
    - ``cpu_ns``: the thread's own CPU time at the event, engine overhead
      excluded; None when unknown (a remote target) or not asked for;
    - ``cpu_note``: why ``cpu_ns`` is None, when it is ('' otherwise);
    - ``note``: for an ENTRY that the engine cannot time (an inlined copy of
      the function, code it cannot analyse), why: ``cfa`` is then None and
      no RETURN will come; the client counts the call as not timed.

    And what a client may ask, through methods (the engine answers from the
    live frame or from what it captured):

    - ``scope()``: the :class:`~gdbext.trace.frames.Scope` at ``pc``
      (function, file, line, the visible symbols' names, types, sizes);
    - ``values(max_value)``: each scope entry's value as text (None when
      some size is only known per hit: then ``symbols``);
    - ``symbols(max_value)``: the scope's symbols read now, with sizes;
    - ``args(max_value)``: ``(name, type, value)`` of each argument;
    - ``header()``: ``fib(int) @ fib.c:5``, the function and where it is
      defined;
    - ``stack(until)``: the calling functions' names, innermost first, up
      to (not including) the frame whose ``token()`` is UNTIL, and whether
      UNTIL was reached; ``token()``: an opaque identity of this hit's
      frame, for a later ``stack``.
    """

    __slots__ = ("cfa", "cpu_note", "cpu_ns", "inferior", "kind", "note", "pc", "thread",
                 "wall_ns")

    def __init__(self, kind: str, inferior: int, thread: int, pc: int) -> None:
        self.kind, self.inferior, self.thread, self.pc = kind, inferior, thread, pc
        self.cfa: int | None = None
        self.wall_ns: int | None = None
        self.cpu_ns: int | None = None
        self.cpu_note = ""
        self.note = ""

    def scope(self) -> Scope:
        raise NotImplementedError

    def values(self, max_value: int | None) -> list[str] | None:
        raise NotImplementedError

    def symbols(self, max_value: int | None) -> list[Symbol]:
        raise NotImplementedError

    def args(self, max_value: int | None) -> list[tuple[str, str, str]]:
        raise NotImplementedError

    def header(self) -> str:
        raise NotImplementedError

    def token(self) -> object:
        raise NotImplementedError

    def stack(self, until: object) -> tuple[list[str], bool]:
        raise NotImplementedError


if TYPE_CHECKING:

    class Client(Protocol):
        """What tp and prof implement to receive hits."""

        def on_entry(self, hit: Hit) -> None: ...
        def on_return(self, hit: Hit) -> None: ...
        def on_warning(self, text: str) -> None: ...
        def on_thread_exit(self, inferior: int, thread: int) -> None: ...
        def on_deleted(self) -> None: ...

    class Probe(Protocol):
        """What the user manages: for the breakpoint engine, a gdb.Breakpoint."""

        number: int
        silent_hits: bool  # its 'commands' start with 'silent': print nothing per hit
        enabled: bool
        pending: bool
        condition: str | None
        hit_count: int

        def is_valid(self) -> bool: ...
        def delete(self) -> None: ...


class Engine:
    """Base class of engines: a name and :meth:`probe`."""

    name = ""

    def probe(self, request: Request, wants: Wants, client: Client) -> Probe:
        """Start watching REQUEST's location for CLIENT; see the module's contract."""
        raise NotImplementedError

    def refuse(self) -> str:
        """Why this engine cannot run on the selected target now ('' when it can)."""
        return ""


def describe(probe: Probe) -> str:
    """Which engine watches PROBE in the selected inferior, for listings.

    ``breakpoint``, ``uprobe``, or both names when its locations differ.
    """
    import sys

    uprobes = sys.modules.get("gdbext.trace.uprobes")
    return "breakpoint" if uprobes is None else uprobes.describe(probe)


_engines: dict[str, Callable[[], Engine]] = {}
_made: dict[str, Engine] = {}
# Engines that hand hits over later (from records) flush what they hold for an inferior
# here, so that a hit reported live (the breakpoint engine) comes after every earlier one.
_recorders: list[Callable[[int], None]] = []


def add_recorder(flush: Callable[[int], None]) -> None:
    """FLUSH(inferior) is called before a live hit in that inferior is reported."""
    if flush not in _recorders:
        _recorders.append(flush)


def before_live_hit(inferior: int) -> None:
    """Deliver what recording engines hold for INFERIOR: they happened before this hit."""
    for flush in _recorders:
        flush(inferior)


def register(name: str, make: Callable[[], Engine]) -> None:
    """Make engine NAME available; MAKE is called at its first use."""
    _engines[name] = make


def get(name: str | None = None) -> Engine:
    """The engine called NAME; by default the one ``set gdbext engine`` chooses."""
    if name is None:
        from gdbext import settings

        choice = settings.value("engine")
        if choice in ("auto", "uprobe"):
            from gdbext.trace import uprobes

            return uprobes.get(forced=choice == "uprobe")
        name = "breakpoints"
    engine = _made.get(name)
    if engine is None:
        if name == "breakpoints" and name not in _engines:
            from gdbext.trace import breakpoints

            register(name, breakpoints.BreakpointEngine)
        engine = _made[name] = _engines[name]()
    return engine
