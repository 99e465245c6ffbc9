"""prof's figures for a call with other gdb stops inside it, against the program's own.

`prof_nested CALLS UNITS SPIN` calls work() CALLS times; each call does a
fixed amount of CPU work, UNITS calls of step(), and the program measures
every call itself (CLOCK_THREAD_CPUTIME_ID and CLOCK_MONOTONIC).  The
reference is the median per call of a run WITHOUT a debugger; then, under
`gdb -batch`, `prof --output F work` with, inside every call:

- `tp --quiet step`: one tracepoint stop per unit (the acceptance case);
- `prof --quiet step`: a nested prof, two stops per unit;
- `dprintf step,...`: stops gdbext does not see (counted from the thread's
  trips to a CPU and gdb's own time).

prof's figure is the median of its per-call records.  Everything is pinned
to one CPU (the idlest), as in bench_prof.py; rounds are interleaved and the
medians of the rounds' medians kept.  Targets: CPU within 15% of the
program's own figure and wall within -10%..+30% (goal: 3%).
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import demo_program, gdb_argv, pinning, run_gdb

CALLS, UNITS, SPIN = 30, 20, 20000
ROUNDS = 3
OWN = re.compile(r"^work \d+: (\d+) ns cpu (\d+) ns wall$", re.MULTILINE)
VARIANTS = {
    "tp inside": ["tp --quiet step"],
    "prof inside": ["prof --quiet step"],
    "dprintf inside": ['dprintf step,"unit %d\\n",unit'],
}


def native(program: Path, pin: list[str]) -> tuple[float, float]:
    """The program's own median CPU and wall time per call (µs), without a debugger."""
    done = subprocess.run([*pin, str(program), str(CALLS), str(UNITS), str(SPIN)],
                          stdout=subprocess.PIPE, text=True, check=True)
    rows = [(int(c), int(w)) for c, w in OWN.findall(done.stdout)]
    if len(rows) != CALLS:
        sys.exit(f"bench_nested: {program} printed {len(rows)} calls, expected {CALLS}")
    return (statistics.median(r[0] for r in rows) / 1e3,
            statistics.median(r[1] for r in rows) / 1e3)


def under_prof(program: Path, setup: list[str], pin: list[str], out: Path) -> tuple[float, float]:
    """prof's median CPU and wall time per call of work (µs) with SETUP's stops inside."""
    out.unlink(missing_ok=True)
    argv = gdb_argv([f"prof --output {out} work", *setup, "run"],
                    [program, CALLS, UNITS, SPIN], pin)
    done = run_gdb(argv, color=False)
    try:
        records = [json.loads(line) for line in out.read_text().splitlines()]
    except (OSError, ValueError):
        records = []
    calls = [r for r in records if r["location"] == "work" and r["completed"]]
    if len(calls) != CALLS or any(r["cpu_ns"] is None for r in calls):
        sys.exit(f"bench_nested: prof recorded {len(calls)} calls of work, expected {CALLS}:\n"
                 f"{done.stdout[-3000:]}")
    return (statistics.median(r["cpu_ns"] for r in calls) / 1e3,
            statistics.median(r["wall_ns"] for r in calls) / 1e3)


def main() -> int:
    program = demo_program("prof_nested")
    pin, where = pinning()
    print(f"prof work: {CALLS} calls of {UNITS} units, median per call of {ROUNDS} "
          f"interleaved rounds, {where}")
    out = Path(tempfile.mkdtemp()) / "calls.jsonl"
    own: list[tuple[float, float]] = []
    got: dict[str, list[tuple[float, float]]] = {name: [] for name in VARIANTS}
    for _ in range(ROUNDS):
        own.append(native(program, pin))
        for name, setup in VARIANTS.items():
            got[name].append(under_prof(program, setup, pin, out))
    shutil.rmtree(out.parent, ignore_errors=True)
    ref_cpu = statistics.median(o[0] for o in own)
    ref_wall = statistics.median(o[1] for o in own)
    print(f"  {'':22s}{'CPU µs':>10s}{'ratio':>9s}{'wall µs':>11s}{'ratio':>9s}")
    print(f"  {'program, no gdb':22s}{ref_cpu:>10.0f}{'':>9s}{ref_wall:>11.0f}")
    verdict = ""
    for name in VARIANTS:
        cpu_us = statistics.median(g[0] for g in got[name])
        wall_us = statistics.median(g[1] for g in got[name])
        cpu_r, wall_r = cpu_us / ref_cpu, wall_us / ref_wall
        label = "prof, " + name
        print(f"  {label:22s}{cpu_us:>10.0f}{cpu_r:>8.2f}x{wall_us:>11.0f}{wall_r:>8.2f}x")
        if name == "tp inside":
            ok = abs(cpu_r - 1) <= 0.15 and 0.9 <= wall_r <= 1.3
            verdict = (f"prof with a tp inside the call: CPU {cpu_r - 1:+.0%}, wall "
                       f"{wall_r - 1:+.0%} of the program's own figure (targets: CPU within "
                       f"15%, wall -10%..+30%: {'ok' if ok else 'MISSED'})")
    print(verdict)
    return 0


if __name__ == "__main__":
    sys.exit(main())
