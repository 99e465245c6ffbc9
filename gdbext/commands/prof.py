"""prof LOCATION: the wall and CPU time of every call of a function, without stopping.

Only the command is here: gdb needs its name and help text when gdbext
loads.  What it does is :mod:`gdbext.profiler`, imported at the first
``prof`` (how it works is explained there).
"""

from __future__ import annotations

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Prof(ui.Command):
    """Measure every call of a function without stopping the program.

Usage: prof [-q] [-o FILE] [--folded FILE] [--] LOCATION [if COND]
       prof --report
       prof

LOCATION names a function, as 'break' takes it: fib, file.c:fib, a
'file:line' or '*ADDRESS' at the start of a function, or an explicit
location ('-function fib', '-source file.c -function fib', '-qualified');
a function of a shared library not loaded yet is pending until it loads.
prof sets a real breakpoint there (see 'info breakpoints'; 'delete',
'disable' and 'condition' work on it) that never stops the program.  Each
call is measured from entry to return and, when it returns, printed:

  fib(int) @ fib.c:5
      n: 1 [int]
      Cost: 0.000002 s wall, 0.000001 s cpu

cpu is the thread's own CPU time (from /proc) and wall the elapsed time,
both without any of gdb's stops inside the call, whatever caused them
(prof's own, a tp, a dprintf, a breakpoint where you stopped and waited):
wall is the CPU time plus the time the thread was off a CPU for its own
reasons (asleep, blocked), so a call is never shorter than the CPU time it
used, nor than a call inside it.  CPU time is read only for a process gdb
runs on this machine:
over gdbserver or another remote target it is unknown ('cpu unknown', '-'
in the table, null in JSON, with one note).  Calls that never return
(longjmp, a C++ exception, the thread or the program ended) are reported
as not completed.  Recursion and threads are handled: each return is
paired with its own call.  A call starts at the function's entry address:
a function whose first statement is also the head of a loop (an
interpreter's main loop that jumps back to it) is counted once per call,
with the arguments it was called with.

When the program exits, a table shows per location: calls, completed calls,
total, mean, min and max wall time, total and mean CPU time; calls that
could not be timed (an inlined copy) show as "N (+M not timed)" under
Completed, neither completed nor not.  Counts are
per process and start from zero at each 'run'; with several inferiors each
one's table is printed at its own exit, naming it.  A core file has no
running program: prof refuses it and sets nothing.

Options (spelled as tp's; '--' ends them):
  -q, --quiet        print nothing per call (only the table at exit).
  -o, --output FILE  write one JSON object per call to FILE (JSON Lines)
                     instead of printing: location, function, thread (gdb's
                     global thread number), args [{name, type, value}], depth
                     (calls of the location already open in its thread when
                     it started), wall_ns, cpu_ns (null when not completed or
                     unknown), completed (false: it never returned; null: not
                     timed, such as an inlined copy, whose end is not seen).
                     Its absolute path is fixed now; tp and prof given the
                     same FILE share it.
  --folded FILE      write folded stacks of CPU time (main;fib;fib 1234, in ns
                     of each call's own time) for flame graph tools, at exit
                     and on 'prof --report'.
  --report           print the table now.
  prof               with no argument lists the profiled locations.

Examples:
  prof fib
  prof fib if n > 20
  prof --quiet --output calls.jsonl --folded fib.folded fib
  prof -q -function parse_value
  prof --report
  shell flamegraph.pl fib.folded > fib.svg

Arguments are shortened like tp's values ('set gdbext tp-max-value').
'commands N' on a prof location run at each call's entry (see 'help tp').
'save breakpoints FILE' keeps prof locations: the first of each one's
commands, 'gdbext-probe prof ...', makes it again when FILE is sourced
with gdbext loaded (never a breakpoint that stops)."""

    name = "prof"
    command_class = gdb.COMMAND_BREAKPOINTS
    completer = -1  # no built-in completer: gdb calls complete() below

    def complete(self, text: str, word: str) -> Any:
        """Options, a FILE after -o/--folded, then the location as 'break' completes it."""
        from gdbext.trace import front

        return front.complete(self.name, text, word)

    def run(self, arg: str, from_tty: bool) -> None:
        from gdbext import profiler

        profiler.run(self, arg)


def register() -> None:
    Prof()
