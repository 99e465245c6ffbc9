"""JSON Lines files for tp and prof: one writer per absolute path, shared.

The path is fixed when the command is given (a later ``cd`` changes
nothing), and a path that cannot be written is refused before anything is
created: a missing folder, a folder given as FILE.  Every tracepoint and
profiled location that names the same file shares one writer, so their
records interleave in the order they happened instead of overwriting each
other.  Records are buffered and written out whenever the program stops or
exits, a user of the file goes away, or gdb quits.
"""

from __future__ import annotations

import os

import gdb

from gdbext import ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO

_BUFFER = 256 * 1024
_writers: dict[str, Writer] = {}


class Writer:
    """One open JSON Lines file; ``write`` takes whole lines, ``users`` counts who writes."""

    __slots__ = ("created", "file", "path", "records", "users", "write")

    def __init__(self, path: str, file: IO[str], created: bool) -> None:
        self.path, self.file, self.created = path, file, created
        self.users = 0
        self.records = 0
        self.write = file.write  # the hot path: one bound method, no wrapper

    def claim(self) -> None:
        """A new user: the first one empties a regular file that existed (not a pipe or device)."""
        if self.users == 0 and not self.created:
            try:
                if os.path.isfile(self.path):
                    self.file.seek(0)
                    self.file.truncate()
            except OSError as exc:
                raise gdb.GdbError(f"cannot write '{self.path}': {exc.strerror or exc}") from None
        self.users += 1

    def release(self) -> None:
        """A user went away: write out, and close when it was the last one."""
        self.users -= 1
        if self.users <= 0:
            self.close()
        else:
            self.flush()

    def flush(self) -> None:
        try:
            self.file.flush()
        except (OSError, ValueError) as exc:
            gdb.write(f"gdbext: cannot write {self.path}: {ui.first_line(exc)}\n", gdb.STDERR)

    def close(self) -> None:
        self.flush()
        try:
            self.file.close()
        except OSError:
            pass
        if _writers.get(self.path) is self:
            del _writers[self.path]

    def abandon(self) -> None:
        """Undo an :func:`open_writer` whose command then failed (no user ever claimed it)."""
        if self.users == 0:
            self.close()
            if self.created:
                try:
                    os.unlink(self.path)
                except OSError:
                    pass


def resolve(name: str) -> str:
    """NAME as an absolute path (``~`` expanded), fixed now whatever ``cd`` does later."""
    return os.path.realpath(os.path.abspath(os.path.expanduser(name)))


def check_path(name: str) -> str:
    """The absolute path for NAME, or ``gdb.GdbError`` when it can never be written."""
    path = resolve(name)
    folder = os.path.dirname(path) or "/"
    if not os.path.isdir(folder):
        raise gdb.GdbError(f"cannot write '{name}': folder {folder} does not exist")
    if os.path.isdir(path):
        raise gdb.GdbError(f"cannot write '{name}': it is a folder")
    return path


def open_writer(name: str) -> Writer:
    """The writer for file NAME: the one already open, or a new one (nothing emptied yet)."""
    path = check_path(name)
    writer = _writers.get(path)
    if writer is not None:
        return writer
    existed = os.path.exists(path)
    try:
        # Append mode: an existing file is emptied only once the command has
        # succeeded (Writer.claim).
        file = open(path, "a", encoding="utf-8", errors="replace", buffering=_BUFFER)
    except OSError as exc:
        raise gdb.GdbError(f"cannot write '{name}': {exc.strerror or ui.first_line(exc)}") from None
    writer = _writers[path] = Writer(path, file, created=not existed)
    return writer


def flush_all(*_event: object) -> None:
    for writer in list(_writers.values()):
        writer.flush()


def close_all(*_event: object) -> None:
    for writer in list(_writers.values()):
        writer.close()
