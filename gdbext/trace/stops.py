"""The breakpoint engine's clocks: what each stop costs the program, taken out of its times.

Every hit of a never-stopping breakpoint stops the program for a moment:
gdb's work (ptrace, reading registers, Python) and the kernel's work in the
stopped thread.  The engine reports each hit's clocks as the program's own
time, without those moments:

- wall: gdb's clock minus the time stops held the program: the time spent
  in gdbext's code, measured, plus a fixed cost per stop for the rest of
  gdb's work, estimated from gdb's CPU time between stops (a low
  percentile), plus the time the user held the program at a prompt;
- CPU: the thread's own CPU time (``/proc/PID/task/TID/schedstat``) minus
  the kernel time each stop costs the thread, estimated from the thread's
  CPU time between two of its stops (a low percentile).

Both estimates err on the low side and accumulate stop by stop, so a call
never looks cheaper than a call it contains.  CPU time is read only when
the target is a process of this machine that gdb runs natively; over
gdbserver (even on this machine, where it may be in another PID namespace)
it is unknown.  One :class:`Accounting` per process lives in the
inferior's state (:mod:`gdbext.trace.state`).
"""

from __future__ import annotations

import time

import gdb

from gdbext import inferior

_now = time.perf_counter_ns
_gdb_cpu = time.thread_time_ns  # gdb's main thread: ptrace and Python

# Upper bounds for the per-stop costs estimated from the intervals between
# stops.  Here (gdb 13.1, x86-64) a stop costs about 100 µs of wall time and
# 17 µs of the thread's CPU; the bounds keep a program that never calls the
# function twice in a row from inflating the estimates.
WALL_PER_STOP_CAP_NS = 500_000
CPU_PER_STOP_CAP_NS = 100_000

CPU_NOT_LOCAL = ("CPU time is unknown: the program is not a process gdb runs on this machine "
                 "(gdbserver or another remote target); its wall times include part of "
                 "each stop's round trip to the target")

_BATCH = 16


class CostPerStop:
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


# What a stop costs outside gdbext's code: gdb's work and the kernel's work in
# the stopped thread.  A stop holds the program for at least their sum.
gdb_per_stop = CostPerStop(WALL_PER_STOP_CAP_NS, clean=True)
cpu_per_stop = CostPerStop(CPU_PER_STOP_CAP_NS, clean=False)


class Accounting:
    """One process's clocks, threads and the cost of its stops so far."""

    __slots__ = (
        "acc_ns", "clocks", "cpu_note", "last_cpu", "last_g_out", "last_gnum", "last_out",
        "own", "paused_at", "pid", "ptr", "sp_expr", "sp_name", "stops", "threads", "tids",
        "x86",
    )

    def __init__(self, target: gdb.Inferior) -> None:
        self.pid = target.pid
        self.clocks: inferior.ThreadClocks | None = None
        self.cpu_note = ""
        if inferior.is_native(target):
            self.clocks = inferior.ThreadClocks(self.pid)
        else:
            self.cpu_note = CPU_NOT_LOCAL
        self.tids: dict[int, int] = {}  # gdb global thread number -> LWP
        self.threads: dict[int, gdb.InferiorThread] = {}
        # Per thread: the CPU time its own stops are estimated to have cost it, so far.
        self.own: dict[int, int] = {}
        self.last_cpu: dict[int, int] = {}  # each thread's CPU time at its last stop
        # Time the program was held by stops (measured in gdbext's code,
        # estimated for the rest of gdb's work) and at the user's prompt, so far.
        self.acc_ns = 0
        self.stops = 0
        self.last_out = 0  # when the previous stop ended; 0: no interval to learn from
        self.last_g_out = 0  # gdb's CPU time then
        self.last_gnum = 0  # the thread of the previous stop
        self.paused_at = 0
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
        self.own.setdefault(gnum, 0)
        return lwp or pid

    def begin(self) -> tuple[int, int, int, int | None]:
        """At a stop: (wall ns, gdb's CPU ns, the thread's global number, its CPU ns)."""
        t_in = _now()
        g_in = _gdb_cpu()
        th = gdb.selected_thread()
        gnum = th.global_num
        tid = self.tids.get(gnum)
        if tid is None:
            tid = self.thread(th)
        clocks = self.clocks
        return t_in, g_in, gnum, clocks.cpu_ns(tid) if clocks is not None else None

    def wall(self, t_in: int) -> int:
        """The program's own time at T_IN: gdb's clock minus every stop so far."""
        return t_in - self.acc_ns

    def cpu(self, gnum: int, cpu: int | None) -> int | None:
        """Thread GNUM's own CPU time, given its CPU reading: minus its stops' kernel time."""
        return None if cpu is None else cpu - self.own[gnum]

    def end(self, t_in: int, g_in: int, gnum: int, cpu: int | None) -> bool:
        """Account for the stop that :meth:`begin` opened; True when threads should be swept.

        The interval before this stop is learnt from only now, so that a
        call is never corrected with an estimate taken from its own duration.
        """
        if self.last_out:
            gdb_per_stop.add(g_in - self.last_g_out)
        if cpu is not None:
            before = self.last_cpu.get(gnum)
            self.last_cpu[gnum] = cpu
            if before is not None:
                cpu_per_stop.add(cpu - before)
        t_out = _now()
        self.last_g_out = _gdb_cpu()
        cpu_cost = cpu_per_stop.value
        self.acc_ns += t_out - t_in + gdb_per_stop.value + cpu_cost
        self.stops += 1
        self.own[gnum] = self.own.get(gnum, 0) + cpu_cost
        self.last_out = t_out
        # Notice threads that ended with calls open: when another thread stops
        # (cheap with few threads), and every 256 stops in any case.
        if gnum != self.last_gnum:
            self.last_gnum = gnum
            return len(self.threads) <= 32
        return not self.stops & 255

    def paused(self) -> None:
        """The program stopped for the user (a stop event)."""
        self.paused_at = _now()
        self.last_out = 0

    def resumed(self) -> None:
        """The program runs again: the time at the prompt was not the program's."""
        if self.paused_at:
            self.acc_ns += _now() - self.paused_at
            self.paused_at = 0

    def ended_threads(self) -> list[int]:
        """Threads that ended since the last sweep (forgotten here)."""
        gone = [gnum for gnum, th in self.threads.items() if not th.is_valid()]
        for gnum in gone:
            tid = self.tids.pop(gnum, None)
            self.threads.pop(gnum, None)
            self.last_cpu.pop(gnum, None)
            if tid is not None and self.clocks is not None:
                self.clocks.forget(tid)
        return gone
