"""Checking a breakpoint location before a command sets anything there.

tp and prof take what ``break`` takes.  Both check it the same way, with one
policy: a location that matches nothing yet is accepted as *pending* when a
shared library loaded later could still define it, and refused, with the
reason, when none can (a static program, or no program at all).
"""

from __future__ import annotations

import os

import gdb

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# gdb's errors for a location that a library loaded later could still satisfy.
PENDING_ERRORS = ('Function "', "No source file named ")


def split_condition(spec: str) -> tuple[str, str | None]:
    """``("fib", "n == 3")`` for ``"fib if n == 3"``; the condition is None without ``if``."""
    import re

    match = re.search(r"(?:^|\s)if(?:\s+|$)", spec)
    if match is None:
        return spec.strip(), None
    return spec[: match.start()].strip(), spec[match.end() :].strip()


def decode(location: str) -> tuple[Sequence[gdb.Symtab_and_line] | None, bool]:
    """``(sals, pending)`` for LOCATION, or a ``gdb.GdbError`` saying why it can't be.

    ``sals`` is None when the location is left for ``gdb.Breakpoint`` itself
    to check; ``pending`` is True when it matches nothing yet but a shared
    library could define it.
    """
    import re

    # gdb 13's gdb.decode_line parses outside its error handler: an unmatched
    # quote or a bad *EXPRESSION there crashes gdb.  So only plain linespecs
    # (function, FILE:LINE, Class::method, +N) are decoded here; gdb.Breakpoint
    # reports errors in the others safely.
    if not re.fullmatch(r"[\w$.:/+~@\- \t]+", location) or location.startswith("-"):
        return None, False
    try:
        rest, sals = gdb.decode_line(location)
    except gdb.error as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else "bad location"
        if not message.startswith(PENDING_ERRORS):
            raise gdb.GdbError(message) from None
        reason = no_shared_libraries()
        if reason:
            raise gdb.GdbError(
                f"{message.rstrip('.')} ({reason}, so no shared library can define it)"
            ) from None
        return None, True
    if rest and rest.strip():
        raise gdb.GdbError(f"unexpected '{rest.strip()}' after the location")
    return sals, False


def no_shared_libraries() -> str:
    """Why no shared library can ever be loaded into the program ('' when one can)."""
    import struct

    path = gdb.current_progspace().filename
    if not path:
        return "no program is loaded"
    try:
        with open(path, "rb") as f:
            header = f.read(64)
            if header[:4] != b"\x7fELF":
                return ""
            end = "<" if header[5] == 1 else ">"
            if header[4] == 2:  # 64-bit
                (phoff,) = struct.unpack_from(end + "Q", header, 32)
                phentsize, phnum = struct.unpack_from(end + "HH", header, 54)
            else:
                (phoff,) = struct.unpack_from(end + "I", header, 28)
                phentsize, phnum = struct.unpack_from(end + "HH", header, 42)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
        types = [struct.unpack_from(end + "I", table, i * phentsize)[0] for i in range(phnum)]
    except (OSError, struct.error):
        return ""  # unreadable or odd: assume libraries may come
    if 3 in types:  # PT_INTERP: a dynamic loader will load libraries
        return ""
    return f"{os.path.basename(path)} is statically linked"


