"""Hits gdb reports twice: a stop that came while gdb stepped a thread off a probe.

When a never-stopping breakpoint's ``stop()`` returns False, gdb steps the
thread over the instruction under the breakpoint.  If the program stops for
the user in that step (another inferior exited, Ctrl-C, a user breakpoint
in another thread), gdb cancels the step and leaves the thread at the
breakpoint's address.  When the program is resumed, gdb does not remember
that the hit was reported: the thread runs into the breakpoint again
(or, with a signal pending, gdb delivers it and returns to the address
with a step-resume breakpoint), and ``stop()`` runs a second time for one
arrival.  gdb's own ``dprintf`` prints twice then.

A signal arriving in that step does the same while the program runs
(SIGCHLD, SIGALRM: signals that do not stop it): gdb delivers it, puts a
step-resume breakpoint at the address, and evaluates every breakpoint
there again when the thread comes back.

So when the user resumes the program (the ``cont`` event, before gdb
resumes any thread), each thread that hit a probe since the previous
resume and sits at a probe's address is looked at, with its registers
noted: stopped by something other than the breakpoint trap (a cancelled
step: SIGSTOP, or the signal that arrived), its hit was reported and the
next report is a repeat; stopped by the trap, its hit is still to be
reported once.  Each signal the kernel still holds for it (``/proc``, for
a local process) will interrupt the step once more: one more repeat.  A
probe ignores a report of that thread at that address, with the same
registers, within that budget; any other hit ends it.  This costs one
dictionary store per hit; the rest happens when the user resumes.

A signal that arrives later, in a step off a hit that no stop interrupted,
is not caught: telling that repeat from a loop that calls the function
again with the same registers would need every register at every hit
(gdb's own dprintf prints such a hit twice too).
"""

from __future__ import annotations

import gdb

from gdbext import events

# The probe each thread (gdb's global number) last hit since the user last resumed.
_last: dict[int, object] = {}
# Threads expected to repeat a hit: pc, registers, and per probe at pc
# [reports still to count, repeats to ignore after them].
_expect: dict[int, tuple[int, tuple[int, ...], dict[object, list[int]]]] = {}
_watching = False
_SIGTRAP = 5


def watch() -> None:
    """Start noticing the stops the user sees (once)."""
    global _watching
    if not _watching:
        _watching = True
        events.subscribe("cont", _resuming)


def first_time(thread: gdb.InferiorThread, probe: object) -> bool:
    """Record THREAD's hit of PROBE; False when gdb reports a hit the probe had already."""
    gnum = thread.global_num
    if _expect and gnum in _expect:
        pc, registers, budgets = _expect[gnum]
        budget = budgets.get(probe)
        if budget is not None and _state() == (pc, registers):
            if budget[0]:  # the hit itself, still pending when the user resumed
                budget[0] -= 1
            elif budget[1]:
                budget[1] -= 1
                return False
            else:
                del _expect[gnum]
        else:
            del _expect[gnum]
    _last[gnum] = probe
    return True


def _resuming(*_event: object) -> None:
    """The user resumes the program: note the threads that will repeat their last hit.

    gdb has marked the threads running but not resumed them yet, so their
    registers and the signal that stopped them can still be read.
    """
    _expect.clear()
    if not _last:
        return
    last = dict(_last)
    _last.clear()
    try:
        selected = gdb.selected_thread()
        frame = gdb.selected_frame() if selected is not None else None
    except gdb.error:
        selected, frame = None, None
    try:
        for target in gdb.inferiors():
            for thread in target.threads():
                probe = last.get(thread.global_num)
                if probe is not None and thread.is_valid():
                    _note(thread, probe)
    finally:
        try:
            if selected is not None and selected.is_valid():
                selected.switch()
                if frame is not None and frame.is_valid():
                    frame.select()
        except gdb.error:
            pass


def _note(thread: gdb.InferiorThread, probe: object) -> None:
    """Expect THREAD to repeat a hit when it sits at PROBE's address.

    Stopped by something other than a breakpoint trap (a cancelled step, or
    the signal that arrived in it), its hit was reported: the next report
    there is a repeat.  Stopped by the trap, its hit is still to be
    reported.  Either way each signal still pending for it will interrupt
    gdb's step off the breakpoint once more, and be one more repeat.
    """
    thread.switch()
    try:
        pc, registers = _state()
        here = [bp for bp in gdb.breakpoints() if bp.enabled and pc in _addresses(bp)]
        if not here:
            return
        signal = int(gdb.parse_and_eval("$_siginfo.si_signo"))
    except gdb.error:
        return
    pending = 1 if signal == _SIGTRAP else 0
    if not pending and probe not in here:
        return  # stopped there before reaching the breakpoint's instruction
    repeats = (1 - pending) + _pending_signals(thread)
    if repeats:
        _expect[thread.global_num] = (pc, registers, {bp: [pending, repeats] for bp in here})


def _pending_signals(thread: gdb.InferiorThread) -> int:
    """How many signals the kernel holds for THREAD, not blocked (0 when not known)."""
    from gdbext import inferior

    target = thread.inferior
    if not inferior.is_native(target):
        return 0
    fields: dict[str, int] = {}
    try:
        with open(f"/proc/{target.pid}/task/{thread.ptid[1]}/status") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("SigPnd", "ShdPnd", "SigBlk"):
                    fields[name] = int(value, 16)
    except (OSError, ValueError):
        return 0
    mask = (fields.get("SigPnd", 0) | fields.get("ShdPnd", 0)) & ~fields.get("SigBlk", 0)
    return bin(mask).count("1")


def _addresses(bp: object) -> set[int]:
    try:
        return {loc.address for loc in getattr(bp, "locations", ()) if loc.enabled}
    except (gdb.error, RuntimeError):
        return set()


def _state() -> tuple[int, tuple[int, ...]]:
    """The selected thread's pc and general registers."""
    frame = gdb.newest_frame()
    names = _register_names(frame)
    values = []
    for name in names:
        try:
            values.append(int(frame.read_register(name)))
        except (gdb.error, ValueError, TypeError):
            values.append(-1)
    return frame.pc(), tuple(values)


_names: dict[str, tuple[str, ...]] = {}


def _register_names(frame: gdb.Frame) -> tuple[str, ...]:
    arch = frame.architecture()
    names = _names.get(arch.name())
    if names is None:
        try:
            names = tuple(r.name for r in arch.registers("general"))
        except (AttributeError, ValueError, gdb.error):
            names = ("pc", "sp")
        names = _names[arch.name()] = names
    return names
