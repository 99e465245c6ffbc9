#!/usr/bin/env python3
"""Build the C-extension examples of demo_c/cext into build/cext (run by `make cext`).

No setuptools: each file is one gcc command.  Extension modules are built once per
CPython 3.11+ ABI found on the machine (system pythons first, then pyenv's), with that
interpreter's own headers and EXT_SUFFIX, so e.g. cx_fib.cpython-311-x86_64-linux-gnu.so
and cx_fib.cpython-312-x86_64-linux-gnu.so sit side by side and PYTHONPATH=build/cext
works for each.  The embedding programs link against the first interpreter found
(gdb's /usr/bin/python3.11 here) with `pythonX.Y-config --embed --ldflags`.

A target is rebuilt only when it is missing, older than one of its inputs, or its
command line changed.  Set CEXT_PYTHONS=/path/a:/path/b to choose the interpreters.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_OUT = ROOT / "build" / "cext"

MODULES = (
    "cx_simple",
    "cx_gil",
    "cx_callback_threads",
    "cx_refcount",
    "cx_args",
    "cx_call",
    "cx_errors",
    "cx_iterate",
    "cx_class_simple",
    "cx_class_members",
    "cx_class_getset",
    "cx_class_inherit",
    "cx_fib",
)
EMBED_PROGRAMS = (
    "embed_run_string",
    "embed_run_file",
    "embed_import",
    "embed_import_star",
    "embed_attr",
)
SHARED_LIBS = ("libfib", "libcxstat")  # plain C, loaded with ctypes
PROGRAMS = ("stat_layout",)  # plain C programs
PY_FILES = ("fib_ctypes.py", "stat_ctypes.py")  # copied next to the libraries

# Debug info and no optimisation, so gdb sees every call, argument and local.
CFLAGS = ["-g", "-O0", "-Wall", "-Wextra", "-Werror", "-Wstrict-prototypes", "-pthread"]
CC = os.environ.get("CC", "gcc")
MIN_VERSION = (3, 11)

_QUERY = """\
import json, sys, sysconfig
print(json.dumps({
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:3]),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "include": sysconfig.get_paths()["include"],
    "platinclude": sysconfig.get_paths()["platinclude"],
    "libdir": sysconfig.get_config_var("LIBDIR"),
}))
"""


@dataclass
class Interpreter:
    """A CPython interpreter and what building for it needs."""

    path: str
    version: tuple[int, int, int]
    ext_suffix: str
    includes: list[str]
    libdir: str

    @property
    def short(self) -> str:
        return "{}.{}.{}".format(*self.version)


def candidate_paths() -> list[str]:
    """Interpreters worth asking about: CEXT_PYTHONS, else system ones then pyenv's."""
    env = os.environ.get("CEXT_PYTHONS")
    if env:
        return [p for p in env.split(os.pathsep) if p]
    system = []
    for path in glob.glob("/usr/bin/python3.*"):
        m = re.fullmatch(r"python3\.(\d+)", Path(path).name)
        if m and (3, int(m.group(1))) >= MIN_VERSION:
            system.append((int(m.group(1)), path))
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    pyenv = glob.glob(os.path.join(pyenv_root, "versions", "*", "bin", "python3"))
    # Skip versions that are too old by name; odd names (virtualenvs...) are asked.
    pyenv = [p for p in pyenv if _version_key(p) == () or _version_key(p) >= MIN_VERSION]
    return [p for _, p in sorted(system)] + sorted(pyenv, key=_version_key)


