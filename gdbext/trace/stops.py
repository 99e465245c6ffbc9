"""The breakpoint engine's clocks: the program's own time, with every gdb stop taken out.

Every hit of a never-stopping breakpoint, gdbext's or anyone's (a tp, a
second prof, a ``dprintf``, a breakpoint whose condition is false), holds
the program for a moment: the thread's trap into the kernel and back, and
gdb's work (ptrace, reading registers, Python).  The engine keeps, per
process, a clock of the program's own time that does not advance while it
is held, and per thread a clock of its own CPU time, and reports each hit's
readings of both.  Between two stops the engine sees (its own, and tp's
while something in the process is profiled):

- wall: the time that passed, minus gdb's own CPU time over the same
  interval (measured: gdb's main thread works only while the program is
  held, for whichever stop), minus the time the user held the program at a
  prompt, minus, per stop in the interval, what holding costs beside gdb's
  work (the thread's kernel time and the switches between processes),
  estimated;
- CPU: the thread's CPU time (``/proc/PID/task/TID/schedstat``) minus, per
  stop of the thread in the interval, the kernel time a stop costs it,
  estimated.

Stops in the interval are the engine's own, the hits the user's
breakpoints (``dprintf``, a breakpoint with ``continue`` in its commands)
counted since, and the user's own stops.  The per-stop estimates are the
smallest interval between two consecutive stops seen so far (a stop with
almost nothing between), capped, so they err on the low side: a call is
never shorter than the time the program really spent in it.  Neither clock
ever goes back, so a call is never shorter than a call it contains.  CPU
time is read only when the target is a process of this machine that gdb
runs natively; over gdbserver (even on this machine, where it may be in
another PID namespace) it is unknown.  One :class:`Accounting` per process
lives in the inferior's state (:mod:`gdbext.trace.state`).
"""

from __future__ import annotations

import os
import time

import gdb

from gdbext import inferior

_now = time.perf_counter_ns


def _open_gdb_clock() -> int:
    try:
        return os.open("/proc/thread-self/schedstat", os.O_RDONLY)
    except OSError:
        return -1


_gdb_fd = _open_gdb_clock()  # gdbext runs in gdb's main thread (its event loop)


def _gdb_cpu() -> int:
    """The time gdb's main thread has been runnable: on a CPU or waiting for one, in ns.

    While the program is held gdb is working for it (ptrace, Python) or
    waiting for a CPU to do so; while the program runs gdb sleeps.  The CPU
    time is the thread's clock (schedstat's lags behind a running thread);
    the wait, schedstat's (complete once the thread runs).
    """
    if _gdb_fd >= 0:
        try:
            return time.thread_time_ns() + int(os.pread(_gdb_fd, 128, 0).split(None, 2)[1])
        except (OSError, ValueError, IndexError):
            pass
    return time.thread_time_ns()


# Caps of the per-stop estimates.  Here (gdb 13.1 to 18.1, x86-64) a stop
# costs the thread about 30-50 µs of kernel time and the program about as
# much wall time beside gdb's own CPU time; the caps keep a program that
# never calls the function twice in a row from inflating the estimates.
# Over gdbserver the round trip to the target adds to the wall part.
HOLD_PER_STOP_CAP_NS = 50_000
HOLD_PER_STOP_REMOTE_CAP_NS = 500_000
CPU_PER_STOP_CAP_NS = 50_000

CPU_NOT_LOCAL = ("CPU time is unknown: the program is not a process gdb runs on this machine "
                 "(gdbserver or another remote target); its wall times include part of "
                 "each stop's round trip to the target")

_LEARN = 8  # samples before an estimate is used


