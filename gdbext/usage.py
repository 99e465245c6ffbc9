"""The error that pure logic (option grammars, parsers) raises for bad input.

It needs no gdb, so the grammars that raise it are unit-tested without one;
:class:`gdbext.ui.Command` turns it into gdb's one-line error.
"""


class UsageError(ValueError):
    """Bad input: the message is one line for the user, naming the command."""
