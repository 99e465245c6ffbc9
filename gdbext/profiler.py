"""What ``prof LOCATION`` does: pair calls with returns, time them, summarise.

The command (its name and help text) is :mod:`gdbext.commands.prof`; this
module is imported at the first ``prof``, so loading gdbext does not compile
it.  Everything prof shares with tp is in :mod:`gdbext.trace`: the command
line, the JSON Lines files, per-process state, and the engine that watches
the program and reports each call's entry and return with its clocks (the
breakpoint engine by default: how it finds returns is
:mod:`gdbext.trace.sites`, how it takes its own stops out of the clocks
:mod:`gdbext.trace.stops`).  A :class:`Profiler` is the engine's client:

- Calls are paired with returns by their frame address (the CFA), one stack
  of open calls per thread.  A return at frame address C completes the open
  call with CFA C; open calls with a lower CFA (deeper frames) were unwound
  by longjmp or an exception and are recorded as not completed, as are
  calls whose thread or process ended.
- A call's wall and CPU time are the differences of the engine's clocks
  between its entry and its return, which leave out every gdb stop and
  never go back: a call is never shorter than a call inside it, and never
  shorter in wall time than the CPU time it used.
- Counts, open calls and totals are per process (:mod:`gdbext.trace.state`):
  each process's table is printed when it exits.

The per-call text, the JSON records, the table and the folded stacks are
:mod:`gdbext.profreport`.
"""

from __future__ import annotations

import gdb

from gdbext import events, profreport, settings, ui
from gdbext.trace import engine, front, sites, state, writer

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gdbext.trace.engine import Hit, Probe
    from gdbext.trace.grammar import Request

NOT_COMPLETED_UNWOUND = "unwound (longjmp or exception)"
NOT_COMPLETED_THREAD = "its thread exited"
NOT_COMPLETED_EXIT = "the program ended"
NOT_COMPLETED_DELETED = "profiling was stopped"


class Call:
    """One open call: where and when it started, and what it was passed."""

    __slots__ = ("args", "cfa", "child_cpu", "cpu0", "depth", "function", "gnum", "header",
                 "path", "token", "wall0")

    def __init__(self, hit: Hit, depth: int) -> None:
        self.gnum = hit.thread
        self.cfa = hit.cfa
        self.wall0 = hit.wall_ns
        self.cpu0 = hit.cpu_ns
        self.depth = depth
        self.header = ""
        self.function = "??"
        self.args: list[tuple[str, str, str]] = []
        self.token: object = None
        self.path = ""
        self.child_cpu = 0


class Stats:
    """Totals for one profiled location in one process, for the summary table."""

    __slots__ = ("calls", "completed", "cpu_n", "cpu_sum", "untimed", "wall_max", "wall_min",
                 "wall_sum")

    def __init__(self) -> None:
        self.calls = self.completed = self.cpu_n = self.untimed = 0
        self.cpu_sum = self.wall_sum = self.wall_max = 0
        self.wall_min = -1


class Data:
    """What one profiled location knows about one process."""

    __slots__ = ("folded", "stacks", "stats")

    def __init__(self) -> None:
        self.stacks: dict[int, list[Call]] = {}  # per thread, outermost call first
        self.stats = Stats()
        self.folded: dict[str, int] = {}


