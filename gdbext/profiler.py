"""What ``prof LOCATION`` does: time every call of a function, without stopping.

The command (its name and help text) is :mod:`gdbext.commands.prof`; this module
is imported at the first ``prof``, so loading gdbext does not compile it.

How it works, in short:

- The location is a real, user-visible gdb breakpoint whose ``stop()``
  returns False.  It fires once per call, after the function's prologue.
- At the first hit of each entry address, prof disassembles the function and
  puts permanent internal breakpoints on its return instructions.  Nothing is
  created per call, so the cost per call stays constant.
- Calls are paired with returns by their frame address (the CFA: the stack
  pointer before the call instruction), one stack of open calls per thread.
  A ``ret`` at frame address C completes the open call with CFA C; open calls
  with a lower CFA (deeper frames) were unwound by longjmp or an exception and
  are recorded as not completed, as are calls whose thread or process ended.
- A function that can leave through a tail jump (or has no return
  instruction) gets breakpoints on its return sites instead: the address its
  caller resumes at, read from the stack at entry, shared by all calls made
  from the same place.
- Wall time is gdb's clock minus the time prof's stops held the program: the
  time spent in prof's code, measured, plus a fixed cost per stop for the
  rest of gdb's work, estimated from the intervals between stops (a low
  percentile: each interval is a stop plus some of the program's work).  CPU
  time is the thread's own, from /proc, minus the kernel time each stop costs
  the thread, estimated the same way.  Both estimates err on the low side and
  are accumulated stop by stop, so a call never looks cheaper than a call it
  contains.
"""

from __future__ import annotations

import os
import re
import time

import gdb

from gdbext import frames, inferior, locations, render, settings, ui

# typing, argparse and json cost milliseconds to import; gdbext loads without them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import IO, Any

_now = time.perf_counter_ns
_gdb_cpu = time.thread_time_ns  # gdb's main thread: ptrace and Python

# Upper bounds for the per-stop costs estimated from the intervals between
# stops.  Here (gdb 13.1, x86-64) a stop costs about 100 µs of wall time and
# 17 µs of the thread's CPU; the bounds keep a program that never calls the
# function twice in a row from inflating the estimates.
WALL_PER_STOP_CAP_NS = 500_000
CPU_PER_STOP_CAP_NS = 100_000

NOT_COMPLETED_UNWOUND = "unwound (longjmp or exception)"
NOT_COMPLETED_THREAD = "its thread exited"
NOT_COMPLETED_EXIT = "the program ended"
NOT_COMPLETED_DELETED = "profiling was stopped"

# x86 return instructions as gdb's disassembler spells them (ret, retq,
# repz ret, bnd ret, ret $0x8, ...), and direct jumps with their target.  Plain
# strings: re compiles them at first use, not when gdbext loads.
_RET = r"^(?:(?:rep[a-z]*|bnd|notrack)\s+)*(?:ret[lqw]?|lret[lqw]?)\b"
_JUMP = r"^(?:(?:bnd|notrack)\s+)?j[a-z]+\s+(0x[0-9a-f]+)\b"
_SP_REALIGN = r"^(?:and|mov|lea)[a-z]*\s+.*,%[re]?sp\s*$"


