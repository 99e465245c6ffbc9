"""dj EXPR: show a string held by the program as indented JSON."""

from __future__ import annotations

import gdb

from gdbext import settings, ui

TYPE_CHECKING = False
if TYPE_CHECKING:
    import json

_EXCERPT = 24  # characters shown on each side of a JSON error


class DumpJson(ui.Command):
    """Show a string held by the program as indented JSON.

Usage: dj EXPR

EXPR is any expression of type std::string, std::string_view (or a
pointer to either), char *, const char *, or char[N], or a reference to one
of these.  The whole string is read straight from the program's memory,
however long (gdb's 'print elements' limit does not apply), decoded as UTF-8
and printed the way Python's json.dumps(indent=2, ensure_ascii=False) prints
it, highlighted when colour is on.  Invalid JSON is reported with its line, column and an excerpt.

Strings longer than 'set gdbext dj-max-bytes' (default 64 MiB) are refused:
an uninitialised std::string can claim any length.

Examples:
  dj payload
  dj request.body
  dj argv[1]"""

    name = "dj"
    completer = gdb.COMPLETE_EXPRESSION

    def run(self, arg: str, from_tty: bool) -> None:
        import json

        expr = arg.strip()
        if not expr:
            self.fail("missing expression; usage: dj EXPR (see 'help dj')")
        data = self._read(expr)
        text = data.decode("utf-8", errors="replace")
        if not text.strip():
            self.fail(f"'{expr}' is an empty string, not JSON")
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            self.fail(f"'{expr}' is not valid JSON: {_describe(exc, text)}")
        out = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        if ui.use_color():
            from gdbext import render

            out = render.highlight(out, "json")
        ui.write(out)

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


def _describe(exc: json.JSONDecodeError, text: str) -> str:
    """The error's message, line and column, and the text around it on one line."""
    before = text[max(0, exc.pos - _EXCERPT) : exc.pos]
    after = text[exc.pos : exc.pos + _EXCERPT]

    def flat(s: str) -> str:
        return s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")

    lead = "..." if exc.pos > _EXCERPT else ""
    tail = "..." if exc.pos + _EXCERPT < len(text) else ""
    return (
        f"{exc.msg} at line {exc.lineno} column {exc.colno}: "
        f"{lead}{flat(before)} >>> {flat(after)}{tail}"
    )


def register() -> None:
    DumpJson()
