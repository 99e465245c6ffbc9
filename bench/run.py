"""`make bench`: run every bench/bench_*.py and print what each reports.

Each benchmark is a script taking the demo build folder as its argument; it
measures its baseline in the same run and prints ratios against it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    build = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parent / "build" / "demo")
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.stem[len('bench_'):]} ==", flush=True)
        done = subprocess.run([sys.executable, str(script), build], check=False)
        if done.returncode != 0:
            failed.append(script.name)
        print(flush=True)
    if failed:
        print("failed: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
