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
location.  ``silent`` as the first line is not run: the breakpoint engine
tells its client (tp then prints nothing of its own per hit).
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
    """TEXT (a breakpoint's ``commands``) as lines, stripped, blank ones left out.

    Read inside a hit under gdb/MI, gdb gives the commands as an MI list
    (``,"silent","print n"``): that is read back into lines.
    """
    if text.lstrip(",").startswith('"'):
        import json
        import re

        text = "\n".join(json.loads(f'"{item}"')
                         for item in re.findall(r'"((?:[^"\\]|\\.)*)"', text))
    return [line.strip() for line in text.splitlines() if line.strip()]


def split(text: str) -> list[str]:
    """TEXT (a breakpoint's commands) as top-level commands; a block keeps its lines.

    gdbext's own marker (see :mod:`gdbext.trace.saved`) is left out.
    """
    out: list[str] = []
    depth = 0
    block: list[str] = []
    for line in lines(text):
        word = line.split(None, 1)[0]
        if word == _MARKER and not depth:
            continue
        if depth:
            block.append(line)
            if word == "end":
                depth -= 1
            elif word in _BLOCKS and not _one_line_python(line):
                depth += 1
            if not depth:
                out.append("\n".join(block))
                block = []
            continue
        if word in _BLOCKS and not _one_line_python(line):
            depth = 1
            block = [line]
            continue
        out.append(line)
    if block:
        out.append("\n".join(block))
    return out


def _one_line_python(line: str) -> bool:
    parts = line.split(None, 1)
    return parts[0] in ("python", "py") and len(parts) > 1


def run(commands: list[str], where: str, warned: set[str]) -> None:
    """Run COMMANDS at a hit of WHERE (``tp 3``); WARNED holds the notes given already."""
    for command in commands:
        word = command.split(None, 1)[0]
        if word == "silent":
            continue
        if word in _RESUMING:
            if word not in warned:
                warned.add(word)
                gdb.write(f"{where}: '{command}' cannot run at a hit (the program does not stop "
                          "there); it is skipped\n", gdb.STDERR)
            continue
        if "\n" in command:  # a block: gdb runs it whole
            try:
                gdb.execute(command, from_tty=False)
            except gdb.error as exc:
                gdb.write(f"{exc}\n", gdb.STDERR)
            continue
        try:  # captured: gdb 18 under MI would wrap the output in MI records twice
            gdb.write(ui.capture(f"frame apply 1 -q -c {command}"))
        except gdb.error as exc:  # frame apply itself failed (no frame): as gdb says it
            gdb.write(f"{exc}\n", gdb.STDERR)
