"""tp's and prof's command line: ``[OPTIONS] [--] LOCATION [if CONDITION]``, without gdb.

Both commands spell their options the same way, and take as LOCATION all
that ``break`` takes: a linespec (``fib``, ``file.c:12``, ``*0x401136``,
``+3``, ``-3``) or an explicit location (``-function F``, ``-source FILE
-line N``, ``-qualified``, ``-label L``).  Options come first; the first
word that is not one of the command's options starts the location, which is
the rest of the line verbatim.  A word that starts with ``-`` and is neither
an option nor the start of a location is an error, as is an option after
the location.

Pure logic, unit-tested without gdb (tests/test_trace_grammar.py); errors
are :class:`gdbext.usage.UsageError` with one line that names the command.
"""

from __future__ import annotations

import re

from gdbext.usage import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

# The explicit location keywords of gdb's 'break' (and their unambiguous
# abbreviations, which gdb accepts too).
EXPLICIT = ("-function", "-source", "-line", "-label", "-qualified")


class Option:
    """One option: its spellings, and the attribute it sets (a FILE, or True)."""

    __slots__ = ("attr", "doc", "names", "takes_file")

    def __init__(self, names: tuple[str, ...], attr: str, takes_file: bool, doc: str) -> None:
        self.names, self.attr, self.takes_file, self.doc = names, attr, takes_file, doc


OUTPUT = Option(("-o", "--output"), "output", True, "write JSON Lines to FILE")
QUIET = Option(("-q", "--quiet"), "quiet", False, "print nothing per hit")
FOLDED = Option(("--folded",), "folded", True, "write folded stacks to FILE")
REPORT = Option(("--report",), "report", False, "print the summary now")

#: Each command's options, in the order help and completion show them.
OPTIONS: dict[str, tuple[Option, ...]] = {
    "tp": (OUTPUT, QUIET),
    "prof": (OUTPUT, QUIET, FOLDED, REPORT),
}


class Request:
    """What the user asked for: the options' values, the location and the condition.

    ``output``/``folded``: the FILE as typed (None when not given);
    ``quiet``/``report``: flags; ``location``: the location without its
    condition ('' when none was given); ``condition``: the text after
    ``if`` (None without ``if``); ``spec``: location and condition as typed.
    """

    __slots__ = ("condition", "folded", "location", "output", "quiet", "report", "spec")

    def __init__(self) -> None:
        self.output: str | None = None
        self.folded: str | None = None
        self.quiet = False
        self.report = False
        self.location = ""
        self.condition: str | None = None
        self.spec = ""

    def options_text(self, path: Callable[[str], str] = str) -> str:
        """The options as they would be typed again (for listings and 'save breakpoints');
        PATH turns each file name into the one to show (e.g. absolute)."""
        words = []
        if self.quiet:
            words.append("--quiet")
        if self.output is not None:
            words.append(f"--output {quote(path(self.output))}")
        if self.folded is not None:
            words.append(f"--folded {quote(path(self.folded))}")
        return " ".join(words)


