"""fib(30) three ways: pure Python, the C extension cx_fib, and libfib.so through ctypes.

Usage: python bench/bench_fib.py [BUILD_DEMO_DIR]   (the argument is accepted and ignored)

Builds build/cext with `make cext` first (a no-op when it is up to date), then times
each implementation in this interpreter, best of a few runs, and prints the times side
by side with the speed-up over pure Python.  The C code is built with -g -O0 for the
debugger, so these ratios are a floor: -O2 would widen them.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CEXT = ROOT / "build" / "cext"
N = 30
EXPECTED = 832040
REPEAT = 5


def py_fib(n: int) -> int:
    """The same naive recursion as the C versions."""
    if n < 2:
        return n
    return py_fib(n - 1) + py_fib(n - 2)


def build() -> None:
    """Run `make cext`; exit with its output if it fails."""
    proc = subprocess.run(["make", "--no-print-directory", "cext"], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"bench_fib: make cext failed:\n{proc.stdout}{proc.stderr}")


def best_time(func: Callable[[int], int], repeat: int = REPEAT) -> float:
    """Fastest of `repeat` runs of func(N), in seconds; checks the result too."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func(N)
        best = min(best, time.perf_counter() - t0)
        assert result == EXPECTED, (func, result)
    return best


def main() -> int:
    """Print the comparison table."""
    build()
    sys.path.insert(0, str(CEXT))
    import cx_fib
    import fib_ctypes

    rows = [
        ("pure Python", best_time(py_fib)),
        ("C extension (cx_fib)", best_time(cx_fib.fib)),
        ("ctypes (libfib.so)", best_time(fib_ctypes.fib)),
    ]
    base = rows[0][1]
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"== fib({N}): pure Python vs C extension vs ctypes "
          f"(Python {version}, best of {REPEAT}, C at -O0) ==")
    print(f"{'implementation':<24}{'time':>12}{'vs Python':>12}")
    for name, secs in rows:
        print(f"{name:<24}{secs * 1000:>9.1f} ms{base / secs:>11.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
