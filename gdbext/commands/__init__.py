"""One module per command; each defines a ``Command`` subclass and ``register()``.

These modules are imported (and, without bytecode, compiled) every time gdbext
loads, so they hold only what gdb needs then: name, help text, completion.
What prof, tp and dm do is in gdbext.profiler, .tracer and .dumper, imported
by each command's ``run()``; nothing here imports frames, inferior or locations.
"""

from __future__ import annotations

import importlib

# Order is the order `help user-defined`-style listings show them in.
COMMAND_MODULES = ("dm", "dj", "pl", "tp", "prof")


def register_all() -> None:
    """Import every command module and create its commands."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"gdbext.commands.{name}").register()
