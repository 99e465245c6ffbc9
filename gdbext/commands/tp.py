"""tp LOCATION: trace a location without stopping, printing (or logging) its arguments and locals.

Only the command is here: gdb needs its name, help text and completion
when gdbext loads.  What it does is :mod:`gdbext.tracer`, imported at the
first ``tp`` (how it works is explained there).
"""

from __future__ import annotations

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class TracePoint(ui.Command):
    """Trace a location without stopping: print its arguments and locals at every hit.

Usage: tp [-q] [-o FILE] [--] LOCATION [if CONDITION]
       tp                      list tracepoints and their counts in this run

LOCATION is anything 'break' takes: a function, FILE:LINE, *ADDRESS, or an
explicit location ('-function NAME', '-source FILE -line N', '-qualified',
'-label').  A location in a shared library that is not loaded yet stays
pending until the library loads (tp says so).  Options come first (they
are spelled as prof's); '--' ends them.

The tracepoint is a real breakpoint that never stops the program, so 'info
breakpoints', 'delete', 'disable', 'enable', 'condition N EXPR' and
'ignore N COUNT' work on it.  At each hit tp prints the function, source
file and line, then one line per argument and local visible there (from
the function's outermost block to the innermost one at that line; locals
declared further down, or hidden by an inner one of the same name, are left
out):

  fib @ fib.c:7
  \tn(int: 3) [4]

i.e. NAME(TYPE: VALUE) [SIZEOF].  A value that cannot be read shows as
<unavailable: REASON>; values longer than 'set gdbext tp-max-value'
characters (default 200, 0 for unlimited) are shortened and end in '...'.

'commands N' attached to a tracepoint run at every hit, after the hit's
output, in the hit's frame (as gdb runs a dprintf's commands).  A command
that fails prints its error on one line and the next one runs (in 'if',
'while' and 'python' blocks too); commands that resume the program
('continue', 'step', ...) are skipped with one note.  With 'silent' as
the first command tp prints nothing per hit (the commands' output only).

'save breakpoints FILE' keeps tracepoints: the first of each one's
commands, 'gdbext-probe tp OPTIONS -- LOCATION', makes it again, with
its condition, ignore count, other commands and enabled state, when FILE
is sourced with gdbext loaded; it is never run at a hit.

When the program exits (or is killed), tp prints one line per tracepoint:

  Tracepoint 'fib' Count: 177

Counts are per process and start from zero each time the program is
started; when gdb debugs several inferiors, each one's counts are printed
at its own exit, naming it.  A core file has no running program: tp
refuses it and sets nothing.

-q, --quiet        print nothing per hit: only count them (and, with -o,
                   write them).
-o, --output FILE  writes one JSON object per hit (JSON Lines)
instead of printing (with or without -q):
  {"location", "function", "file", "line", "thread", "symbols": [{"name",
   "type", "value", "size", "kind": "arg"|"local"}]}
where "thread" is gdb's global thread number.  FILE is created, or emptied
if it exists, when the tracepoint is set (its absolute path is fixed then);
later runs append to it; tracepoints and prof locations given the same
FILE share it.  Records are buffered and
written out whenever the program stops or exits, the tracepoint is
deleted, or gdb quits.  A FILE that cannot be written is an error and no
tracepoint is set.

Examples:
  tp fib
  tp fib.c:12 if n == 3
  tp --output /tmp/fib.jsonl fib
  tp -o hits.jsonl *0x401136
  tp -q -source fib.c -line 7
  tp
  delete 2"""

    name = "tp"
    command_class = gdb.COMMAND_BREAKPOINTS
    completer = -1  # no built-in completer: gdb calls complete() below

    def complete(self, text: str, word: str) -> Any:
        """Options, a FILE after -o, then the location as 'break' completes it."""
        from gdbext.trace import front

        return front.complete(self.name, text, word)

    def run(self, arg: str, from_tty: bool) -> None:
        from gdbext import tracer

        tracer.run(self, arg)


def _sourced_probe(bp: gdb.Breakpoint) -> None:
    """A breakpoint was modified: one sourced from 'save breakpoints' may be a tp or prof.

    Cheap for every other breakpoint; the work is gdbext.trace.saved's.
    """
    try:
        if getattr(bp, "gdbext_probe", False) or not bp.is_valid() or bp.number <= 0:
            return
        text = bp.commands
        if text and "gdbext-probe" in text:
            from gdbext.trace import saved

            saved.on_modified(bp)
    except Exception as exc:  # never a traceback
        gdb.write(ui.internal_error("gdbext (save breakpoints)", exc) + "\n", gdb.STDERR)


def register() -> None:
    TracePoint()
    gdb.events.breakpoint_modified.connect(_sourced_probe)
