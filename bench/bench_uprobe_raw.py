"""The raw cost of a kernel probe per hit: a counting uprobe, and a uprobe plus uretprobe.

Runs `fib 25` (242,785 calls of fib) on its own (the baseline), with a
counting uprobe on fib's entry, and with a uprobe and a uretprobe (entry and
return), each opened with perf_event_open(2) on every CPU for the fib binary.
No debugger is involved: each hit is a trap that the kernel handles and
returns from, which is the floor of any tracer built on uprobes (recording
registers and stack into a ring buffer comes on top).  The cost per hit is
(time - baseline) / hits, the median of a few interleaved rounds, and the
probe's own count must equal the number of calls.

Needs uprobes (/sys/bus/event_source/devices/uprobe) and the right to open
them (root, CAP_PERFMON or perf_event_paranoid <= 1 for one's own programs);
otherwise it says why and reports nothing.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

from common import demo_program

ROOT = Path(__file__).resolve().parent.parent
N = 25
ROUNDS = 5
UPROBE_TYPE = Path("/sys/bus/event_source/devices/uprobe/type")
SYS_PERF_EVENT_OPEN = 298  # x86-64
PERF_FLAG_FD_CLOEXEC = 1 << 3
RETPROBE = 1 << 0  # config bit 0 of the uprobe PMU


class PerfEventAttr(ctypes.Structure):
    """struct perf_event_attr as far as PERF_ATTR_SIZE_VER8 (136 bytes)."""

    _fields_ = [("type", ctypes.c_uint32), ("size", ctypes.c_uint32), ("config", ctypes.c_uint64),
                ("sample_period", ctypes.c_uint64), ("sample_type", ctypes.c_uint64),
                ("read_format", ctypes.c_uint64), ("flags", ctypes.c_uint64),
                ("wakeup_events", ctypes.c_uint32), ("bp_type", ctypes.c_uint32),
                ("config1", ctypes.c_uint64), ("config2", ctypes.c_uint64),
                ("branch_sample_type", ctypes.c_uint64), ("sample_regs_user", ctypes.c_uint64),
                ("sample_stack_user", ctypes.c_uint32), ("clockid", ctypes.c_int32),
                ("sample_regs_intr", ctypes.c_uint64), ("aux_watermark", ctypes.c_uint32),
                ("sample_max_stack", ctypes.c_uint16), ("reserved_2", ctypes.c_uint16),
                ("aux_sample_size", ctypes.c_uint32), ("reserved_3", ctypes.c_uint32),
                ("sig_data", ctypes.c_uint64), ("config3", ctypes.c_uint64)]


def file_offset(program: Path, symbol: str) -> int:
    """Where SYMBOL's code is in PROGRAM's file: a uprobe is placed by file offset."""
    nm = subprocess.run(["nm", "--defined-only", str(program)], capture_output=True, text=True,
                        check=True).stdout
    vaddr = next(int(line.split()[0], 16) for line in nm.splitlines()
                 if line.split()[1:] in (["T", symbol], ["t", symbol]))
    data = program.read_bytes()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:  # PT_LOAD
            return vaddr - p_vaddr + p_offset
    raise SystemExit(f"bench_uprobe_raw: {symbol} is in no loadable segment of {program}")


def open_probes(program: Path, offset: int, configs: list[int]) -> list[int]:
    """Counting probes at OFFSET of PROGRAM, one per CPU and config, for every process."""
    libc = ctypes.CDLL(None, use_errno=True)
    path = ctypes.create_string_buffer(os.fsencode(program))
    fds = []
    for config in configs:
        attr = PerfEventAttr(type=int(UPROBE_TYPE.read_text()), size=ctypes.sizeof(PerfEventAttr),
                             config=config, config1=ctypes.addressof(path), config2=offset)
        for cpu in range(os.cpu_count() or 1):
            fd = libc.syscall(SYS_PERF_EVENT_OPEN, ctypes.byref(attr), -1, cpu, -1,
                              PERF_FLAG_FD_CLOEXEC)
            if fd < 0:
                for opened in fds:
                    os.close(opened)
                raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
            fds.append(fd)
    return fds


def timed_run(program: Path, pin: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run([*pin, str(program), str(N)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    program = demo_program("fib")
    if not UPROBE_TYPE.exists():
        print("bench_uprobe_raw: this kernel has no uprobe PMU; nothing measured")
        return 0
    offset = file_offset(program, "fib")
    calls = [1, 1]
    for _ in range(2, N + 1):
        calls.append(calls[-1] + calls[-2] + 1)
    hits = calls[N]
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    variants = {"baseline": [], "uprobe (entry)": [0], "uprobe + uretprobe": [0, RETPROBE]}
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(ROUNDS):
        for name, configs in variants.items():
            try:
                fds = open_probes(program, offset, configs)
            except OSError as error:
                print(f"bench_uprobe_raw: cannot open a uprobe ({error}); nothing measured")
                return 0
            try:
                times[name].append(timed_run(program, pin))
                counts = [struct.unpack("<Q", os.read(fd, 8))[0] for fd in fds]
            finally:
                for fd in fds:
                    os.close(fd)
            if sum(counts) != hits * len(configs):
                sys.exit(f"bench_uprobe_raw: {name} counted {sum(counts)} hits, "
                         f"expected {hits * len(configs)}")
    base = statistics.median(times["baseline"])
    print(f"fib {N}: {hits} calls; median of {ROUNDS} interleaved rounds; "
          f"{'pinned to CPU 0' if pin else 'not pinned'}; no debugger")
    print(f"baseline run without probes: {base * 1e3:.1f} ms wall")
    for name in list(variants)[1:]:
        per_call = (statistics.median(times[name]) - base) / hits * 1e6
        print(f"  {name:20s} {per_call:6.2f} µs per call")
    return 0


if __name__ == "__main__":
    sys.exit(main())
