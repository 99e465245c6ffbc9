"""The breakpoint engine: never-stopping gdb breakpoints that report hits, entries and returns.

The probe a user sees is a real gdb breakpoint (a :class:`ProbeBreakpoint`)
whose ``stop()`` reports the hit to its client and returns False, so
``info breakpoints``, ``delete``, ``disable``, ``condition`` and ``ignore``
work on it.  For a client that wants returns (prof) the engine also puts,
at the first hit of each entry address, permanent internal breakpoints on
the function's return instructions (or its return sites: see
:mod:`gdbext.trace.sites`), so nothing is created per call; and it reports
each hit's clocks without the time its stops cost (:mod:`gdbext.trace.stops`).
For tp, values are read through :mod:`gdbext.trace.fastpath` once it has
checked itself on the first hits.

Two rules of gdb 13 shape this module: a breakpoint must never be deleted
while gdb walks its breakpoints (``delete`` deletes every user breakpoint in
one loop) or inside a ``stop()``, so internal breakpoints are *retired*
(:func:`retire`) and deleted when gdb is idle; and a Ctrl-C that arrives
while Python runs at a hit must become the SIGINT stop the user meant, not a
traceback (:func:`interrupted`).
"""

from __future__ import annotations

import os

import gdb

from gdbext import events, ui
from gdbext.trace import (
    actions,
    engine,
    fastpath,
    frames,
    front,
    rehits,
    saved,
    sites,
    state,
    stops,
)
from gdbext.trace.stops import Accounting

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from gdbext.trace.engine import Client, Wants
    from gdbext.trace.grammar import Request

_ACCOUNTING = "breakpoints.accounting"  # the key of the engine's slot in a process's state


# -- breakpoints that never stop ---------------------------------------------


class SilentBreakpoint(gdb.Breakpoint):
    """Base of the engine's breakpoints: Python runs at each hit, the program never stops.

    Subclasses implement ``_stop()`` and call :meth:`wanted` first.  A
    condition given while the location is pending goes in
    ``deferred_condition``: gdb 13 cannot re-set a pending breakpoint that has
    a condition (it disables it when the library loads), so it is evaluated
    here instead.
    """

    deferred_condition: str | None = None

    # gdb 13 refuses 'condition N EXPR' on a breakpoint that has a Python
    # 'stop' attribute ("Only one stop condition allowed"), and asks for it
    # only (a) from that command, where the selected thread is stopped or
    # there is no process, and (b) when a thread hits the breakpoint, where
    # that thread is still marked running - except a thread that gdb first
    # learns of at the hit (gdbserver reports new threads that way), marked
    # stopped already.  So 'stop' exists in case (b) only: a running thread,
    # or a stopped one while the program was resumed since its last stop.
    @property
    def stop(self) -> Callable[[], bool]:
        thread = gdb.selected_thread()
        if thread is None or (thread.is_stopped() and not _resumed):
            raise AttributeError("stop")
        return self._stop

    def __init__(self, *args: object, **kwargs: object) -> None:
        _watch_resumes()
        super().__init__(*args, **kwargs)

    def _stop(self) -> bool:
        raise NotImplementedError

    def set_condition(self, condition: str) -> None:
        """Attach CONDITION now, or keep it for this class to evaluate while pending."""
        if self.pending:
            self.deferred_condition = condition
        else:
            self.condition = condition

    def wanted(self) -> bool:
        """Whether this hit counts: conditions hold and no ignore count is left.

        gdb calls ``stop`` before it looks at the condition and the ignore
        count (it decrements the latter itself after ``stop`` returns).
        """
        for condition in (self.condition, self.deferred_condition):
            if condition is not None and not _holds(condition):
                return False
        return self.ignore_count <= 0


def _holds(condition: str) -> bool:
    """Whether CONDITION is true in the selected frame (an error counts as true, as in gdb)."""
    try:
        return bool(gdb.parse_and_eval(condition))
    except gdb.error:
        return True


# Whether the program was resumed (a 'cont' event) since its last stop event.
_resumed = False
_watching = False


