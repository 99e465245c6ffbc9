"""What loading gdbext adds to gdb's start-up, in milliseconds.

Runs `gdb -nx -batch` bare, with `source gdbext/__init__.py`, and with
`source` of a copy of gdbext that has no bytecode, interleaved so that all
three see the same machine state, and compares medians.

Two load costs, because both happen in real use:

- bytecode cached: gdbext's ``__pycache__`` is up to date (``make bytecode``;
  the warm-up run below writes it too), so gdb's Python only unmarshals it.
- no bytecode: a fresh clone under ``PYTHONDONTWRITEBYTECODE=1`` (as on CI)
  never gets a ``__pycache__``, so every gdb start compiles every module
  gdbext imports.  Measured on a temporary copy without ``__pycache__``, run
  with ``PYTHONDONTWRITEBYTECODE=1`` so that it stays that way.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gdbext"
INIT = PACKAGE / "__init__.py"
RUNS = 21


def once(init: Path | None, env: dict[str, str]) -> float:
    argv = ["gdb", "-nx", "-batch"]
    if init is not None:
        argv += ["-ex", f"source {init}"]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - start


def cold_copy(folder: Path) -> Path:
    """A copy of gdbext in FOLDER without any bytecode; its ``__init__.py``."""
    copy = folder / "gdbext"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy / "__init__.py"


def main() -> None:
    env = {**os.environ, "TERM": "dumb"}
    writing = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cold_env = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix="gdbext-bench-load-") as tmp:
        cold_init = cold_copy(Path(tmp))
        # Warm the page cache; the cached run may write (refresh) gdbext's bytecode.
        once(None, env), once(INIT, writing), once(cold_init, cold_env)
        bare, cached, cold = [], [], []
        for _ in range(RUNS):
            bare.append(once(None, env))
            cached.append(once(INIT, env))
            cold.append(once(cold_init, cold_env))
        left = sorted(p.name for p in cold_init.parent.rglob("__pycache__"))
        assert not left, f"the cold copy got bytecode after all: {left}"
    b = statistics.median(bare) * 1e3
    c = statistics.median(cached) * 1e3
    n = statistics.median(cold) * 1e3
    lines = [
        ("gdb -nx -batch:", f"{b:7.1f} ms  (median of {RUNS})"),
        ("  + source gdbext/__init__.py:", f"{c:7.1f} ms"),
        ("  + source (a copy without bytecode):", f"{n:7.1f} ms"),
        ("load cost (bytecode cached):", f"{c - b:+7.1f} ms  ({c / b:.2f}x bare gdb)"),
        ("load cost (no bytecode: compiles at every start):",
         f"{n - b:+7.1f} ms  ({n / b:.2f}x bare gdb)"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}} {value}")

if __name__ == "__main__":
    sys.exit(main())
