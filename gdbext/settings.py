"""Every ``set gdbext ...`` / ``show gdbext ...`` setting, in one place.

Settings are real ``gdb.Parameter`` objects, so ``help set gdbext``,
``show gdbext`` and tab completion work as for gdb's own settings.  Commands
read them with :func:`value`.
"""

from __future__ import annotations

import gdb

# typing and dataclasses cost milliseconds to import; gdbext loads without them.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Spec:
    """One setting: its name, gdb kind, default and help texts."""

    __slots__ = ("check", "default", "doc", "enum", "kind", "name", "show")

    def __init__(
        self,
        name: str,
        kind: int,
        default: Any,
        doc: str,
        show: str,
        enum: tuple[str, ...] = (),
        check: Callable[[Any], str | None] | None = None,
    ) -> None:
        self.name, self.kind, self.default, self.doc, self.show = name, kind, default, doc, show
        self.enum, self.check = enum, check


def _check_pygments_style(name: str) -> str | None:
    """Return an error message when NAME is not a pygments style, else None."""
    try:
        from pygments.styles import get_all_styles
    except ImportError:
        return None  # Cannot check; pl falls back to plain text anyway.
    if name not in set(get_all_styles()):
        return f"unknown pygments style {name!r}; try one of: " + ", ".join(
            sorted(get_all_styles())
        )
    return None


SPECS: tuple[Spec, ...] = (
    Spec(
        "color",
        gdb.PARAM_ENUM,
        "auto",
        "Whether gdbext colours its output.\n"
        "auto: only when gdb's 'set style enabled' is on and NO_COLOR is not set;\n"
        "on: always; off: never.",
        "Colour in gdbext output is",
        enum=("auto", "on", "off"),
    ),
    Spec(
        "debug",
        gdb.PARAM_BOOLEAN,
        False,
        "Whether an internal error in gdbext shows its Python traceback.\n"
        "Off: one line that names the command; on: the traceback too, to report a bug.",
        "Showing the traceback behind a gdbext internal error is",
    ),
    Spec(
        "dj-max-bytes",
        gdb.PARAM_UINTEGER,
        64 * 1024 * 1024,
        "Largest string, in bytes, that dj reads from the program (0 means unlimited).\n"
        "Guards against garbage lengths in uninitialised strings.",
        "The largest string dj reads is",
    ),
    Spec(
        "pl-style",
        gdb.PARAM_STRING,
        "default",
        "The pygments style pl and dj highlight with (e.g. default, monokai, "
        "solarized-dark).",
        "pl and dj highlight with the pygments style",
        check=_check_pygments_style,
    ),
    Spec(
        "engine",
        gdb.PARAM_ENUM,
        "auto",
        "How tp and prof watch the program.\n"
        "breakpoint: never-stopping gdb breakpoints (every target gdb debugs);\n"
        "uprobe: the kernel's uprobes (a live process of this machine, as root or with "
        "CAP_PERFMON);\n  a location they cannot watch is an error;\n"
        "auto: uprobes where they work, else breakpoints, with a note saying why.",
        "tp and prof watch the program with the engine",
        enum=("auto", "uprobe", "breakpoint"),
    ),
    Spec(
        "tp-max-value",
        gdb.PARAM_UINTEGER,
        200,
        "Longest value, in characters, that tp and prof print before shortening it "
        "(0 means unlimited).",
        "tp and prof shorten values longer than",
    ),
    Spec(
        "dump-dir",
        gdb.PARAM_STRING,
        "",
        "Folder that dm writes its dumps into (created if missing).\n"
        "Empty means gdb's current directory.",
        "dm writes dumps into",
    ),
)

_params: dict[str, gdb.Parameter] = {}


class _Prefix(gdb.Command):
    """Settings of gdbext, the gdb command bundle."""

    def __init__(self, name: str) -> None:
        self.verb = name.split()[0]
        super().__init__(name, gdb.COMMAND_NONE, gdb.COMPLETE_NONE, True)

    def invoke(self, arg: str, from_tty: bool) -> None:
        if arg.strip():
            raise gdb.GdbError(
                f'Undefined {self.verb} gdbext command: "{arg.strip()}".  '
                f'Try "help {self.verb} gdbext".'
            )
        if self.verb == "set":
            gdb.execute("help set gdbext")
            return
        # Like 'show print': every setting with its current value.
        for name, param in _params.items():
            gdb.write(f"gdbext {name}:  {param.get_show_string(_show_value(param))}\n")


class _Setting(gdb.Parameter):
    """A gdbext setting built from a :class:`Spec`."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        summary, _, details = spec.doc.partition("\n")
        # gdb's help shows set_doc/show_doc, then this text: the details and
        # the default, without the summary a second time.
        quoted = isinstance(spec.default, str) and not spec.enum
        default = f'"{spec.default}"' if quoted else str(spec.default)
        self.__doc__ = (details + "\n" if details else "") + f"The default is {default}."
        summary = summary[0].lower() + summary[1:]
        self.set_doc = "Set " + summary
        self.show_doc = "Show " + summary
        if spec.enum:
            super().__init__("gdbext " + spec.name, gdb.COMMAND_DATA, spec.kind, list(spec.enum))
        else:
            super().__init__("gdbext " + spec.name, gdb.COMMAND_DATA, spec.kind)
        self.value = spec.default
        self._last = spec.default

    def get_set_string(self) -> str:
        if self.spec.check is not None and self.value != self._last:
            problem = self.spec.check(self.value)
            if problem:
                self.value = self._last
                raise gdb.GdbError(f"set gdbext {self.spec.name}: {problem}")
        self._last = self.value
        return ""

    def get_show_string(self, svalue: str) -> str:
        shown = svalue if svalue != "" else '""'
        return f"{self.spec.show} {shown}."


def _show_value(param: gdb.Parameter) -> str:
    if param.value is None:
        return "unlimited"
    if isinstance(param.value, bool):
        return "on" if param.value else "off"
    return str(param.value)


def register() -> None:
    """Create the ``set gdbext`` / ``show gdbext`` prefixes and every setting."""
    if _params:
        return
    _Prefix("set gdbext")
    _Prefix("show gdbext")
    for spec in SPECS:
        _params[spec.name] = _Setting(spec)


def value(name: str) -> Any:
    """The current value of setting NAME (``None`` means unlimited for sizes)."""
    return _params[name].value