def _watch_resumes() -> None:
    global _watching
    if not _watching:
        _watching = True
        events.subscribe("cont", _on_cont_resumed)
        events.subscribe("stop", _on_stop_resumed)
        events.subscribe("exited", _on_stop_resumed)
        events.subscribe("exited", reap, order=10)  # a batch run has no prompt: its exit is idle
        events.subscribe("before_prompt", reap)


def _on_cont_resumed(*_event: object) -> None:
    global _resumed
    _resumed = True


def _on_stop_resumed(*_event: object) -> None:
    global _resumed
    _resumed = False


def interrupted() -> None:
    """Ctrl-C reached gdbext inside a never-stopping breakpoint: make it a SIGINT stop.

    The breakpoint itself does not stop (gdb would report an internal
    breakpoint, or the tracepoint, as the reason); the program is sent the
    SIGINT the user meant, so gdb stops it as it does for any Ctrl-C and
    ``continue`` goes on tracing.
    """
    from gdbext import inferior

    target = gdb.selected_inferior()
    if inferior.is_native(target) and target.pid > 0:
        import signal

        try:
            os.kill(target.pid, signal.SIGINT)
            return
        except OSError:
            pass
    gdb.post_event(_interrupt)


def _interrupt() -> None:
    try:
        gdb.execute("interrupt", to_string=True)
    except gdb.error:
        pass


# Breakpoints no longer used, waiting to be deleted where that is safe.
_retired: list[gdb.Breakpoint] = []


def retire(bps: list[gdb.Breakpoint], when: str = "idle") -> None:
    """Delete BPS now or, when that is unsafe, at gdb's next prompt (or tp/prof command).

    WHEN says where the caller is: ``"now"`` (a command, the program's
    exit: delete at once), ``"idle"`` (an event handler: disable now, which
    frees nothing, and delete later) or ``"stop"`` (inside ``stop``: touch
    nothing now).  The caller makes the breakpoints inert first.
    """
    _watch_resumes()
    if when == "now":
        _retired.extend(bps)
        reap()
        return
    for bp in bps:
        if when == "idle":
            try:
                if bp.is_valid() and bp.enabled:
                    bp.enabled = False
            except (gdb.error, RuntimeError):
                pass
        _retired.append(bp)


def reap(*_event: object) -> None:
    """Delete the retired breakpoints; call only where gdb is idle (a prompt, a command)."""
    doomed = _retired[:]
    _retired.clear()
    for bp in doomed:
        try:
            if bp.is_valid():
                bp.delete()
        except (gdb.error, RuntimeError):
            pass


# -- hits ----------------------------------------------------------------------


class LiveHit(engine.Hit):
    """A hit read from the live program, which is stopped at it."""

    __slots__ = ("_bare", "_bp", "_frame", "_scope", "_site")

    def __init__(self, kind: str, inferior: int, thread: int, pc: int,
                 bp: ProbeBreakpoint) -> None:
        # Every hit makes one: the base's attributes are set here, without a call.
        self.kind, self.inferior, self.thread, self.pc = kind, inferior, thread, pc
        self.cfa = self.wall_ns = self.cpu_ns = None
        self.cpu_note = self.note = ""
        self._bp = bp
        self._frame: gdb.Frame | None = None
        self._scope: frames.Scope | None = None
        self._site: sites.Site | None = None
        self._bare = False

    def timed(self, cfa: int, wall: int | None, cpu: int | None, note: str) -> LiveHit:
        """This hit with its frame address and clocks set; returns itself."""
        self.cfa, self.wall_ns, self.cpu_ns, self.cpu_note = cfa, wall, cpu, note
        return self

    def frame(self) -> gdb.Frame:
        frame = self._frame
        if frame is None:
            frame = self._frame = gdb.newest_frame()
        return frame

    def scope(self) -> frames.Scope:
        scope = self._scope
        if scope is None:
            scope = self._scope = frames.scope_at(self.frame())
        return scope

    def values(self, max_value: int | None) -> list[str] | None:
        return self._bp.read_values(self, max_value)

    def symbols(self, max_value: int | None) -> list[frames.Symbol]:
        return self.scope().symbols(self.frame(), max_value)

    def args(self, max_value: int | None) -> list[tuple[str, str, str]]:
        if self._bare:
            return []
        site = self._site
        entries = site.args if site is not None else tuple(
            e for e in self.scope().entries if e.kind == frames.ARG)
        texts = frames.entry_values(self.frame(), entries, max_value)
        return [(entry.name, entry.type, text) for entry, text in zip(entries, texts)]

    def header(self) -> str:
        site = self._site
        if site is not None:
            return site.header
        scope = self.scope()
        return sites.header(self.frame(), scope,
                            tuple(e for e in scope.entries if e.kind == frames.ARG))

    def token(self) -> object:
        return self.frame()

    def stack(self, until: object) -> tuple[list[str], bool]:
        names: list[str] = []
        f: gdb.Frame | None = self.frame()
        while f is not None:
            if until is not None and f == until:
                return names, True
            try:
                names.append(f.name() or "??")
                f = f.older()
            except gdb.error:
                break
        return names, False


