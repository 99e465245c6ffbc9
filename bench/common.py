"""What the benchmarks share: where gdbext is, gdb in batch mode, pinning to a CPU."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INIT = ROOT / "gdbext" / "__init__.py"
BATCH = ("-nx", "-batch", "-iex", "set pagination off", "-iex", "set confirm off")


def gdb_argv(commands: Sequence[str], program: Sequence[object], pin: Sequence[str] = (),
             load: bool = True, pre: Sequence[str] = ()) -> list[str]:
    """``gdb -batch`` (under PIN) with gdbext loaded, COMMANDS as -ex, then PROGRAM's argv."""
    argv = [*pin, "gdb", *BATCH]
    for line in pre:
        argv += ["-iex", line]
    if load:
        argv += ["-ex", f"source {INIT}"]
    for line in commands:
        argv += ["-ex", line]
    return [*argv, "--args", *map(str, program)]


def run_gdb(argv: list[str], color: bool = True, stdout: object = subprocess.PIPE
            ) -> subprocess.CompletedProcess[str]:
    """Run ARGV with a dumb terminal (NO_COLOR too unless COLOR), output and errors together."""
    env = {**os.environ, "TERM": "dumb"}
    if not color:
        env["NO_COLOR"] = "1"
    return subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.STDOUT, text=True, check=False, env=env)


def expect(name: str, pattern: re.Pattern[str], output: str, what: str = "no timing from gdb"
           ) -> re.Match[str]:
    """PATTERN's match in OUTPUT, or the benchmark NAME ends saying WHAT, with gdb's output."""
    match = pattern.search(output)
    if match is None:
        sys.exit(f"{name}: {what}:\n{output[-3000:]}")
    return match


def idlest_cpu() -> int:
    """The CPU that was idle the most over a short sample (0 when unknown)."""
    def idle() -> dict[int, int]:
        out = {}
        with open("/proc/stat") as f:
            for line in f:
                name, *fields = line.split()
                if name.startswith("cpu") and name != "cpu":
                    out[int(name[3:])] = int(fields[3]) + int(fields[4])  # idle + iowait
        return out

    try:
        before = idle()
        time.sleep(0.5)
        after = idle()
    except (OSError, ValueError, IndexError):
        return 0
    usable = os.sched_getaffinity(0)
    return max((cpu for cpu in after if cpu in usable), key=lambda c: after[c] - before.get(c, 0),
               default=0)


def pinning(cpu: int | None = None) -> tuple[list[str], str]:
    """``taskset`` arguments for CPU (the idlest when None) and a phrase saying so."""
    if not shutil.which("taskset"):
        return [], "not pinned (no taskset)"
    cpu = idlest_cpu() if cpu is None else cpu
    return ["taskset", "-c", str(cpu)], f"pinned to CPU {cpu} (taskset)"


def demo_program(name: str) -> Path:
    """The demo program NAME in the build folder `make bench` passes (argv[1], else
    build/demo); the benchmark ends, saying how to build it, when it is missing."""
    build = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "demo"
    program = (build / name).resolve()
    if not program.exists():
        bench = Path(sys.argv[0]).stem
        sys.exit(f"{bench}: {program} is missing; run 'make demo-build' first")
    return program
