"""prof on optimised code and libc: every call counted, never mispaired, never an internal error.

An inlined copy of a function has no call, no frame and no return of its
own: prof counts its calls and says, once, that they are not timed, rather
than pairing them wrongly.  Functions of libc (malloc, an IFUNC such as
strlen) are profiled after 'start' without losing the run.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from gdbharness import assert_clean, run_batch
from tracehelp import table_row

pytestmark = pytest.mark.timeout(90)

SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
static inline __attribute__((always_inline)) int square(int x)
{
    int y = x * x;
    return y + 1;
}
__attribute__((noinline)) int sum(int n)
{
    int s = 0;
    for (int i = 0; i < n; i++)
        s += square(i);
    return s;
}
int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 5;
    printf("%d %d\n", sum(n), square(n));
    return 0;
}
"""


@pytest.fixture(scope="module")
def inlined(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("o2")
    (folder / "inl.c").write_text(SOURCE)
    subprocess.run(["gcc", "-g", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                    str(folder / "inl"), str(folder / "inl.c")], check=True)
    return folder / "inl"


def test_inlined_calls_are_counted_and_marked_not_timed(inlined, tmp_path):
    log = tmp_path / "calls.jsonl"
    inl = tmp_path / "square.jsonl"
    out = run_batch(inlined, ["prof square", f"prof -o {log} sum", "tp -q square",
                              f"prof -o {inl} square", "run"], args=["5"])
    text = out.stdout
    assert_clean(text)
    assert "internal error" not in text
    assert "Not completed" not in text  # nothing mispaired as unwound
    assert text.count("\tNot timed") == 6
    assert "prof: warning: square is inlined into sum" in text
    assert "its calls there are counted, not timed" in text
    assert table_row(text, "square")[1:3] == ["6", "0 (+6 not timed)"]
    assert table_row(text, "sum")[1:3] == ["1", "1"]
    assert "Tracepoint 'square' Count: 6" in text
    # In the records too, an inlined call that returned is never "not completed":
    # whether it completed is not known, and it says so (null).
    records = [json.loads(line) for line in inl.read_text().splitlines()]
    assert len(records) == 6
    assert all(r["completed"] is None and r["wall_ns"] is None for r in records)


def test_libc_functions_after_start(demo_build):
    out = run_batch(demo_build / "tp_threads", [
        "start", "prof -q malloc", "prof -q strlen", "continue",
    ])
    text = out.stdout
    assert_clean(text)
    assert "internal error" not in text and "Cannot insert breakpoint" not in text
    assert "total 355" in text and "exited normally" in text
    malloc = table_row(text, "malloc")
    assert int(malloc[1]) >= 1 and malloc[1] == malloc[2]
    assert "Not completed: unwound" not in text