# -- the user's breakpoint -----------------------------------------------------


class ProbeBreakpoint(SilentBreakpoint):
    """The user-visible breakpoint of one tp or prof; never stops the program."""

    gdbext_probe = True  # how gdbext.trace.saved tells it from a plain breakpoint

    def __init__(self, request: Request, wants: Wants, client: Client,
                 owner: BreakpointEngine) -> None:
        self.request = request
        self.wants = wants
        self.client: Client | None = client
        self.owner = owner
        # prof: per (inferior, entry address) what is known of the function,
        # per inferior the internal breakpoints on its returns.
        self.sites: dict[tuple[int, int], sites.Site] = {}
        self.internal: dict[int, list[gdb.Breakpoint]] = {}
        self.return_sites: dict[tuple[int, int], ReturnBreakpoint] = {}
        self.fast_site: tuple[int, sites.Site] | None = None  # one address, one inferior
        # Calls that started at a function's entry address (an EntryBreakpoint),
        # per (inferior, thread): (frame address, clocks, site), until they reach
        # this breakpoint's location or return.
        self.starts: dict[tuple[int, int], list[tuple[int, int, int | None, sites.Site]]] = {}
        self.entry_bps: list[EntryBreakpoint] = []  # made with the probe, for every inferior
        # tp: the fast path's reader of the one pc this breakpoint stops at.
        self._reader: fastpath.FastReader | None = None
        self._declined: frames.Scope | None = None  # a scope known to have no reader
        self._failed = False
        # The user's 'commands' split into top-level commands (None: not read yet).
        self.actions: list[object] | None = None
        self.silent_hits = False  # the commands start with 'silent': the client prints nothing
        self.marker = ""  # the first of its commands: how to make it again (saved.marker)
        self._warned: set[str] = set()
        rehits.watch()
        super().__init__(request.location, gdb.BP_BREAKPOINT, internal=False)

    def _stop(self) -> bool:
        client = self.client
        if client is None:
            return False
        try:
            if not self.wanted():
                if self.starts:  # a call that started at the entry address is not wanted
                    stack = self.starts.get((gdb.selected_inferior().num,
                                             gdb.selected_thread().global_num))
                    if stack:
                        stack.pop()
                return False
            if not rehits.first_time(gdb.selected_thread(), self):
                return False
            if engine._recorders:
                engine.before_live_hit(gdb.selected_inferior().num)
            todo = self.actions
            if todo is None:
                todo = self.actions = actions.split(self.commands or "")
                self.silent_hits = bool(todo) and todo[0] == "silent"
            if self.wants.returns:
                self._enter(client)
            elif _clocks:  # something is profiled: this stop must not count in its times
                target = gdb.selected_inferior()
                acct = _clocks.get(target.num)
                if acct is None or acct.pid != target.pid:
                    client.on_entry(LiveHit(engine.ENTRY, target.num,
                                            gdb.selected_thread().global_num, 0, self))
                    return False
                gnum = acct.begin()[0]
                try:
                    client.on_entry(LiveHit(engine.ENTRY, target.num, gnum, 0, self))
                finally:
                    acct.end(gnum)
            else:
                hit = LiveHit(engine.ENTRY, gdb.selected_inferior().num,
                              gdb.selected_thread().global_num, 0, self)
                client.on_entry(hit)
            if todo:
                actions.run(todo, f"{self.owner_name()} {self.number}", self._warned)
        except KeyboardInterrupt:
            interrupted()
        except Exception as exc:  # never stop the program, never show a traceback
            self._internal_error(exc)
        return False

    def _internal_error(self, exc: BaseException) -> None:
        if not self._failed:
            self._failed = True
            gdb.write(ui.internal_error(
                f"{self.owner_name()}: breakpoint {self.number} ('{self.request.spec}')", exc)
                + "\n", gdb.STDERR)

    def owner_name(self) -> str:
        return "prof" if self.wants.returns else "tp"

    # -- tp: values, through the fast path when it has checked itself --------

    def read_values(self, hit: LiveHit, max_value: int | None) -> list[str] | None:
        """HIT's values (its scope set as read); None when a size is only known per hit."""
        reader = self._reader
        if reader is not None and reader.ready and self._only_at(reader.scope.pc):
            values = reader.read(max_value)  # None: this hit must be read slowly
            if values is not None:
                hit._scope = reader.scope
                hit.pc = reader.scope.pc
                return values
        frame = hit.frame()
        scope = hit.scope()
        hit.pc = scope.pc
        reader = self._reader_for(frame, scope)
        if reader is not None and reader.learning:
            return reader.learn(frame, max_value)
        if any(entry.dynamic for entry in scope.entries):
            return None
        return scope.values(frame, max_value)

    def _reader_for(self, frame: gdb.Frame, scope: frames.Scope) -> fastpath.FastReader | None:
        """The fast reader for this hit's FRAME and SCOPE, made on first use; None if none fits.

        Only a breakpoint with one location has one: its hits all stop at
        that address, so the reader is found without asking for the pc.  The
        newest frame must be a real (not inlined) one, whose scope is cached.
        """
        reader = self._reader
        if reader is not None and reader.scope is scope:
            return reader
        if scope is self._declined or not fastpath.FAST:
            return None
        self._reader = None
        self._declined = scope
        if any(entry.dynamic for entry in scope.entries):
            return None
        pc = frame.pc()
        if (
            not self._only_at(pc)
            or scope.pc != pc
            or frame.level() != 0
            or frame.type() != gdb.NORMAL_FRAME
            or frames.scope_at(frame) is not scope
        ):
            return None
        self._declined = None
        self._reader = fastpath.FastReader(scope)
        return self._reader

    def _only_at(self, pc: int) -> bool:
        """Whether this breakpoint has one location, at PC (so every hit stops at PC)."""
        locations = getattr(self, "locations", None)  # gdb 13 and later
        return locations is not None and len(locations) == 1 and locations[0].address == pc

    # -- prof: entries, returns and clocks ------------------------------------

    def _enter(self, client: Client) -> None:
        target = gdb.selected_inferior()
        num = target.num
        acct = accounting(target)
        gnum, wall, cpu = acct.begin()
        try:
            fast = self.fast_site
            site = fast[1] if fast is not None and fast[0] == num else self._site_here(num, acct)
            if not site.ok:  # counted, not timed: an entry without a frame address
                hit = LiveHit(engine.ENTRY, num, gnum, site.pc, self)
                hit._site = site
                hit.note = site.problem or "not timed"
                client.on_entry(hit)
            else:
                sp = int(gdb.parse_and_eval(acct.sp_expr))
                cfa = None
                if site.dynamic:
                    cfa = sites.caller_sp(gdb.selected_frame(), acct.sp_name)
                if cfa is None:
                    cfa = sp + site.cfa_off
                if site.entry:  # reached more than once per call: calls start at the entry
                    stack = self.starts.get((num, gnum))
                    start = None
                    if stack:
                        deeper = []
                        while stack and stack[-1][0] < cfa:  # unwound before reaching here
                            deeper.append(stack.pop())
                        self._entries(client, num, gnum, deeper, acct.cpu_note)
                        if stack and stack[-1][0] == cfa:
                            start = stack.pop()
                    if start is not None:
                        _, wall, cpu, _ = start
                        site.first = False
                    elif site.first:  # the first call entered before the entry breakpoint
                        site.first = False
                        if site.use_return_sites:
                            self._watch_return_site(num, acct, cfa)
                    else:
                        return  # back at the loop's head, in a call already counted
                elif site.use_return_sites:
                    self._watch_return_site(num, acct, cfa)
                hit = LiveHit(engine.ENTRY, num, gnum, site.pc, self)
                hit._site = site
                client.on_entry(hit.timed(cfa, wall, cpu, acct.cpu_note))
        finally:
            if acct.end(gnum):
                self.owner.sweep(num, acct)

    def entered(self, num: int) -> None:
        """A call of the function started at its entry address (inferior NUM)."""
        if self.client is None:
            return
        acct = accounting(gdb.selected_inferior())
        gnum, wall, cpu = acct.begin()
        try:
            pc = int(gdb.parse_and_eval("$pc"))
            site = self.sites.get((num, pc))
            if site is None:
                site = self._analyse(num, pc, acct)
            if site.ok:
                cfa = int(gdb.parse_and_eval(acct.sp_expr)) + site.cfa_off
                self.starts.setdefault((num, gnum), []).append((cfa, wall, cpu, site))
                if site.use_return_sites:
                    self._watch_return_site(num, acct, cfa)
        finally:
            if acct.end(gnum):
                self.owner.sweep(num, acct)

    def leave(self, num: int, cfa_off: int) -> None:
        """A return instruction (or return site) of inferior NUM was reached."""
        client = self.client
        if client is None:
            return
        target = gdb.selected_inferior()
        acct = accounting(target)
        gnum, wall, cpu = acct.begin()
        try:
            cfa = int(gdb.parse_and_eval(acct.sp_expr)) + cfa_off
            if self.starts:  # calls that return (or were unwound) before reaching it
                stack = self.starts.get((num, gnum))
                if stack and stack[-1][0] <= cfa:
                    done = []
                    while stack and stack[-1][0] <= cfa:
                        done.append(stack.pop())
                    self._entries(client, num, gnum, done, acct.cpu_note)
            hit = LiveHit(engine.RETURN, num, gnum, 0, self)
            client.on_return(hit.timed(cfa, wall, cpu, acct.cpu_note))
        finally:
            if acct.end(gnum):
                self.owner.sweep(num, acct)

    def _entries(self, client: Client, num: int, gnum: int,
                 starts: list[tuple[int, int, int | None, sites.Site]], note: str) -> None:
        """Report the entries of calls that never reached this breakpoint, outermost first
        (STARTS is innermost first)."""
        for cfa, wall, cpu, site in reversed(starts):
            hit = LiveHit(engine.ENTRY, num, gnum, site.pc, self)
            hit._site = site
            hit._bare = True  # its arguments are not what it was called with any more
            client.on_entry(hit.timed(cfa, wall, cpu, note))

    def _site_here(self, num: int, acct: Accounting) -> sites.Site:
        pc = int(gdb.parse_and_eval("$pc"))
        site = self.sites.get((num, pc))
        if site is None:
            site = self._analyse(num, pc, acct)
            if site.entry and not self.entry_bps:
                # Found only now (a library's function): calls from the next one on
                # start at the entry address.
                self.internal.setdefault(num, []).append(
                    EntryBreakpoint(f"*{site.entry:#x}", self, num, site.solib))
            locations = getattr(self, "locations", None)
            if locations is not None and len(locations) == 1 and len(gdb.inferiors()) == 1:
                self.fast_site = (num, site)
        return site

    def _analyse(self, num: int, pc: int, acct: Accounting) -> sites.Site:
        """Learn how calls reaching PC in inferior NUM are paired with their returns."""
        frame = gdb.selected_frame()
        try:
            site = sites.analyse(frame, pc, acct)
        except (gdb.error, gdb.MemoryError, RuntimeError) as exc:
            site = sites.Site(pc)
            site.problem = sites.describe_error(self.request.spec, pc, exc)
        spec = self.request.spec
        if site.problem and not site.problem.startswith(spec):
            site.problem = f"{spec}: {site.problem}"  # the client warns at each entry
        site.solib = _solib(pc)
        if site.ok and not site.use_return_sites:
            bps = self.internal.setdefault(num, [])
            for address in site.rets:
                if (num, address) not in self.return_sites:
                    bp = ReturnBreakpoint(address, self, num, site.ret_cfa_off, site.solib)
                    self.return_sites[(num, address)] = bp
                    bps.append(bp)
        self.sites[(num, pc)] = site
        return site

    def watch_entries(self) -> None:
        """Time calls from the entry address of each function whose start, where this
        breakpoint is, is reached more than once per call, or can be jumped over.

        The entry breakpoints are named by the function (``*NAME``), so gdb
        moves them when the program is relocated at each run.
        """
        for location in getattr(self, "locations", None) or ():
            spec = sites.needs_entry(location.address)
            if spec:
                self.entry_bps.append(EntryBreakpoint(spec, self, None, None))

    def _watch_return_site(self, num: int, acct: Accounting, cfa: int) -> None:
        """Put a breakpoint where this call will return to (shared per call site)."""
        from gdbext import inferior

        try:
            if acct.x86:  # the return address is just below the CFA
                data = inferior.read(cfa - acct.ptr, acct.ptr)
                address = int.from_bytes(data, "little")
            else:
                older = gdb.selected_frame().older()
                if older is None:
                    return
                address = older.pc()
        except (gdb.error, gdb.MemoryError):
            return
        if (num, address) not in self.return_sites:
            self.return_sites[(num, address)] = ReturnBreakpoint(address, self, num, 0,
                                                                 _solib(address))

    def internals(self, num: int | None = None) -> list[gdb.Breakpoint]:
        """The internal breakpoints of inferior NUM (None: of every inferior)."""
        out = [bp for n, bps in self.internal.items() if num is None or n == num for bp in bps]
        seen = set(map(id, out))
        out += [bp for (n, _), bp in self.return_sites.items()
                if (num is None or n == num) and id(bp) not in seen]
        if num is None:
            out += self.entry_bps
        return out

    def drop(self, num: int | None, when: str) -> None:
        """Forget inferior NUM's sites (None: every inferior's, and the entry breakpoints
        made with the probe) and retire their breakpoints."""
        doomed = self.internals(num)
        if num is None:
            self.entry_bps = []
        for bp in doomed:
            bp.probe = None  # inert until deleted
        self.internal = {n: b for n, b in self.internal.items() if num is not None and n != num}
        self.return_sites = {k: b for k, b in self.return_sites.items()
                             if num is not None and k[0] != num}
        self.sites = {k: s for k, s in self.sites.items() if num is not None and k[0] != num}
        self.starts = {k: p for k, p in self.starts.items() if num is not None and k[0] != num}
        self.fast_site = None
        if doomed:
            retire(doomed, when)

    def unload(self, solib: str) -> None:
        """Shared library SOLIB is being unloaded: retire what lies in it.

        gdb 13 makes a ``*ADDRESS`` breakpoint in an unloaded library pending
        by itself; gdb 14 and later keep it and then fail to insert it
        ("Cannot insert breakpoint -8"), which stops the program.  Called
        from gdb's free_objfile event, so the breakpoints are only disabled
        now and deleted at the next safe point.  If the library is loaded
        again, the function is analysed again at its first hit.
        """
        doomed = [bp for bp in self.internals() if bp.solib == solib]
        if not doomed:
            return
        for bp in doomed:
            bp.probe = None
        self.internal = {n: [b for b in bps if b.solib != solib]
                         for n, bps in self.internal.items()}
        self.return_sites = {k: b for k, b in self.return_sites.items() if b.solib != solib}
        self.sites = {k: s for k, s in self.sites.items() if s.solib != solib}
        self.starts = {k: p for k, p in self.starts.items() if p[3].solib != solib}
        self.fast_site = None
        retire(doomed, "idle")


