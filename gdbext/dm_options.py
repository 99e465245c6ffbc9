"""dm's option grammar: ``[--list] [--max-size SIZE] PATTERN | --addr EXPR``.

Used by the command (TAB completion, when gdbext loads) and by
:mod:`gdbext.dumper` (the work); it needs no gdb, so it is unit-tested
without one.  Errors are :class:`gdbext.usage.UsageError`.
"""

from __future__ import annotations

from gdbext.usage import UsageError

OPTIONS = ("--list", "--addr", "--max-size", "--")
USAGE = "usage: dm [--list] [--max-size SIZE] PATTERN | --addr EXPR (see 'help dm')"


def is_pseudo_name(pattern: str) -> bool:
    """Whether PATTERN is written like the kernel's [heap], [stack], [anon:name]."""
    inner = pattern[1:-1]
    return (
        pattern[:1] == "[" and pattern[-1:] == "]" and inner != ""
        and all(c.isascii() and (c.isalnum() or c in "_.:-") for c in inner)
    )


class Options:
    __slots__ = ("addr", "list", "max_size", "pattern")

    def __init__(self) -> None:
        self.list = False
        self.max_size: int | None = None
        self.addr: str | None = None
        self.pattern: str | None = None


def parse(arg: str) -> Options:
    """Options first, then PATTERN or --addr EXPR: the rest of the line, verbatim."""
    options = Options()
    rest = arg.strip()
    while rest:
        token, after = (*rest.split(None, 1), "")[:2]
        if token == "--":
            options.pattern = after
            break
        if token == "--list":
            options.list = True
        elif token == "--max-size" or token.startswith("--max-size="):
            if token == "--max-size":
                value, after = (*after.split(None, 1), "")[:2]
            else:
                value = token[len("--max-size=") :]
            options.max_size = parse_size(value)
        elif token == "--addr" or token.startswith("--addr="):
            options.addr = rest[len("--addr") :].lstrip("=").strip()
            if not options.addr:
                raise UsageError(f"dm: --addr needs an expression; {USAGE}")
            break
        elif token.startswith("-") and len(token) > 1:
            raise UsageError(
                f"dm: unknown option '{token}' (put -- before a PATTERN that starts "
                f"with '-'); {USAGE}"
            )
        else:
            options.pattern = rest
            break
        rest = after
    if options.pattern is not None:
        pattern = options.pattern
        if len(pattern) >= 2 and pattern[0] == pattern[-1] and pattern[0] in "'\"":
            pattern = pattern[1:-1]
        late = [w for w in pattern.split()[1:] if w.split("=")[0] in OPTIONS[:-1]]
        if late:
            raise UsageError(f"dm: options go before PATTERN ('{late[0]}'); {USAGE}")
        options.pattern = pattern
    if options.addr is None and not options.pattern:
        raise UsageError(f"dm: missing PATTERN or --addr EXPR; {USAGE}")
    return options


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes in TEXT: 4096, 0x1000, 64K, 64M, 1.5G, 64MiB, 64MB (units of 1024)."""
    value = text.strip().lower()
    for tail in ("ib", "b"):
        if value.endswith(tail) and value[: -len(tail)][-1:] in "kmgt" and len(value) > 2:
            value = value[: -len(tail)]
            break
    unit = value[-1:] if value[-1:] in "kmgt" else ""
    number = value[: len(value) - len(unit)].strip()
    try:
        amount = int(number, 16) if number.startswith("0x") else float(number)
    except ValueError:
        amount = -1
    if number in ("", "nan", "inf") or not amount >= 0:
        raise UsageError(
            f"dm: --max-size: cannot read '{text}' as a size (e.g. 4096, 64K, 64M, 2G)"
        )
    return int(amount * _UNITS[unit])
