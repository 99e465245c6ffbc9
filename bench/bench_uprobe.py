"""tp and prof on the uprobe engine against gdb's own ``dprintf``, both engines side by side.

Every figure is a cost per hit (tp, dprintf) or per call (prof), in µs:
(time of ``run`` inside gdb - time of the same ``run`` with nothing set) /
hits, the median of interleaved rounds.  dprintf stops the program at each
hit, so it runs on fib(16) (3,193 calls); the uprobe engine runs on fib(22)
(57,313 calls) and fib(25) (242,785), where its fixed costs (planning,
opening and closing the probes) are spread thin.  The breakpoint engine's
figures come from fib(16) too.

Also measured: the raw cost of uprobe hits under gdb, nothing decoded: an
entry probe alone (on ``push %rbp``, which the kernel emulates), with a probe
on the ``ret`` instruction (single-stepped: what prof uses), and with a
return probe (uretprobe: cheaper, but it replaces the return address on the
stack, which breaks C++ exceptions and backtraces); and prof's accuracy on
``prof_cpu`` (``burn(20)`` spins 20 ms of its thread's CPU and says how
much it used): prof's CPU and wall per call against the program's own
figure measured without a debugger, with a ``tp`` on the same function.

Targets (issue 10): prof per call <= 1/20 of dprintf per hit (goal 1/50);
tp --output <= 1/5 (goal 1/20); tp printing <= 1/3 (goal 1/10); prof's CPU
within 5% and wall within +10% of the program's own figure.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import ROOT, demo_program, expect, gdb_argv, run_gdb

ROUNDS = 3
TIMER = re.compile(r"^UPROBE-BENCH-SECONDS (\S+)$", re.MULTILINE)
COUNT = re.compile(r"│\s*fib\s*│\s*(\d+)\s*│\s*(\d+)\s*│")
TP_COUNT = re.compile(r"Tracepoint 'fib' Count: (\d+)")
# The raw uprobe cost: probes opened and drained as the engine does, nothing decoded.
RAW = """\
import gdb, os, threading, time
from gdbext.trace import perf
mode = os.environ["UPROBE_BENCH_RAW"]
pid = gdb.selected_inferior().pid
sym = gdb.lookup_global_symbol("fib")
addr = int(sym.value().address)
path = os.path.realpath(gdb.current_progspace().filename)
for line in open(f"/proc/{pid}/maps"):
    f = line.split()
    lo, hi = (int(x, 16) for x in f[0].split("-"))
    if lo <= addr < hi and len(f) > 5:
        off = addr - lo + int(f[2], 16)
probes = [perf.Probe(path, off, regs=("rsp",))]
if mode == "uretprobe":
    probes.append(perf.Probe(path, off, ret=True, regs=("rsp",)))
elif mode == "ret":
    block = gdb.block_for_pc(addr)
    for insn in gdb.selected_inferior().architecture().disassemble(block.start, block.end - 1):
        if insn["asm"].startswith("ret"):
            probes.append(perf.Probe(path, off + insn["addr"] - addr, regs=("rsp",)))
session = perf.Session(pid, probes)
session.add_thread(pid)
stop = threading.Event()
def drain():
    while not stop.is_set():
        if not session.read(limit=1 << 20):
            time.sleep(0.002)
th = threading.Thread(target=drain, daemon=True)
th.start()
_uprobe_bench = (session, stop, th)
"""
RAW_END = """\
session, stop, th = _uprobe_bench
stop.set(); th.join()
session.read(None)
print("UPROBE-BENCH-HITS", session.hits())
session.close()
"""


def calls_for(n: int) -> int:
    calls = [1, 1]
    for _ in range(2, n + 1):
        calls.append(calls[-1] + calls[-2] + 1)
    return calls[n]


def timed(program: Path, args: list[str], setup: list[str], after: list[str] = (),
          start: bool = False) -> tuple[float, str]:
    """Seconds `run` (or `continue` after `start`) takes inside gdb, and gdb's output."""
    commands = ["break main", "run", "delete"] if start else []
    commands += [*setup, "python import time; _t0 = time.perf_counter()",
                 "continue" if start else "run",
                 'python print("UPROBE-BENCH-SECONDS %.6f" % (time.perf_counter() - _t0))',
                 *after]
    done = run_gdb(gdb_argv(commands, [program, *args]), color=False)
    return float(expect("bench_uprobe", TIMER, done.stdout).group(1)), done.stdout


def per_hit(program: Path, n: int, setups: dict[str, tuple[list[str], list[str], bool]],
            check: dict[str, object]) -> dict[str, float]:
    """µs per call of fib(N) for each setup, baseline subtracted, median of ROUNDS."""
    times: dict[str, list[float]] = {name: [] for name in ("baseline", *setups)}
    for _ in range(ROUNDS):
        times["baseline"].append(timed(program, [str(n)], [])[0])
        for name, (setup, after, start) in setups.items():
            seconds, out = timed(program, [str(n)], setup, after, start)
            times[name].append(seconds)
            expect = check.get(name)
            if expect is not None:
                expect(out, n)  # type: ignore[operator]
    base = statistics.median(times["baseline"])
    return {name: (statistics.median(times[name]) - base) / calls_for(n) * 1e6
            for name in setups}


def _prof_counts(out: str, n: int) -> None:
    match = COUNT.search(out)
    calls = str(calls_for(n))
    if match is None or match.groups() != (calls, calls):
        sys.exit(f"bench_uprobe: prof did not count {calls} calls of fib({n}):\n{out[-3000:]}")


