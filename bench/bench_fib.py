"""fib(30) three ways: pure Python, the C extension cx_fib, and libfib.so through ctypes.

Usage: python bench/bench_fib.py [BUILD_DEMO_DIR]   (the argument is accepted and ignored)

Builds build/cext with `make cext` first (a no-op when it is up to date): there the C
code is built with -g -O0 for the debugger.  Then builds -O2 copies of cx_fib and
libfib.so into a temporary folder, with gcc directly and this interpreter's headers
and EXT_SUFFIX (the functions of demo_c/cext/build.py).  Times each implementation in
this interpreter, best of a few runs, and prints one row per build: the time of the C
extension and of ctypes, each with its speed-up over pure Python measured in this run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
CEXT = ROOT / "build" / "cext"
SRC = ROOT / "demo_c" / "cext"
N = 30
EXPECTED = 832040
REPEAT = 10

Fib = Callable[[int], int]


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


def load(name: str, path: Path) -> ModuleType:
    """Import the module (Python source or extension) at PATH as NAME, not in sys.modules."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        sys.exit(f"bench_fib: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_o2(out: Path) -> tuple[Path, Path, list[str]]:
    """Compile cx_fib and libfib.so at -O2 into OUT; return their paths and the flags."""
    # build.py defines dataclasses, which look their module up in sys.modules.
    spec = importlib.util.spec_from_file_location("cext_build", SRC / "build.py")
    assert spec is not None and spec.loader is not None
    cext_build = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = cext_build
    spec.loader.exec_module(cext_build)
    interp = cext_build.query(sys.executable)
    if interp is None:
        sys.exit(f"bench_fib: {sys.executable} has no Python.h to build against")
    flags = [f for f in cext_build.CFLAGS if f not in ("-g", "-O0")] + ["-O2"]
    ext = out / f"cx_fib{interp.ext_suffix}"
    lib = out / "libfib.so"
    includes = [f"-I{d}" for d in interp.includes]
    for cmd in (
        [cext_build.CC, *flags, "-fPIC", "-shared", *includes, str(SRC / "cx_fib.c"),
         "-o", str(ext)],
        [cext_build.CC, *flags, "-fPIC", "-shared", str(SRC / "libfib.c"), "-o", str(lib)],
    ):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"bench_fib: {' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return ext, lib, flags


def ctypes_fib(name: str, lib: Path) -> Fib:
    """fib() of fib_ctypes.py (argument checks included) bound to the library LIB."""
    saved = os.environ.get("LIBFIB")
    os.environ["LIBFIB"] = str(lib)  # fib_ctypes loads $LIBFIB first
    try:
        return load(name, CEXT / "fib_ctypes.py").fib
    finally:
        if saved is None:
            del os.environ["LIBFIB"]
        else:
            os.environ["LIBFIB"] = saved


def best_time(func: Fib, repeat: int = REPEAT) -> float:
    """Fastest of `repeat` runs of func(N), in seconds; checks the result too."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func(N)
        best = min(best, time.perf_counter() - t0)
        assert result == EXPECTED, (func, result)
    return best


def cell(secs: float, base: float) -> str:
    """A time in ms and its speed-up over BASE, 21 characters wide."""
    return f"{secs * 1000:>9.2f} ms{base / secs:>8.1f}x"


def main() -> int:
    """Print the comparison table: one row per build of the C code."""
    build()
    ext_o0 = CEXT / f"cx_fib{sysconfig.get_config_var('EXT_SUFFIX')}"
    if not ext_o0.is_file():
        sys.exit(f"bench_fib: no cx_fib for this Python in {CEXT}")
    with tempfile.TemporaryDirectory(prefix="bench_fib.") as tmp:
        ext_o2, lib_o2, flags = build_o2(Path(tmp))
        builds = {  # name: (C extension's fib, ctypes' fib); loaded before the folder goes
            "-g -O0 (build/cext)": (load("cx_fib", ext_o0).fib,
                                    ctypes_fib("fib_ctypes_o0", CEXT / "libfib.so")),
            "-O2 (temporary copy)": (load("cx_fib", ext_o2).fib,
                                     ctypes_fib("fib_ctypes_o2", lib_o2)),
        }
    base = best_time(py_fib)
    version = ".".join(map(str, sys.version_info[:3]))
    print(f"== fib({N}): pure Python vs C extension vs ctypes "
          f"(Python {version}, best of {REPEAT}) ==")
    print(f"pure Python: {base * 1000:.2f} ms, the 1.0x baseline")
    print(f"-O2 build: gcc {' '.join(flags)}")
    print(f"{'C built with':<22}{'C extension (cx_fib)':>21}  {'ctypes (libfib.so)':>21}")
    for name, (ext_fib, lib_fib) in builds.items():
        print(f"{name:<22}{cell(best_time(ext_fib), base)}  {cell(best_time(lib_fib), base)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