class Profiler:
    """One ``prof LOCATION``: the engine's client; per-process data lives in the state."""

    def __init__(self, request: Request, out: writer.Writer | None, folded_path: str) -> None:
        self.request = request
        self.spec = request.location  # the table's and the records' "location"
        self.quiet = request.quiet or out is not None
        self.writer = out
        self.folded_path = folded_path
        self.records = 0
        self.read_args = not self.quiet or out is not None
        self.warned: set[str] = set()
        self.probe: Probe | None = None
        self.dead = False

    def data(self, num: int) -> Data:
        return state.of(num).slot(self, Data)

    # -- the engine's client --------------------------------------------------

    def on_entry(self, hit: Hit) -> None:
        data = self.data(hit.inferior)
        stack = data.stacks.get(hit.thread)
        if stack is None:
            stack = data.stacks[hit.thread] = []
        cfa = hit.cfa
        if cfa is None:  # the engine cannot time this one: count it, say why
            self._untimed(data, hit)
            return
        # A call whose frame is at or below the new one cannot be running any more.
        while stack and stack[-1].cfa <= cfa:  # type: ignore[operator]
            self._abandon(stack.pop(), NOT_COMPLETED_UNWOUND)
        call = Call(hit, len(stack))
        data.stats.calls += 1
        if self.read_args:
            call.header = hit.header()
            call.args = hit.args(settings.value("tp-max-value"))
            if self.writer is not None:
                call.function = hit.scope().function
        if self.folded_path:
            outer = stack[-1] if stack else None
            names, reached = hit.stack(outer.token if outer is not None else None)
            names.reverse()
            if reached and outer is not None:
                names.insert(0, outer.path)
            call.token = hit.token()
            call.path = ";".join(names)
        stack.append(call)

    def _untimed(self, data: Data, hit: Hit) -> None:
        data.stats.calls += 1
        data.stats.untimed += 1
        self._warn(hit.note)
        call = Call(hit, 0)
        if self.read_args:
            call.header = hit.header()
            call.args = hit.args(settings.value("tp-max-value"))
            if self.writer is not None:
                call.function = hit.scope().function
        self._abandon(call, "not timed")

    def on_return(self, hit: Hit) -> None:
        data = self.data(hit.inferior)
        stack = data.stacks.get(hit.thread)
        if not stack:
            return
        cfa = hit.cfa
        top = stack[-1]
        while top.cfa < cfa:  # type: ignore[operator]  # deeper calls: unwound
            stack.pop()
            self._abandon(top, NOT_COMPLETED_UNWOUND)
            if not stack:
                return
            top = stack[-1]
        if top.cfa != cfa:
            return  # a call that started before profiling did
        stack.pop()
        self._complete(data, top, hit, stack)

    def on_warning(self, text: str) -> None:
        self._warn(text)

    def on_thread_exit(self, inferior: int, thread: int) -> None:
        st = state.of(inferior)
        data = st.slots.get(self)
        if data is not None:
            self._abandon_thread(data, thread, NOT_COMPLETED_THREAD)

    def on_deleted(self) -> None:
        """Profiling of this location ends (its breakpoint was deleted)."""
        if self.dead:
            return
        for st in state.known():
            data = st.slots.get(self)
            if data is not None:
                self.finish(data, NOT_COMPLETED_DELETED)
        self.dead = True
        self.flush()
        out, self.writer = self.writer, None
        if out is not None:
            out.release()
        if self in _profilers:
            _profilers.remove(self)

    # -- pairing and times ----------------------------------------------------

    def _complete(self, data: Data, call: Call, hit: Hit, stack: list[Call]) -> None:
        wall = hit.wall_ns - call.wall0  # type: ignore[operator]
        if wall < 0:
            wall = 0
        cpu = None
        if hit.cpu_ns is not None and call.cpu0 is not None:
            cpu = hit.cpu_ns - call.cpu0
            if cpu < 0:
                cpu = 0
            # Never less than the calls of this location made inside it, whose
            # CPU time is part of its own (the engine's clocks never go back).
            if cpu < call.child_cpu:
                cpu = call.child_cpu
            # A call lasts at least the CPU time its thread spent in it: the
            # measured CPU time is trusted over the wall time's corrections.
            if wall < cpu:
                wall = cpu
        elif hit.cpu_note:
            self._warn(hit.cpu_note)
        stats = data.stats
        stats.completed += 1
        stats.wall_sum += wall
        if wall > stats.wall_max:
            stats.wall_max = wall
        if stats.wall_min < 0 or wall < stats.wall_min:
            stats.wall_min = wall
        if cpu is not None:
            stats.cpu_n += 1
            stats.cpu_sum += cpu
            if stack:
                stack[-1].child_cpu += cpu
            if self.folded_path:  # the call's own time: never negative, see above
                data.folded[call.path] = data.folded.get(call.path, 0) + cpu - call.child_cpu
        if self.writer is not None:
            self.writer.write(profreport.record(self.spec, call, wall, cpu, True))
            self.records += 1
        if not self.quiet:
            ui.write(profreport.describe(call) + profreport.cost(wall, cpu))

    def _abandon(self, call: Call, why: str) -> None:
        """Record CALL as not completed, because of WHY ("not timed": never timed)."""
        if self.writer is not None:
            completed = None if why == "not timed" else False  # not timed: not known
            self.writer.write(profreport.record(self.spec, call, None, None, completed))
            self.records += 1
        if not self.quiet:
            text = "\tNot timed\n" if why == "not timed" else f"\tNot completed: {why}\n"
            ui.write(profreport.describe(call) + text)

    def _abandon_thread(self, data: Data, gnum: int, why: str) -> None:
        stack = data.stacks.pop(gnum, None)
        while stack:
            self._abandon(stack.pop(), why)

    def finish(self, data: Data, why: str) -> None:
        """The process ended (or profiling stopped): close every open call."""
        for gnum in list(data.stacks):
            self._abandon_thread(data, gnum, why)

    def _warn(self, text: str) -> None:
        if text not in self.warned:
            self.warned.add(text)
            ui.write(f"prof: warning: {text}\n")

    # -- outputs ---------------------------------------------------------------

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()
        if self.folded_path:
            merged: dict[str, int] = {}
            for st in state.known():
                data = st.slots.get(self)
                if data is not None:
                    for path, ns in data.folded.items():
                        merged[path] = merged.get(path, 0) + ns
            problem = profreport.write_folded(self.folded_path, merged)
            if problem:
                self._warn(problem)

    def number(self) -> int:
        probe = self.probe
        return probe.number if probe is not None and probe.is_valid() else 0


