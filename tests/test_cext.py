"""Tests for the C-extension, ctypes and embedding examples of demo_c/cext.

Everything is built by `make cext` (once per session, see the `cext` fixture) into
build/cext.  The module checks below are ordinary functions whose source is sent to a
fresh interpreter, `python -X dev -W error -c ...`, once for every CPython 3.11+ on the
machine: -X dev adds the debug memory allocators and checks that catch a C-API call
made without the GIL, -W error turns every warning into a failure.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
CEXT = ROOT / "build" / "cext"
SRC = ROOT / "demo_c" / "cext"

# The interpreters this project expects; others found like build.py finds them are
# added.  Absent ones are skipped, not failed.
EXPECTED_PYTHONS = {
    "3.11-system": "/usr/bin/python3.11",
    "3.11.7": "/root/.pyenv/versions/3.11.7/bin/python3",
    "3.12.1": "/root/.pyenv/versions/3.12.1/bin/python3",
    "3.13.0": "/root/.pyenv/versions/3.13.0/bin/python3",
}
SYSTEM_PYTHON = EXPECTED_PYTHONS["3.11-system"]


def _discovered_pythons() -> dict[str, str]:
    """CPython >= 3.11 interpreters found by name, as demo_c/cext/build.py looks for them."""
    found: dict[str, str] = {}
    for path in Path("/usr/bin").glob("python3.*"):
        m = re.fullmatch(r"python3\.(\d+)", path.name)
        if m and int(m.group(1)) >= 11:
            found[f"3.{m.group(1)}-system"] = str(path)
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for path in pyenv.glob("*/bin/python3"):
        m = re.fullmatch(r"3\.(\d+)\.\d+", path.parent.parent.name)
        if m and int(m.group(1)) >= 11:
            found[path.parent.parent.name] = str(path)
    return found


ALL_PYTHONS = {**EXPECTED_PYTHONS, **_discovered_pythons()}
PYTHON_PARAMS = [pytest.param(path, id=name) for name, path in sorted(ALL_PYTHONS.items())]


@pytest.fixture(scope="session")
def cext() -> Path:
    """Run `make cext` once; return build/cext."""
    proc = subprocess.run(
        ["make", "--no-print-directory", "cext"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, f"make cext failed:\n{proc.stdout}\n{proc.stderr}"
    return CEXT


@pytest.fixture(params=PYTHON_PARAMS)
def python(request: pytest.FixtureRequest, cext: Path) -> str:
    """Each interpreter in turn; skip those not installed here."""
    path = request.param
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} is not installed")
    return path


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(extra)
    return env


def run_check(python: str, func: Callable[..., Any], *args: Any,
              timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run func(*args) (plus the helpers) in `python -X dev -W error` with build/cext."""
    sources = [inspect.getsource(f) for f in HELPERS]
    sources.append(inspect.getsource(func))
    call = f"{func.__name__}({', '.join(map(repr, args))})"
    code = "from __future__ import annotations\n\n" + "\n\n".join(sources) + f"\n\n{call}\n"
    proc = subprocess.run(
        [python, "-X", "dev", "-W", "error", "-c", code],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        env=_clean_env(PYTHONPATH=str(CEXT)),
    )
    assert proc.returncode == 0, (
        f"{call} failed under {python} (exit {proc.returncode}):\n"
        f"--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    return proc


# ---- helpers shipped to the child interpreter ------------------------------------------


def raises(exc: type[BaseException], func: Callable[..., Any], *args: Any,
           match: str | None = None, **kwargs: Any) -> BaseException:
    """Call func and return the exception of type exc it must raise."""
    try:
        func(*args, **kwargs)
    except exc as e:
        if match is not None:
            assert match in str(e), f"{match!r} not in {str(e)!r}"
        return e
    raise AssertionError(f"{func!r}{args}{kwargs or ''} did not raise {exc.__name__}")


def captured(func: Callable[..., Any], *args: Any) -> str:
    """What func(*args) printed to sys.stdout."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        result = func(*args)
    assert result is None, result
    return buf.getvalue()


def refcount_stable(obj: object, func: Callable[[], Any], n: int = 300) -> None:
    """Calling func n times must leave obj's reference count where it was."""
    import sys

    func()
    before = sys.getrefcount(obj)
    for _ in range(n):
        func()
    after = sys.getrefcount(obj)
    assert after == before, f"refcount of {obj!r}: {before} -> {after} after {n} calls"


def cycle_collected(make_cycle: Callable[[object], None]) -> None:
    """make_cycle(marker) builds an unreachable cycle holding marker; gc must free it."""
    import gc
    import weakref

    class Marker:
        pass

    marker = Marker()
    ref = weakref.ref(marker)
    make_cycle(marker)
    del marker
    gc.collect()
    assert ref() is None, "reference cycle through a C object was not collected"


def fresh_module(name: str) -> Any:
    """A second, independent module object (multi-phase init allows it)."""
    import importlib.util

    spec = importlib.util.find_spec(name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def module_basics(name: str) -> Any:
    """Import name; check file suffix, name and docstring; return the module."""
    import importlib
    import sysconfig

    module = importlib.import_module(name)
    assert module.__name__ == name
    assert module.__file__.endswith(name + sysconfig.get_config_var("EXT_SUFFIX")), \
        module.__file__
    assert module.__doc__, f"{name} has no docstring"
    assert fresh_module(name) is not module
    return module


HELPERS = (raises, captured, refcount_stable, cycle_collected, fresh_module, module_basics)


# ---- per-module checks (run in the child) ----------------------------------------------


def check_cx_simple() -> None:
    import inspect

    m = module_basics("cx_simple")
    assert captured(m.foo) == "'foo'\n"
    assert "'foo'" in m.foo.__doc__
    assert str(inspect.signature(m.foo)) == "()"
    raises(TypeError, m.foo, 1)
    raises(TypeError, m.foo, x=1)


def check_cx_gil() -> None:
    import time

    m = module_basics("cx_gil")
    for fn in (m.sleep_nogil, m.sleep_gil):
        t0 = time.perf_counter()
        assert fn(0.05) is None
        assert time.perf_counter() - t0 >= 0.05
        assert fn(0) is None
        assert fn(False) is None
        for bad in (-1, -0.001, float("nan"), float("inf"), 1e9, 86401):
            raises(ValueError, fn, bad, match="sec must be")
        for bad in ("1", None, [1], 1j):
            raises(TypeError, fn, bad)
        raises(TypeError, fn)
        raises(TypeError, fn, 1, 2)


def measure_gil(n: int, sec: float) -> None:
    import json
    import threading
    import time

    import cx_gil

    def timed(fn: Any) -> float:
        threads = [threading.Thread(target=fn, args=(sec,)) for _ in range(n)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - t0

    print(json.dumps({"nogil": timed(cx_gil.sleep_nogil), "gil": timed(cx_gil.sleep_gil)}))


def check_cx_callback_threads() -> None:
    import builtins
    import threading
    import time
    import traceback

    m = module_basics("cx_callback_threads")
    calls: list[tuple[str, int]] = []

    def record(s: str) -> None:
        calls.append((s, threading.get_ident()))

    assert m.run(4, 0.01, record) is None
    assert [s for s, _ in calls] == ["Awesome Python!"] * 4
    idents = {i for _, i in calls}
    assert len(idents) == 4 and threading.get_ident() not in idents

    # The sleeps happen in C without the GIL: 6 x 0.3 s in parallel, not 1.8 s.
    t0 = time.perf_counter()
    m.run(6, 0.3, record)
    elapsed = time.perf_counter() - t0
    assert 0.3 <= elapsed < 1.0, elapsed

    assert m.run(0, 0, record) is None
    assert len(calls) == 10

    # One failing callback: its own exception, with the callback's frame.
    def fail(s: str) -> None:
        raise KeyError(s)

    e = raises(KeyError, m.run, 1, 0, fail)
    assert e.args == ("Awesome Python!",)
    assert "fail" in "".join(traceback.format_tb(e.__traceback__))

    # Several: an ExceptionGroup holding every one of them.
    group = builtins.ExceptionGroup  # 3.11+, like the interpreters tested
    eg = raises(group, m.run, 3, 0, fail)
    assert len(eg.exceptions) == 3
    assert all(isinstance(x, KeyError) for x in eg.exceptions)

    # Only some fail: the others still ran.
    n_ok: list[int] = []

    def some_fail(s: str) -> None:
        with lock:
            n_ok.append(1)
            if len(n_ok) % 2:
                raise ValueError(s)

    lock = threading.Lock()
    eg = raises(group, m.run, 4, 0, some_fail)
    assert len(eg.exceptions) == 2 and len(n_ok) == 4

    # Bad arguments.
    raises(ValueError, m.run, -1, 0, record, match="n must be")
    raises(ValueError, m.run, 257, 0, record, match="n must be")
    raises(ValueError, m.run, 1, -1, record, match="sec must be")
    raises(ValueError, m.run, 1, float("nan"), record)
    raises(TypeError, m.run, 1, 0, 3, match="callable")
    raises(TypeError, m.run, "1", 0, record)
    raises(TypeError, m.run, 1.5, 0, record)
    raises(TypeError, m.run, 1, "0", record)
    raises(TypeError, m.run, 1, 0)
    raises(TypeError, m.run)

    def returns_obj(s: str) -> object:
        return token

    token = object()
    refcount_stable(record, lambda: m.run(1, 0, record), n=20)
    calls.clear()
    refcount_stable(token, lambda: m.run(2, 0, returns_obj), n=20)


def check_cx_refcount() -> None:
    import sys

    m = module_basics("cx_refcount")
    x = object()
    assert m.getrefcount(x) == sys.getrefcount(x)
    before = m.getrefcount(x)
    keep = [x] * 10
    assert m.getrefcount(x) == sys.getrefcount(x) == before + 10
    del keep
    assert m.getrefcount(x) == before
    lst = [1000, 2000]
    assert m.getrefcount(lst[0]) == sys.getrefcount(lst[0])
    assert m.getrefcount(None) == sys.getrefcount(None)
    raises(TypeError, m.getrefcount)
    raises(TypeError, m.getrefcount, 1, 2)


def check_cx_args() -> None:
    import inspect

    m = module_basics("cx_args")
    assert m.foo() is None
    assert m.bar(3.7) == 3.7
    assert m.baz(3, 7) == (3, 7)
    assert m.qux(3, y=7) == (3, 7)
    assert m.qux(x=3, y=7) == (3, 7)
    assert m.qux(3, 7) == (3, 7)
    assert m.qux(x=3) == (3, None)
    assert m.qux(3) == (3, None)
    assert str(inspect.signature(m.qux)) == "(x, y=None)"
    assert str(inspect.signature(m.baz)) == "(x, y, /)"
    x = object()
    assert m.bar(x) is x
    refcount_stable(x, lambda: (m.bar(x), m.baz(x, x), m.qux(x, y=x), m.qux(x)))
    raises(TypeError, m.foo, 1)
    raises(TypeError, m.bar)
    raises(TypeError, m.bar, 1, 2)
    raises(TypeError, m.bar, x=1)
    raises(TypeError, m.baz, 1)
    raises(TypeError, m.baz, 1, 2, 3)
    raises(TypeError, m.baz, x=1, y=2)
    raises(TypeError, m.qux)
    raises(TypeError, m.qux, 1, 2, 3)
    raises(TypeError, m.qux, 1, z=2)
    raises(TypeError, m.qux, 1, x=2)


def check_cx_call() -> None:
    m = module_basics("cx_call")
    assert m.call(str.upper) == "AWESOME PYTHON!"
    assert m.call(len) == 15
    assert captured(m.call, print) == "Awesome Python!\n"

    def boom(s: str) -> None:
        raise ValueError(s)

    e = raises(ValueError, m.call, boom)
    assert e.args == ("Awesome Python!",)
    raises(TypeError, m.call, 1, match="callable")
    raises(TypeError, m.call)
    raises(TypeError, m.call, len, len)
    raises(TypeError, m.call, lambda: None)  # wrong arity: TypeError from the call
    refcount_stable(boom, lambda: raises(ValueError, m.call, boom))


def check_cx_errors() -> None:
    import gc
    import traceback

    m = module_basics("cx_errors")
    e = raises(NotImplementedError, m.not_implemented)
    assert str(e) == "Not implemented"
    assert issubclass(m.FooError, Exception)
    assert m.FooError.__module__ == "cx_errors" and m.FooError.__name__ == "FooError"
    assert m.FooError.__doc__
    e = raises(m.FooError, m.raise_foo)
    assert str(e) == "Raise exception in C"
    assert traceback.format_exception_only(e) == ["cx_errors.FooError: Raise exception in C\n"]
    raises(TypeError, m.raise_foo, 1)
    raises(TypeError, m.not_implemented, 1)
    # Module state: each module object has its own FooError, seen by the gc.
    other = fresh_module("cx_errors")
    assert other.FooError is not m.FooError
    raises(other.FooError, other.raise_foo)
    assert m.FooError in gc.get_referents(m)
    refcount_stable(m.FooError, lambda: raises(m.FooError, m.raise_foo))


def check_cx_iterate() -> None:
    m = module_basics("cx_iterate")
    assert captured(m.iter_list, [1, "a", None, 2.5]) == "1\na\nNone\n2.5\n"
    assert captured(m.iter_list, []) == ""
    assert captured(m.iter_dict, {"k": "v", 1: [2]}) == "(k, v)\n(1, [2])\n"
    assert captured(m.iter_dict, {}) == ""

    class L(list):
        pass

    class D(dict):
        pass

    assert captured(m.iter_list, L([1])) == "1\n"
    assert captured(m.iter_dict, D(a=1)) == "(a, 1)\n"
    for bad in ((1, 2), {1: 2}, "ab", None, iter([1])):
        raises(TypeError, m.iter_list, bad, match="must be list")
    for bad in ([(1, 2)], None, "ab"):
        raises(TypeError, m.iter_dict, bad, match="must be dict")
    raises(TypeError, m.iter_list)
    raises(TypeError, m.iter_dict, {}, {})

    class Bad:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    raises(RuntimeError, captured, m.iter_list, [1, Bad()], match="no str")
    raises(RuntimeError, captured, m.iter_dict, {1: Bad()}, match="no str")

    # Python code run by print() may change the container.
    lst = [1]

    class Grow:
        def __str__(self) -> str:
            lst.append(2)
            return "grow"

    lst.append(Grow())
    assert captured(m.iter_list, lst) == "1\ngrow\n2\n"
    d: dict[object, object] = {}

    class Add:
        def __str__(self) -> str:
            d[len(d)] = 0
            return "add"

    d["x"] = Add()
    raises(RuntimeError, captured, m.iter_dict, d, match="changed size")

    class Del:
        def __str__(self) -> str:
            d2.clear()
            d2["k"] = 1
            return "del"

    d2: dict[object, object] = {"k": Del()}
    assert captured(m.iter_dict, d2) == "(k, del)\n"
    x = object()
    refcount_stable(x, lambda: captured(m.iter_dict, {x: x}) and captured(m.iter_list, [x]))


def check_cx_class_simple() -> None:
    import sys

    m = module_basics("cx_class_simple")
    assert type(m.Foo) is type
    o = m.Foo()
    assert type(o) is m.Foo
    assert repr(m.Foo) == "<class 'cx_class_simple.Foo'>"
    assert m.Foo.__module__ == "cx_class_simple"
    assert m.Foo.__doc__ == "Foo objects"
    raises(TypeError, m.Foo, 1)
    raises(TypeError, m.Foo, x=1)

    class Sub(m.Foo):
        pass

    assert isinstance(Sub(), m.Foo)
    assert fresh_module("cx_class_simple").Foo is not m.Foo
    refcount_stable(m.Foo, m.Foo)
    refcount_stable(Sub, Sub)
    assert sys.getrefcount(o) == 2


def check_cx_class_members() -> None:
    import gc
    import inspect

    m = module_basics("cx_class_members")
    assert str(inspect.signature(m.Foo)) == "(foo='', bar='')"
    o = m.Foo()
    assert (o.foo, o.bar) == ("", "")
    o = m.Foo("foo", "bar")
    assert (o.foo, o.bar) == ("foo", "bar")
    o = m.Foo(bar=[1])
    assert (o.foo, o.bar) == ("", [1])
    o.foo = 3
    assert o.foo == 3
    del o.foo
    raises(AttributeError, getattr, o, "foo")
    o.foo = "back"
    assert o.fib(10) == 55 and o.fib(0) == 0 and o.fib(1) == 1 and o.fib(20) == 6765
    raises(ValueError, o.fib, -1)
    raises(OverflowError, o.fib, 94)
    raises(OverflowError, o.fib, 2**100)
    raises(TypeError, o.fib, 1.0)
    raises(TypeError, o.fib, "3")
    raises(TypeError, o.fib)
    raises(TypeError, m.Foo, 1, 2, 3)
    raises(TypeError, m.Foo, baz=1)
    assert gc.is_tracked(o)

    def make(marker: object) -> None:
        a = m.Foo(None, marker)
        a.foo = a

    cycle_collected(make)

    class Sub(m.Foo):
        pass

    def make_sub(marker: object) -> None:
        s = Sub()
        s.extra = s
        s.foo = marker

    cycle_collected(make_sub)
    x = object()
    refcount_stable(x, lambda: m.Foo(x, x))
    refcount_stable(m.Foo, lambda: m.Foo(x).fib(5))
    refcount_stable(Sub, Sub)


def check_cx_class_getset() -> None:
    import gc

    m = module_basics("cx_class_getset")
    assert m.Foo().foo == ""
    assert m.Foo(None).foo == ""
    assert m.Foo("x").foo == "x"
    assert m.Foo(foo="y").foo == "y"
    raises(TypeError, m.Foo, 1, match="value should be unicode")
    raises(TypeError, m.Foo, b"x", match="value should be unicode")
    raises(TypeError, m.Foo, "a", "b")
    raises(TypeError, m.Foo, bar="b")
    o = m.Foo()
    o.foo = "foo"
    assert o.foo == "foo"
    for bad in (None, 1, b"foo", ["foo"]):
        e = raises(TypeError, setattr, o, "foo", bad)
        assert str(e) == "value should be unicode"
    e = raises(TypeError, delattr, o, "foo")
    assert "delete" in str(e)
    assert o.foo == "foo"

    class S(str):
        pass

    o.foo = S("sub")
    assert o.foo == "sub" and type(o.foo) is S
    assert gc.is_tracked(o)

    def make(marker: object) -> None:
        s = S("cycle")
        f = m.Foo(s)
        s.back = f
        s.marker = marker

    cycle_collected(make)
    s = "abc" * 3
    refcount_stable(s, lambda: setattr(m.Foo(s), "foo", s))
    refcount_stable(m.Foo, m.Foo)


def check_cx_class_inherit() -> None:
    import gc
    import math

    m = module_basics("cx_class_inherit")
    f = m.Foo("foo")
    assert f.foo == "foo" and m.Foo(foo=1).foo == 1
    assert f.fib(10) == 55 and f.fib(0) == 0
    raises(TypeError, m.Foo)
    raises(TypeError, m.Foo, 1, 2)
    raises(ValueError, f.fib, -3)
    raises(OverflowError, f.fib, 100)
    raises(TypeError, f.fib, 2.0)
    assert not hasattr(f, "gcd")

    b = m.Bar("bar")
    assert issubclass(m.Bar, m.Foo) and isinstance(b, m.Foo)
    assert m.Bar.__mro__ == (m.Bar, m.Foo, object)
    assert repr(m.Bar) == "<class 'cx_class_inherit.Bar'>"
    assert b.foo == "bar" and b.fib(10) == 55
    assert b.gcd(3, 7) == 1 and b.gcd(12, 18) == 6
    for a, c in ((0, 0), (0, 5), (-12, 18), (12, -18), (-(2**63), 0), (2**62, 2**61)):
        assert b.gcd(a, c) == math.gcd(a, c), (a, c)
    raises(OverflowError, b.gcd, 2**63, 1)
    raises(TypeError, b.gcd, 1.5, 2)
    raises(TypeError, b.gcd, 1)
    raises(TypeError, b.gcd, "1", "2")
    raises(TypeError, m.Bar)
    assert gc.is_tracked(b)

    def make(marker: object) -> None:
        x = m.Bar(marker)
        y = m.Foo(x)
        x.foo = [marker, y]

    cycle_collected(make)
    refcount_stable(m.Bar, lambda: m.Bar(1).gcd(4, 6))
    refcount_stable(m.Foo, lambda: m.Foo(1))


def check_cx_fib() -> None:
    import inspect

    m = module_basics("cx_fib")

    def py_fib(n: int) -> int:
        a, b = 0, 1
        for _ in range(n):
            a, b = b, a + b
        return a

    assert [m.fib(n) for n in range(25)] == [py_fib(n) for n in range(25)]
    assert m.fib(30) == 832040
    assert str(inspect.signature(m.fib)) == "(n, /)"
    raises(ValueError, m.fib, -1)
    raises(OverflowError, m.fib, 94)
    raises(OverflowError, m.fib, 2**64)
    raises(OverflowError, m.fib, -(2**64))
    raises(TypeError, m.fib, 1.0)
    raises(TypeError, m.fib, "1")
    raises(TypeError, m.fib, None)
    raises(TypeError, m.fib)
    raises(TypeError, m.fib, 1, 2)


def check_fib_ctypes() -> None:
    import os

    import fib_ctypes

    assert os.path.dirname(fib_ctypes.library_path()) == os.path.dirname(fib_ctypes.__file__)
    assert [fib_ctypes.fib(n) for n in range(10)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34]
    assert fib_ctypes.fib(30) == 832040
    raises(ValueError, fib_ctypes.fib, -1)
    raises(OverflowError, fib_ctypes.fib, 94)
    raises(TypeError, fib_ctypes.fib, 1.0)
    raises(TypeError, fib_ctypes.fib, "3")


def check_stat_ctypes() -> None:
    import ctypes
    import errno
    import json
    import os
    import subprocess

    import stat_ctypes

    # The hand-written layout equals the C compiler's.
    layout = json.loads(subprocess.run(
        [os.path.join(os.path.dirname(stat_ctypes.__file__), "stat_layout")],
        capture_output=True, text=True, check=True,
    ).stdout)
    assert ctypes.sizeof(stat_ctypes.Stat) == layout["size"] == 144
    for name, (offset, size) in layout["fields"].items():
        field = getattr(stat_ctypes.Stat, name)
        assert (field.offset, field.size) == (offset, size), name

    names = ("st_dev", "st_ino", "st_mode", "st_nlink", "st_uid", "st_gid", "st_rdev",
             "st_size", "st_blksize", "st_blocks", "st_mtime_ns", "st_ctime_ns")
    for shim in (False, True):
        for path in ("/etc/passwd", "/dev/null", os.path.dirname(stat_ctypes.__file__),
                     b"/etc/hostname", stat_ctypes.__file__):
            got, want = stat_ctypes.stat(path, shim=shim), os.stat(path)
            for name in names:
                assert getattr(got, name) == getattr(want, name), (path, name)
        e = raises(FileNotFoundError, stat_ctypes.stat, "/no/such/file", shim=shim)
        assert e.errno == errno.ENOENT and e.filename == "/no/such/file"
        e = raises(NotADirectoryError, stat_ctypes.stat, "/etc/passwd/x", shim=shim)
        assert e.errno == errno.ENOTDIR
        raises(OSError, stat_ctypes.stat, "x" * 5000, shim=shim)  # ENAMETOOLONG
    raises(ValueError, stat_ctypes.stat, "/etc\0/passwd", match="null")
    raises(TypeError, stat_ctypes.stat, 3)
    raises(TypeError, stat_ctypes.stat, None)


MODULE_CHECKS = [
    check_cx_simple, check_cx_gil, check_cx_callback_threads, check_cx_refcount,
    check_cx_args, check_cx_call, check_cx_errors, check_cx_iterate, check_cx_class_simple,
    check_cx_class_members, check_cx_class_getset, check_cx_class_inherit, check_cx_fib,
    check_fib_ctypes, check_stat_ctypes,
]


@pytest.mark.parametrize(
    "check", MODULE_CHECKS, ids=[c.__name__.removeprefix("check_") for c in MODULE_CHECKS]
)
def test_module(python: str, check: Callable[[], None]) -> None:
    """Every module's behaviour and bad-argument cases, on every interpreter."""
    run_check(python, check)


@pytest.mark.timeout(60)
def test_gil_release_lets_threads_sleep_in_parallel(python: str) -> None:
    """4 threads: sleep_nogil takes about one sleep, sleep_gil about four."""
    n, sec = 4, 0.3
    proc = run_check(python, measure_gil, n, sec)
    times = json.loads(proc.stdout.strip().splitlines()[-1])
    assert sec <= times["nogil"] < 3 * sec, times
    assert times["gil"] >= 0.95 * n * sec, times
    assert times["gil"] > 2 * times["nogil"], times


# ---- the build itself ---------------------------------------------------------------


def test_every_module_built_for_every_abi(cext: Path) -> None:
    """One .so per module and per EXT_SUFFIX of the interpreters build.py found."""
    interps = json.loads((cext / "interpreters.json").read_text())
    assert interps
    if os.access(SYSTEM_PYTHON, os.X_OK):  # gdb's Python comes first: embedding uses it
        assert interps[0]["path"] == SYSTEM_PYTHON
    modules = sorted(p.stem for p in SRC.glob("cx_*.c"))
    assert len(modules) == 13
    for suffix in {i["ext_suffix"] for i in interps}:
        for mod in modules:
            assert (cext / f"{mod}{suffix}").is_file(), f"{mod}{suffix}"


def test_built_with_debug_info_and_strict_warnings(cext: Path) -> None:
    """-g -O0 (for gdb) and -Wall -Wextra -Werror on every C file."""
    stamps = list((cext / ".cmd").glob("*.cmd"))
    assert len(stamps) >= 20
    for stamp in stamps:
        cmd = stamp.read_text()
        if cmd.startswith("cp "):
            continue
        for flag in ("-g", "-O0", "-Wall", "-Wextra", "-Werror"):
            assert f" {flag} " in cmd, (stamp.name, flag)
    if shutil.which("readelf"):
        for lib in [*cext.glob("cx_fib.cpython-*.so"), cext / "libfib.so", cext / "libcxstat.so"]:
            info = subprocess.run(["readelf", "--debug-dump=info", str(lib)],
                                  capture_output=True, text=True, check=True).stdout
            assert "DW_AT_producer" in info and "-O0" in info, lib.name


TABLE_RE = re.compile(
    r"static (?:PyMethodDef|PyMemberDef|PyGetSetDef|PyType_Slot|PyModuleDef_Slot) "
    r"(\w+)\[\] = \{(.*?)\n\};",
    re.S,
)


def test_c_sources_follow_the_conventions() -> None:
    """Static checks: sentinels, matching names, no risky casts or deprecated calls."""
    sources = sorted(SRC.glob("*.c"))
    assert len(sources) >= 20
    for path in sources:
        text = path.read_text()
        for name, body in TABLE_RE.findall(text):
            last = [ln.strip() for ln in body.splitlines() if ln.strip()][-1]
            assert last.startswith(("{NULL", "{0,")), f"{path.name}: {name} has no sentinel"
        # The only function-pointer cast allowed goes through void (*)(void).
        for m in re.finditer(r"\(PyCFunction\)(.{0,20})", text):
            assert m.group(1).startswith("(void (*)(void))"), f"{path.name}: {m.group(0)}"
        for banned in ("Py_SetProgramName", "PySys_SetArgv", "PyModule_AddObject(",
                       "Py_Initialize()", "distutils"):
            assert banned not in text, f"{path.name} uses {banned}"
        if path.stem.startswith("cx_"):
            mod = path.stem
            assert f"PyInit_{mod}(void)" in text and f'.m_name = "{mod}",' in text, path.name
            assert "#define PY_SSIZE_T_CLEAN" in text, path.name
            for spec_name in re.findall(r'\.name = "([\w.]+)"', text):
                assert spec_name.startswith(mod + "."), f"{path.name}: {spec_name}"


def test_make_cext_is_incremental(cext: Path) -> None:
    """A second `make cext` rebuilds nothing."""
    before = {p: p.stat().st_mtime_ns for p in cext.glob("*.so")}
    proc = subprocess.run(["make", "--no-print-directory", "cext"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert "up to date" in proc.stdout, proc.stdout
    assert before == {p: p.stat().st_mtime_ns for p in cext.glob("*.so")}


def test_stat_ctypes_command_line(cext: Path) -> None:
    """`stat_ctypes.py PATH...`: one line per path, errors on stderr, exit 1."""
    script = str(cext / "stat_ctypes.py")
    proc = subprocess.run([SYSTEM_PYTHON, script, "/etc/passwd", "/no/such"],
                          capture_output=True, text=True, env=_clean_env())
    assert proc.returncode == 1
    assert proc.stdout.startswith("/etc/passwd: mode=0o100")
    assert "No such file or directory" in proc.stderr
    proc = subprocess.run([SYSTEM_PYTHON, script, "--shim", "/etc/passwd"],
                          capture_output=True, text=True, env=_clean_env())
    assert proc.returncode == 0 and "size=" in proc.stdout
    proc = subprocess.run([SYSTEM_PYTHON, script], capture_output=True, text=True, env=_clean_env())
    assert proc.returncode == 2 and "usage" in proc.stderr


# ---- embedding ----------------------------------------------------------------------


def embed(cext: Path, prog: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run build/cext/<prog> args; it must exit normally (never by a signal)."""
    proc = subprocess.run([str(cext / prog), *args], capture_output=True, text=True,
                          timeout=60, env=_clean_env(**env), cwd=cext)
    assert proc.returncode >= 0, f"{prog} killed by signal {-proc.returncode}: {proc.stderr}"
    return proc


EMBED_PROGRAMS = ["embed_run_string", "embed_run_file", "embed_import",
                  "embed_import_star", "embed_attr"]


def test_embed_run_string(cext: Path) -> None:
    p = embed(cext, "embed_run_string", "import sys; print('Hello Python', sys.argv)", "a", "b")
    assert (p.returncode, p.stdout) == (0, "Hello Python ['-c', 'a', 'b']\n")
    p = embed(cext, "embed_run_string", "1/0")
    assert p.returncode == 1 and "ZeroDivisionError" in p.stderr
    p = embed(cext, "embed_run_string", "(")
    assert p.returncode == 1 and "SyntaxError" in p.stderr
    p = embed(cext, "embed_run_string", "raise SystemExit(7)")
    assert p.returncode == 7
    p = embed(cext, "embed_run_string", "import sys; print(sys.flags.dev_mode)",
              PYTHONDEVMODE="1")
    assert p.stdout == "True\n"


def test_embed_run_file(cext: Path, tmp_path: Path) -> None:
    script = tmp_path / "argv.py"
    script.write_text("import sys\nprint(__name__, sys.argv)\n")
    p = embed(cext, "embed_run_file", str(script), "arg1", "arg 2")
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"__main__ {[str(script), 'arg1', 'arg 2']}\n"
    bad = tmp_path / "bad.py"
    bad.write_text("raise KeyError('oops')\n")
    p = embed(cext, "embed_run_file", str(bad))
    assert p.returncode == 1 and "KeyError: 'oops'" in p.stderr
    p = embed(cext, "embed_run_file", str(tmp_path / "missing.py"))
    assert p.returncode == 1 and "No such file" in p.stderr
    p = embed(cext, "embed_run_file", str(tmp_path))
    assert p.returncode == 1 and "directory" in p.stderr


def test_embed_import_and_attr(cext: Path) -> None:
    for prog in ("embed_import", "embed_attr"):
        p = embed(cext, prog)
        assert (p.returncode, p.stdout, p.stderr) == (0, '{"foo": "Foo", "bar": 123}\n', "")


def test_embed_import_star(cext: Path) -> None:
    p = embed(cext, "embed_import_star")
    assert (p.returncode, p.stdout) == (0, os.uname().sysname + "\n")


@pytest.mark.parametrize("prog", EMBED_PROGRAMS)
def test_embed_bad_usage(cext: Path, prog: str) -> None:
    """Missing or extra arguments: a usage message and exit status 2."""
    args = [] if prog.startswith("embed_run") else ["extra", "-1"]
    p = embed(cext, prog, *args)
    assert p.returncode == 2 and p.stderr.startswith("usage: "), p.stderr
    assert p.stdout == ""


def test_embed_broken_python_home_is_an_error_not_a_crash(cext: Path) -> None:
    p = embed(cext, "embed_import", PYTHONHOME="/nonexistent")
    assert p.returncode == 1 and p.stdout == ""
    assert "cannot start Python" in p.stderr


# ---- valgrind -----------------------------------------------------------------------

VALGRIND = ["valgrind", "--leak-check=full", "--errors-for-leak-kinds=definite",
            "--undef-value-errors=no", "--error-exitcode=99"]


def _valgrind(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(
        [*VALGRIND, *cmd], capture_output=True, text=True, timeout=240, cwd=cwd,
        env=_clean_env(PYTHONMALLOC="malloc", PYTHONPATH=str(cwd)),
    )
    log = proc.stderr
    assert proc.returncode == 0, f"valgrind exit {proc.returncode}:\n{log[-4000:]}"
    assert "definitely lost: 0 bytes" in log or "no leaks are possible" in log, log[-2000:]
    assert "Invalid read" not in log and "Invalid write" not in log, log[-4000:]
    return proc.stdout


@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind not installed")
def test_valgrind_embed_import(cext: Path) -> None:
    """embed_import on 3.11: no invalid access, no definite leak."""
    out = _valgrind([str(cext / "embed_import")], cext)
    assert out == '{"foo": "Foo", "bar": 123}\n'


VALGRIND_SMOKE = """\
import gc
import cx_args, cx_call, cx_callback_threads, cx_class_getset, cx_class_inherit
import cx_class_members, cx_class_simple, cx_errors, cx_fib, cx_gil, cx_iterate
import cx_refcount, cx_simple
cx_simple.foo(); cx_gil.sleep_nogil(0.01); cx_gil.sleep_gil(0.01)
cx_callback_threads.run(3, 0.01, len)
try:
    cx_callback_threads.run(2, 0, int)
except ExceptionGroup:
    pass
cx_refcount.getrefcount(1); cx_args.qux(1, y=2); cx_args.baz(1, 2); cx_call.call(len)
try:
    cx_errors.raise_foo()
except cx_errors.FooError:
    pass
cx_iterate.iter_dict({1: 2}); cx_iterate.iter_list([1])
o = cx_class_members.Foo(1, 2); o.foo = o; del o
b = cx_class_inherit.Bar('x'); b.foo = b; b.gcd(4, 6); del b
g = cx_class_getset.Foo('x'); g.foo = 'y'; del g
cx_class_simple.Foo(); print(cx_fib.fib(15))
gc.collect()
"""


@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind not installed")
def test_valgrind_extension_modules(cext: Path) -> None:
    """Every extension module exercised under valgrind on the system 3.11."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"{SYSTEM_PYTHON} is not installed")
    out = _valgrind([SYSTEM_PYTHON, "-c", VALGRIND_SMOKE], cext)
    assert out.endswith("610\n"), out