class _Run:
    """What prof knows about the current process: clocks, threads and stop costs."""

    __slots__ = (
        "acc_ns", "clocks", "last_cpu", "last_g_out", "last_gnum", "last_out", "own",
        "paused_at", "pid", "ptr", "sp_expr", "sp_name", "stops", "threads", "tids", "x86",
    )

    def __init__(self) -> None:
        self.pid = 0
        self.clocks: inferior.ThreadClocks | None = None
        self.tids: dict[int, int] = {}  # gdb global thread number -> LWP
        self.threads: dict[int, gdb.InferiorThread] = {}
        # Per thread: the CPU time its own stops are estimated to have cost it, so far.
        self.own: dict[int, int] = {}
        self.last_cpu: dict[int, int] = {}  # each thread's CPU time at its last stop
        # Time the program was held by prof's stops (measured in prof's code,
        # estimated for the rest of gdb's work) and at the user's prompt, so far.
        # A call subtracts what accumulated between its entry and its return, so
        # nested calls are corrected alike whatever the estimate was at the time.
        self.acc_ns = 0
        self.stops = 0
        self.last_out = 0  # when the previous stop ended; 0: no interval to learn from
        self.last_g_out = 0  # gdb's CPU time then
        self.last_gnum = 0  # the thread of the previous stop
        self.paused_at = 0
        self.sp_expr, self.sp_name, self.ptr, self.x86 = "$sp", "sp", 8, False

    def start(self, pid: int) -> None:
        """Begin a new process: clocks, threads and counters from zero."""
        if self.clocks is not None:
            self.clocks.close()
        self.__init__()  # type: ignore[misc]
        self.pid = pid
        self.clocks = inferior.ThreadClocks(pid)
        arch = gdb.selected_inferior().architecture()
        name = arch.name()
        regs = {r.name for r in arch.registers()}
        self.x86 = name.startswith("i386")
        self.ptr = 8 if "64" in name else 4
        for reg in ("rsp", "esp", "sp"):
            if reg in regs:
                self.sp_name, self.sp_expr = reg, "$" + reg
                break

    def thread(self, th: gdb.InferiorThread) -> int:
        """Remember thread TH (first stop in it) and return its LWP."""
        pid, lwp, _ = th.ptid
        if pid != self.pid:
            _new_process(pid, defer=True)
        gnum = th.global_num
        self.tids[gnum] = lwp or pid
        self.threads[gnum] = th
        self.own.setdefault(gnum, 0)
        return lwp or pid

    def cpu(self, tid: int) -> int | None:
        clocks = self.clocks
        return clocks.cpu_ns(tid) if clocks is not None else None

    def learn(self, g_in: int, gnum: int, cpu: int | None) -> None:
        """Learn what a stop costs from the interval since the previous one.

        G_IN is gdb's CPU time when this stop began, CPU the thread's.
        """
        if self.last_out:
            _gdb_per_stop.add(g_in - self.last_g_out)
        if cpu is not None:
            before = self.last_cpu.get(gnum)
            self.last_cpu[gnum] = cpu
            if before is not None:
                _cpu_per_stop.add(cpu - before)

    def done(self, t_in: int, gnum: int) -> None:
        """Account for one stop that began at T_IN and ends now."""
        t_out = _now()
        self.last_g_out = _gdb_cpu()
        cpu_cost = _cpu_per_stop.value
        self.acc_ns += t_out - t_in + _gdb_per_stop.value + cpu_cost
        self.stops += 1
        self.own[gnum] += cpu_cost
        self.last_out = t_out
        # Notice threads that ended with calls open: when another thread stops
        # (cheap with few threads), and every 256 stops in any case.
        if gnum != self.last_gnum:
            self.last_gnum = gnum
            if len(self.threads) <= 32:
                _sweep_threads()
        elif not self.stops & 255:
            _sweep_threads()


_BATCH = 16


