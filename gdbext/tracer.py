"""What ``tp LOCATION`` does: what a hit prints and records.

The command (its name and help text) is :mod:`gdbext.commands.tp`; this
module is imported at the first ``tp``, so loading gdbext does not compile
it.  Everything tp shares with prof is in :mod:`gdbext.trace`: the command
line (``front``), the JSON Lines files (``writer``), per-process counts
(``state``) and the engine that watches the program (``engine``; the
breakpoint engine by default).  A :class:`Tracepoint` is the engine's
client: at each hit it formats the values the engine read into templates
computed once per code location.
"""
from __future__ import annotations

import gdb

from gdbext import events, settings, ui
from gdbext.trace import engine, front, state, writer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from gdbext.trace.engine import Hit, Probe
    from gdbext.trace.frames import Scope
    from gdbext.trace.grammar import Request

_states = state._states  # read on every hit: one dict lookup, no call
# Live tracepoints, in the order they were set.
_tracepoints: list[Tracepoint] = []
# json.encoder.encode_basestring (C-accelerated), imported at first --output use.
_encode: Callable[[str], str] | None = None


class _Format:
    """The text and JSON templates of one tracepoint at one code location (a Scope)."""

    __slots__ = ("json", "scope", "text")

    def __init__(self, scope: Scope, where: str, json_output: bool) -> None:
        self.scope = scope
        header = f"{scope.function} @ {scope.file}:{scope.line}\n"
        self.text = _brace(header) + "".join(
            "\t" + _brace(f"{e.name}({e.type}: ") + "{}" + _brace(f") [{e.size}]") + "\n"
            for e in scope.entries
        )
        self.json = ""
        if json_output:
            import json

            def enc(text: str) -> str:
                return _brace(json.dumps(text, ensure_ascii=False))

            symbols = ", ".join(
                '{{"name": ' + enc(e.name) + ', "type": ' + enc(e.type)
                + ', "value": {}, "size": ' + str(e.size) + ', "kind": ' + enc(e.kind) + "}}"
                for e in scope.entries
            )
            self.json = (
                '{{"location": ' + enc(where) + ', "function": ' + enc(scope.function)
                + ', "file": ' + enc(scope.file) + ', "line": ' + str(scope.line)
                + ', "thread": {}, "symbols": [' + symbols + "]}}\n"
            )


