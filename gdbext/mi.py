"""gdb/MI text, without gdb: the C strings of MI's stream records.

gdb 18 under MI hands some commands' output to Python still wrapped in
console records (``~"text\\n"``); :func:`unwrap` turns such text back into
what a person reads.  The test suite reads MI streams with the same
functions.
"""

from __future__ import annotations

import re

_ESCAPES = {"n": b"\n", "t": b"\t", "r": b"\r", "e": b"\x1b", '"': b'"', "\\": b"\\"}
_PIECE = re.compile(r"\\([0-7]{1,3}|.)|[^\\]+", re.DOTALL)
_RECORD = re.compile(r'[~@&]"(.*)"\n?', re.DOTALL)


def c_string(body: str) -> str:
    """The text of an MI C string's BODY (between the quotes).

    gdb writes each byte above 127 as an octal escape, so escapes become
    bytes again and the whole is decoded as UTF-8.
    """
    data = bytearray()
    for piece in _PIECE.finditer(body):
        escape = piece.group(1)
        if escape is None:
            data += piece.group(0).encode()
        elif escape[0] in "01234567":
            data.append(int(escape, 8) & 0xFF)
        else:
            data += _ESCAPES.get(escape, escape.encode())
    return data.decode("utf-8", "replace")


def unwrap(text: str) -> str:
    """TEXT with every stream record line replaced by the text it carries.

    A command that captures another's output itself (``frame apply``) can
    come back wrapped twice: records are unwrapped until none is left.
    """
    while '~"' in text or '&"' in text or '@"' in text:
        out = []
        for line in text.splitlines(keepends=True):
            record = _RECORD.fullmatch(line)
            out.append(c_string(record.group(1)) if record else line)
        unwrapped = "".join(out)
        if unwrapped == text:
            break
        text = unwrapped
    return text
