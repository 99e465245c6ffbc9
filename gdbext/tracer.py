"""What ``tp LOCATION`` does: trace a location without stopping, printing (or logging) it.

The command (its name and help text) is :mod:`gdbext.commands.tp`, which
also connects tp's event handlers when gdbext loads; this module is imported
at the first ``tp``, so loading gdbext does not compile it.

A tracepoint is a real gdb breakpoint (a :class:`Tracepoint`, subclass of
``gdb.Breakpoint``) whose ``stop()`` records the hit and returns False, so
``info breakpoints``, ``delete``, ``disable``, ``condition`` and ``ignore``
work on it.  What can be computed once per code location (the visible
symbols, their types and sizes, the text and JSON templates) is cached; a hit
reads the values and formats them into a cached template.  Once a
:class:`frames.FastReader` has checked a location's layout on a few hits,
values that live at fixed frame offsets are read without a ``gdb.Frame``.
"""
from __future__ import annotations

import os

import gdb

from gdbext import frames, locations, render, settings, ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO, NoReturn

# Live tracepoints by breakpoint number; open output files by real path.
_tracepoints: dict[int, Tracepoint] = {}
_writers: dict[str, _Writer] = {}
# json.encoder.encode_basestring (C-accelerated), imported at first --output use.
_encode: Callable[[str], str] | None = None
_WRITE_BUFFER = 256 * 1024


class _Writer:
    """A JSON Lines file shared by the tracepoints that write to it; flushed at stops."""

    __slots__ = ("file", "path", "users")

    def __init__(self, path: str, file: IO[str]) -> None:
        self.path, self.file, self.users = path, file, 0

    def flush(self) -> None:
        try:
            self.file.flush()
        except (OSError, ValueError) as exc:
            gdb.write(f"tp: cannot write {self.path}: {ui.first_line(exc)}\n", gdb.STDERR)

    def close(self) -> None:
        self.flush()
        try:
            self.file.close()
        except OSError:
            pass
        _writers.pop(self.path, None)


class _Format:
    """The text and JSON templates of one tracepoint at one code location (a Scope)."""

    __slots__ = ("dynamic", "json", "scope", "text")

    def __init__(self, scope: frames.Scope, where: str, json_output: bool) -> None:
        self.scope = scope
        self.dynamic = any(entry.dynamic for entry in scope.entries)
        header = f"{scope.function} @ {scope.file}:{scope.line}\n"
        self.text = _brace(header) + "".join(
            "\t" + _brace(f"{e.name}({e.type}: ") + "{}" + _brace(f") [{e.size}]") + "\n"
            for e in scope.entries
        )
        self.json = ""
        if json_output:
            import json

            def enc(text: str) -> str:
                return _brace(json.dumps(text, ensure_ascii=False))

            symbols = ", ".join(
                '{{"name": ' + enc(e.name) + ', "type": ' + enc(e.type)
                + ', "value": {}, "size": ' + str(e.size) + ', "kind": ' + enc(e.kind) + "}}"
                for e in scope.entries
            )
            self.json = (
                '{{"location": ' + enc(where) + ', "function": ' + enc(scope.function)
                + ', "file": ' + enc(scope.file) + ', "line": ' + str(scope.line)
                + ', "thread": {}, "symbols": [' + symbols + "]}}\n"
            )


def _brace(text: str) -> str:
    """TEXT made literal inside a ``str.format`` template."""
    return text.replace("{", "{{").replace("}", "}}")


