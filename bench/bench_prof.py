"""What `prof --quiet` costs per call, against gdb's own `dprintf`, and that it scales.

Runs `fib N` for N = 16, 18, 20 (3,193 to 21,891 calls of fib) under
`gdb -batch` with, in turn: nothing (the baseline), `dprintf fib,...` (one
stop per call), Python breakpoints that do nothing on fib's entry and return
(the floor for two stops per call) and `prof --quiet fib` (two stops per
call: entry and return).
Each run times `run` from inside gdb, so gdb's start-up does not count; the
cost per call is (time - baseline) / calls.  Variants are interleaved over
several rounds and the median is kept.  gdb and the program are pinned to one
CPU (the idlest one) with taskset when it is available (each stop is two
context switches; on two CPUs they cost about three times as much).  Other
programs busy on the same CPU skew the numbers: run it on a quiet machine.

Targets: prof at most 1.6x dprintf per call, and a cost per call that does
not grow with the number of calls (total time linear in calls).
"""

from __future__ import annotations

import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from common import demo_program, expect, gdb_argv, pinning, run_gdb

SIZES = (16, 18, 20)
ROUNDS = 3
# The floor for two stops per call: Python breakpoints that do nothing, on
# fib's entry and (set at the first call, as prof does) on its return.
EMPTY_STOPS = """\
import gdb
class _Empty(gdb.Breakpoint):
    def stop(self):
        return False
class _Entry(gdb.Breakpoint):
    done = False
    def stop(self):
        if not _Entry.done:
            _Entry.done = True
            frame = gdb.selected_frame()
            block = frame.block()
            while block.function is None:
                block = block.superblock
            for insn in frame.architecture().disassemble(block.start, block.end - 1):
                if insn["asm"].startswith("ret"):
                    _Empty(f"*{insn['addr']:#x}", internal=True)
        return False
_Entry("fib")
"""
TIMER = re.compile(r"^PROF-BENCH-SECONDS (\S+)$", re.MULTILINE)
CALLS = re.compile(r"│\s*fib\s*│\s*(\d+)\s*│\s*(\d+)\s*│|^fib\s+(\d+)\s+(\d+)", re.MULTILINE)


def calls_for(n: int) -> int:
    """Calls of fib(n) in the recursive fib."""
    calls = [1, 1]
    for _ in range(2, n + 1):
        calls.append(calls[-1] + calls[-2] + 1)
    return calls[n]


def timed_run(program: Path, n: int, setup: list[str], pin: list[str]) -> tuple[float, str]:
    """Seconds that `run` takes inside gdb with SETUP commands given first, and gdb's output."""
    argv = gdb_argv([
        *setup,
        "python import time; _prof_bench_t0 = time.perf_counter()",
        "run",
        'python print("PROF-BENCH-SECONDS %.6f" % (time.perf_counter() - _prof_bench_t0))',
    ], [program, n], pin)
    done = run_gdb(argv, color=False)
    return float(expect("bench_prof", TIMER, done.stdout).group(1)), done.stdout


def main() -> int:
    program = demo_program("fib")
    pin, where = pinning()
    empty = Path(tempfile.mkdtemp()) / "empty_stops.py"
    empty.write_text(EMPTY_STOPS)
    variants = {
        "baseline": [],
        "dprintf": ['dprintf fib,"fib n=%d\\n",n'],
        "2 empty stops": [f"source {empty}"],
        "prof --quiet": ["prof --quiet fib"],
    }
    per_call: dict[tuple[str, int], float] = {}
    print(f"fib 16, 18, 20 under gdb -batch, median of {ROUNDS} interleaved rounds, {where}")
    print(f"  {'':20s}" + "".join(f"{'fib ' + str(n):>18s}" for n in SIZES))
    print(f"  {'calls':20s}" + "".join(f"{calls_for(n):>18,d}" for n in SIZES))
    for n in SIZES:
        calls = calls_for(n)
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(ROUNDS):
            for name, setup in variants.items():
                seconds, out = timed_run(program, n, setup, pin)
                times[name].append(seconds)
                if name == "prof --quiet":
                    match = CALLS.search(out)
                    counted = [g for g in (match.groups() if match else ()) if g]
                    if counted != [str(calls), str(calls)]:
                        sys.exit(f"bench_prof: prof counted {counted} calls of fib({n}), "
                                 f"expected {calls}:\n{out[-3000:]}")
        base = statistics.median(times["baseline"])
        for name in variants:
            if name != "baseline":
                per_call[name, n] = (statistics.median(times[name]) - base) / calls * 1e6
    shutil.rmtree(empty.parent, ignore_errors=True)
    print("  µs per call:")
    for name in variants:
        if name != "baseline":
            print(f"  {name:20s}" + "".join(f"{per_call[name, n]:>18.1f}" for n in SIZES))
    ratios = [per_call["prof --quiet", n] / per_call["dprintf", n] for n in SIZES]
    print(f"  {'prof / dprintf':20s}" + "".join(f"{r:>17.2f}x" for r in ratios))
    ratio = ratios[-1]
    print(f"prof --quiet per call at fib 20: {ratio:.2f}x dprintf "
          f"(target <= 1.6x: {'ok' if ratio <= 1.6 else 'MISSED'})")
    growth = per_call["prof --quiet", SIZES[-1]] / per_call["prof --quiet", SIZES[0]]
    print(f"cost per call, fib 20 vs fib 16 ({calls_for(20) / calls_for(16):.1f}x the calls): "
          f"{growth:.2f}x (linear total time: about 1.0x; "
          f"{'ok' if growth <= 1.3 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
