"""What tp and prof share: one front end, one writer, per-process state, and engines.

- :mod:`~gdbext.trace.grammar` and :mod:`~gdbext.trace.front`: the command
  line (options, LOCATION as ``break`` takes it, ``if CONDITION``), the
  location check, the listing, completion;
- :mod:`~gdbext.trace.writer`: JSON Lines files, one writer per path;
- :mod:`~gdbext.trace.state`: per-inferior (per-process) state;
- :mod:`~gdbext.trace.engine`: the seam between tp/prof and what watches
  the program; :mod:`~gdbext.trace.breakpoints` is the breakpoint engine,
  with :mod:`~gdbext.trace.sites` (where calls start and return),
  :mod:`~gdbext.trace.stops` (the cost of its stops, taken out of clocks);
- :mod:`~gdbext.trace.frames`: a frame's arguments and locals as plain
  records; :mod:`~gdbext.trace.fastpath`: the same read straight from
  memory once checked.

- :mod:`~gdbext.trace.rehits`: a hit gdb reports twice is counted once;
  :mod:`~gdbext.trace.actions`: a probe's ``commands`` run at each hit;
  :mod:`~gdbext.trace.saved`: ``save breakpoints`` keeps probes as probes.

gdb's events reach all of them through :mod:`gdbext.events`.  Nothing here
is imported when gdbext loads: only at the first tp or prof (or a sourced
``save breakpoints`` file that holds one).
"""