class Tracepoint(locations.SilentBreakpoint):
    """A breakpoint that prints (or logs) the frame at each hit and never stops.

    ``where`` is the location as the user typed it, ``count`` the hits in
    the current run, ``writer`` the JSON Lines file (None: print).
    """

    def __init__(self, location: str, where: str, writer: _Writer | None) -> None:
        super().__init__(location, gdb.BP_BREAKPOINT, internal=False)
        self.where = where
        self.count = 0
        self.writer = writer
        self._formats: dict[int, _Format] = {}
        # The fast path's reader of the one pc this tracepoint stops at.
        self._reader: frames.FastReader | None = None
        self._declined: frames.Scope | None = None  # a scope known to have no reader
        self._failed = False

    def _stop(self) -> bool:
        """Record one hit; always False (do not stop), except on Ctrl-C."""
        try:
            if not self.wanted():
                return False
            self.count += 1
            max_value = settings.value("tp-max-value")
            values = None
            reader = self._reader
            if reader is not None and reader.ready and self._only_at(reader.scope.pc):
                values = reader.read(max_value)  # None: this hit must be read slowly
                scope = reader.scope
            if values is None:
                frame = gdb.newest_frame()
                scope = frames.scope_at(frame)
                reader = self._reader_for(frame, scope)
                if reader is not None and reader.learning:
                    values = reader.learn(frame, max_value)
            fmt = self._formats.get(id(scope))
            if fmt is None or fmt.scope is not scope:
                fmt = self._format(scope)
            if values is None:
                if fmt.dynamic:
                    self._emit_dynamic(frame, scope, max_value)
                    return False
                values = scope.values(frame, max_value)
            if self.writer is None:
                gdb.write(fmt.text.format(*values))
            else:
                assert _encode is not None
                self.writer.file.write(
                    fmt.json.format(gdb.selected_thread().global_num, *map(_encode, values))
                )
        except KeyboardInterrupt:
            locations.interrupted()
        except Exception as exc:  # never let a hit raise: gdb would stop the program
            if not self._failed:
                self._failed = True
                gdb.write(
                    f"tp: tracepoint {self.number} ('{self.where}'): cannot record a hit: "
                    f"{ui.first_line(exc)}\n",
                    gdb.STDERR,
                )
        return False

    def _reader_for(self, frame: gdb.Frame, scope: frames.Scope) -> frames.FastReader | None:
        """The fast reader for this hit's FRAME and SCOPE, made on first use; None if none fits.

        Only a tracepoint with one location has one: its hits all stop at
        that address, so the reader is found without asking for the pc.  The
        newest frame must be a real (not inlined) one, whose scope is cached.
        """
        reader = self._reader
        if reader is not None and reader.scope is scope:
            return reader
        if scope is self._declined or not frames.FAST:
            return None
        self._reader = None
        self._declined = scope
        if any(entry.dynamic for entry in scope.entries):
            return None
        pc = frame.pc()
        if (
            not self._only_at(pc)
            or scope.pc != pc
            or frame.level() != 0
            or frame.type() != gdb.NORMAL_FRAME
            or frames.scope_at(frame) is not scope
        ):
            return None
        self._declined = None
        self._reader = frames.FastReader(scope)
        return self._reader

    def _only_at(self, pc: int) -> bool:
        """Whether this tracepoint has one location, at PC (so every hit stops at PC)."""
        locations = getattr(self, "locations", None)  # gdb 13 and later
        return locations is not None and len(locations) == 1 and locations[0].address == pc

    def _format(self, scope: frames.Scope) -> _Format:
        if len(self._formats) > 256:  # scopes rebuilt after symbol reloads
            self._formats.clear()
        fmt = self._formats[id(scope)] = _Format(scope, self.where, self.writer is not None)
        return fmt

    def _emit_dynamic(self, frame: gdb.Frame, scope: frames.Scope, max_value: int | None) -> None:
        """A hit where some size is only known per read (variable-length arrays)."""
        symbols = scope.symbols(frame, max_value)
        if self.writer is None:
            lines = [f"{scope.function} @ {scope.file}:{scope.line}\n"]
            lines += [f"\t{s.name}({s.type}: {s.value}) [{s.size}]\n" for s in symbols]
            gdb.write("".join(lines))
            return
        import json

        record = {
            "location": self.where,
            "function": scope.function,
            "file": scope.file,
            "line": scope.line,
            "thread": gdb.selected_thread().global_num,
            "symbols": [s.as_dict() for s in symbols],
        }
        self.writer.file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def summary(self) -> str:
        return f"Tracepoint '{self.where}' Count: {self.count}"


# -- the command's work -------------------------------------------------------


def run(cmd: ui.Command, arg: str) -> None:
    """What ``tp ARG`` does; CMD is the command, for its errors."""
    locations.reap()
    output, spec = _parse(cmd, arg)
    if not spec:
        if output is not None:
            cmd.fail("missing LOCATION after the file; usage: tp --output FILE LOCATION")
        _list(cmd)
        return
    location, condition = locations.split_condition(spec)
    if not location:
        cmd.fail("missing LOCATION before 'if'; usage: tp LOCATION [if CONDITION]")
    if condition is not None and not condition:
        cmd.fail("missing CONDITION after 'if'")
    pending = _check_location(cmd, location)

    path = None if output is None else _output_path(output)
    writer, created = (None, False) if path is None else _open(cmd, path)

    def undo(tracepoint: Tracepoint | None, message: str) -> NoReturn:
        """Remove what this command set up, then fail with MESSAGE."""
        if tracepoint is not None and tracepoint.is_valid():
            tracepoint.writer = None
            tracepoint.delete()
        if writer is not None and writer.users == 0:
            writer.close()
            if created:
                _unlink(writer.path)
        cmd.fail(message)

    try:
        tracepoint = Tracepoint(location, spec, writer)
    except (gdb.error, RuntimeError) as exc:
        undo(None, f"cannot trace '{location}': {ui.first_line(exc)}")
    if condition:
        try:
            tracepoint.set_condition(condition)
        except gdb.error as exc:
            undo(tracepoint, f"bad condition '{condition}': {ui.first_line(exc)}")
    if tracepoint.pending:
        reason = locations.no_shared_libraries()
        if reason:
            undo(
                tracepoint,
                f"'{location}' matches nothing ({reason}, so no shared library can define it)",
            )
    if writer is not None and writer.users == 0:
        # A file no other tracepoint writes to starts empty (a regular file:
        # a pipe or a device such as /dev/null cannot be, and need not be).
        try:
            if os.path.isfile(writer.path):
                writer.file.seek(0)
                writer.file.truncate()
        except OSError as exc:
            undo(tracepoint, f"cannot write '{writer.path}': {exc.strerror or exc}")
    _tracepoints[tracepoint.number] = tracepoint
    if writer is not None:
        writer.users += 1
        ui.write(f"Tracepoint {tracepoint.number} writes each hit to {writer.path}\n")
    if pending or tracepoint.pending:
        ui.write(
            f"tp: '{location}' is not in the program or any library loaded so far; "
            f"tracepoint {tracepoint.number} is pending until a shared library defines it "
            f"('delete {tracepoint.number}' removes it)\n"
        )