def _tp_counts(out: str, n: int) -> None:
    match = TP_COUNT.search(out)
    if match is None or match.group(1) != str(calls_for(n)):
        sys.exit(f"bench_uprobe: tp did not count {calls_for(n)} hits of fib({n}):\n"
                 f"{out[-3000:]}")


def _raw_counts(out: str, n: int) -> None:
    if f"UPROBE-BENCH-HITS [{calls_for(n)}" not in out:
        sys.exit(f"bench_uprobe: the raw probes missed hits of fib({n}):\n{out[-3000:]}")


def accuracy(build: Path, tmp: Path) -> None:
    program = build / "prof_cpu"
    native = subprocess.run([str(program), "5", "20"], capture_output=True, text=True,
                            check=True).stdout
    own = [int(x) / 1e9 for x in re.findall(r"burn\(20\): (\d+) ns cpu", native)]
    own_mean = statistics.mean(own)
    for engine in ("uprobe", "breakpoint"):
        _, out = timed(program, ["5", "20"], [f"set gdbext engine {engine}", "prof burn",
                                              "tp --quiet burn"])
        costs = [(float(w), float(c)) for w, c in
                 re.findall(r"Cost: ([\d.]+) s wall, ([\d.]+) s cpu", out)]
        if len(costs) != 5:
            print(f"  {engine:10s} accuracy: prof reported {len(costs)} calls, not 5")
            continue
        wall = statistics.median(w for w, _ in costs)
        cpu = statistics.median(c for _, c in costs)
        print(f"  {engine:10s} burn(20): own {own_mean * 1e3:.2f} ms cpu; prof "
              f"{cpu * 1e3:.2f} ms cpu ({(cpu / own_mean - 1) * 100:+.1f}%), "
              f"{wall * 1e3:.2f} ms wall ({(wall / own_mean - 1) * 100:+.1f}%)")


def main() -> int:
    program = demo_program("fib")
    build = program.parent
    sys.path.insert(0, str(ROOT))
    from gdbext.trace import perf

    why = perf.permitted()
    if why:
        print(f"bench_uprobe: skipped: {why}")
        return 0
    tmp = Path(tempfile.mkdtemp())
    raw = tmp / "raw.py"
    raw.write_text(RAW)
    raw_end = tmp / "raw_end.py"
    raw_end.write_text(RAW_END)
    out_file = tmp / "tp.jsonl"
    env_raw = os.environ.get("UPROBE_BENCH_RAW")
    print(f"fib under gdb -batch, median of {ROUNDS} interleaved rounds; µs per hit or call")

    slow = per_hit(program, 16, {
        "dprintf": (['dprintf fib,"fib n=%d\\n",n'], [], False),
        "prof --quiet (breakpoint)": (["set gdbext engine breakpoint", "prof --quiet fib"],
                                      [], False),
        "tp --output (breakpoint)": (["set gdbext engine breakpoint",
                                      f"tp --output {out_file} fib"], [], False),
        "tp (breakpoint)": (["set gdbext engine breakpoint", "tp fib"], [], False),
    }, {"prof --quiet (breakpoint)": _prof_counts, "tp (breakpoint)": _tp_counts})
    dprintf = slow["dprintf"]

    fast: dict[str, float] = {}
    for mode in ("entry", "ret", "uretprobe"):
        os.environ["UPROBE_BENCH_RAW"] = mode
        fast[f"raw uprobe ({mode})"] = per_hit(program, 25, {
            "raw": ([f"source {raw}"], [f"source {raw_end}"], True),
        }, {"raw": _raw_counts})["raw"]
    if env_raw is None:
        os.environ.pop("UPROBE_BENCH_RAW", None)
    for n in (22, 25):
        got = per_hit(program, n, {
            "prof --quiet (uprobe)": (["set gdbext engine uprobe", "prof --quiet fib"], [],
                                      False),
        }, {"prof --quiet (uprobe)": _prof_counts})
        fast[f"prof --quiet (uprobe), fib {n}"] = got["prof --quiet (uprobe)"]
    got = per_hit(program, 20, {
        "tp --output (uprobe)": (["set gdbext engine uprobe", f"tp --output {out_file} fib"],
                                 [], False),
        "tp (uprobe)": (["set gdbext engine uprobe", "tp fib"], [], False),
    }, {"tp (uprobe)": _tp_counts})
    fast.update({f"{k}, fib 20": v for k, v in got.items()})

    print(f"  {'dprintf (fib 16)':42s} {dprintf:9.1f}")
    for name, value in [*slow.items(), *fast.items()]:
        if name == "dprintf":
            continue
        label = name if "fib" in name or "raw" in name else f"{name}, fib 16"
        print(f"  {label:42s} {value:9.1f}   1/{dprintf / value:.0f} of dprintf"
              if value > 0 else f"  {label:42s} {value:9.1f}")
    prof = fast["prof --quiet (uprobe), fib 25"]
    tp_out = fast["tp --output (uprobe), fib 20"]
    tp_print = fast["tp (uprobe), fib 20"]
    for what, value, target, goal in (("prof per call", prof, 20, 50),
                                      ("tp --output per hit", tp_out, 5, 20),
                                      ("tp printing per hit", tp_print, 3, 10)):
        ratio = dprintf / value if value > 0 else float("inf")
        verdict = "goal met" if ratio >= goal else ("ok" if ratio >= target else "MISSED")
        print(f"{what} on uprobes: 1/{ratio:.0f} of dprintf "
              f"(target 1/{target}, goal 1/{goal}: {verdict})")
    print("prof accuracy, 5 calls of burn(20) with a tp on burn:")
    accuracy(build, tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