def _version_key(path: str) -> tuple[int, ...]:
    """(3, 12, 1) for .../versions/3.12.1/bin/python3; () if the name is no version."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)", Path(path).parent.parent.name)
    return tuple(int(x) for x in m.groups()) if m else ()


def query(path: str) -> Interpreter | None:
    """Ask `path` about itself; None unless it is a usable CPython 3.11+ with headers."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return None
    try:
        out = subprocess.run(
            [path, "-I", "-c", _QUERY], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        info = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    version = tuple(info["version"])
    if info["implementation"] != "cpython" or version[:2] < MIN_VERSION:
        return None
    includes = list(dict.fromkeys([info["include"], info["platinclude"]]))
    if not os.path.isfile(os.path.join(includes[0], "Python.h")):
        print(f"cext: skipping {path}: no Python.h in {includes[0]}", file=sys.stderr)
        return None
    return Interpreter(path, version, info["ext_suffix"], includes, info["libdir"] or "")


def find_interpreters(paths: list[str] | None = None) -> list[Interpreter]:
    """Usable interpreters, first of each distinct realpath, in candidate order."""
    seen: set[str] = set()
    found = []
    for path in candidate_paths() if paths is None else paths:
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        interp = query(path)
        if interp is not None:
            found.append(interp)
    return found


def embed_link_flags(interp: Interpreter) -> list[str]:
    """`pythonX.Y-config --embed --ldflags` of interp, plus an rpath if needed."""
    config = Path(interp.path).with_name(
        "python{}.{}-config".format(*interp.version)
    )
    if not config.exists():
        config = Path(interp.path).with_name("python3-config")
    out = subprocess.run(
        [str(config), "--embed", "--ldflags"], capture_output=True, text=True, check=True
    ).stdout
    flags = shlex.split(out)
    system_dirs = {"/usr/lib", "/usr/lib64", "/lib", "/lib64", "/usr/lib/x86_64-linux-gnu"}
    if interp.libdir and interp.libdir not in system_dirs:
        flags.append(f"-Wl,-rpath,{interp.libdir}")
    return flags


@dataclass
class Job:
    """One output file, the command that makes it, and the files it depends on."""

    out: Path
    cmd: list[str]
    inputs: list[Path] = field(default_factory=list)
    copy_from: Path | None = None  # a plain copy instead of a command

    def stamp(self) -> Path:
        return self.out.parent / ".cmd" / (self.out.name + ".cmd")

    def describe(self) -> str:
        return shlex.join(self.cmd) if self.cmd else f"cp {self.copy_from} {self.out}"

    def up_to_date(self) -> bool:
        try:
            out_mtime = self.out.stat().st_mtime_ns
            if any(p.stat().st_mtime_ns > out_mtime for p in self.inputs):
                return False
            return self.stamp().read_text() == self.describe()
        except OSError:
            return False

    def run(self) -> tuple[bool, str]:
        tmp = self.out.with_name(f".{self.out.name}.tmp{os.getpid()}")
        if self.copy_from is not None:
            try:
                shutil.copyfile(self.copy_from, tmp)
                ok, log = True, ""
            except OSError as exc:
                ok, log = False, f"{exc}\n"
        else:
            cmd = [str(tmp) if c == str(self.out) else c for c in self.cmd]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            ok, log = proc.returncode == 0, proc.stdout + proc.stderr
        if ok:
            os.replace(tmp, self.out)
            self.stamp().parent.mkdir(exist_ok=True)
            self.stamp().write_text(self.describe())
        else:
            tmp.unlink(missing_ok=True)
        return ok, log


def plan(out: Path, interps: list[Interpreter]) -> list[Job]:
    """Every job needed for `out`, given the interpreters to build modules for."""
    jobs: list[Job] = []
    suffixes: set[str] = set()
    for interp in interps:
        if interp.ext_suffix in suffixes:  # same ABI already built (e.g. 3.11.2 / 3.11.7)
            continue
        suffixes.add(interp.ext_suffix)
        incs = [f"-I{d}" for d in interp.includes]
        version_h = Path(interp.includes[0]) / "patchlevel.h"
        for mod in MODULES:
            src = HERE / f"{mod}.c"
            target = out / f"{mod}{interp.ext_suffix}"
            cmd = [CC, *CFLAGS, "-fPIC", "-shared", *incs, str(src), "-o", str(target)]
            jobs.append(Job(target, cmd, [src, version_h]))
    for lib in SHARED_LIBS:
        src = HERE / f"{lib}.c"
        target = out / f"{lib}.so"
        jobs.append(Job(target, [CC, *CFLAGS, "-fPIC", "-shared", str(src), "-o", str(target)],
                        [src]))
    for prog in PROGRAMS:
        src = HERE / f"{prog}.c"
        target = out / prog
        jobs.append(Job(target, [CC, *CFLAGS, str(src), "-o", str(target)], [src]))
    if interps:
        embed = interps[0]
        incs = [f"-I{d}" for d in embed.includes]
        ldflags = embed_link_flags(embed)
        header = HERE / "embed_common.h"
        for prog in EMBED_PROGRAMS:
            src = HERE / f"{prog}.c"
            target = out / prog
            cmd = [CC, *CFLAGS, *incs, str(src), "-o", str(target), *ldflags]
            jobs.append(Job(target, cmd, [src, header]))
    for name in PY_FILES:
        src = HERE / name
        jobs.append(Job(out / name, [], [src], copy_from=src))
    return jobs


def main(argv: list[str] | None = None) -> int:
    """Build what is out of date; return 0 on success."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("-v", "--verbose", action="store_true", help="print full commands")
    parser.add_argument("--list", action="store_true", help="list interpreters and exit")
    args = parser.parse_args(argv)

    interps = find_interpreters()
    if args.list:
        for interp in interps:
            print(interp.short, interp.ext_suffix, interp.path)
        return 0
    if not interps:
        print("cext: no CPython >= 3.11 with headers found", file=sys.stderr)
        return 1
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    jobs = [j for j in plan(out, interps) if not j.up_to_date()]
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for job, (ok, log) in zip(jobs, pool.map(Job.run, jobs)):
            rel = os.path.relpath(job.out, Path.cwd())
            print(job.describe() if args.verbose else f"  {'CC' if job.cmd else 'CP'}  {rel}")
            if log:
                print(log, end="", file=sys.stderr)
            if not ok:
                failed += 1
                print(f"cext: FAILED: {job.describe()}", file=sys.stderr)
    (out / "interpreters.json").write_text(json.dumps(
        [{"path": i.path, "version": i.short, "ext_suffix": i.ext_suffix} for i in interps],
        indent=2,
    ) + "\n")
    if not jobs:
        print(f"cext: {os.path.relpath(out, Path.cwd())} is up to date "
              f"({', '.join(i.short for i in interps)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
