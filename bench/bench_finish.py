"""What a FinishBreakpoint per call costs as the stack gets deeper, against prof.

Runs `deep N` (down() recursing N calls deep, N + 1 calls) under `gdb -batch`
with, in turn: nothing (the baseline), a breakpoint on down() whose stop()
returns False (entry only), the same creating a gdb.FinishBreakpoint per call
(the tempting way to time calls), and `prof --quiet down` (permanent internal
breakpoints on the return instructions).  The time each adds
to the run is the median of a few rounds minus the baseline's.

gdb checks every pending FinishBreakpoint's frame at every stop, and there are
as many pending as the stack is deep, so its cost per call grows with the
depth and the whole run with its square; prof's cost per call should not
grow.  At these depths the entry-only probe and prof add a few tenths of a
second, about as much as the run's noise on a shared machine: the column to
watch is the FinishBreakpoint's.
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
from pathlib import Path

from common import demo_program, expect, gdb_argv, pinning, run_gdb

DEPTHS = (100, 200, 400, 800)
ROUNDS = 3
TIMER = re.compile(r"^FINISH-BENCH (\S+)$", re.MULTILINE)

SCRIPT = """\
import time
import gdb

class _Return(gdb.FinishBreakpoint):
    def stop(self):
        return False

    def out_of_scope(self):
        pass

class _Entry(gdb.Breakpoint):
    def __init__(self, spec, finish):
        super().__init__(spec)
        self.finish = finish

    def stop(self):
        if self.finish:
            _Return(gdb.newest_frame(), internal=True)
        return False

def _timed_run():
    start = time.perf_counter()
    gdb.execute("run")
    print("FINISH-BENCH %.6f" % (time.perf_counter() - start))
"""


def timed_run(program: Path, depth: int, setup: list[str], script: Path, pin: list[str]) -> float:
    argv = gdb_argv([f"source {script}", *setup, "python _timed_run()"], [program, depth], pin)
    out = run_gdb(argv).stdout
    if f"down({depth}) = {depth}" not in out:
        sys.exit(f"bench_finish: the program did not finish under gdb:\n{out[-3000:]}")
    return float(expect("bench_finish", TIMER, out).group(1))


def main() -> int:
    program = demo_program("deep")
    pin, _ = pinning(0)
    variants = {
        "baseline": [],
        "entry only": ["python _Entry('down', False)"],
        "FinishBreakpoint": ["python _Entry('down', True)"],
        "prof": ["prof --quiet down"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "finish.py"
        script.write_text(SCRIPT)
        extra: dict[str, dict[int, float]] = {name: {} for name in variants if name != "baseline"}
        for depth in DEPTHS:
            times = {name: statistics.median(timed_run(program, depth, setup, script, pin)
                                              for _ in range(ROUNDS))
                     for name, setup in variants.items()}
            for name in extra:
                extra[name][depth] = times[name] - times["baseline"]
    names = list(extra)
    print(f"deep N: N + 1 calls of down(); median of {ROUNDS} rounds; "
          f"{'pinned to CPU 0' if pin else 'not pinned'}")
    print("seconds added to the run (set-up included), and the FinishBreakpoint's as a ratio:")
    print(f"  {'depth':>5s} " + " ".join(f"{name:>16s}" for name in names) + f" {'ratio':>6s}")
    for depth in DEPTHS:
        ratio = extra["FinishBreakpoint"][depth] / max(extra["prof"][depth], 1e-3)
        print(f"  {depth:5d} " + " ".join(f"{extra[name][depth]:16.3f}" for name in names)
              + f" {ratio:5.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
