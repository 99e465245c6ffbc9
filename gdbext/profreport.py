"""prof's outputs: the text of one call, its JSON record, the summary table, folded stacks.

Plain data in, text out: nothing here watches the program.
"""

from __future__ import annotations

from gdbext import render

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gdbext.profiler import Call, Stats

COLUMNS = ("Location", "Calls", "Completed", "Total wall s", "Mean wall s", "Min wall s",
           "Max wall s", "Total CPU s", "Mean CPU s")


def describe(call: Call) -> str:
    """The header and arguments of CALL, as printed before its cost."""
    lines = [call.header + "\n"]
    lines.extend(f"\t{name}: {value} [{type_}]\n" for name, type_, value in call.args)
    return "".join(lines)


def cost(wall: int, cpu: int | None) -> str:
    return f"\tCost: {wall / 1e9:.6f} s wall, " + (
        f"{cpu / 1e9:.6f} s cpu\n" if cpu is not None else "cpu unknown\n")


def record(location: str, call: Call, wall: int | None, cpu: int | None,
           completed: bool | None) -> str:
    """One JSON Lines record (COMPLETED None: not known, the call was not timed)."""
    import json

    return json.dumps({
        "location": location,
        "function": call.function,
        "thread": call.gnum,
        "args": [{"name": n, "type": t, "value": v} for n, t, v in call.args],
        "depth": call.depth,
        "wall_ns": wall,
        "cpu_ns": cpu,
        "completed": completed,
    }) + "\n"


def _secs(ns: int) -> str:
    return f"{ns / 1e9:.6f}"


def completed_text(s: Stats) -> str:
    """The Completed cell: calls not timed (inlined copies) are neither completed nor not."""
    return f"{s.completed} (+{s.untimed} not timed)" if s.untimed else str(s.completed)


def row(location: str, s: Stats) -> list[str]:
    done = s.completed
    return [
        location,
        str(s.calls),
        completed_text(s),
        _secs(s.wall_sum) if done else "-",
        _secs(s.wall_sum // done) if done else "-",
        _secs(s.wall_min) if done else "-",
        _secs(s.wall_max) if done else "-",
        _secs(s.cpu_sum) if s.cpu_n else "-",
        _secs(s.cpu_sum // s.cpu_n) if s.cpu_n else "-",
    ]


def table(rows: list[list[str]], whose: str = "") -> str:
    """The summary table; WHOSE names the process when there are several."""
    title = "prof: time per call (wall and thread CPU, stops excluded)"
    if whose:
        title += f" in {whose}"
    return render.render_table(title, COLUMNS, rows, right=range(1, len(COLUMNS)))


def write_folded(path: str, folded: dict[str, int]) -> str:
    """Write FOLDED to PATH; the problem ('' when none)."""
    try:
        with open(path, "w", encoding="utf-8") as f:
            for stack, ns in sorted(folded.items()):
                f.write(f"{stack} {ns}\n")
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return ""
