"""What a `tp` hit costs, against gdb's own `dprintf` at the same location.

Runs `fib 20` (21,891 calls of fib) under `gdb -batch` with, in turn: nothing
(the baseline), `dprintf fib,...`, two Python breakpoints that show the
floor of any Python tracer (a stop() that does nothing, and one that only
reads n), `tp fib`, the same without its fast path (every value read
through a gdb.Frame, as before frames.FastReader), and `tp --output FILE
fib`.  Each run times `run` from inside gdb, so gdb's start-up does not
count; the cost per hit is (time - baseline) / hits.  The variants are
interleaved over several rounds and the median is kept.

Two clocks: wall time (what a user waits) and CPU time (user + system of gdb
and the program), which hardly moves when other work shares the machine.
gdb and the program are pinned to one CPU with taskset when available: a hit
is two context switches, and across two CPUs they cost about three times as
much.

Targets: tp at most 1.0x dprintf, tp --output at most 0.8x.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

from common import demo_program, expect, gdb_argv, pinning, run_gdb

N = 20
ROUNDS = 5
TARGETS = {"tp": 1.0, "tp --output": 0.8}
TIMER = re.compile(r"^TP-BENCH (\S+) (\S+)$", re.MULTILINE)

# Sourced into gdb: the clocks, read before and after `run`.
CLOCKS = """\
import resource, time

def _tp_bench_clocks():
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # the program, once reaped
    return time.perf_counter(), me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
"""
START = "python _tp_bench_t0 = _tp_bench_clocks()"
STOP = ("python print('TP-BENCH %.6f %.6f' % tuple("
        "b - a for a, b in zip(_tp_bench_t0, _tp_bench_clocks())))")

# Two floors for any Python tracer: a stop() that does nothing at all, and
# one that only reads n (gdb must unwind to the caller to find the frame base,
# as dprintf does too).
EMPTY_STOP = """\
import gdb

class _Empty(gdb.Breakpoint):
    def stop(self):
        return False

_Empty("fib")
"""
READ_N_STOP = """\
import gdb

class _ReadN(gdb.Breakpoint):
    def stop(self):
        str(gdb.newest_frame().read_var("n"))
        return False

_ReadN("fib")
"""


def hits_for(n: int) -> int:
    """Calls of fib(n) in the recursive fib."""
    calls = [1, 1]
    for _ in range(2, n + 1):
        calls.append(calls[-1] + calls[-2] + 1)
    return calls[n]


def timed_run(program: Path, setup: list[str], pin: list[str], clocks: Path) -> tuple[float, float]:
    """(wall, cpu) seconds that `run` takes inside gdb, SETUP commands given first."""
    argv = gdb_argv([f"source {clocks}", *setup, START, "run", STOP], [program, N], pin)
    match = expect("bench_tp", TIMER, run_gdb(argv).stdout)
    return float(match.group(1)), float(match.group(2))


def main() -> int:
    program = demo_program("fib")
    pin, where = pinning(0)
    hits = hits_for(N)
    with tempfile.TemporaryDirectory() as tmp:
        out, clocks = Path(tmp) / "fib.jsonl", Path(tmp) / "clocks.py"
        empty, read_n = Path(tmp) / "empty.py", Path(tmp) / "read_n.py"
        clocks.write_text(CLOCKS)
        empty.write_text(EMPTY_STOP)
        read_n.write_text(READ_N_STOP)
        variants = {
            "baseline": [],
            "dprintf": ['dprintf fib,"fib n=%d\\n",n'],
            "empty stop()": [f"source {empty}"],
            "stop() read n": [f"source {read_n}"],
            "tp": ["tp fib"],
            "tp slow path": ["python import gdbext.trace.fastpath as f; f.FAST = False", "tp fib"],
            "tp --output": [f"tp --output {out} fib"],
        }
        wall: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(ROUNDS):
            for name, setup in variants.items():
                w, c = timed_run(program, setup, pin, clocks)
                wall[name].append(w)
                cpu[name].append(c)
        records = sum(1 for _ in out.open()) if out.exists() else 0
    if records != hits:
        sys.exit(f"bench_tp: tp --output wrote {records} records, expected {hits}")

    def per_hit(times: dict[str, list[float]]) -> dict[str, float]:
        base = statistics.median(times["baseline"])
        return {name: (statistics.median(t) - base) / hits * 1e6
                for name, t in times.items() if name != "baseline"}

    w_us, c_us = per_hit(wall), per_hit(cpu)
    print(f"fib {N}: {hits} hits per run; median of {ROUNDS} interleaved rounds; {where}")
    print(f"baseline run without breakpoints: {statistics.median(wall['baseline']) * 1e3:.1f} ms"
          " wall")
    print(f"  {'':13s} {'wall µs/hit':>11s} {'ratio':>6s}   {'CPU µs/hit':>10s} {'ratio':>6s}")
    for name in w_us:
        w_ratio, c_ratio = w_us[name] / w_us["dprintf"], c_us[name] / c_us["dprintf"]
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            ok = "ok" if max(w_ratio, c_ratio) <= target else "MISSED"
            verdict = f"   target <= {target:.1f}x: {ok}"
        print(f"  {name:13s} {w_us[name]:11.1f} {w_ratio:5.2f}x   {c_us[name]:10.1f} "
              f"{c_ratio:5.2f}x{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