class SilentBreakpoint(gdb.Breakpoint):
    """Base of tp's and prof's breakpoints: Python runs at each hit, the program never stops.

    Subclasses implement ``_stop()`` and call :meth:`wanted` first.  A
    condition given while the location is pending goes in
    ``deferred_condition``: gdb 13 cannot re-set a pending breakpoint that has
    a condition (it disables it when the library loads), so it is evaluated
    here instead.
    """

    deferred_condition: str | None = None

    # gdb 13 refuses 'condition N EXPR' on a breakpoint that has a Python
    # 'stop' attribute ("Only one stop condition allowed"), and asks for it
    # only (a) from that command, where the selected thread is stopped or
    # there is no process, and (b) when a thread hits the breakpoint, where
    # that thread is still marked running.  So 'stop' exists only in case (b),
    # and wanted() evaluates the condition itself.
    #
    # A thread that gdb first learns of at a breakpoint (gdbserver reports
    # new threads that way) is already marked stopped at its hit, so a
    # stopped thread means case (a) only when the program has not been
    # resumed since its last stop: see _resumed.
    @property
    def stop(self) -> Callable[[], bool]:
        thread = gdb.selected_thread()
        if thread is None or (thread.is_stopped() and not _resumed):
            raise AttributeError("stop")
        return self._stop

    def __init__(self, *args: object, **kwargs: object) -> None:
        _watch_resumes()
        super().__init__(*args, **kwargs)

    def _stop(self) -> bool:
        raise NotImplementedError

    def set_condition(self, condition: str) -> None:
        """Attach CONDITION now, or keep it for this class to evaluate while pending."""
        if self.pending:
            self.deferred_condition = condition
        else:
            self.condition = condition

    def wanted(self) -> bool:
        """Whether this hit counts: conditions hold and no ignore count is left.

        gdb calls ``stop`` before it looks at the condition and the ignore
        count (it decrements the latter itself after ``stop`` returns).
        """
        for condition in (self.condition, self.deferred_condition):
            if condition is not None and not _holds(condition):
                return False
        return self.ignore_count <= 0


def interrupted() -> None:
    """Ctrl-C reached gdbext inside a never-stopping breakpoint: make it a SIGINT stop.

    The breakpoint itself does not stop (gdb would report an internal
    breakpoint, or the tracepoint, as the reason); the program is sent the
    SIGINT the user meant, so gdb stops it as it does for any Ctrl-C and
    ``continue`` goes on tracing.
    """
    from gdbext import inferior

    target = gdb.selected_inferior()
    if inferior.is_native(target) and target.pid > 0:
        import signal

        try:
            os.kill(target.pid, signal.SIGINT)
            return
        except OSError:
            pass
    gdb.post_event(_interrupt)


def _interrupt() -> None:
    try:
        gdb.execute("interrupt", to_string=True)
    except gdb.error:
        pass


# Breakpoints that gdbext no longer uses, waiting to be deleted where that is safe.
_retired: list[gdb.Breakpoint] = []
_reaper_connected = False


def retire(bps: list[gdb.Breakpoint], when: str = "idle") -> None:
    """Delete BPS now or, when that is unsafe, at gdb's next prompt (or tp/prof command).

    gdb crashes when a breakpoint is deleted while it walks its breakpoint
    list (``delete`` deletes every user breakpoint in one loop, and
    gdbext's handler of that event would delete the next one) or inside a
    breakpoint's ``stop``.  WHEN says where the caller is: ``"now"`` (a
    command, the program's exit: delete at once), ``"idle"`` (an event
    handler: disable now, which frees nothing, and delete later) or
    ``"stop"`` (inside ``stop``: touch nothing now).  The caller makes the
    breakpoints inert first.
    """
    if when == "now":
        _retired.extend(bps)
        reap()
        return
    global _reaper_connected
    if not _reaper_connected:
        _reaper_connected = True
        gdb.events.before_prompt.connect(reap)
    for bp in bps:
        if when == "idle":
            try:
                if bp.is_valid() and bp.enabled:
                    bp.enabled = False
            except (gdb.error, RuntimeError):
                pass
        _retired.append(bp)


def reap(*_event: object) -> None:
    """Delete the retired breakpoints; call only where gdb is idle (a prompt, a command)."""
    doomed = _retired[:]
    _retired.clear()
    for bp in doomed:
        try:
            if bp.is_valid():
                bp.delete()
        except (gdb.error, RuntimeError):
            pass


# Whether the program was resumed (a 'cont' event) since its last stop event.
_resumed = False
_watching = False


def _watch_resumes() -> None:
    global _watching
    if not _watching:
        _watching = True
        gdb.events.cont.connect(_on_cont)
        gdb.events.stop.connect(_on_stop)
        gdb.events.exited.connect(_on_stop)


def _on_cont(*_event: object) -> None:
    global _resumed
    _resumed = True


def _on_stop(*_event: object) -> None:
    global _resumed
    _resumed = False


def _holds(condition: str) -> bool:
    """Whether CONDITION is true in the selected frame (an error counts as true, as in gdb)."""
    try:
        return bool(gdb.parse_and_eval(condition))
    except gdb.error:
        return True