class _InternalBreakpoint(gdb.Breakpoint):
    """An internal breakpoint of PROBE's, for inferior NUM (None: every inferior), in the
    shared library SOLIB (None: the program); it never stops the program."""

    def __init__(self, spec: str, probe: ProbeBreakpoint, num: int | None,
                 solib: str | None) -> None:
        self.probe: ProbeBreakpoint | None = probe
        self.num = num
        self.solib = solib
        super().__init__(spec, internal=True)
        if not probe.enabled:
            self.enabled = False

    def stop(self) -> bool:
        probe = self.probe
        if probe is None:
            return False
        try:
            num = gdb.selected_inferior().num
            if self.num is None or num == self.num:
                if engine._recorders:
                    engine.before_live_hit(num)
                self._reached(probe, num)
        except KeyboardInterrupt:
            interrupted()
        except Exception as exc:
            probe._internal_error(exc)
        return False

    def _reached(self, probe: ProbeBreakpoint, num: int) -> None:
        raise NotImplementedError


class ReturnBreakpoint(_InternalBreakpoint):
    """An internal breakpoint where a profiled call of inferior NUM returns.

    Either on one of the function's return instructions, where the call's
    frame address is the stack pointer plus CFA_OFF, or (CFA_OFF 0) where
    calls from one call site return to: back in the caller, the stack
    pointer is the returned call's frame address.
    """

    def __init__(self, address: int, probe: ProbeBreakpoint, num: int, cfa_off: int,
                 solib: str | None) -> None:
        self.cfa_off = cfa_off
        super().__init__(f"*{address:#x}", probe, num, solib)

    def _reached(self, probe: ProbeBreakpoint, num: int) -> None:
        probe.leave(num, self.cfa_off)


