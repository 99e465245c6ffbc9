"""What loading gdbext adds to gdb's start-up, in milliseconds.

Runs `gdb -nx -batch` with and without `source gdbext/__init__.py`,
interleaved so that both see the same machine state, and compares medians.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

INIT = Path(__file__).resolve().parent.parent / "gdbext" / "__init__.py"
RUNS = 21


def once(load: bool) -> float:
    argv = ["gdb", "-nx", "-batch"]
    if load:
        argv += ["-ex", f"source {INIT}"]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   env={**os.environ, "TERM": "dumb"})
    return time.perf_counter() - start


def main() -> None:
    once(False), once(True)  # warm the page cache
    bare, loaded = [], []
    for _ in range(RUNS):
        bare.append(once(False))
        loaded.append(once(True))
    b, l_ = statistics.median(bare) * 1e3, statistics.median(loaded) * 1e3
    print(f"gdb -nx -batch:                {b:7.1f} ms  (median of {RUNS})")
    print(f"  + source gdbext/__init__.py: {l_:7.1f} ms")
    print(f"load cost:                     {l_ - b:+7.1f} ms  ({l_ / b:.2f}x bare gdb)")


if __name__ == "__main__":
    sys.exit(main())
