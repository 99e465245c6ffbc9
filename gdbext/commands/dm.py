"""dm PATTERN | dm --addr EXPR: dump memory regions, each to its own new file.

Only the command and its TAB completion are here: gdb needs them when
gdbext loads.  What it does is :mod:`gdbext.dumper`, imported at the first
``dm``.
"""

from __future__ import annotations

from gdbext import ui
from gdbext.dm_options import OPTIONS as _OPTIONS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class DumpMemory(ui.Command):
    """Dump memory regions of the program, each to its own new file.

Usage: dm [--list] [--max-size SIZE] PATTERN
       dm [--list] [--max-size SIZE] --addr EXPR

PATTERN is a Python regular expression searched for in each region's name
as 'info proc mappings' shows it: a path, [heap], [stack], [vdso], ...  The
rest of the line is the pattern, taken literally (backslashes are kept;
quotes around it are optional).  A plain word in brackets, like [heap] or
[stack], names that region exactly (as a regular expression it would be a
character class).  Anonymous regions have no name: reach them with
--addr EXPR, which picks the region holding the address EXPR evaluates to
(a pointer's value, an array's or object's address, a number); EXPR is the
rest of the line.

Each region goes to a new file in the dump folder ('set gdbext dump-dir DIR',
default gdb's current directory, created when missing), named
PID-START-END-NAME.bin, e.g. 4242-0x555555559000-0x55555557a000-heap.bin.
An existing file is never overwritten: a suffix (-1, -2, ...) is added.
Files are created readable by you only (memory can hold secrets).  Beside
them, PID-dm-DATE-TIME.json lists every file with its address range,
permissions, offset and region name; reload a file with
'restore FILE binary START'.

Regions that cannot be read ([vvar], guard pages like ---p) are skipped with
a note; of a region only partly readable, what could be read is kept and
the rest reported.

Options (before PATTERN or --addr):
  --list           show the matching regions (start, end, size, permissions,
                   offset, name) and write nothing
  --max-size SIZE  skip regions bigger than SIZE (bytes, or 64K, 64M, 2G);
                   default unlimited
  --               end of options (for a PATTERN that starts with '-')

Works on a running or attached process and on a core file (gdb PROGRAM
CORE: regions are the core's load segments; [heap] and [stack] are inferred).

Examples:
  dm [heap]                     the heap
  dm \\[(heap|stack)\\]           heap and stack, one file each
  dm libc                       every mapping of libc, one file each
  dm --list .                   every named region, nothing written
  dm --addr buf                 the (anonymous) region holding buf
  dm --max-size 64M --addr $sp  this thread's stack, unless bigger than 64 MiB
  set gdbext dump-dir /tmp/dumps

TAB completes the options and, after --addr, the expression (as for
'print'); PATTERN is a regular expression, so it is not completed
('dm --list .' shows the names)."""

    name = "dm"
    # -1: no built-in completer, so gdb calls complete() below.
    completer = -1

    def complete(self, text: str, word: str) -> Any:
        """Options; after --addr, gdb's expression completion; nothing in PATTERN."""
        words = text.split()
        ended = not text or text[-1].isspace()
        done = words if ended else words[:-1]  # the words before the one being typed
        i = 0
        while i < len(done):
            if done[i] == "--addr" or done[i].startswith("--addr="):
                expr = text[text.index("--addr") + len("--addr") :].lstrip("=")
                return _complete_expression(expr, word)
            if done[i] == "--max-size":
                if i + 1 == len(done):
                    return []  # the size being typed
                i += 2
                continue
            if done[i] == "--" or not done[i].startswith("-"):
                return []  # inside PATTERN: a regular expression
            i += 1
        token = "" if ended else words[-1]
        if token.startswith("--addr="):
            return _complete_expression(token[len("--addr=") :], word)
        # '-' breaks words for gdb, so WORD may be 'li' of '--li'.
        cut = len(token) - len(word or "")
        return [o[cut:] for o in _OPTIONS[:-1] if o.startswith(token)]

    def run(self, arg: str, from_tty: bool) -> None:
        from gdbext import dumper

        dumper.run(self, arg)


def _complete_expression(expr_text: str, word: str | None) -> list[str]:
    """gdb's own completions for an expression, as 'print' would complete it."""
    return ui.gdb_completions("print", expr_text, word)


def register() -> None:
    DumpMemory()
