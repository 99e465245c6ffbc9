"""tp LOCATION: trace a location without stopping, printing (or logging) its arguments and locals.

Only the command and its event handlers are here: gdb needs the command's
name and help text when gdbext loads.  What it does is :mod:`gdbext.tracer`,
imported at the first ``tp`` (how it works is explained there).
"""

from __future__ import annotations

import sys

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_TRACER = "gdbext.tracer"
# Process id last seen per inferior number: a new one means a new run.
_pids: dict[int, int] = {}
_events_connected = False


class TracePoint(ui.Command):
    """Trace a location without stopping: print its arguments and locals at every hit.

Usage: tp [--output FILE] LOCATION [if CONDITION]
       tp                      list tracepoints and their counts in this run

LOCATION is anything 'break' takes: a function, FILE:LINE, *ADDRESS, or an
explicit location such as '-function NAME'.  A location in a shared library
that is not loaded yet stays pending until the library loads (tp says so).

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

When the program exits (or is killed), tp prints one line per tracepoint:

  Tracepoint 'fib' Count: 177

Counts start from zero each time the program is started.

--output FILE (or -o FILE) writes one JSON object per hit (JSON Lines)
instead of printing:
  {"location", "function", "file", "line", "thread", "symbols": [{"name",
   "type", "value", "size", "kind": "arg"|"local"}]}
where "thread" is gdb's global thread number.  FILE is created, or emptied
if it exists, when the tracepoint is set; later runs append to it;
tracepoints given the same FILE share it.  Records are buffered and
written out whenever the program stops or exits, the tracepoint is
deleted, or gdb quits.  A FILE that cannot be written is an error and no
tracepoint is set.

Examples:
  tp fib
  tp fib.c:12 if n == 3
  tp --output /tmp/fib.jsonl fib
  tp -o hits.jsonl *0x401136
  tp
  delete 2"""

    name = "tp"
    command_class = gdb.COMMAND_BREAKPOINTS
    completer = gdb.COMPLETE_LOCATION

    def run(self, arg: str, from_tty: bool) -> None:
        from gdbext import tracer

        tracer.run(self, arg)


# tp's event handlers are connected when gdbext loads, in the same order as
# ever, but do nothing until a tp command has imported gdbext.tracer: until
# then no tracepoint or output file exists.


def _forward(handler: str) -> Callable[..., None]:
    """An event handler that calls gdbext.tracer's HANDLER once tracer is imported."""

    def forward(*event: object) -> None:
        tracer = sys.modules.get(_TRACER)
        if tracer is not None:
            getattr(tracer, handler)(*event)

    return forward


def _on_new_thread(event: gdb.NewThreadEvent) -> None:
    """A new process (not just a new thread) starts every count from zero."""
    inferior = event.inferior_thread.inferior
    if _pids.get(inferior.num) == inferior.pid:
        return
    _pids[inferior.num] = inferior.pid
    tracer = sys.modules.get(_TRACER)
    if tracer is not None:
        tracer._new_run()


def register() -> None:
    global _events_connected
    TracePoint()
    if _events_connected:
        return
    _events_connected = True
    events = gdb.events
    events.exited.connect(_forward("_on_exited"))
    events.new_thread.connect(_on_new_thread)
    events.breakpoint_deleted.connect(_forward("_on_deleted"))
    events.stop.connect(_forward("_flush_all"))
    exiting = getattr(events, "gdb_exiting", None)
    if exiting is not None:
        exiting.connect(_forward("_on_gdb_exiting"))