class CostPerStop:
    """A low estimate of what one stop costs (ns), from intervals between two stops.

    Each sample is the cost of one stop plus whatever the program did in
    between, so the smallest sample is the best estimate; it is used from
    the 8th sample on (0 before), never more than CAP.  Kept across runs: it
    depends on the machine and gdb, not on the process.
    """

    __slots__ = ("cap", "low", "n", "value")

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.n = 0
        self.low = -1
        self.value = 0  # what corrections use

    def add(self, sample: int) -> None:
        self._count(sample)
        if self.n >= _LEARN:
            self.value = min(self.low, self.cap)

    def _count(self, sample: int) -> int:
        """Count SAMPLE (never below 0) and keep the smallest; the sample as counted."""
        if sample < 0:
            sample = 0
        self.n += 1
        if self.low < 0 or sample < self.low:
            self.low = sample
        return sample


class NearLow(CostPerStop):
    """Like :class:`CostPerStop`, but the lower quartile of the recent samples near the
    smallest.

    Samples within twice the smallest come from stops with almost nothing
    between them: they say what a stop usually costs, where the smallest is
    its cheapest (a thread's kernel time per stop varies by half).  The lower
    quartile still errs on the low side.
    """

    __slots__ = ("recent",)

    def __init__(self, cap: int) -> None:
        super().__init__(cap)
        self.recent: list[int] = []

    def add(self, sample: int) -> None:
        recent = self.recent
        recent.append(self._count(sample))
        if len(recent) >= 64:
            near = sorted(x for x in recent if x <= 2 * self.low)
            usual = near[len(near) // 4] if near else self.low  # the smallest is long gone
            self.value = min(usual, self.cap)
            del recent[:32]
        elif self.n >= _LEARN and self.n < 64:
            self.value = min(self.low, self.cap)


class Typical:
    """A usual value of a sample: the 25th percentile of the latest 16 (0 before 16 came)."""

    __slots__ = ("batch", "value")

    def __init__(self) -> None:
        self.batch: list[int] = []
        self.value = 0

    def add(self, sample: int) -> None:
        batch = self.batch
        batch.append(sample)
        if len(batch) >= 16:
            batch.sort()
            self.value = batch[4]
            batch.clear()


# What a stop costs beside gdb's CPU time: the program's wall time held (the
# thread's kernel work, the switches), and the thread's own CPU time.
hold_per_stop = CostPerStop(HOLD_PER_STOP_CAP_NS)
hold_per_stop_remote = CostPerStop(HOLD_PER_STOP_REMOTE_CAP_NS)
cpu_per_stop = NearLow(CPU_PER_STOP_CAP_NS)
# What a stop costs a thread off a CPU beside gdb's time and its wait for a CPU.
off_per_stop = CostPerStop(HOLD_PER_STOP_CAP_NS)
# What a stop usually costs gdb (outside gdbext's code), and how often it puts
# the thread back on a CPU: stops no one reports (a dprintf, a condition that
# is false) are counted from both.
gdb_per_stop = Typical()
slices_per_stop = CostPerStop(16)


# The user's other breakpoints (dprintf, ...), kept by the engine: their hits
# are stops too, counted from their hit counts.
foreign: list[gdb.Breakpoint] = []


def foreign_hits() -> int:
    """How often the user's other breakpoints have been hit so far."""
    total = 0
    for bp in foreign:
        try:
            total += bp.hit_count
        except RuntimeError:  # deleted, the engine will forget it
            pass
    return total


class Accounting:
    """One process's own clocks, its threads, and the stops seen so far."""

    __slots__ = (
        "clocks", "cpu_note", "extra", "foreign_seen", "hold", "last_g_out", "last_gnum",
        "last_out", "last_raw", "last_slices", "last_wait", "own_cpu", "own_wall", "pause_g",
        "pause_wall", "paused_at", "paused_g", "pid", "ptr", "sp_expr", "sp_name", "stops",
        "thread_extra", "threads", "tids", "x86",
    )

    def __init__(self, target: gdb.Inferior) -> None:
        self.pid = target.pid
        self.clocks: inferior.ThreadClocks | None = None
        self.cpu_note = ""
        if inferior.is_native(target):
            self.clocks = inferior.ThreadClocks(self.pid)
            self.hold = hold_per_stop
        else:
            self.cpu_note = CPU_NOT_LOCAL
            self.hold = hold_per_stop_remote
        self.tids: dict[int, int] = {}  # gdb global thread number -> LWP
        self.threads: dict[int, gdb.InferiorThread] = {}
        # Per thread: its CPU time as read at its last stop, and its own CPU
        # clock then (stops taken out).
        self.last_raw: dict[int, int] = {}
        self.last_slices: dict[int, int] = {}  # how often it was put on a CPU, by then
        self.last_wait: dict[int, int] = {}  # its time waiting for a CPU, by then
        self.own_cpu: dict[int, int] = {}
        self.own_wall = 0  # the process's own clock at the last stop
        self.last_out = 0  # when the last stop ended; 0: none yet
        self.last_g_out = 0  # gdb's CPU time then
        self.last_gnum = 0  # the thread of the last stop
        self.stops = 0
        # Since the last stop: the user's stops (all, and per thread), and the
        # time and gdb CPU time the program spent held at a prompt.
        self.extra = 0
        self.thread_extra: dict[int, int] = {}
        self.pause_wall = self.pause_g = 0
        self.paused_at = self.paused_g = 0
        self.foreign_seen = foreign_hits() if foreign else 0
        self.sp_expr, self.sp_name, self.ptr, self.x86 = "$sp", "sp", 8, False
        try:
            arch = target.architecture()
        except (gdb.error, AttributeError):
            return
        name = arch.name()
        regs = {r.name for r in arch.registers()}
        self.x86 = name.startswith("i386")
        self.ptr = 8 if "64" in name else 4
        for reg in ("rsp", "esp", "sp"):
            if reg in regs:
                self.sp_name, self.sp_expr = reg, "$" + reg
                break

    def close(self) -> None:
        if self.clocks is not None:
            self.clocks.close()
            self.clocks = None

    def thread(self, th: gdb.InferiorThread) -> int:
        """Remember thread TH (its first stop) and return its LWP."""
        pid, lwp, _ = th.ptid
        gnum = th.global_num
        self.tids[gnum] = lwp or pid
        self.threads[gnum] = th
        return lwp or pid

    def begin(self) -> tuple[int, int, int | None]:
        """At a stop: (the thread's global number, the process's own clock, the thread's own
        CPU clock or None), in ns.  :meth:`end` closes the stop.
        """
        t_in = _now()
        g_in = _gdb_cpu()
        th = gdb.selected_thread()
        gnum = th.global_num
        tid = self.tids.get(gnum)
        if tid is None:
            tid = self.thread(th)
        clocks = self.clocks
        read = clocks.sched(tid) if clocks is not None else None
        raw, waited, slices = read if read is not None else (None, 0, 0)
        before = self.last_raw.get(gnum)
        # Another breakpoint at the same address, at the same trap: no new stop.
        trap = 0 if raw is not None and raw == before else 1
        hits = 0
        if foreign:
            total = foreign_hits()
            if total > self.foreign_seen:
                hits = total - self.foreign_seen
            self.foreign_seen = total
        extra = self.extra
        t_extra = self.thread_extra.pop(gnum, 0) if self.thread_extra else 0
        known = trap + hits + extra  # the stops since the last one, that gdbext knows of
        # Those that this thread's CPU time knows of (whose hit it was is known
        # only in a one-thread process).
        t_stops = trap + t_extra + (hits if len(self.tids) == 1 else 0)
        clean = trap and not hits and not extra
        spent = cpu_inc = 0
        if raw is not None and before is not None:
            spent = raw - before
        if self.last_out:
            g_spent = g_in - self.last_g_out - self.pause_g
            unseen = 0
            if before is not None and trap:
                # Stops no one reported: what the thread's trips to a CPU say
                # beyond the known ones, unless gdb's time says fewer (a usual
                # stop's time each: a dprintf, which costs gdb less than a stop
                # that runs Python, may be missed, never invented).  The trips
                # alone would count each time the thread slept as a stop.
                g0, per = gdb_per_stop.value, slices_per_stop.value
                if g0 and per:
                    unseen = min((g_spent - known * g0) // g0,
                                 (slices - self.last_slices[gnum]) // per - t_stops)
                    if unseen < 0:
                        unseen = 0
                    t_stops += unseen
            if before is not None:
                cpu_inc = spent - cpu_per_stop.value * t_stops
                if cpu_inc < 0:
                    cpu_inc = 0
            if gnum == self.last_gnum and before is not None:
                # The interval is this thread's since its last stop: the program's
                # own time is the CPU time it used, plus the time it spent off a
                # CPU (asleep, blocked) that it did not spend held: not while gdb
                # was runnable, nor waiting for a CPU after a stop put it back in
                # the queue.
                off = t_in - self.last_out - self.pause_wall - spent - max(
                    g_spent, waited - self.last_wait[gnum])
                if clean:
                    off_per_stop.add(off)
                off -= off_per_stop.value * (known + unseen)
                self.own_wall += cpu_inc + off if off > 0 else cpu_inc
            else:
                held = t_in - self.last_out - self.pause_wall - g_spent
                hold = self.hold
                if clean:
                    hold.add(held)
                held -= hold.value * (known + unseen)
                if held > 0:
                    self.own_wall += held
            if clean:
                gdb_per_stop.add(g_spent)
        if raw is None:
            cpu = None
        elif before is None:
            cpu = self.own_cpu[gnum] = raw
        else:
            cpu = self.own_cpu[gnum] = self.own_cpu[gnum] + cpu_inc
            if clean and t_stops == 1:
                cpu_per_stop.add(spent)
                if slices:
                    slices_per_stop.add(slices - self.last_slices[gnum])
        if raw is not None:
            self.last_raw[gnum] = raw
            self.last_slices[gnum] = slices
            self.last_wait[gnum] = waited
        if extra:
            self.extra = 0
            self.pause_wall = self.pause_g = 0
        return gnum, self.own_wall, cpu

    def end(self, gnum: int) -> bool:
        """Close the stop that :meth:`begin` opened; True when threads should be swept."""
        self.last_out = _now()
        self.last_g_out = _gdb_cpu()
        self.stops += 1
        # Notice threads that ended with calls open: when another thread stops
        # (cheap with few threads), and every 256 stops in any case.
        if gnum != self.last_gnum:
            self.last_gnum = gnum
            return len(self.threads) <= 32
        return not self.stops & 255

    def paused(self) -> None:
        """The program stopped for the user (a stop event): a stop the engine did not see."""
        if self.paused_at:
            return
        self.paused_at = _now()
        self.paused_g = _gdb_cpu()
        self.extra += 1
        th = gdb.selected_thread()
        if th is not None:
            gnum = th.global_num
            self.thread_extra[gnum] = self.thread_extra.get(gnum, 0) + 1
        if foreign:  # the breakpoint it stopped at, if the user's, was counted here
            self.foreign_seen = foreign_hits()

    def resumed(self) -> None:
        """The program runs again: the time at the prompt was not the program's."""
        if self.paused_at:
            self.pause_wall += _now() - self.paused_at
            self.pause_g += _gdb_cpu() - self.paused_g
            self.paused_at = 0

    def ended_threads(self) -> list[int]:
        """Threads that ended since the last sweep (forgotten here)."""
        gone = [gnum for gnum, th in self.threads.items() if not th.is_valid()]
        for gnum in gone:
            tid = self.tids.pop(gnum, None)
            self.threads.pop(gnum, None)
            self.last_raw.pop(gnum, None)
            self.last_slices.pop(gnum, None)
            self.last_wait.pop(gnum, None)
            self.own_cpu.pop(gnum, None)
            self.thread_extra.pop(gnum, None)
            if tid is not None and self.clocks is not None:
                self.clocks.forget(tid)
        return gone
