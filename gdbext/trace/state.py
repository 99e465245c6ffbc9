"""Per-inferior state: what tp and prof know about each process gdb debugs.

gdb can debug several processes at once (inferiors: ``add-inferior``, a
fork with ``detach-on-fork off``, ``run &`` in non-stop mode), and runs one
inferior again and again.  Everything that belongs to one process lives
here, keyed by inferior number, and starts from zero when the inferior runs
a new process (the ``new_process`` event of :mod:`gdbext.events`): tp's
counts, prof's open calls and totals, an engine's clocks and stop costs.

Each user keeps its own slot in an :class:`InferiorState` (``slot``), so
this module knows nothing about tp, prof or any engine.
"""

from __future__ import annotations

import gdb

from gdbext import events

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_states: dict[int, InferiorState] = {}


class InferiorState:
    """One inferior's process: its number, pid, and one slot per user (tp, prof, an engine)."""

    __slots__ = ("num", "pid", "slots")

    def __init__(self, num: int, pid: int) -> None:
        self.num = num
        self.pid = pid
        self.slots: dict[object, Any] = {}

    def slot(self, key: object, make: Callable[[], Any]) -> Any:
        """The value under KEY, made with MAKE the first time."""
        value = self.slots.get(key)
        if value is None:
            value = self.slots[key] = make()
        return value

    def name(self) -> str:
        """``inferior 2 (process 1234)``: how messages name this process."""
        return f"inferior {self.num}" + (f" (process {self.pid})" if self.pid else "")


def of(num: int) -> InferiorState:
    """The state of inferior NUM (made on first use)."""
    state = _states.get(num)
    if state is None:
        _watch()
        inferior = next((i for i in gdb.inferiors() if i.num == num), None)
        state = _states[num] = InferiorState(num, inferior.pid if inferior else 0)
    return state


def selected() -> InferiorState:
    """The state of the selected inferior."""
    return of(gdb.selected_inferior().num)


def known() -> list[InferiorState]:
    """Every inferior's state made so far, by number."""
    return [state for _, state in sorted(_states.items())]


def several() -> bool:
    """Whether gdb debugs, or has debugged, more than one process at a time.

    Messages then name the inferior: a forked child that exited and was
    removed still made its parent's summary ambiguous.
    """
    return len(gdb.inferiors()) > 1 or sum(1 for s in _states.values() if s.pid) > 1


_watching = False


def _watch() -> None:
    global _watching
    if not _watching:
        _watching = True
        events.subscribe("new_process", _new_process, order=9)


def _new_process(inferior: gdb.Inferior) -> None:
    """INFERIOR runs a new process: its state starts from zero."""
    _states[inferior.num] = InferiorState(inferior.num, inferior.pid)
