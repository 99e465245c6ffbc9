"""dj's machinery: a JSON text reindented as written, strictly checked, selected by path.

Nothing here imports gdb, so it is unit-tested on its own (tests/test_jsonview.py).

The program's text is never decoded into Python values and encoded again: the
output is the input's own tokens (every string and number exactly as written,
escapes included, keys in their order, duplicates kept) with only the
whitespace between tokens changed to a two-space indentation.  Removing the
whitespace outside strings from the output gives back the input.

Three parts:

- :class:`Formatter` checks the whole text with ``json``'s scanner (C; NaN
  and Infinity refused, numbers kept as text), then reindents it with
  whole-string operations (split on quotes, translate, replace, join), so
  that Python runs per piece of 200,000 characters, not per token.  Colours,
  taken once from a pygments style (:func:`palette`), go in on the way.
- :class:`Walker` reads token by token: slower, and exact.  When the check
  fails it names the problem, its line and column; it needs no recursion
  however deep the nesting.  :func:`find_duplicates` places duplicate keys.
- :func:`select` follows a path (:func:`parse_path`), skipping the values off
  the path with ``json``'s scanner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Union

    PathStep = Union[str, int]

# -- Tokens -------------------------------------------------------------------

_WS = r"[ \t\n\r]*"
# One character at a time inside the string: linear on failure on every Python
# version (no possessive quantifiers before 3.11).
_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
# A number or literal must not run into letters, digits, dots or signs: 01,
# 1.e5, truex and 1-2 are errors, not two tokens.
_END = r"(?![\w.+-])"

# A token after whitespace: a string, a number or literal, punctuation, any
# other character (a problem), or the end.
_TOKEN = rf"{_WS}(?:({_STRING})|((?:{_NUMBER}|true|false|null){_END})|([{{}}\[\]:,])|(.)|$)"


def _token_pattern() -> re.Pattern[str]:
    return re.compile(_TOKEN, re.S)  # re caches it: compiled at the first use, not at import


_BAD_BYTE = re.compile("[\udc80-\udcff]")
_CLOSER = {"{": "}", "[": "]"}


def decode(data: bytes) -> tuple[str, int | None]:
    """DATA as text, and the offset of its first byte that is not UTF-8 (None: all valid).

    Bad bytes become U+DC80..U+DCFF (Python's surrogateescape), which
    :func:`show_bad_bytes` turns into ``\\xNN`` for display.
    """
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return data.decode("utf-8", "surrogateescape"), exc.start


def show_bad_bytes(text: str) -> str:
    """TEXT with each undecodable byte (see :func:`decode`) written as ``\\xNN``."""
    return _BAD_BYTE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


def line_column(text: str, pos: int) -> tuple[int, int]:
    """The 1-based line and column of POS in TEXT (as Python's json counts them)."""
    line = text.count("\n", 0, pos) + 1
    return line, pos - text.rfind("\n", 0, pos)


def where(text: str, pos: int) -> str:
    line, column = line_column(text, pos)
    return f"line {line} column {column}"


_EXCERPT = 24  # characters shown on each side of a problem


def excerpt(text: str, pos: int) -> str:
    """The text around POS on one line, with ``>>>`` where the problem is."""
    before = text[max(0, pos - _EXCERPT) : pos]
    after = text[pos : pos + _EXCERPT]
    lead = "..." if pos > _EXCERPT else ""
    tail = "..." if pos + _EXCERPT < len(text) else ""
    return f"{lead}{_flat(before)} >>> {_flat(after)}{tail}"


def _flat(s: str) -> str:
    out = s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    out = re.sub("[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", out)
    return show_bad_bytes(out)


class JsonError(ValueError):
    """A problem in a JSON text: its message, position, line, column and excerpt."""

    def __init__(self, msg: str, text: str, pos: int) -> None:
        self.msg, self.pos = msg, pos
        self.lineno, self.colno = line_column(text, pos)
        super().__init__(f"{msg} at line {self.lineno} column {self.colno}: {excerpt(text, pos)}")


class PathError(ValueError):
    """A PATH that is malformed, or names what the document does not have."""


# -- Colours ------------------------------------------------------------------


class Palette:
    """ANSI start and end sequences for each kind of token; empty strings: no colour."""

    __slots__ = ("key", "literal", "number", "punct", "string")

    def __init__(self, **kinds: tuple[str, str]) -> None:
        for kind in self.__slots__:
            setattr(self, kind, kinds.get(kind, ("", "")))

    def __bool__(self) -> bool:
        return any(on for on, _ in (getattr(self, k) for k in self.__slots__))


PLAIN = Palette()
_palettes: dict[str, Palette] = {}


def palette(style: str) -> Palette | None:
    """The colours pygments STYLE gives JSON's tokens, as 256-colour ANSI sequences.

    pygments is imported here, once per style, only to read the style; the
    highlighting itself is :class:`Formatter`'s.  An unknown style is
    pygments' default; without pygments, None.
    """
    cached = _palettes.get(style)
    if cached is not None:
        return cached
    try:
        from pygments.formatters.terminal256 import Terminal256Formatter
        from pygments.token import Keyword, Name, Number, Punctuation, String
        from pygments.util import ClassNotFound
    except ImportError:
        return None
    try:
        codes = Terminal256Formatter(style=style).style_string
    except ClassNotFound:
        codes = Terminal256Formatter(style="default").style_string

    def pair(token: object) -> tuple[str, str]:
        # pygments' JSON lexer: keys are Name.Tag, strings String.Double, numbers
        # Number.Integer/Float, true/false/null Keyword.Constant.
        while token is not None:
            on, off = codes.get(str(token), ("", ""))
            if on:
                return on, off
            token = token.parent  # type: ignore[attr-defined]
        return "", ""

    result = Palette(
        key=pair(Name.Tag),
        string=pair(String.Double),
        number=pair(Number.Integer),
        literal=pair(Keyword.Constant),
        punct=pair(Punctuation),
    )
    _palettes[style] = result
    return result


# -- The formatter --------------------------------------------------------------


class Duplicate:
    """A key met twice in one object: as written, where, and where it was first."""

    __slots__ = ("first", "key", "pos")

    def __init__(self, key: str, pos: int, first: int) -> None:
        self.key, self.pos, self.first = key, pos, first


class Formatter:
    """Reindent the JSON documents of ``text[start:end]``, as written.

    The text is checked whole first (so a problem is found before any
    output), then :meth:`chunks` hands out the output in pieces, one per
    CHUNK_CHARS of text or so, the last one ending with a newline.  Afterwards
    ``documents`` is how many documents there were and ``duplicates`` lists
    the keys met twice in one object.  With ``single`` the text must be one
    value (what :func:`select` found).

    How it is fast: after the check, strings are the only place where
    whitespace and brackets are not structure.  Splitting on quotes (with
    escaped quotes and backslashes first swapped for control characters,
    which a valid document cannot hold raw) leaves the structure as short
    pieces with every string's content taken out; their whitespace goes with
    one ``str.translate``, commas and brackets get their indentation from a
    running depth (``itertools.accumulate``), colours are inserted with
    ``str.replace``, and the strings' contents go back in with one
    ``%`` formatting.  The Python loop runs once per piece of text; what
    happens per token happens inside C string methods and ``map``.
    """

    CHUNK_CHARS = 200_000  # pieces that stay in the processor's caches

    def __init__(
        self, text: str, colors: Palette = PLAIN, start: int = 0, end: int | None = None,
        single: bool = False,
    ) -> None:
        self.text, self.colors = text, colors
        self.start, self.end = start, len(text) if end is None else end
        self.single = single
        self.documents = 0
        self.duplicates: list[Duplicate] = []

    def chunks(self) -> Iterator[str]:
        text, start, end = self.text, self.start, self.end
        spans, unique_keys = self.check()
        self.documents = len(spans)
        if len(spans) == 1:
            body = text[spans[0][0] : spans[0][1]]
        else:  # \x05 marks where one document ends and the next begins
            body = "\x05".join(text[s:e] for s, e in spans)
        escapes = '\\"' in body  # else no quote is escaped, and quotes split strings exactly
        if escapes:
            body = body.replace("\\\\", "\x01").replace('\\"', "\x02")
        render = _Render(self.colors)
        keys = 0
        pos = 0
        while pos < len(body):
            # A piece of CHUNK_CHARS or so that ends where a string starts.
            cut = body.find('"', pos + self.CHUNK_CHARS)
            if cut >= 0 and body.count('"', pos, cut) % 2:
                cut = body.find('"', cut + 1)  # that quote closed a string
            if cut < 0:
                cut = len(body)
            parts = body[pos:cut].split('"')  # even: outside strings; odd: a string's content
            pos = cut
            strings = tuple(parts[1::2])
            shape = '""'.join(parts[0::2]).translate(_NO_SPACE)
            keys += shape.count('"":')
            # The contents back in their quotes: the shape has no '%' (not JSON).
            chunk = render.reindent(shape).replace('""', '"%s"') % strings
            if escapes:
                chunk = chunk.replace("\x01", "\\\\").replace("\x02", '\\"')
            if "\x05" in chunk:
                chunk = chunk.replace("\x05", "\n")
            yield chunk
        yield "\n"
        if unique_keys is None or keys != unique_keys:  # there are some: where?
            self.duplicates = find_duplicates(text, start, end)

    def check(self) -> tuple[list[tuple[int, int]], int | None]:
        """Every document's span, and the number of keys once duplicates are merged.

        Python's json scanner (in C) does the checking: RFC 8259 but for
        NaN and Infinity, which parse_constant refuses here.  When it stops,
        :class:`Walker` names the problem (or, for nesting too deep for the
        scanner's recursion, finds none: then the number of keys is None).
        """
        import json

        text, end = self.text, self.end
        sizes: list[int] = []
        # Numbers stay text; int('NaN') fails.  Each object becomes its number of
        # keys, once each, and is freed at once (keeping them costs twice the time).
        decoder = json.JSONDecoder(
            parse_int=str, parse_float=str, parse_constant=int,
            object_hook=lambda d, add=sizes.append: add(len(d)),  # type: ignore[misc]
        )
        spans = []
        skip = _SPACE.match
        pos = skip(text, self.start, end).end()
        body = text if (self.start, end) == (0, len(text)) else text[:end]
        try:
            while pos < end:
                _, stop = decoder.raw_decode(body, pos)
                if spans and self.single:
                    raise ValueError("more than one value")
                if stop < end and text[stop - 1].isalnum() and _RUN_ON.match(text, stop):
                    raise ValueError("a number or literal runs on")
                spans.append((pos, stop))
                pos = skip(text, stop, end).end()
            if not spans:
                raise ValueError("nothing")
        except (ValueError, RecursionError):
            return Walker(text, self.start, end).check(), None  # JsonError for a real problem
        return spans, sum(sizes)


_NO_SPACE = {ord(c): None for c in " \t\n\r"}
_SPACE = re.compile(r"[ \t\n\r]*")
_RUN_ON = re.compile(r"[\w.+-]")
_DEPTH = {"{": 1, "[": 1, "}": -1, "]": -1}


class _Render:
    """Indentation and colours for the structure of a document, strings taken out."""

    def __init__(self, colors: Palette) -> None:
        self.colors = colors
        self.depth = 0
        p0, p1 = colors.punct
        self.colon = f"{p0}:{p1} "
        self.empty = (f"{p0}{{}}{p1}", f"{p0}[]{p1}")
        # What a comma or bracket becomes, by the depth after it.
        self.commas: list[str] = []
        self.brackets: dict[str, list[str]] = {ch: [] for ch in "{[}]"}
        self._grow(16)

    def _grow(self, depth: int) -> None:
        p0, p1 = self.colors.punct
        for d in range(len(self.commas), depth + 1):
            nl = "\n" + "  " * d
            self.commas.append(f"{p0},{p1}{nl}")
            for ch, rendered in self.brackets.items():
                rendered.append(f"{p0}{ch}{p1}{nl}" if ch in "{[" else f"{nl}{p0}{ch}{p1}")

    def reindent(self, shape: str) -> str:
        """SHAPE (no whitespace, strings as "") indented, continuing at the current depth."""
        import itertools
        import operator

        color = bool(self.colors)
        if color:  # markers now, colours last: codes hold digits and '['
            numbers = _NUMBERS.split(shape)
            if len(numbers) > 1:
                numbers[1::2] = map("\x07{}\x08".format, numbers[1::2])
                shape = "".join(numbers)
            shape = shape.replace('"":', "\x06:")
        # Empty containers stay on one line; then every bracket becomes a piece.
        shape = shape.replace("{}", "\x03").replace("[]", "\x04")
        for ch in "{}[]":
            shape = shape.replace(ch, f"\x00{ch}\x00")
        parts = shape.split("\x00")
        brackets = parts[1::2]
        depths = list(itertools.accumulate(map(_DEPTH.__getitem__, brackets), initial=self.depth))
        self.depth = depths[-1]
        if max(depths) >= len(self.commas):
            self._grow(max(depths))
        parts[0::2] = map(str.replace, parts[0::2], itertools.repeat(","),
                          map(self.commas.__getitem__, depths))
        del depths[0]
        parts[1::2] = map(operator.getitem, map(self.brackets.__getitem__, brackets), depths)
        out = "".join(parts).replace(":", self.colon)
        out = out.replace("\x03", self.empty[0]).replace("\x04", self.empty[1])
        if not color:
            return out
        c = self.colors
        out = out.replace("\x07", c.number[0]).replace("\x08", c.number[1])
        l0, l1 = c.literal
        if l0:
            for word in ("true", "false", "null"):
                out = out.replace(word, f"{l0}{word}{l1}")
        s0, s1 = c.string
        if s0:
            out = out.replace('""', f'{s0}""{s1}')
        k0, k1 = c.key
        return out.replace("\x06", f'{k0}""{k1}')


_NUMBERS = re.compile(r"([-0-9][0-9.eE+-]*)")  # in a valid document with strings taken out


def _decoded_key(raw: str) -> str:
    """The text of a key written with escapes: "\\u0061" and "a" are one key."""
    import json

    return json.loads(raw)


def find_duplicates(text: str, start: int = 0, end: int | None = None) -> list[Duplicate]:
    """The keys written twice in one object, in the valid documents of ``text[start:end]``.

    Python runs once per string, not per token: the text is split on
    quotes (escaped quotes first swapped for two control characters, so that
    offsets stay those of TEXT), and only the pieces between strings are
    looked into, for a colon (the string before is a key) and brackets.
    """
    body = text[start:end]
    if '\\"' in body:
        body = body.replace("\\\\", "\x01\x01").replace('\\"', "\x02\x02")
    parts = body.split('"')
    found: list[Duplicate] = []
    objects: list[dict[str, int] | None] = []  # each open container's keys; None: an array
    offset = start  # where parts[i] starts in TEXT
    for i in range(0, len(parts), 2):
        piece = parts[i]
        if i and piece.lstrip(" \t\n\r")[:1] == ":":  # the string before is a key
            raw = parts[i - 1]
            at = offset - len(raw) - 2
            if "\\" in raw or "\x01" in raw or "\x02" in raw:
                name = _decoded_key(text[at : offset])
            else:
                name = raw
            keys = objects[-1]
            first = keys.setdefault(name, at)  # type: ignore[union-attr]
            if first != at:
                found.append(Duplicate(text[at:offset], at, first))
        if "{" in piece or "[" in piece or "}" in piece or "]" in piece:
            for ch in piece:
                if ch == "{":
                    objects.append({})
                elif ch == "[":
                    objects.append(None)
                elif ch in "}]":
                    objects.pop()
        offset += len(piece) + 1
        if i + 1 < len(parts):
            offset += len(parts[i + 1]) + 1
    return found


# -- The walker: token by token, exact ------------------------------------------


_VALUE, _KEY, _COLON, _AFTER = range(4)
_SKIP_DEPTH = 16  # each level may cost one scan of what follows: keep it bounded


class _Frame:
    """An open container in :class:`Walker`."""

    __slots__ = ("closer", "comma", "count", "opened")

    def __init__(self, closer: str, opened: int) -> None:
        self.closer, self.opened = closer, opened
        self.count = 0  # items started
        self.comma = -1  # where the last comma is


class Walker:
    """A token-by-token reading of ``text[start:end]`` that names the first problem exactly.

    :meth:`check` reads every document and raises :class:`JsonError` at the
    first problem.  It is the reference the fast :class:`Formatter` falls
    back on.  With SKIP, a container that json's scanner (strict, in C)
    reads without a problem is stepped over whole, at the outer
    _SKIP_DEPTH levels: a problem at the end of 5 MB is named in a tenth of
    the time.
    """

    def __init__(self, text: str, start: int = 0, end: int | None = None,
                 skip: bool = True) -> None:
        self.text, self.start = text, start
        self.end = len(text) if end is None else end
        self.skip = skip  # skip valid containers with json's scanner (in C)
        self._scan: Callable[[str, int], tuple[object, int]] | None = None

    def check(self) -> list[tuple[int, int]]:
        """Every document's span; raises :class:`JsonError` at the first problem."""
        return list(self.documents())

    def documents(self) -> Iterator[tuple[int, int]]:
        """The span of each document, read token by token."""
        text, end = self.text, self.end
        token = _token_pattern().match
        stack: list[_Frame] = []
        state = _VALUE
        pos = self.start
        begin = -1  # where the current document starts
        while True:
            m = token(text, pos, end)
            assert m is not None  # the last alternative matches the end
            if m.lastindex is None:  # the end
                if stack:
                    frame = stack[-1]
                    kind = "object" if frame.closer == "}" else "array"
                    raise JsonError(f"Unterminated {kind} (opened at {where(text, frame.opened)})",
                                    text, m.end())
                if state != _AFTER:
                    raise JsonError("Expecting value", text, m.end())
                return
            string, _, punct, other = m.groups()
            tok = m.start(m.lastindex)
            pos = m.end()
            if other is not None:
                self._bad(other, tok)
            frame = stack[-1] if stack else None
            if state == _COLON:
                if punct != ":":
                    raise JsonError("Expecting ':' delimiter", text, tok)
                state = _VALUE
                continue
            if state == _KEY:
                assert frame is not None
                if string is not None:
                    frame.count += 1
                    state = _COLON
                    continue
                if punct != "}" or frame.count:
                    if punct == "}":
                        raise JsonError("Trailing comma before '}'", text, frame.comma)
                    raise JsonError("Expecting property name enclosed in double quotes", text, tok)
            elif state == _AFTER and frame is not None:
                if punct == ",":
                    frame.comma = tok
                    state = _KEY if frame.closer == "}" else _VALUE
                    continue
                if punct not in ("}", "]"):
                    raise JsonError("Expecting ',' delimiter", text, tok)
            elif frame is None:  # the top level, before or after a document
                if punct in ("}", "]", ",", ":"):
                    what = "nothing is open" if punct in "}]" else "between documents"
                    raise JsonError(f"Unexpected '{punct}' ({what})", text, tok)
                begin = tok
            elif punct in ("}", "]", ",", ":"):  # a value is due in a container
                if punct == "]" and frame.closer == "]":
                    if frame.count:
                        raise JsonError("Trailing comma before ']'", text, frame.comma)
                    # else an empty array: it closes below
                else:
                    raise JsonError("Expecting value", text, tok)
            if punct in ("}", "]"):
                assert frame is not None
                if punct != frame.closer:
                    kind = "object" if frame.closer == "}" else "array"
                    raise JsonError(
                        f"Mismatched '{punct}': the {kind} opened at {where(text, frame.opened)} "
                        f"closes with '{frame.closer}'", text, tok)
                stack.pop()
                state = _AFTER
                if not stack:
                    yield begin, pos
                continue
            # A value starts at TOK.
            if frame is not None and frame.closer == "]":
                frame.count += 1
            if punct in ("{", "["):
                stop = self._skip(tok) if len(stack) < _SKIP_DEPTH else -1
                if stop < 0:  # read it token by token
                    stack.append(_Frame(_CLOSER[punct], tok))
                    state = _KEY if punct == "{" else _VALUE
                    continue
                pos = stop
            state = _AFTER
            if not stack:
                yield begin, pos

    def _skip(self, pos: int) -> int:
        """The end of the container at POS when json's scanner finds it valid, else -1."""
        if not self.skip:
            return -1
        if self._scan is None:
            self._scan = _skipper()
        try:
            _, stop = self._scan(self.text, pos)
        except (ValueError, StopIteration, RecursionError):
            return -1
        return stop if stop <= self.end else -1

    def _bad(self, ch: str, pos: int) -> None:
        """Name the problem an unexpected character at POS starts."""
        text = self.text
        rest = text[pos : pos + 9]
        if ch == '"':
            raise JsonError(*_string_problem(text, pos, self.end))
        if ch == "'":
            raise JsonError("Single quotes are not JSON; strings take double quotes", text, pos)
        if rest.startswith(("//", "/*", "#")):
            raise JsonError("Comments are not JSON", text, pos)
        for word in ("NaN", "-NaN", "Infinity", "-Infinity", "+Infinity"):
            if rest.startswith(word):
                raise JsonError(f"{word} is not JSON (only finite numbers are)", text, pos)
        if ch in "-+.0123456789":
            run = re.match(r"[\w.+-]*", text[pos : pos + 64]).group()  # type: ignore[union-attr]
            raise JsonError(f"Invalid number {run}{_number_problem(run)}", text, pos)
        if ch.isalpha() or ch == "_":
            run = re.match(r"\w*", text[pos : pos + 32]).group()  # type: ignore[union-attr]
            raise JsonError(
                f"Unexpected word {run} (JSON's literals are true, false and null)", text, pos)
        if "\udc80" <= ch <= "\udcff":
            raise JsonError(f"Byte {show_bad_bytes(ch)} is not UTF-8", text, pos)
        raise JsonError(f"Unexpected character {_flat(ch)!r}", text, pos)


def _number_problem(run: str) -> str:
    digits = run.lstrip("-")
    if run.startswith("+"):
        return ": a leading '+' is not allowed"
    if not digits[:1].isdigit() and not digits.startswith("."):
        return ": a digit must follow '-'"
    if run.lower().startswith(("0x", "-0x")):
        return ": hexadecimal is not JSON"
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        return ": leading zeros are not allowed"
    if digits.startswith("."):
        return ": a digit must come before '.'"
    if re.search(r"\.(?![0-9])", run):
        return ": a digit must follow '.'"
    if re.search(r"[eE](?![-+]?[0-9])", run):
        return ": an exponent needs digits"
    return ""


def _string_problem(text: str, start: int, end: int) -> tuple[str, str, int]:
    """Why the string starting at START is not a JSON string: message, text, position."""
    pos = start + 1
    while pos < end:
        ch = text[pos]
        if ch == '"':
            break
        if ch == "\\":
            esc = text[pos + 1 : pos + 2]
            if esc == "u":
                if not re.fullmatch("[0-9a-fA-F]{4}", text[pos + 2 : pos + 6]):
                    return "Invalid \\uXXXX escape", text, pos
                pos += 6
                continue
            if esc == "" or esc not in '"\\/bfnrt':
                return "Invalid \\escape", text, pos
            pos += 2
            continue
        if ch < " ":
            return f"Invalid control character {_flat(ch)} in a string", text, pos
        pos += 1
    return "Unterminated string", text, start


def _key_text(raw: str) -> str:
    return raw[1:-1] if "\\" not in raw else _decoded_key(raw)


def _kind_at(text: str, pos: int) -> str:
    """What the (valid) value at POS is, in words."""
    ch = text[pos]
    kinds = {'"': "a string", "{": "an object", "[": "an array", "t": "true", "f": "false",
             "n": "null"}
    return kinds.get(ch, "a number")


# -- All that dj shows ---------------------------------------------------------

NOTES = 5  # duplicate keys named one by one; the rest are counted


def show(data: bytes, name: str, path: list[PathStep] | None = None, path_text: str = "",
         colors: Palette = PLAIN) -> Iterator[str]:
    """What dj prints for the string DATA called NAME: the documents (or the values
    PATH names in them) in pieces, then one line per note.

    Raises :class:`JsonError` or :class:`PathError` before the first piece.
    """
    text, bad_byte = decode(data)
    twice: list[str] = []  # keys on PATH written more than once
    if path is None:
        views = [Formatter(text, colors)]
    else:
        views = [Formatter(text, colors, start, end, single=True)
                 for start, end in select(text, path, twice=twice)]
    for view in views:
        for chunk in view.chunks():
            yield chunk if bad_byte is None else show_bad_bytes(chunk)
    notes = []
    duplicates = [d for view in views for d in view.duplicates]
    for dup in duplicates[:NOTES]:
        notes.append(f"note: duplicate key {dup.key} at {where(text, dup.pos)} "
                     f"(first at {where(text, dup.first)})")
    if len(duplicates) > NOTES:
        notes.append(f"note: ... and {len(duplicates) - NOTES} more duplicate keys")
    for step in dict.fromkeys(twice):
        notes.append(f"note: the key of {step} is written more than once; dj follows the first")
    if bad_byte is not None:
        at = where(text, len(data[:bad_byte].decode("utf-8", "surrogateescape")))
        notes.append(f"note: {name} is not valid UTF-8: the first bad byte is at offset "
                     f"{bad_byte} ({at}); each bad byte is shown as \\xNN")
    documents = sum(view.documents for view in views)
    if path is not None and len(views) > 1:
        notes.append(f"note: {name} holds {len(views)} JSON documents; {path_text} is shown "
                     "from each")
    elif documents > 1:
        notes.append(f"note: {name} holds {documents} JSON documents")
    if notes:
        yield show_bad_bytes("\n".join(notes)) + "\n"


# -- Paths ----------------------------------------------------------------------

_STEP = re.compile(rf'\.([^.\[\]\s"]+)|\[\s*(-?[0-9]+)\s*\]|\[\s*({_STRING})\s*\]|(.)', re.S)


def parse_path(spec: str) -> list[PathStep]:
    """``.key``, ``["key"]`` and ``[N]`` steps, chained: ``.items[2]["a b"]``."""
    steps: list[PathStep] = []
    if spec in ("", "."):
        return steps
    for m in _STEP.finditer(spec):
        name, index, quoted, other = m.groups()
        if other is not None:
            raise PathError(
                f"malformed path {spec!r} at {spec[m.start():]!r}: a path is made of "
                '.key, ["key"] and [N], as in .items[2].name'
            )
        if name is not None:
            steps.append(name)
        elif quoted is not None:
            steps.append(_decoded_key(quoted))
        else:
            number = int(index)  # type: ignore[arg-type]
            if number < 0:
                raise PathError(f"malformed path {spec!r}: index [{number}] is negative")
            steps.append(number)
    return steps


def _quote(key: str) -> str:
    import json

    return json.dumps(key, ensure_ascii=False)


def plain_key(key: str) -> bool:
    """Whether KEY can be written ``.key`` in a path (else ``["key"]``)."""
    return re.fullmatch(r"[A-Za-z_$][\w$-]*", key) is not None


def show_path(path: list[PathStep]) -> str:
    out = []
    for step in path:
        if isinstance(step, int):
            out.append(f"[{step}]")
        elif plain_key(step):
            out.append(f".{step}")
        else:
            out.append(f"[{_quote(step)}]")
    return "".join(out)


def select(text: str, path: list[PathStep], start: int = 0, end: int | None = None,
           twice: list[str] | None = None) -> list[tuple[int, int]]:
    """The span of the value PATH names in each document of ``text[start:end]``.

    The whole text is checked first (:class:`JsonError`); a path that does
    not fit raises :class:`PathError`.  Of a key written twice, the first is
    taken, and the path to it goes into TWICE.
    """
    spans, _ = Formatter(text, start=start, end=end).check()
    scan = _skipper()
    try:
        return [_locate(text, begin, path, scan, twice) for begin, _ in spans]
    except RecursionError:
        raise PathError("the document is nested too deeply to follow a path in it") from None


def keys(text: str, path: list[PathStep]) -> list[str]:
    """The keys of the objects PATH names in the documents of TEXT (for completion)."""
    scan = _skipper()
    found: dict[str, None] = {}
    for begin, _ in select(text, path):
        if text[begin] == "{":
            found.update(dict.fromkeys(str(key) for key, _ in _members(text, begin, scan)))
    return list(found)


def _skipper() -> Callable[[str, int], tuple[object, int]]:
    """json's scanner (in C): the end of the value at a position, skipping over it."""
    import json

    decoder = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=int,
                               object_hook=lambda d: None)
    return json.scanner.make_scanner(decoder)  # type: ignore[attr-defined,no-any-return]


def _members(text: str, pos: int, scan: Callable) -> Iterator[tuple[PathStep, int]]:
    """(key, where its value starts) of the valid object at POS, or (index, where)
    of the array; the caller may stop early."""
    import json

    skip = _SPACE.match
    is_object = text[pos] == "{"
    pos = skip(text, pos + 1).end()
    index = 0
    while text[pos] not in "}]":
        step: PathStep = index
        if is_object:
            step, pos = json.decoder.scanstring(text, pos + 1)
            pos = skip(text, skip(text, pos).end() + 1).end()  # past the colon
        yield step, pos
        _, pos = scan(text, pos)
        index += 1
        pos = skip(text, pos).end()
        if text[pos] == ",":
            pos = skip(text, pos + 1).end()


def _locate(text: str, pos: int, path: list[PathStep], scan: Callable,
            twice: list[str] | None = None) -> tuple[int, int]:
    """The span of the value PATH names in the valid document at POS."""
    for depth, step in enumerate(path):
        here = show_path(path[:depth]) or "the document"
        want = "{" if isinstance(step, str) else "["
        if text[pos] != want:
            kind = "object" if want == "{" else "array"
            raise PathError(f"{here} is {_kind_at(text, pos)}, not an {kind}: "
                            f"it has no {show_path([step])}")
        count = 0
        members = _members(text, pos, scan)
        for name, start in members:
            if name == step:
                pos = start
                if want == "{" and twice is not None and any(n == step for n, _ in members):
                    twice.append(show_path(path[: depth + 1]))
                break
            count += 1
        else:
            if want == "{":
                raise PathError(f"{here} has no key {_quote(step)}")  # type: ignore[arg-type]
            items = "element" if count == 1 else "elements"
            raise PathError(f"{here} has no element [{step}]: it has {count} {items}")
    _, end = scan(text, pos)
    return pos, end


def split_command(arg: str) -> tuple[str, str | None]:
    """``EXPR [PATH]``: PATH is the last word outside quotes and brackets, when it
    starts with ``.`` or ``[``; ``dj a.b .c[0]`` is EXPR ``a.b`` and PATH ``.c[0]``."""
    arg = arg.strip()
    depth = 0
    quote = ""
    last = -1  # where the last top-level word starts
    i = 0
    while i < len(arg):
        ch = arg[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch.isspace() and depth == 0:
            last = i + 1
        i += 1
    if last > 0 and arg[last:last + 1] in (".", "["):
        return arg[:last].rstrip(), arg[last:]
    return arg, None