class EntryBreakpoint(_InternalBreakpoint):
    """An internal breakpoint at the entry of a function whose profiled location is reached
    more than once per call (see ``Site.entry``): calls start here.

    SPEC is ``*NAME`` (made with the probe, for every inferior: NUM None) or
    ``*ADDRESS`` (found at a first hit, for inferior NUM).
    """

    def _reached(self, probe: ProbeBreakpoint, num: int) -> None:
        probe.entered(num)


def _solib(address: int) -> str | None:
    """The file name of the shared library holding ADDRESS (None: the program itself)."""
    try:
        return gdb.solib_name(address)
    except (gdb.error, RuntimeError):
        return None


def _running(num: int) -> bool:
    """Whether a thread of inferior NUM is running."""
    for target in gdb.inferiors():
        if target.num == num:
            return any(th.is_running() for th in target.threads())
    return False


# The clocks of each inferior where something is profiled, by inferior number:
# tp's hits there are accounted as stops too.
_clocks: dict[int, Accounting] = {}


def accounting(target: gdb.Inferior) -> Accounting:
    """The engine's clocks of TARGET's process (made at its first hit)."""
    st = state.of(target.num)
    acct = st.slots.get(_ACCOUNTING)
    if acct is None or acct.pid != target.pid:
        if acct is not None:
            acct.close()
        acct = st.slots[_ACCOUNTING] = _clocks[target.num] = Accounting(target)
    return acct