# -- events -------------------------------------------------------------------

_profilers: list[Profiler] = []


def _live() -> list[Profiler]:
    return [p for p in _profilers if not p.dead and p.probe is not None and p.probe.is_valid()]


def _on_exited(event: gdb.ExitedEvent) -> None:
    live = _live()
    if not live:
        return
    target = getattr(event, "inferior", None) or gdb.selected_inferior()
    st = state.of(target.num)
    for prof in live:
        prof.finish(prof.data(st.num), NOT_COMPLETED_EXIT)
        prof.flush()
    ui.write(_report_text(live, st))
    for prof in live:
        if prof.writer is not None:
            ui.write(f"prof: {prof.records} records in {prof.writer.path}\n")
        if prof.folded_path:
            ui.write(f"prof: folded stacks of CPU time in {prof.folded_path}\n")


def _report_text(profs: list[Profiler], st: state.InferiorState) -> str:
    rows = [profreport.row(p.spec, p.data(st.num).stats) for p in profs]
    return profreport.table(rows, st.name() if state.several() else "")


_hooked = False


def _hook_events() -> None:
    """Connect prof's event handlers, once per gdb however often gdbext is loaded."""
    global _hooked
    if _hooked:
        return
    _hooked = True
    events.subscribe("exited", _on_exited, order=1)
    events.subscribe("stop", writer.flush_all)
    events.subscribe("gdb_exiting", writer.close_all)


# -- the command's work -------------------------------------------------------


def run(cmd: ui.Command, arg: str) -> None:
    """What ``prof ARG`` does; CMD is the command, for its errors."""
    request = front.parse("prof", arg)
    if request.report:
        if request.location or request.output or request.folded or request.quiet:
            cmd.fail("--report takes no location or other option; see 'help prof'")
        _report(cmd)
        return
    if not request.location:
        if request.output or request.folded or request.quiet:
            cmd.fail("missing LOCATION; see 'help prof'")
        _list()
        return
    front.refuse_core("profile")
    _check_location(cmd, request.location)
    folded = ""
    if request.folded:
        folded = writer.check_path(request.folded)
        problem = profreport.write_folded(folded, {})
        if problem:
            cmd.fail(problem)
    _hook_events()
    out = writer.open_writer(request.output) if request.output else None
    prof = Profiler(request, out, folded)
    wants = engine.Wants(args=prof.read_args, returns=True, stack=bool(folded))
    probe = front.start(request, wants, prof, out)
    prof.probe = probe
    _profilers.append(prof)
    if probe.pending:
        ui.write(f"prof: {request.location} is pending; profiling starts when a shared "
                 "library defines it.\n")


def _check_location(cmd: ui.Command, location: str) -> None:
    """Fail now, clearly, for a location that can never exist or is not where a function starts.

    One that a shared library may still define is left to become pending.
    """
    try:
        sals, _pending = front.check_location(location)
        for sal in sals or ():
            sites.check_entry(location, sal.pc)
    except gdb.GdbError as exc:
        message = str(exc)
        if message.startswith("unexpected"):
            message += "; see 'help prof'"
        cmd.fail(message)


def _report(cmd: ui.Command) -> None:
    live = _live()
    if not live:
        cmd.fail("nothing is profiled; see 'help prof'")
    for prof in live:
        prof.flush()
    ui.write(_report_text(live, state.selected()))


def _list() -> None:
    live = _live()
    if not live:
        ui.write("No locations are profiled.  Usage: prof [-q] [-o FILE] "
                 "[--folded FILE] LOCATION; see 'help prof'.\n")
        return
    st = state.selected()
    rows = []
    for p in live:
        probe = p.probe
        assert probe is not None
        options = []
        if p.quiet and p.writer is None:
            options.append("--quiet")
        if p.writer is not None:
            options.append(f"--output {p.writer.path}")
        if p.folded_path:
            options.append(f"--folded {p.folded_path}")
        stats = p.data(st.num).stats
        rows.append([str(probe.number), "y" if probe.enabled else "n",
                     p.spec + (" (pending)" if probe.pending else ""),
                     str(stats.calls), profreport.completed_text(stats), probe.condition or "",
                     " ".join(options), engine.describe(probe)])
    title = "Profiled locations" + (f" (calls in {st.name()})" if state.several() else "")
    ui.write(front.listing(title, ("Num", "Enb", "Location", "Calls", "Completed",
                                   "Condition", "Options", "Engine"), rows))
