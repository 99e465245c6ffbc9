"""dj EXPR [PATH]: show the JSON document a string in the program holds, as written."""

from __future__ import annotations

import gdb

from gdbext import settings, ui


class DumpJson(ui.Command):
    """Show the JSON document a string in the program holds, reindented as written.

Usage: dj EXPR [PATH]

EXPR is any expression of type std::string, std::string_view (or a pointer
to either), char *, const char *, or char[N], or a reference to one of these.
The whole string is read straight from the program's memory, however long
(gdb's 'print elements' limit does not apply).

dj shows the program's own text with only the whitespace between tokens
changed: keys in their order, duplicate keys, every number and every string
exactly as written, escapes included.  It checks the text strictly (RFC 8259):
NaN, Infinity, trailing commas, comments, single quotes, control characters
in strings and leading zeros are errors, reported with their line, column and
an excerpt.  Notes follow the document: each duplicate key and where it is,
bytes that are not UTF-8 (shown as \\xNN inside their string), and how many
documents the string holds when it holds several (JSON Lines, or documents
separated by whitespace).

PATH selects a part of the document: .key, ["key with spaces"] and [N],
chained as in .items[2].tags[1], separated from EXPR by a space; of a key
written twice, the first is taken.  With several documents, PATH is taken
in each.  TAB completes PATH's keys from the document itself.

Colour follows 'set gdbext color' and uses the pygments style of
'set gdbext pl-style'.  Strings longer than 'set gdbext dj-max-bytes'
(default 64 MiB) are refused: an uninitialised std::string can claim any
length.

Examples:
  dj payload
  dj request.body .items[0].name
  dj argv[1]
  dj log_lines ["user id"]"""

    name = "dj"
    # -1: no built-in completer, so gdb calls complete() below.
    completer = -1

    def complete(self, text: str, word: str) -> object:
        """EXPR as 'print' completes it; in PATH, the keys the document has there."""
        from gdbext import jsonview

        expr, path_text = jsonview.split_command(text)
        if path_text is None:
            return gdb.COMPLETE_EXPRESSION
        head, dot, partial = path_text.rpartition(".")
        if not dot or not expr or "[" in partial or '"' in partial:
            return []
        try:
            path = jsonview.parse_path(head)
            document, _ = jsonview.decode(self._read(expr))
            names = jsonview.keys(document, path)
        except Exception:  # nothing to offer: no process, not JSON, no such path
            return []
        # gdb breaks words at '.', '-', ...: WORD is the end of PARTIAL.
        cut = len(partial) - len(word or "")
        return sorted(name[cut:] for name in names
                      if name.startswith(partial) and jsonview.plain_key(name))

    def run(self, arg: str, from_tty: bool) -> None:
        from gdbext import jsonview

        expr, path_text = jsonview.split_command(arg)
        if not expr:
            self.fail("missing expression; usage: dj EXPR [PATH] (see 'help dj')")
        path = None
        if path_text is not None:
            try:
                path = jsonview.parse_path(path_text)
            except jsonview.PathError as exc:
                self.fail(str(exc))
        data = self._read(expr)
        if not data.strip(b" \t\r\n"):
            what = "an empty string" if not data else "a string of only whitespace"
            self.fail(f"'{expr}' is {what}, not JSON")
        colors = jsonview.PLAIN
        if ui.use_color():
            colors = jsonview.palette(settings.value("pl-style") or "default")
            if colors is None:
                from gdbext import render

                render.hint_missing("pygments", "output is not highlighted")
                colors = jsonview.PLAIN
        try:
            for piece in jsonview.show(data, f"'{expr}'", path, path_text or "", colors):
                ui.write(piece)
        except jsonview.JsonError as exc:
            self.fail(f"'{expr}' is not valid JSON: {exc}")
        except jsonview.PathError as exc:
            self.fail(f"'{expr}' {path_text}: {exc}")

    def _read(self, expr: str) -> bytes:
        from gdbext import inferior

        try:
            value = gdb.parse_and_eval(expr)
        except gdb.error as exc:
            hint = "" if inferior.has_process() else " (the program is not running)"
            self.fail(f"'{expr}' is not a string: {ui.first_line(exc)}{hint}")
        try:
            return inferior.string_bytes(value, settings.value("dj-max-bytes"))
        except TypeError:
            self.fail(
                f"'{expr}' is not a string: its type is {value.type}; dj takes "
                "std::string, std::string_view, char *, or char[N]"
            )
        except gdb.MemoryError as exc:
            hint = "" if inferior.has_process() else "; start the program first"
            self.fail(f"cannot read '{expr}': {ui.first_line(exc)}{hint}")
        except gdb.GdbError as exc:
            self.fail(f"'{expr}' {exc}")
        except gdb.error as exc:  # <optimized out>, a register in another frame, ...
            self.fail(f"cannot read '{expr}': {ui.first_line(exc)}")


def register() -> None:
    DumpJson()