# -- the engine ----------------------------------------------------------------


class BreakpointEngine(engine.Engine):
    """Probes as never-stopping gdb breakpoints: works on every target gdb debugs."""

    name = "breakpoints"

    def __init__(self) -> None:
        self.probes: list[ProbeBreakpoint] = []
        for name, handler in (
            ("stop", self._on_stop), ("cont", self._on_cont),
            ("new_process", self._on_new_process), ("exited", self._on_exited),
            ("breakpoint_deleted", self._on_deleted),
            ("breakpoint_modified", self._on_modified),
            ("free_objfile", self._on_free_objfile),  # gdb 14 and later
            ("breakpoint_created", self._on_created),
        ):
            events.subscribe(name, handler)
        for bp in gdb.breakpoints():
            self._on_created(bp)

    def probe(self, request: Request, wants: Wants, client: Client) -> ProbeBreakpoint:
        reap()
        location = request.location
        try:
            bp = ProbeBreakpoint(request, wants, client, self)
        except (gdb.error, RuntimeError) as exc:
            raise gdb.GdbError(f"cannot trace '{location}': "
                               f"{ui.first_line(exc)}") from None

        def undo(message: str) -> None:
            bp.client = None
            if bp.is_valid():
                bp.delete()
            raise gdb.GdbError(message)

        if request.condition:
            try:
                bp.set_condition(request.condition)
            except (gdb.error, RuntimeError) as exc:
                undo(f"bad condition '{request.condition}': {ui.first_line(exc)}")
        if bp.pending:
            reason = front.no_shared_libraries()
            if reason:
                undo(f"'{location}' matches nothing ({reason}, so no shared library "
                     "can define it)")
        elif wants.returns:
            try:
                bp.watch_entries()
            except (gdb.error, RuntimeError) as exc:
                undo(f"cannot profile '{location}': {ui.first_line(exc)}")
        bp.marker = saved.marker(bp.owner_name(), request, bp.deferred_condition)
        bp.commands = bp.marker  # 'save breakpoints' writes it: see gdbext.trace.saved
        self.probes.append(bp)
        return bp

    def live(self) -> list[ProbeBreakpoint]:
        self.probes = [p for p in self.probes if p.is_valid() and p.client is not None]
        return self.probes

    def sweep(self, num: int, acct: Accounting) -> None:
        """Tell clients about threads of inferior NUM that ended."""
        gone = acct.ended_threads()
        if not gone:
            return
        for probe in self.live():
            if probe.wants.returns and probe.client is not None:
                for gnum in gone:
                    probe.client.on_thread_exit(num, gnum)

    # -- events ---------------------------------------------------------------

    def _accountings(self) -> list[tuple[int, Accounting]]:
        return [(st.num, st.slots[_ACCOUNTING]) for st in state.known()
                if _ACCOUNTING in st.slots]

    def _on_stop(self, _event: object) -> None:
        for num, acct in self._accountings():
            acct.paused()
            self.sweep(num, acct)

    def _on_cont(self, _event: object) -> None:
        # gdb sends this at every resume, hits included: only a paused process
        # is looked at, and it resumes only when one of its threads runs
        # (another inferior may be the one that was resumed).
        for num, acct in self._accountings():
            if acct.paused_at and _running(num):
                acct.resumed()

    def _on_new_process(self, target: gdb.Inferior) -> None:
        for probe in self.live():
            probe.drop(target.num, "idle")

    def _on_exited(self, event: gdb.ExitedEvent) -> None:
        target = getattr(event, "inferior", None)
        num = target.num if target is not None else None
        for probe in self.live():
            probe.drop(num, "now")
        st = state.of(num) if num is not None else None
        if st is not None and _ACCOUNTING in st.slots:
            st.slots.pop(_ACCOUNTING).close()
            _clocks.pop(st.num, None)

    def _on_created(self, bp: gdb.Breakpoint) -> None:
        """A breakpoint of the user's own: its hits are stops that prof's clocks leave out."""
        if bp.number > 0 and not isinstance(bp, SilentBreakpoint):
            stops.foreign.append(bp)
            for acct in _clocks.values():
                acct.foreign_seen += bp.hit_count

    def _on_deleted(self, bp: gdb.Breakpoint) -> None:
        if bp in stops.foreign:
            stops.foreign.remove(bp)
            for acct in _clocks.values():
                acct.foreign_seen = max(0, acct.foreign_seen - bp.hit_count)
            return
        if not isinstance(bp, ProbeBreakpoint) or bp.client is None:
            return
        client, bp.client = bp.client, None
        bp.drop(None, "idle")
        if bp in self.probes:
            self.probes.remove(bp)
        client.on_deleted()

    def _on_free_objfile(self, event: object) -> None:
        objfile = getattr(event, "objfile", None)
        name = getattr(objfile, "filename", None) if objfile is not None else None
        if not name:
            return
        for probe in self.live():
            probe.unload(name)

    def _on_modified(self, bp: gdb.Breakpoint) -> None:
        if not isinstance(bp, ProbeBreakpoint) or bp.client is None:
            return
        bp.fast_site = None  # its addresses may have changed
        bp.actions = None  # its commands may have changed
        lines = actions.lines(bp.commands or "")
        if bp.marker and (not lines or not lines[0].startswith(saved.MARKER)):
            bp.commands = "\n".join([bp.marker, *lines])  # the marker stays first
        enabled = bp.enabled
        for ret in bp.internals():
            if ret.is_valid() and ret.enabled != enabled:
                ret.enabled = enabled