def _parse(cmd: ui.Command, arg: str) -> tuple[str | None, str]:
    """``(FILE or None, the rest)`` of ``[--output FILE | -o FILE] [--] REST``."""
    import re

    text = arg.strip()
    output = None
    match = re.match(r"(--output|-o)(?:=|\s+|$)", text)
    if match:
        rest = text[match.end() :]
        token = re.match(r"\"([^\"]*)\"|'([^']*)'|(\S+)", rest)
        if token is None:
            cmd.fail(f"missing FILE after {match.group(1)}; usage: tp --output FILE LOCATION")
        output = next(g for g in token.groups() if g is not None)
        text = rest[token.end() :].strip()
    if text == "--" or text.startswith("-- "):
        text = text[2:].strip()
    elif text.startswith("--"):
        option = text.split()[0]
        cmd.fail(f"unknown option '{option}'; usage: tp [--output FILE] LOCATION")
    if output is not None and not output:
        cmd.fail("the output file name is empty")
    return output, text


def _check_location(cmd: ui.Command, location: str) -> bool:
    """Fail for a location that cannot be traced; True when it will be pending."""
    try:
        return locations.decode(location)[1]
    except gdb.GdbError as exc:
        message = str(exc)
        if message.startswith("unexpected"):
            message += "; usage: tp [--output FILE] LOCATION [if CONDITION]"
        cmd.fail(message)


def _open(cmd: ui.Command, path: str) -> tuple[_Writer, bool]:
    """The writer for PATH (shared if open already) and whether the file was created."""
    writer = _writers.get(os.path.realpath(path))
    if writer is not None:
        return writer, False
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        cmd.fail(f"cannot write '{path}': folder {folder} does not exist")
    if os.path.isdir(path):
        cmd.fail(f"cannot write '{path}': it is a folder")
    existed = os.path.exists(path)
    try:
        # Append mode does not destroy an existing file before the
        # tracepoint is known to be valid; it is emptied afterwards.
        file = open(path, "a", encoding="utf-8", errors="replace", buffering=_WRITE_BUFFER)
    except OSError as exc:
        cmd.fail(f"cannot write '{path}': {exc.strerror or ui.first_line(exc)}")
    global _encode
    if _encode is None:
        from json.encoder import encode_basestring

        _encode = encode_basestring
    writer = _writers[os.path.realpath(path)] = _Writer(os.path.realpath(path), file)
    return writer, not existed


def _list(cmd: ui.Command) -> None:
    live = _live()
    if not live:
        ui.write("No tracepoints; 'tp LOCATION' sets one (see 'help tp').\n")
        return
    rows = []
    for tp in live:
        rows.append(
            (
                tp.number,
                "y" if tp.enabled else "n",
                tp.where + (" (pending)" if tp.pending else ""),
                tp.count,
                tp.condition or "",
                tp.writer.path if tp.writer is not None else "(printed)",
            )
        )
    ui.write(
        render.render_table(
            "Tracepoints (counts in this run)",
            ("Num", "Enb", "Location", "Count", "Condition", "Output"),
            rows,
            right=(0, 3),
        )
    )


def _output_path(name: str) -> str:
    return os.path.abspath(os.path.expanduser(name))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _live() -> list[Tracepoint]:
    """Tracepoints that still exist, by number."""
    return [tp for _, tp in sorted(_tracepoints.items()) if tp.is_valid()]


def _flush_all(*_event: object) -> None:
    for writer in list(_writers.values()):
        writer.flush()


def _on_exited(event: gdb.ExitedEvent) -> None:
    """Print the counts of every tracepoint and write out every file."""
    lines = [tp.summary() + "\n" for tp in _live()]
    if lines:
        gdb.write("".join(lines))
    _flush_all()


def _new_run() -> None:
    """A new process: every count starts from zero (commands/tp.py notices new processes)."""
    for tp in _tracepoints.values():
        tp.count = 0
        tp._failed = False


def _on_deleted(bp: gdb.Breakpoint) -> None:
    """Forget a deleted tracepoint and write out (or close) its file."""
    for number, tp in list(_tracepoints.items()):
        if tp is bp:
            del _tracepoints[number]
            break
    else:
        return
    writer, tp.writer = tp.writer, None
    if writer is not None:
        writer.users -= 1
        if writer.users <= 0:
            writer.close()
        else:
            writer.flush()


def _on_gdb_exiting(*_event: object) -> None:
    for writer in list(_writers.values()):
        writer.close()