class _CostPerStop:
    """A low estimate of what one stop costs (ns), learnt from samples taken between stops.

    Samples come in batches of 16; a batch's 10th percentile (its second
    smallest) is robust to one odd sample.  CLEAN samples measure the cost
    alone (gdb's own CPU time between two stops): the estimate is the smallest
    sample until the first batch is complete, then the latest batch's 10th
    percentile.  Other samples are the cost plus some of the program's work (a
    thread's CPU time between two of its stops): no estimate (0) before the
    first batch, then the lowest batch 10th percentile so far.  Never more
    than CAP.  Kept across runs: it depends on the machine and gdb, not on the
    process.
    """

    __slots__ = ("batch", "batched", "cap", "clean", "low", "value")

    def __init__(self, cap: int, clean: bool) -> None:
        self.cap = cap
        self.clean = clean
        self.batch: list[int] = []
        self.batched = False
        self.low = -1
        self.value = 0  # what corrections use

    def add(self, sample: int) -> None:
        if sample < 0:
            return
        batch = self.batch
        batch.append(sample)
        if self.clean and not self.batched and (self.low < 0 or sample < self.low):
            self.low = sample
            self.value = min(sample, self.cap)
        if len(batch) >= _BATCH:
            batch.sort()
            p10 = batch[_BATCH // 10]
            batch.clear()
            if self.clean or not self.batched or p10 < self.low:
                self.low = p10
            self.batched = True
            self.value = min(self.low, self.cap)


_run = _Run()
# What a stop costs outside prof's code: gdb's work (its CPU time between
# stops) and the kernel's work in the stopped thread (that thread's CPU time
# between two of its stops, at best).  A stop holds the program for at least
# their sum.
_gdb_per_stop = _CostPerStop(WALL_PER_STOP_CAP_NS, clean=True)
_cpu_per_stop = _CostPerStop(CPU_PER_STOP_CAP_NS, clean=False)


class _Call:
    """One call: where and when it started, and what it was passed."""

    __slots__ = (
        "acc0", "args", "c0", "cfa", "child_cpu", "depth", "frame", "gnum", "own0", "path",
        "site", "t0",
    )

    def __init__(
        self, site: _Site, gnum: int, cfa: int, t0: int, c0: int | None, depth: int
    ) -> None:
        run = _run
        self.site, self.gnum, self.cfa, self.depth = site, gnum, cfa, depth
        self.t0, self.c0 = t0, c0
        self.acc0, self.own0 = run.acc_ns, run.own[gnum]
        self.args: list[tuple[str, str, str]] = []
        self.frame: gdb.Frame | None = None
        self.path = ""
        self.child_cpu = 0


class _Site:
    """One entry address of a profiled location: its function and how to pair returns."""

    __slots__ = (
        "args", "cfa_off", "dynamic", "function", "header", "ok", "pc", "ret_cfa_off", "rets",
        "use_return_sites",
    )

    def __init__(self, pc: int) -> None:
        self.pc = pc
        self.ok = False
        self.function = "??"
        self.header = "??"
        self.args: tuple[Any, ...] = ()  # frames' entries for the arguments
        self.cfa_off = 0  # CFA minus the stack pointer, at this address
        self.dynamic = False  # the prologue realigns the stack: unwind at every hit
        self.rets: list[int] = []
        self.ret_cfa_off = 0
        self.use_return_sites = False


class _Stats:
    """Totals for one profiled location, for the summary table."""

    __slots__ = ("calls", "completed", "cpu_n", "cpu_sum", "wall_max", "wall_min", "wall_sum")

    def __init__(self) -> None:
        self.calls = self.completed = self.cpu_n = 0
        self.cpu_sum = self.wall_sum = self.wall_max = 0
        self.wall_min = -1


class Profiler:
    """One ``prof LOCATION``: its breakpoints, open calls, totals and output files."""

    def __init__(
        self, spec: str, quiet: bool, output: IO[str] | None, output_path: str,
        folded_path: str,
    ) -> None:
        self.spec = spec
        self.quiet = quiet or output is not None
        self.output = output
        self.output_path = output_path
        self.folded_path = folded_path
        self.records = 0
        self.read_args = not self.quiet or output is not None
        self.sites: dict[int, _Site] = {}
        self.stacks: dict[int, list[_Call]] = {}
        self.stats = _Stats()
        self.folded: dict[str, int] = {}
        self.internal: list[gdb.Breakpoint] = []
        self.return_sites: dict[int, gdb.Breakpoint] = {}
        self.warned: set[str] = set()
        self.dead = False
        self.bp = _EntryBreakpoint(spec, self)

    # -- per call ------------------------------------------------------------

    def enter(self, bp: _EntryBreakpoint) -> None:
        t_in, g_in, gnum, cpu = _stop_begins()
        try:
            site = bp.fast_site
            if site is None:
                site = self._site_here(bp)
            if site.ok:
                sp = int(gdb.parse_and_eval(_run.sp_expr))
                if site.dynamic:
                    cfa = _caller_sp(gdb.selected_frame()) or sp + site.cfa_off
                else:
                    cfa = sp + site.cfa_off
                self._push(site, gnum, cfa, t_in, cpu)
        finally:
            _stop_ends(t_in, g_in, gnum, cpu)

    def _push(self, site: _Site, gnum: int, cfa: int, t_in: int, cpu: int | None) -> None:
        stack = self.stacks.get(gnum)
        if stack is None:
            stack = self.stacks[gnum] = []
        # A call whose frame is at or below the new one cannot be running any more.
        while stack and stack[-1].cfa <= cfa:
            self._abandon(stack.pop(), NOT_COMPLETED_UNWOUND)
        call = _Call(site, gnum, cfa, t_in, cpu, len(stack))
        self.stats.calls += 1
        if self.read_args or self.folded_path:
            frame = gdb.selected_frame()  # about 30 µs: only when needed
            if self.read_args and site.args:
                call.args = _read_args(frame, site.args)
            if self.folded_path:
                call.frame = frame
                call.path = self._path(frame, stack)
        if site.use_return_sites:
            self._watch_return_site(cfa)
        stack.append(call)

    def leave(self, cfa: int) -> None:
        """A return instruction (or return site) reached with frame address CFA."""
        t_in, g_in, gnum, cpu = _stop_begins()
        try:
            stack = self.stacks.get(gnum)
            if not stack:
                return
            top = stack[-1]
            while top.cfa < cfa:  # deeper calls that never returned: unwound
                stack.pop()
                self._abandon(top, NOT_COMPLETED_UNWOUND)
                if not stack:
                    return
                top = stack[-1]
            if top.cfa != cfa:
                return  # a call that started before profiling did
            stack.pop()
            self._complete(top, t_in, cpu, stack)
        finally:
            _stop_ends(t_in, g_in, gnum, cpu)

    def _complete(self, call: _Call, t_in: int, cpu: int | None, stack: list[_Call]) -> None:
        run = _run
        wall = t_in - call.t0 - (run.acc_ns - call.acc0)
        if wall < 0:
            wall = 0
        cpu_ns = None
        if cpu is not None and call.c0 is not None:
            cpu_ns = (cpu - call.c0) - (run.own[call.gnum] - call.own0)
            if cpu_ns < 0:
                cpu_ns = 0
            elif cpu_ns > wall:  # a thread cannot use more CPU than the time elapsed
                cpu_ns = wall
            # Nor less than the calls of this location made inside it, whose CPU
            # time is part of its own (the stops' correction can leave it short).
            if cpu_ns < call.child_cpu:
                cpu_ns = call.child_cpu
        stats = self.stats
        stats.completed += 1
        stats.wall_sum += wall
        if wall > stats.wall_max:
            stats.wall_max = wall
        if stats.wall_min < 0 or wall < stats.wall_min:
            stats.wall_min = wall
        if cpu_ns is not None:
            stats.cpu_n += 1
            stats.cpu_sum += cpu_ns
        if cpu_ns is not None:
            if stack:
                stack[-1].child_cpu += cpu_ns
            if self.folded_path:  # the call's own time: never negative, see above
                self.folded[call.path] = self.folded.get(call.path, 0) + cpu_ns - call.child_cpu
        if self.output is not None:
            self._record(call, wall, cpu_ns, True)
        if not self.quiet:
            ui.write(_describe(call) + f"\tCost: {wall / 1e9:.6f} s wall, "
                     + (f"{cpu_ns / 1e9:.6f} s cpu\n" if cpu_ns is not None else "cpu unknown\n"))

    def _abandon(self, call: _Call, why: str) -> None:
        """Record CALL as not completed, because of WHY."""
        if self.output is not None:
            self._record(call, None, None, False)
        if not self.quiet:
            ui.write(_describe(call) + f"\tNot completed: {why}\n")

    def _record(self, call: _Call, wall: int | None, cpu: int | None, completed: bool) -> None:
        import json

        assert self.output is not None
        args = [{"name": n, "type": t, "value": v} for n, t, v in call.args]
        self.output.write(json.dumps({
            "location": self.spec,
            "function": call.site.function,
            "thread": call.gnum,
            "args": args,
            "depth": call.depth,
            "wall_ns": wall,
            "cpu_ns": cpu,
            "completed": completed,
        }) + "\n")
        self.records += 1

    def _path(self, frame: gdb.Frame, stack: list[_Call]) -> str:
        """The folded stack of FRAME: ``main;f;g``, built on the enclosing call's."""
        outer = stack[-1] if stack else None
        names: list[str] = []
        prefix = ""
        f: gdb.Frame | None = frame
        while f is not None:
            if outer is not None and outer.frame is not None and f == outer.frame:
                prefix = outer.path
                break
            try:
                names.append(f.name() or "??")
                f = f.older()
            except gdb.error:
                break
        names.reverse()
        if prefix:
            names.insert(0, prefix)
        return ";".join(names)

    def _watch_return_site(self, cfa: int) -> None:
        """Put a breakpoint where this call will return to (shared per call site)."""
        try:
            if _run.x86:  # the return address is just below the CFA
                data = inferior.read(cfa - _run.ptr, _run.ptr)
                address = int.from_bytes(data, "little")
            else:
                older = gdb.selected_frame().older()
                if older is None:
                    return
                address = older.pc()
        except (gdb.error, gdb.MemoryError):
            return
        if address not in self.return_sites:
            self.return_sites[address] = _ReturnBreakpoint(address, self, 0)

    # -- set-up of each entry address ----------------------------------------

    def _site_here(self, bp: _EntryBreakpoint) -> _Site:
        pc = int(gdb.parse_and_eval("$pc"))
        site = self.sites.get(pc)
        if site is None:
            try:
                site = self._analyse(pc)
            except (gdb.error, gdb.MemoryError, RuntimeError) as exc:
                self._warn(f"{self.spec}: cannot analyse the code at {pc:#x} "
                           f"({ui.first_line(exc)}); not profiled there")
                site = _Site(pc)
            self.sites[pc] = site
            locations = getattr(bp, "locations", None)
            if locations is not None and len(locations) == 1:
                bp.fast_site = site
        return site

    def _analyse(self, pc: int) -> _Site:
        """Learn how to pair returns for the calls that enter at PC; set its breakpoints."""
        site = _Site(pc)
        run = _run
        frame = gdb.selected_frame()
        scope = frames.scope_at(frame)
        site.function = scope.function
        site.args = tuple(e for e in scope.entries if e.kind == frames.ARG)
        site.header = _header(frame, scope, site.args)
        sp = int(frame.read_register(run.sp_name))
        caller_sp = _caller_sp(frame)
        block = _function_block(frame)
        code = []
        if block is not None:
            try:
                code = frame.architecture().disassemble(block.start, block.end - 1)
            except gdb.error:
                code = []
        if code:
            start, end = block.start, block.end
            problem = _entry_problem(code, start, pc)
            if problem:
                self._warn(f"{self.spec}: {problem}; not profiled there "
                           f"(prof needs the start of a function, e.g. 'prof {site.function}')")
                return site
            site.dynamic = any(
                re.match(_SP_REALIGN, i["asm"]) for i in code if start <= i["addr"] < pc
            )
            rets, leaves = _exits(code, start, end)
            site.rets = rets
            site.use_return_sites = leaves or not rets or not run.x86
        else:
            site.use_return_sites = True
        if caller_sp is not None:
            site.cfa_off = caller_sp - sp
        elif block is not None and pc == block.start and run.x86:
            site.cfa_off = run.ptr
        else:
            self._warn(f"{self.spec}: gdb cannot find the caller of {site.function}; "
                       "not profiled there")
            return site
        if not site.use_return_sites:
            site.ret_cfa_off = run.ptr  # at a ret, the stack pointer is at the return address
            for address in rets:
                self.internal.append(_ReturnBreakpoint(address, self, site.ret_cfa_off))
        site.ok = True
        return site

    def _warn(self, text: str) -> None:
        if text not in self.warned:
            self.warned.add(text)
            ui.write(f"prof: warning: {text}\n")

    # -- life cycle ---------------------------------------------------------

    def abandon_thread(self, gnum: int, why: str) -> None:
        stack = self.stacks.pop(gnum, None)
        while stack:
            self._abandon(stack.pop(), why)

    def finish(self, why: str) -> None:
        """The process ended (or profiling stopped): close every open call."""
        for gnum in list(self.stacks):
            self.abandon_thread(gnum, why)
        self.flush()

    def reset(self, defer: bool) -> None:
        """A new process: counts from zero, and new breakpoints on its code."""
        if any(self.stacks.values()):  # the old process went without an exit event
            self.finish(NOT_COMPLETED_EXIT)
        self.stacks.clear()
        self.stats = _Stats()
        self.folded.clear()
        self.drop_internal("stop" if defer else "idle")

    def drop_internal(self, when: str = "now") -> None:
        """Retire the internal breakpoints; WHEN as for :func:`locations.retire`."""
        doomed = self.internal + list(self.return_sites.values())
        self.internal = []
        self.return_sites = {}
        self.sites.clear()
        if self.bp.is_valid():
            self.bp.fast_site = None
        for bp in doomed:
            bp.prof = None  # type: ignore[assignment]  # inert until deleted
        if doomed:
            locations.retire(doomed, when)

    def flush(self) -> None:
        if self.output is not None:
            self.output.flush()
        if self.folded_path:
            self.write_folded()

    def write_folded(self) -> None:
        try:
            with open(self.folded_path, "w", encoding="utf-8") as f:
                for path, ns in sorted(self.folded.items()):
                    f.write(f"{path} {ns}\n")
        except OSError as exc:
            self._warn(f"cannot write {self.folded_path}: {exc.strerror or exc}")

    def close(self) -> None:
        """Profiling of this location ends (its breakpoint was deleted)."""
        if self.dead:
            return
        self.finish(NOT_COMPLETED_DELETED)
        self.dead = True
        self.drop_internal("idle")
        if self.output is not None:
            self.output.close()
            self.output = None

    def row(self) -> list[str]:
        s = self.stats
        done = s.completed
        return [
            self.spec,
            str(s.calls),
            str(done),
            _secs(s.wall_sum) if done else "-",
            _secs(s.wall_sum // done) if done else "-",
            _secs(s.wall_min) if done else "-",
            _secs(s.wall_max) if done else "-",
            _secs(s.cpu_sum) if s.cpu_n else "-",
            _secs(s.cpu_sum // s.cpu_n) if s.cpu_n else "-",
        ]


def _stop_begins() -> tuple[int, int, int, int | None]:
    """At a stop: (wall ns, gdb's CPU ns, the thread's global number, its CPU ns)."""
    t_in = _now()
    g_in = _gdb_cpu()
    run = _run
    th = gdb.selected_thread()
    gnum = th.global_num
    tid = run.tids.get(gnum)
    if tid is None:
        tid = run.thread(th)
    return t_in, g_in, gnum, run.cpu(tid)


def _stop_ends(t_in: int, g_in: int, gnum: int, cpu: int | None) -> None:
    """Account for the stop that :func:`_stop_begins` opened."""
    # Learn from the interval before this stop only now, so that a call is
    # never corrected with an estimate taken from its own duration.
    _run.learn(g_in, gnum, cpu)
    _run.done(t_in, gnum)


class _EntryBreakpoint(locations.SilentBreakpoint):
    """The user-visible breakpoint of ``prof LOCATION``; never stops the program."""

    def __init__(self, spec: str, prof: Profiler) -> None:
        self.prof = prof
        self.fast_site: _Site | None = None  # set while the breakpoint has one address
        super().__init__(spec)

    def _stop(self) -> bool:
        prof = self.prof
        if prof.dead:
            return False
        try:
            if not self.wanted():
                return False
            prof.enter(self)
        except KeyboardInterrupt:
            locations.interrupted()
        except Exception as exc:  # never stop the program, never show a traceback
            _internal_error(prof, exc)
        return False


class _ReturnBreakpoint(gdb.Breakpoint):
    """An internal breakpoint where a profiled call returns.

    Either on one of the function's return instructions, where the call's
    frame address is the stack pointer plus CFA_OFF, or (CFA_OFF 0) where
    calls from one call site return to: back in the caller, the stack
    pointer is the returned call's frame address.
    """

    def __init__(self, address: int, prof: Profiler, cfa_off: int) -> None:
        self.prof: Profiler | None = prof
        self.cfa_off = cfa_off
        super().__init__(f"*{address:#x}", internal=True)

    def stop(self) -> bool:
        prof = self.prof
        if prof is None or prof.dead:
            return False
        try:
            prof.leave(int(gdb.parse_and_eval(_run.sp_expr)) + self.cfa_off)
        except KeyboardInterrupt:
            locations.interrupted()
        except Exception as exc:
            _internal_error(prof, exc)
        return False


def _internal_error(prof: Profiler, exc: BaseException) -> None:
    prof._warn(f"internal error ({type(exc).__name__}: {ui.first_line(exc)}); "
               "please report it with the command you ran")


# -- helpers ----------------------------------------------------------------


def _caller_sp(frame: gdb.Frame) -> int | None:
    """The stack pointer in FRAME's caller, i.e. FRAME's CFA; None when unknown."""
    try:
        older = frame.older()
        if older is None:
            return None
        return int(older.read_register(_run.sp_name))
    except (gdb.error, ValueError):
        return None


def _function_block(frame: gdb.Frame) -> gdb.Block | None:
    try:
        block = frame.block()
    except (gdb.error, RuntimeError):
        return None
    while block is not None and block.function is None:
        block = block.superblock
    return block


def _entry_problem(code: list[dict[str, Any]], start: int, pc: int) -> str | None:
    """Why PC is not reached exactly once per call of the function at START, or None.

    Loops before PC are fine (stack probes); a return or a jump that can skip
    PC, or a jump back to it, are not.
    """
    if pc < start:
        return "it is not inside the function"
    for insn in code:
        addr, asm = insn["addr"], insn["asm"]
        if addr < pc and re.match(_RET, asm):
            return f"the function can return at {addr:#x} before reaching it"
        jump = re.match(_JUMP, asm)
        if jump is None:
            continue
        target = int(jump.group(1), 16)
        if addr < pc and not start <= target <= pc:
            return f"the jump at {addr:#x} can skip it"
        if addr >= pc and start <= target <= pc:
            return f"the jump at {addr:#x} comes back to it"
    return None


def _exits(code: list[dict[str, Any]], start: int, end: int) -> tuple[list[int], bool]:
    """The addresses of the return instructions, and whether a jump leaves the function."""
    rets = []
    leaves = False
    for insn in code:
        asm = insn["asm"]
        if re.match(_RET, asm):
            rets.append(insn["addr"])
            continue
        jump = re.match(_JUMP, asm)
        if jump and not start <= int(jump.group(1), 16) < end:
            leaves = True  # a tail call: the callee returns for us
    return rets, leaves


def _header(frame: gdb.Frame, scope: frames.Scope, args: tuple[Any, ...]) -> str:
    """``fib(int) @ fib.c:5``: the function with its argument types, where it is defined."""
    name = scope.signature
    if "(" not in name:
        name = f"{scope.function}({', '.join(a.type for a in args)})"
    file, line = scope.file, scope.line
    try:
        function = frame.function()
    except gdb.error:
        function = None
    if function is not None and function.symtab is not None and function.line:
        file, line = function.symtab.filename, function.line
    return f"{name} @ {file}:{line}"


def _read_args(frame: gdb.Frame, entries: tuple[Any, ...]) -> list[tuple[str, str, str]]:
    """``(name, type, value)`` of each argument; values never raise (frames' rules)."""
    texts = frames.entry_values(frame, entries, settings.value("tp-max-value"))
    return [(entry.name, entry.type, text) for entry, text in zip(entries, texts)]


def _describe(call: _Call) -> str:
    lines = [call.site.header + "\n"]
    lines.extend(f"\t{name}: {value} [{type_}]\n" for name, type_, value in call.args)
    return "".join(lines)


def _secs(ns: int) -> str:
    return f"{ns / 1e9:.6f}"


# -- events -------------------------------------------------------------------

_profilers: list[Profiler] = []


def _live() -> list[Profiler]:
    return [p for p in _profilers if not p.dead]


def _sweep_threads() -> None:
    """Calls open in threads that have ended are not completed."""
    run = _run
    for gnum, th in list(run.threads.items()):
        if not th.is_valid():
            for prof in _live():
                prof.abandon_thread(gnum, NOT_COMPLETED_THREAD)
            tid = run.tids.pop(gnum, None)
            run.threads.pop(gnum, None)
            run.last_cpu.pop(gnum, None)
            if tid is not None and run.clocks is not None:
                run.clocks.forget(tid)


def _new_process(pid: int, defer: bool = False) -> None:
    """A new process (``run`` again): every count starts from zero."""
    for prof in _live():
        prof.reset(defer)
    _run.start(pid)


def _on_new_thread(event: gdb.NewThreadEvent) -> None:
    if not _profilers:
        return
    pid = event.inferior_thread.ptid[0]
    if pid != _run.pid:
        _new_process(pid)
    else:
        _sweep_threads()


def _on_stop(_event: object) -> None:
    if _profilers:
        _run.paused_at = _now()
        _run.last_out = 0
        _sweep_threads()


def _on_cont(_event: object) -> None:
    if _run.paused_at:
        _run.acc_ns += _now() - _run.paused_at
        _run.paused_at = 0


def _on_exited(_event: object) -> None:
    live = _live()
    if not live:
        return
    for prof in live:
        prof.finish(NOT_COMPLETED_EXIT)
    ui.write(report_text(live))
    for prof in live:
        if prof.output is not None:
            ui.write(f"prof: {prof.records} records in {prof.output_path}\n")
        if prof.folded_path:
            ui.write(f"prof: folded stacks of CPU time in {prof.folded_path}\n")
        prof.drop_internal()
    if _run.clocks is not None:
        _run.clocks.close()
    _run.pid = 0
    _run.tids.clear()
    _run.threads.clear()


def _on_breakpoint_deleted(bp: gdb.Breakpoint) -> None:
    if isinstance(bp, _EntryBreakpoint):
        prof = bp.prof
        prof.close()
        if prof in _profilers:
            _profilers.remove(prof)


def _on_breakpoint_modified(bp: gdb.Breakpoint) -> None:
    if isinstance(bp, _EntryBreakpoint):
        bp.fast_site = None  # its addresses may have changed
        enabled = bp.enabled
        for ret in bp.prof.internal + list(bp.prof.return_sites.values()):
            if ret.is_valid() and ret.enabled != enabled:
                ret.enabled = enabled


_hooked = False


def _hook_events() -> None:
    """Connect prof's event handlers, once per gdb however often gdbext is loaded."""
    global _hooked
    if _hooked:
        return
    _hooked = True
    events = gdb.events
    events.new_thread.connect(_on_new_thread)
    events.stop.connect(_on_stop)
    events.cont.connect(_on_cont)
    events.exited.connect(_on_exited)
    events.breakpoint_deleted.connect(_on_breakpoint_deleted)
    events.breakpoint_modified.connect(_on_breakpoint_modified)


def report_text(profs: list[Profiler]) -> str:
    """The summary table: one row per profiled location."""
    columns = ("Location", "Calls", "Completed", "Total wall s", "Mean wall s", "Min wall s",
               "Max wall s", "Total CPU s", "Mean CPU s")
    rows = [p.row() for p in profs]
    return render.render_table("prof: time per call (wall and thread CPU, stops excluded)",
                           columns, rows, right=range(1, len(columns)))


# -- the command's work -------------------------------------------------------


def run(cmd: ui.Command, arg: str) -> None:
    """What ``prof ARG`` does; CMD is the command, for its errors."""
    locations.reap()
    parser = _parser()
    opts = parser.parse_args(gdb.string_to_argv(arg))
    if opts.report:
        if opts.location or opts.output or opts.folded or opts.quiet:
            cmd.fail("--report takes no location or other option")
        _report(cmd)
        return
    if not opts.location:
        if opts.output or opts.folded or opts.quiet:
            cmd.fail("missing LOCATION; see 'help prof'")
        _list(cmd)
        return
    spec, condition = _check_location(cmd, " ".join(opts.location))
    output = None
    folded = ""
    if opts.folded:
        folded = _writable(cmd, opts.folded)
    if opts.output:
        path = _writable(cmd, opts.output)
        output = open(path, "w", encoding="utf-8", buffering=1 << 16)
    _hook_events()
    try:
        prof = Profiler(spec, opts.quiet, output, opts.output or "", folded)
    except Exception:
        if output is not None:
            output.close()
        raise
    reason = locations.no_shared_libraries() if prof.bp.pending else ""
    if reason:  # an explicit location gdb could not find, and nothing can define it
        prof.bp.delete()
        cmd.fail(f"no function matches {spec} ({reason}, so no shared library can define it)")
    _profilers.append(prof)
    if condition:
        try:
            prof.bp.set_condition(condition)
        except (gdb.error, RuntimeError) as exc:
            prof.bp.delete()
            cmd.fail(ui.first_line(exc))
    if prof.bp.pending:
        ui.write(f"prof: {spec} is pending; profiling starts when a shared library "
                 "defines it.\n")


def _check_location(cmd: ui.Command, spec: str) -> tuple[str, str]:
    """SPEC without its ``if CONDITION``, and the condition.

    Fails now, clearly, for a location that can never exist or is not
    where a function starts; one that a shared library may still define
    is left to become pending.
    """
    location, condition = locations.split_condition(spec)
    if not location:
        cmd.fail("missing LOCATION before 'if'; see 'help prof'")
    if condition is not None and not condition:
        cmd.fail("missing CONDITION after 'if'")
    try:
        sals, _pending = locations.decode(location)
    except gdb.GdbError as exc:
        message = str(exc)
        if message.startswith("unexpected"):
            message += "; usage: prof [OPTIONS] LOCATION [if CONDITION]"
        cmd.fail(message)
    for sal in sals or ():
        _check_entry(cmd, location, sal.pc)
    return location, condition or ""


def _report(cmd: ui.Command) -> None:
    live = _live()
    if not live:
        cmd.fail("nothing is profiled; see 'help prof'")
    _sweep_threads()
    for prof in live:
        prof.flush()
    ui.write(report_text(live))


def _list(cmd: ui.Command) -> None:
    live = _live()
    if not live:
        ui.write("No locations are profiled.  Usage: prof [--quiet] [--output FILE] "
                 "[--folded FILE] LOCATION; see 'help prof'.\n")
        return
    rows = []
    for p in live:
        opts = []
        if p.quiet and p.output is None:
            opts.append("--quiet")
        if p.output_path:
            opts.append(f"--output {p.output_path}")
        if p.folded_path:
            opts.append(f"--folded {p.folded_path}")
        state = "pending" if p.bp.pending else ("enabled" if p.bp.enabled else "disabled")
        rows.append([str(p.bp.number), p.spec, state, str(p.stats.calls),
                     str(p.stats.completed), " ".join(opts)])
    ui.write(render.render_table("Profiled locations",
                             ("Breakpoint", "Location", "State", "Calls", "Completed",
                              "Options"), rows, right=(0, 3, 4)))


def _parser() -> argparse.ArgumentParser:
    parser = ui.arg_parser("prof")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--output", metavar="FILE")
    parser.add_argument("--folded", metavar="FILE")
    parser.add_argument("--report", action="store_true")
    parser.add_argument("location", nargs="*")
    return parser


def _writable(cmd: ui.Command, path: str) -> str:
    """PATH, expanded, once it is known to be writable (created empty)."""
    full = os.path.expanduser(path)
    try:
        with open(full, "w", encoding="utf-8"):
            pass
    except OSError as exc:
        cmd.fail(f"cannot write {path}: {exc.strerror or exc}")
    return full


def _check_entry(cmd: ui.Command, spec: str, pc: int) -> None:
    """Fail unless PC is reached once per call of its function (not in a loop)."""
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None or pc == block.start:
        return
    try:
        code = gdb.selected_inferior().architecture().disassemble(block.start, block.end - 1)
    except gdb.error:
        return
    problem = _entry_problem(code, block.start, pc)
    if problem:
        name = block.function.print_name
        cmd.fail(f"{spec} is not where {name} starts ({problem}); "
                 f"profile the function instead: prof {name}")
