"""One listener per gdb event, shared by whatever in gdbext needs the event.

Machinery subscribes a handler to an event by name (:func:`subscribe`);
the gdb event is connected once, at the first subscription, and calls the
handlers in the order they subscribed.  No handler can show a Python
traceback or break another handler: an error becomes one line (with
``set gdbext debug on``, the traceback too), and Ctrl-C inside a handler is
ignored (gdb stops the program for it anyway).

Besides gdb's own events (``stop``, ``cont``, ``exited``, ``new_thread``,
``new_inferior``, ``inferior_deleted``, ``breakpoint_deleted``,
``breakpoint_modified``, ``before_prompt``, ``gdb_exiting``), there is
``new_process``: an inferior runs a process it did not run before (``run``
again, ``attach``, a forked child), called with the ``gdb.Inferior`` before
the ``new_thread`` handlers see its first thread.  It is how per-process
state (:mod:`gdbext.trace.state`) starts from zero.
"""

from __future__ import annotations

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

_handlers: dict[str, list[Callable[..., object]]] = {}
# The process id each inferior ran when last seen (0: none since it exited).
_pids: dict[int, int] = {}
_order: dict[Callable[..., object], int] = {}


def subscribe(name: str, handler: Callable[..., object], order: int = 0) -> None:
    """Call HANDLER at every event NAME (once, however often it is subscribed).

    Handlers run by ORDER, then in the order they subscribed: tp's summary
    (0) comes before prof's (1) whichever was used first, and per-process
    state is replaced (9) only once everyone has seen the old one.
    """
    if name == "new_process":
        _connect("new_thread")
        _connect("exited")
    else:
        _connect(name)
    handlers = _handlers.setdefault(name, [])
    if handler in handlers:
        return
    _order[handler] = order
    handlers.append(handler)
    handlers.sort(key=lambda h: _order.get(h, 0))  # stable: ties keep their order


def unsubscribe(name: str, handler: Callable[..., object]) -> None:
    handlers = _handlers.get(name, [])
    if handler in handlers:
        handlers.remove(handler)


def publish(name: str, *args: object) -> None:
    """Call every handler of NAME with ARGS; errors become one line each."""
    for handler in list(_handlers.get(name, ())):
        try:
            handler(*args)
        except KeyboardInterrupt:
            pass
        except Exception as exc:
            gdb.write(ui.internal_error(f"gdbext ({name} event)", exc) + "\n", gdb.STDERR)


_connected: set[str] = set()


def _connect(name: str) -> None:
    if name in _connected:
        return
    registry = getattr(gdb.events, name, None)
    _connected.add(name)
    if registry is None:  # an older gdb without this event
        return
    if name == "new_thread":
        for inferior in gdb.inferiors():  # processes that exist already are not new
            _pids.setdefault(inferior.num, inferior.pid)
        registry.connect(_on_new_thread)
    elif name == "exited":
        registry.connect(_on_exited)
    else:
        registry.connect(lambda *args: publish(name, *args))


def _on_new_thread(event: gdb.NewThreadEvent) -> None:
    try:
        inferior = event.inferior_thread.inferior
        if inferior.pid and _pids.get(inferior.num) != inferior.pid:
            _pids[inferior.num] = inferior.pid
            publish("new_process", inferior)
    except Exception as exc:
        gdb.write(ui.internal_error("gdbext (new_thread event)", exc) + "\n", gdb.STDERR)
    publish("new_thread", event)


def _on_exited(event: gdb.ExitedEvent) -> None:
    inferior = getattr(event, "inferior", None)
    if inferior is not None:
        _pids[inferior.num] = 0
    publish("exited", event)


def seen_pid(inferior: gdb.Inferior) -> int:
    """The process id INFERIOR was last seen running (0 when none)."""
    return _pids.get(inferior.num, 0)
