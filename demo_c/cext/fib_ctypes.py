"""fib() from the plain C library libfib.so, called through ctypes.

ctypes needs no compiler at import time and no Python.h, but it trusts the signature
it is given: argtypes/restype below must match libfib.c exactly, and a wrong one is
silent memory corruption, not an exception.  fib() checks its argument in Python first.

    >>> import fib_ctypes
    >>> fib_ctypes.fib(30)
    832040

libfib.so is looked for beside this file (build/cext after `make cext`), then in
build/cext of the repository, or wherever $LIBFIB points.
"""

from __future__ import annotations

import ctypes
import operator
import os
from pathlib import Path

__all__ = ["FIB_MAX", "fib", "library_path"]

#: fib(93) is the largest Fibonacci number that fits in 64 bits.
FIB_MAX = 93


def library_path() -> Path:
    """Where libfib.so is; ImportError if it has not been built."""
    here = Path(__file__).resolve().parent
    candidates = [here / "libfib.so", here.parent.parent / "build" / "cext" / "libfib.so"]
    if os.environ.get("LIBFIB"):
        candidates.insert(0, Path(os.environ["LIBFIB"]))
    for path in candidates:
        if path.is_file():
            return path
    raise ImportError("libfib.so not found: run `make cext` (or set LIBFIB)")


_lib = ctypes.CDLL(str(library_path()))
# unsigned long long fib(unsigned int n);
_lib.fib.argtypes = [ctypes.c_uint]
_lib.fib.restype = ctypes.c_ulonglong


def fib(n: int) -> int:
    """Return the n-th Fibonacci number, 0 <= n <= 93, computed by libfib.so."""
    n = operator.index(n)  # TypeError for floats, str, ...
    if n < 0:
        raise ValueError("n must be >= 0")
    if n > FIB_MAX:
        raise OverflowError(f"fib({n}) does not fit in 64 bits")
    return int(_lib.fib(n))


if __name__ == "__main__":
    import sys

    for arg in sys.argv[1:] or ["30"]:
        print(f"fib({arg}) = {fib(int(arg))}")
