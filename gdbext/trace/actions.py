"""``commands`` attached to a tracepoint or prof location, run at each hit (as for dprintf).

They run inside the breakpoint's ``stop()``, after the hit's own output,
with the hit's frame selected, as gdb runs a dprintf's commands.  A
failing command must not end the program's run: when a command run by
``gdb.execute`` raises, gdb gives the terminal back (the prompt returns
while the program keeps running).  So each line runs under
``frame apply 1 -q -c``, which catches the error inside gdb and prints its
message on one line, and the next line runs.

Commands that resume or stop the program (``continue``, ``step``,
``kill``, ...) cannot run inside a hit: they are skipped with one note per
location.  ``if``/``else``, ``while`` (with ``loop_break`` and
``loop_continue``) and ``python`` blocks are run here, their conditions
read with ``gdb.parse_and_eval``, so an error in them is one line too;
other blocks are skipped with a note.  ``silent`` as the first line is
not run: the breakpoint engine tells its client (tp then prints nothing
of its own per hit).
"""

from __future__ import annotations

import gdb

from gdbext import ui

_RESUMING = {
    "c", "cont", "continue", "fg", "s", "step", "si", "stepi", "n", "next", "ni", "nexti",
    "finish", "fin", "until", "u", "advance", "jump", "j", "run", "r", "start", "starti",
    "kill", "k", "detach", "signal", "queue-signal", "call", "return", "reverse-continue",
    "rc", "attach", "interrupt", "quit", "q",
}
_MARKER = "gdbext-probe"  # gdbext.trace.saved.MARKER, not imported on the way to a hit
# Lines that open a block ended by 'end'.
_BLOCKS = ("if", "while", "python", "py", "compile", "commands", "define", "document",
           "while-stepping", "ws", "stepping")


def lines(text: str) -> list[str]:
    """TEXT (a breakpoint's ``commands``) as lines, blank ones left out.

    Read inside a hit under gdb/MI, gdb gives the commands as an MI list
    (``,"silent","print n"``): that is read back into lines.
    """
    if text.lstrip(",").startswith('"'):
        import json
        import re

        text = "\n".join(json.loads(f'"{item}"')
                         for item in re.findall(r'"((?:[^"\\]|\\.)*)"', text))
    return [line.rstrip() for line in text.splitlines() if line.strip()]


# A command list: a plain command is its text; a block is a tuple:
# ("if", COND, THEN, ELSE), ("while", COND, BODY), ("python", CODE), ("other", TEXT).


def split(text: str) -> list:
    """TEXT (a breakpoint's commands) as a command list; gdbext's marker is left out."""
    nodes, _ = _parse(lines(text), 0)
    return [n for n in nodes if not (isinstance(n, str) and n.split(None, 1)[0] == _MARKER)]


def _parse(rows: list[str], i: int, until: tuple[str, ...] = ()) -> tuple[list, int]:
    """Nodes from ROWS[I:] up to a line whose first word is in UNTIL; (nodes, its index)."""
    out: list = []
    while i < len(rows):
        line = rows[i].strip()
        word = line.split(None, 1)[0]
        rest = line[len(word):].strip()
        if word in until:
            return out, i
        if word in ("if", "while"):
            body, j = _parse(rows, i + 1, ("end", "else") if word == "if" else ("end",))
            other: list = []
            if word == "if" and j < len(rows) and rows[j].strip() == "else":
                other, j = _parse(rows, j + 1, ("end",))
            out.append(("if", rest, body, other) if word == "if" else ("while", rest, body))
            i = j + 1
        elif word in ("python", "py") and not rest:
            j = i + 1
            while j < len(rows) and rows[j].strip() != "end":
                j += 1
            import textwrap

            out.append(("python", textwrap.dedent("\n".join(rows[i + 1:j]))))
            i = j + 1
        elif word in _BLOCKS and not (word in ("python", "py") and rest):
            depth, j = 1, i + 1
            while j < len(rows) and depth:
                w = rows[j].strip().split(None, 1)[0]
                depth += 1 if w in _BLOCKS else -1 if w == "end" else 0
                j += 1
            out.append(("other", "\n".join(r.strip() for r in rows[i:j])))
            i = j
        else:
            out.append(line)
            i += 1
    return out, i


class _Loop(Exception):
    """loop_break (True) or loop_continue (False) inside a while."""

    def __init__(self, stop: bool) -> None:
        self.stop = stop


def run(commands: list, where: str, warned: set[str]) -> None:
    """Run COMMANDS at a hit of WHERE (``tp 3``); WARNED holds the notes given already."""
    try:
        _run(commands, where, warned)
    except _Loop:
        pass


def _run(commands: list, where: str, warned: set[str]) -> None:
    for node in commands:
        if isinstance(node, tuple):
            _block(node, where, warned)
            continue
        word = node.split(None, 1)[0]
        if word == "silent":
            continue
        if word in ("loop_break", "loop_continue"):
            raise _Loop(word == "loop_break")
        if word in _RESUMING:
            if word not in warned:
                warned.add(word)
                gdb.write(f"{where}: '{node}' cannot run at a hit (the program does not stop "
                          "there); it is skipped\n", gdb.STDERR)
            continue
        try:  # captured: gdb 18 under MI would wrap the output in MI records twice
            gdb.write(ui.capture(f"frame apply 1 -q -c {node}"))
        except gdb.error as exc:  # frame apply itself failed (no frame): as gdb says it
            gdb.write(f"{exc}\n", gdb.STDERR)


def _block(node: tuple, where: str, warned: set[str]) -> None:
    """An if, while or python block, run here so that an error in it stays one line."""
    kind = node[0]
    if kind == "python":
        import __main__

        try:
            exec(compile(node[1], f"<{where} commands>", "exec"), __main__.__dict__)
        except Exception as exc:
            gdb.write(f"Error while executing Python code: {type(exc).__name__}: {exc}\n",
                      gdb.STDERR)
        return
    if kind == "other":
        if kind not in warned:
            warned.add(kind)
            gdb.write(f"{where}: '{node[1].split(None, 1)[0]}' blocks cannot run at a hit; "
                      "skipped\n", gdb.STDERR)
        return
    if kind == "if":
        truth = _truth(node[1])
        if truth is not None:
            _run(node[2] if truth else node[3], where, warned)
        return
    while _truth(node[1]):  # kind == "while"
        try:
            _run(node[2], where, warned)
        except _Loop as loop:
            if loop.stop:
                break


def _truth(condition: str) -> bool | None:
    """CONDITION's value at the hit; None (and its error printed) when it cannot be evaluated."""
    try:
        return bool(gdb.parse_and_eval(condition))
    except gdb.error as exc:
        gdb.write(f"{exc}\n", gdb.STDERR)
        return None
