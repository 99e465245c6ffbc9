"""Pretty-printers, registered with gdb as named collections."""

from __future__ import annotations


def register_printers() -> None:
    """Register every gdbext pretty-printer collection (replacing an older copy)."""
    from gdbext.printers import stat

    stat.register()
