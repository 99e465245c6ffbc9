"""dm against gdb's own `dump binary memory`, on the same 256 MiB region, same gdb run.

Run as ``bench_dm.py BUILD_DIR``: starts gdb on BUILD_DIR/dm_big, which maps
and fills 256 MiB and stops in stop_here, and has gdb source this same file,
which then times both dumps of that region, interleaved and alternating
which goes first, after one warm-up of each (the first 256 MiB written to a
file system is slow for both).  Prints GB/s (medians) and the ratio; checks
that both files hold the same bytes.  Each file is deleted right after it is
timed so that write-back of earlier runs does not slow later ones.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROUNDS = 5
MIB = int(os.environ.get("DM_BENCH_MIB", "256"))
TARGET = 1.8


def outside_gdb() -> int:
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo")
    program = build / "dm_big"
    if not program.exists():
        print(f"bench_dm: {program} is missing; run make demo-build", file=sys.stderr)
        return 1
    init = Path(__file__).resolve().parent.parent / "gdbext" / "__init__.py"
    with tempfile.TemporaryDirectory(prefix="bench_dm-") as folder:
        argv = ["gdb", "-nx", "-batch", "-iex", "set pagination off", "-iex", "set confirm off",
                "-ex", f"source {init}", "-ex", "break stop_here", "-ex", "run",
                "-ex", f"set gdbext dump-dir {folder}", "-x", str(Path(__file__).resolve()),
                "--args", str(program), str(MIB)]
        done = subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, env={**os.environ, "TERM": "dumb",
                                              "DM_BENCH_DIR": folder})
    report = [line for line in done.stdout.splitlines() if line.startswith("  ")]
    if done.returncode != 0 or not report:
        print(done.stdout + done.stderr, file=sys.stderr)
        return 1
    print("\n".join(line[2:] for line in report))
    return 0 if "FAIL" not in done.stdout else 1


def inside_gdb() -> None:
    import filecmp
    import statistics
    import time

    import gdb

    folder = os.environ["DM_BENCH_DIR"]
    frame = gdb.selected_frame()
    big = int(frame.read_var("big"))
    size = int(frame.read_var("size"))

    def timed(kind: str) -> tuple[float, str]:
        os.sync()  # start each run with nothing left to write back
        before = set(os.listdir(folder))
        start = time.perf_counter()
        if kind == "dump":
            path = os.path.join(folder, f"dump-{len(before)}.bin")
            gdb.execute(f"dump binary memory {path} {big:#x} {big + size:#x}")
        else:
            gdb.execute("dm --addr big", to_string=True)
        seconds = time.perf_counter() - start
        made = sorted(set(os.listdir(folder)) - before)
        data = [os.path.join(folder, n) for n in made if n.endswith(".bin")]
        assert len(data) == 1 and os.path.getsize(data[0]) == size, made
        for name in made:
            if not name.endswith(".bin"):
                os.unlink(os.path.join(folder, name))
        return seconds, data[0]

    # Warm-up, and the byte-exactness check on those two files.
    _, dumped = timed("dump")
    _, dm_file = timed("dm")
    same = filecmp.cmp(dumped, dm_file, shallow=False)
    os.unlink(dumped)
    os.unlink(dm_file)

    times: dict[str, list[float]] = {"dump": [], "dm": []}
    for i in range(ROUNDS):
        for kind in ("dump", "dm") if i % 2 == 0 else ("dm", "dump"):
            seconds, path = timed(kind)
            times[kind].append(seconds)
            os.unlink(path)

    def rate(kind: str) -> float:
        return size / statistics.median(times[kind]) / 1e9

    def spread(kind: str) -> str:
        return ", ".join(f"{size / s / 1e9:.2f}" for s in times[kind])

    ratio = rate("dm") / rate("dump")
    lines = [
        f"region: {size >> 20} MiB anonymous mapping of dm_big; {ROUNDS} runs each, "
        "interleaved, after one warm-up each; medians",
        f"gdb dump binary memory: {rate('dump'):5.2f} GB/s   (runs: {spread('dump')})",
        f"dm --addr big:          {rate('dm'):5.2f} GB/s   (runs: {spread('dm')})",
        f"ratio: dm is {ratio:.2f}x as fast as dump memory (target >= {TARGET}x)"
        + ("" if ratio >= TARGET else "  FAIL"),
        "byte-exact: dm's file and dump memory's file are identical" if same
        else "byte-exact: FAIL, dm's file differs from dump memory's",
    ]
    gdb.write("".join(f"  {line}\n" for line in lines))


if __name__ == "__main__":
    try:
        import gdb  # noqa: F401  (present only when gdb sources this file)
    except ImportError:
        sys.exit(outside_gdb())
    inside_gdb()