def _brace(text: str) -> str:
    """TEXT made literal inside a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


class Tracepoint:
    """One ``tp``: the engine's client that prints (or logs) each hit.

    ``where`` is the location as the user typed it (with its condition),
    ``writer`` the JSON Lines file (None: print), ``probe`` what the engine
    made (a gdb breakpoint).  Counts are per process, in
    :mod:`gdbext.trace.state`.
    """

    def __init__(self, request: Request, out: writer.Writer | None) -> None:
        self.request = request
        self.where = request.spec
        # --quiet prints nothing per hit; with --output, which prints nothing
        # per hit either, the records are still written (as prof does).
        self.quiet = request.quiet and out is None
        self.writer = out
        self.write = out.write if out is not None else gdb.write
        self._formats: dict[int, _Format] = {}
        self.probe: Probe | None = None
        self._failed = False

    # -- the engine's client --------------------------------------------------

    def on_entry(self, hit: Hit) -> None:
        st = _states.get(hit.inferior) or state.of(hit.inferior)
        slots = st.slots
        slots[self] = slots.get(self, 0) + 1
        if self.quiet or (self.writer is None and getattr(self.probe, "silent_hits", False)):
            return
        try:
            max_value = settings.value("tp-max-value")
            values = hit.values(max_value)
            scope = hit.scope()
            if values is None:
                self._emit_dynamic(hit, scope, max_value)
                return
            fmt = self._formats.get(id(scope))
            if fmt is None or fmt.scope is not scope:
                fmt = self._format(scope)
            if self.writer is None:
                self.write(fmt.text.format(*values))
            else:
                assert _encode is not None
                self.write(fmt.json.format(hit.thread, *map(_encode, values)))
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # one line, once; the engine goes on
            if not self._failed:
                self._failed = True
                gdb.write(ui.internal_error(
                    f"tp: tracepoint {self.number()} ('{self.where}'): cannot record a hit",
                    exc) + "\n", gdb.STDERR)

    def on_return(self, hit: Hit) -> None:
        pass

    def on_warning(self, text: str) -> None:
        gdb.write(f"tp: warning: {text}\n")

    def on_thread_exit(self, inferior: int, thread: int) -> None:
        pass

    def on_deleted(self) -> None:
        """Forget this tracepoint and write out (or close) its file."""
        if self in _tracepoints:
            _tracepoints.remove(self)
        out, self.writer = self.writer, None
        if out is not None:
            out.release()

    # -- what it shows ----------------------------------------------------------

    def number(self) -> int:
        probe = self.probe
        return probe.number if probe is not None and probe.is_valid() else 0

    def count(self, st: state.InferiorState) -> int:
        return st.slots.get(self, 0)

    def _format(self, scope: Scope) -> _Format:
        if len(self._formats) > 256:  # scopes rebuilt after symbol reloads
            self._formats.clear()
        fmt = self._formats[id(scope)] = _Format(scope, self.where, self.writer is not None)
        return fmt

    def _emit_dynamic(self, hit: Hit, scope: Scope, max_value: int | None) -> None:
        """A hit where some size is only known per read (variable-length arrays)."""
        symbols = hit.symbols(max_value)
        if self.writer is None:
            lines = [f"{scope.function} @ {scope.file}:{scope.line}\n"]
            lines += [f"\t{s.name}({s.type}: {s.value}) [{s.size}]\n" for s in symbols]
            self.write("".join(lines))
            return
        import json

        record = {
            "location": self.where,
            "function": scope.function,
            "file": scope.file,
            "line": scope.line,
            "thread": hit.thread,
            "symbols": [s.as_dict() for s in symbols],
        }
        self.write(json.dumps(record, ensure_ascii=False) + "\n")


# -- the command's work -------------------------------------------------------


def run(cmd: ui.Command, arg: str) -> None:
    """What ``tp ARG`` does; CMD is the command, for its errors."""
    request = front.parse("tp", arg)
    if not request.location:
        if request.output is not None or request.quiet:
            cmd.fail("missing LOCATION; see 'help tp'")
        _list()
        return
    front.refuse_core("trace")
    pending = _check_location(cmd, request.location)
    _hook_events()
    out = None
    if request.output is not None:
        out = writer.open_writer(request.output)
        global _encode
        if _encode is None:
            from json.encoder import encode_basestring

            _encode = encode_basestring
    tracepoint = Tracepoint(request, out)
    wants = engine.Wants(values=not tracepoint.quiet)
    probe = front.start(request, wants, tracepoint, out)
    tracepoint.probe = probe
    _tracepoints.append(tracepoint)
    if out is not None:
        ui.write(f"Tracepoint {probe.number} writes each hit to {out.path}\n")
    if pending or probe.pending:
        ui.write(
            f"tp: '{request.location}' is not in the program or any library loaded so far; "
            f"tracepoint {probe.number} is pending until a shared library defines it "
            f"('delete {probe.number}' removes it)\n"
        )


def _check_location(cmd: ui.Command, location: str) -> bool:
    """Fail for a location that cannot be traced; True when it will be pending."""
    try:
        return front.check_location(location)[1]
    except gdb.GdbError as exc:
        message = str(exc)
        if message.startswith("unexpected"):
            message += "; see 'help tp'"
        cmd.fail(message)


def _list() -> None:
    live = _live()
    if not live:
        ui.write("No tracepoints; 'tp LOCATION' sets one (see 'help tp').\n")
        return
    st = state.selected()
    rows = []
    for tp in live:
        probe = tp.probe
        assert probe is not None
        rows.append([
            str(probe.number),
            "y" if probe.enabled else "n",
            tp.where + (" (pending)" if probe.pending else ""),
            str(tp.count(st)),
            probe.condition or "",
            tp.writer.path if tp.writer is not None else ("--quiet" if tp.quiet else "(printed)"),
            engine.describe(probe),
        ])
    title = "Tracepoints (counts in this run" + (
        f" of {st.name()})" if state.several() else ")")
    ui.write(front.listing(title, ("Num", "Enb", "Location", "Hits", "Condition", "Output",
                                   "Engine"),
                           rows))


def _live() -> list[Tracepoint]:
    """Tracepoints that still exist, by number."""
    live = [tp for tp in _tracepoints if tp.probe is not None and tp.probe.is_valid()]
    return sorted(live, key=lambda tp: tp.number())


def _on_exited(event: gdb.ExitedEvent) -> None:
    """Print the counts of every tracepoint in the process that ended, and write out files."""
    target = getattr(event, "inferior", None) or gdb.selected_inferior()
    st = state.of(target.num)
    suffix = f" in {st.name()}" if state.several() else ""
    lines = [f"Tracepoint '{tp.where}' Count: {tp.count(st)}{suffix}\n" for tp in _live()]
    if lines:
        gdb.write("".join(lines))
    writer.flush_all()


_hooked = False


def _hook_events() -> None:
    global _hooked
    if _hooked:
        return
    _hooked = True
    events.subscribe("exited", _on_exited)
    events.subscribe("stop", writer.flush_all)
    events.subscribe("gdb_exiting", writer.close_all)
