"""What `dj` costs on a ~5 MB std::string, against Python's json round trip on the same bytes.

`json_strings 4800000` builds a std::string of about 4.8 MB of records
(nested objects, arrays, escapes, non-ASCII text, numbers, literals).  One
gdb stops in main with it built and times, in turn and over several
interleaved rounds:

- the baseline: ``json.dumps(json.loads(b), indent=2)`` on the string's bytes,
  in gdb's own Python (what dj did before it showed documents as written);
- ``dj huge`` with colour on (``set gdbext color on``, the default style);
- ``dj huge`` with colour off.

dj's time is everything a user waits for: reading the program's memory,
checking, formatting and gdb writing the output (to a file here).  The
median of each is kept; two clocks, wall and the CPU time of gdb.

Targets: coloured at most 2x the round trip (goal 1x), uncoloured at most 0.5x.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from common import demo_program, gdb_argv, run_gdb

SIZE = 4_800_000
ROUNDS = 5
TARGETS = {"dj coloured": 2.0, "dj uncoloured": 0.5}
RESULT = re.compile(r"^DJ-BENCH (.+?) (\S+) (\S+)$", re.MULTILINE)

# Sourced into gdb once the string is built.
TIMING = """\
import json, statistics, time
import gdb
from gdbext import inferior

_bytes = inferior.string_bytes(gdb.parse_and_eval("huge"), None)

def _clock(run):
    w, c = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - w, time.process_time() - c

def _dj(color):
    def run():
        gdb.execute("set gdbext color " + color)
        gdb.execute("dj huge")
    return run

_runs = {
    "json round trip": lambda: json.dumps(json.loads(_bytes), indent=2),
    "dj coloured": _dj("on"),
    "dj uncoloured": _dj("off"),
}
_times = {name: [] for name in _runs}
for _ in range(ROUNDS):
    for name, run in _runs.items():
        _times[name].append(_clock(run))
with open(REPORT, "w") as report:
    report.write("SIZE %d\\n" % len(_bytes))
    for name, times in _times.items():
        report.write("DJ-BENCH %s %.6f %.6f\\n" % (
            name, statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)))
"""


def main() -> int:
    program = demo_program("json_strings")
    with tempfile.TemporaryDirectory() as tmp:
        script, report, output = Path(tmp) / "timing.py", Path(tmp) / "report", Path(tmp) / "out"
        script.write_text(f"ROUNDS = {ROUNDS}\nREPORT = {str(report)!r}\n" + TIMING)
        argv = gdb_argv(["break inspect", "run", "up", f"source {script}"], [program, SIZE],
                        pre=["set width 0"])
        with output.open("w") as sink:
            done = run_gdb(argv, stdout=sink)
        text = report.read_text() if report.exists() else ""
        if done.returncode != 0 or "DJ-BENCH" not in text:
            sys.exit(f"bench_dj: no timing from gdb:\n{output.read_text()[-2000:]}")
        written = output.stat().st_size
    size = int(text.split()[1])
    times = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in RESULT.finditer(text)}
    base_wall, base_cpu = times["json round trip"]
    print(f"a std::string of {size / 1e6:.1f} MB; median of {ROUNDS} interleaved rounds; "
          f"gdb wrote {written / 1e6:.0f} MB to a file")
    print(f"  {'':16s} {'wall s':>7s} {'ratio':>6s}   {'CPU s':>6s} {'ratio':>6s}   {'MB/s':>5s}")
    for name, (wall, cpu) in times.items():
        w_ratio, c_ratio = wall / base_wall, cpu / base_cpu
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"   target <= {target:.1f}x: " + ("ok" if w_ratio <= target else "MISSED")
        print(f"  {name:16s} {wall:7.3f} {w_ratio:5.2f}x   {cpu:6.3f} {c_ratio:5.2f}x   "
              f"{size / 1e6 / wall:5.1f}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
