"""Pretty-printers, registered with gdb as one named collection, ``gdbext``.

``info pretty-printer`` lists it; ``disable pretty-printer global gdbext;stat``
switches the struct stat printer off.  Each printer's module is imported the
first time a value of its type is printed, not when gdbext loads.
"""

from __future__ import annotations

import gdb
import gdb.printing

COLLECTION = "gdbext"


def _stat_printer(value: gdb.Value) -> object:
    from gdbext.printers import stat

    return stat.StatPrinter(value)


def register_printers() -> None:
    """Register the collection globally; a second call replaces the first."""
    printers = gdb.printing.RegexpCollectionPrettyPrinter(COLLECTION)
    printers.add_printer("stat", r"^stat(64)?$", _stat_printer)
    gdb.printing.register_pretty_printer(None, printers, replace=True)
