"""``save breakpoints`` and tracepoints: they come back as tracepoints, never as stops.

gdb writes a Python breakpoint as a plain ``break LOCATION`` (then its
condition, ignore count, commands and ``disable``), so a tracepoint would
come back as a breakpoint that stops the program.  So each tp and prof
breakpoint carries, as the first of its commands, a marker saying how to
make it again::

    gdbext-probe tp --quiet --output /abs/hits.jsonl fib

When a file written by ``save breakpoints`` is sourced with gdbext loaded,
the plain breakpoint receives those commands (the ``breakpoint_modified``
event): it is disabled at once (so it never stops), the tp or prof is made
again with the breakpoint's condition and ignore count, takes its other
commands, and the plain breakpoint is deleted when gdb is idle.  The
marker is never run at a hit.

:mod:`gdbext.commands.tp` listens from the moment gdbext loads, and
imports this module only when a breakpoint's commands hold the marker.
"""

from __future__ import annotations

import gdb

MARKER = "gdbext-probe"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gdbext.trace.grammar import Request

_converting = False


def marker(command: str, request: Request, condition: str | None = None) -> str:
    """The marker line that makes COMMAND's REQUEST again (CONDITION: one gdb will not save)."""
    from gdbext.trace import writer

    words = [MARKER, command]
    options = request.options_text(writer.resolve)
    if options:
        words.append(options)
    words += ["--", request.location]
    if condition:
        words.append(f"if {condition}")
    return " ".join(words)


def on_modified(bp: gdb.Breakpoint) -> None:
    """BP was modified: when it is a plain breakpoint given a marker, make the probe again."""
    if _converting or getattr(bp, "gdbext_probe", False):
        return
    try:
        text = bp.commands if bp.is_valid() and bp.number > 0 else None
    except (gdb.error, RuntimeError):
        return
    if not text or MARKER not in text:
        return
    from gdbext.trace import actions

    lines = actions.lines(text)
    if not lines or not lines[0].startswith(MARKER + " "):
        return
    _restore(bp, lines[0][len(MARKER) + 1:], lines[1:])


def _restore(plain: gdb.Breakpoint, command: str, rest: list[str]) -> None:
    """Make the tp or prof COMMAND again in place of PLAIN, which never stops meanwhile."""
    global _converting
    from gdbext.trace import breakpoints

    _converting = True
    try:
        enabled, condition, ignore = plain.enabled, plain.condition, plain.ignore_count
        plain.enabled = False
        plain.commands = ""
        before = {b.number for b in gdb.breakpoints()}
        if condition and " if " not in command:
            command += f" if {condition}"
        try:
            gdb.execute(command, to_string=True)
        except gdb.error as exc:
            gdb.write(f"gdbext: breakpoint {plain.number} stays disabled: '{command}' "
                      f"cannot be made again: {exc}\n", gdb.STDERR)
            return
        made = [b for b in gdb.breakpoints() if b.number not in before]
        for probe in made:
            probe.ignore_count = ignore
            if not enabled:
                probe.enabled = False
            if rest:
                probe.commands = "\n".join(rest)
        breakpoints.retire([plain], "idle")
    finally:
        _converting = False