def quote(word: str) -> str:
    """WORD as one word of a gdb command line (quoted when it has blanks or quotes)."""
    if word and not re.search(r"[\s'\"\\]", word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def usage(command: str) -> str:
    """``see 'help tp'``: the end of every error message."""
    return f"see 'help {command}'"


def _word(text: str) -> tuple[str, str] | None:
    """The first word of TEXT (quotes removed) and the rest; None when TEXT is blank."""
    text = text.lstrip()
    if not text:
        return None
    if text[0] in "\"'":
        quote_char = text[0]
        out = []
        i = 1
        while i < len(text):
            c = text[i]
            if c == "\\" and quote_char == '"' and i + 1 < len(text):
                out.append(text[i + 1])
                i += 2
                continue
            if c == quote_char:
                return "".join(out), text[i + 1 :]
            out.append(c)
            i += 1
        raise UsageError("unterminated quote")
    match = re.match(r"\S+", text)
    assert match is not None
    return match.group(0), text[match.end() :]


def is_location_start(word: str) -> bool:
    """Whether WORD, which starts with '-', starts a location (explicit, or ``-N`` lines)."""
    if re.fullmatch(r"-\d+", word):
        return True
    return any(len(word) > 1 and keyword.startswith(word) for keyword in EXPLICIT)


def find_option(command: str, word: str) -> tuple[Option | None, str | None]:
    """The option WORD names, and a value glued on with '=' (``--output=x``)."""
    name, eq, value = word.partition("=")
    for option in OPTIONS[command]:
        if name in option.names:
            return option, (value if eq else None)
    return None, None


def parse(command: str, text: str) -> Request:
    """The :class:`Request` in TEXT, the arguments of COMMAND ('tp' or 'prof')."""
    try:
        return _parse(command, text)
    except UsageError as exc:
        message = str(exc)
        if not message.startswith(command + ":"):
            message = f"{command}: {message}; {usage(command)}"
        raise UsageError(message) from None


def _parse(command: str, text: str) -> Request:
    request = Request()
    rest = text.strip()
    while rest:
        if rest[0] in "\"'":
            break  # a quoted word is a location ('file name with blanks':12)
        found = _word(rest)
        if found is None:
            break
        word, after = found
        if word == "--":
            rest = after.strip()
            break
        glued = re.match(r"(-[\w-]+)=", rest)
        if glued:  # --output=FILE, FILE perhaps quoted
            tail = rest[glued.end() :]
            found = ("", tail) if not tail or tail[0].isspace() else _word(tail) or ("", "")
            word, after = glued.group(1) + "=" + found[0], found[1]
        if not word.startswith("-"):
            break
        option, value = find_option(command, word)
        if option is None:
            if is_location_start(word):
                break
            raise UsageError(f"unknown option '{word}'")
        if option.takes_file:
            if value is None:
                found = _word(after)
                if found is None:
                    raise UsageError(f"missing FILE after {word}")
                value, after = found
            if not value:
                raise UsageError(f"the file name after {word.split('=')[0]} is empty")
            setattr(request, option.attr, value)
        else:
            if value is not None:
                raise UsageError(f"{word.split('=')[0]} takes no value")
            setattr(request, option.attr, True)
        rest = after.strip()
    request.spec = rest
    if rest:
        location, condition = split_condition(rest)
        if not location:
            raise UsageError("missing LOCATION before 'if'")
        if condition is not None and not condition:
            raise UsageError("missing CONDITION after 'if'")
        request.location, request.condition = location, condition
    return request


def split_condition(spec: str) -> tuple[str, str | None]:
    """``("fib", "n == 3")`` for ``"fib if n == 3"``; the condition is None without ``if``.

    ``if`` counts only as a word of its own outside quotes, so a file or
    function whose name contains "if" is not cut.
    """
    quote_char = ""
    i = 0
    while i < len(spec):
        c = spec[i]
        if quote_char:
            if c == quote_char:
                quote_char = ""
        elif c in "\"'":
            quote_char = c
        elif (
            spec.startswith("if", i)
            and (i == 0 or spec[i - 1].isspace())
            and (i + 2 == len(spec) or spec[i + 2].isspace())
        ):
            return spec[:i].strip(), spec[i + 2 :].strip()
        i += 1
    return spec.strip(), None


def words_before(text: str) -> tuple[str, list[str], str]:
    """For completion: the command's whole words so far, and the word being typed.

    Returns ``(state, words, partial)`` where state is 'option' (typing an
    option or the location's first word), 'file' (typing a FILE after an
    option that takes one) or 'location' (the location has begun: ``partial``
    is then the location text so far).
    """
    rest = text.lstrip()
    words: list[str] = []
    expect_file = False
    while True:
        match = re.match(r"(\"[^\"]*\"|'[^']*'|\S+)(\s+)", rest)
        if match is None:
            break
        word = match.group(1)
        if expect_file:
            expect_file = False
        elif word == "--":
            return "location", words, rest[match.end() :]
        elif word[0] in "\"'" or not word.startswith("-") or (
            _any_option(word) is None and is_location_start(word)
        ):
            return "location", words, rest
        else:
            option = _any_option(word)
            expect_file = option is not None and option.takes_file and "=" not in word
        words.append(word)
        rest = rest[match.end() :]
    if expect_file:
        return "file", words, rest
    if rest.startswith("-") and not re.fullmatch(r"-\d+", rest):
        return "option", words, rest
    return "location", words, rest


def _any_option(word: str) -> Option | None:
    name = word.split("=")[0]
    for options in OPTIONS.values():
        for option in options:
            if name in option.names:
                return option
    return None
