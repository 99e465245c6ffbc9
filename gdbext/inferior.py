"""What several commands need from the debugged program: bounded memory reads,
process state, and the strings a program holds.

Everything here returns plain Python data and raises ``gdb.GdbError`` (without
a command name; :class:`gdbext.ui.Command` adds it) or gdb's own errors.
"""

from __future__ import annotations

import gdb

PAGE = 4096
_CHUNK = 64 * 1024
# gdb 13 allocates the whole buffer of a read_memory call up front and aborts
# on an absurd size, so large reads go in pieces: a garbage length then fails
# cleanly at the first unmapped piece.
READ_PIECE = 8 * 1024 * 1024


def pid() -> int:
    """The selected inferior's process id, 0 when no process (live or core) exists."""
    return gdb.selected_inferior().pid


def has_process() -> bool:
    """Whether there is a live process or a core file to read from."""
    return pid() != 0


def read(address: int, length: int) -> bytes:
    """LENGTH bytes at ADDRESS of the selected inferior."""
    if length <= 0:
        return b""
    memory = gdb.selected_inferior()
    if length <= READ_PIECE:
        return bytes(memory.read_memory(address, length))
    out = bytearray()
    for start in range(address, address + length, READ_PIECE):
        out += memory.read_memory(start, min(READ_PIECE, address + length - start))
    return bytes(out)


def read_c_string(address: int, limit: int | None) -> bytes:
    """The NUL-terminated bytes at ADDRESS (without the NUL).

    Reads in chunks that never cross into a page the string does not reach,
    so a string that ends just before unmapped memory is still read.  LIMIT
    (None: unlimited) bounds the search for the NUL.
    """
    out = bytearray()
    pos = address
    while True:
        # Up to the next page boundary first, then whole aligned chunks.
        step = PAGE - pos % PAGE if not out else _CHUNK - pos % _CHUNK
        if limit is not None:
            step = min(step, limit + 1 - len(out))
        try:
            chunk = read(pos, step)
        except gdb.MemoryError:
            if step <= PAGE - pos % PAGE:
                raise
            chunk = read(pos, PAGE - pos % PAGE)
        nul = chunk.find(b"\0")
        if nul >= 0:
            out += chunk[:nul]
            return bytes(out)
        out += chunk
        pos += len(chunk)
        if limit is not None and len(out) > limit:
            raise gdb.GdbError(f"no terminating NUL within {limit} bytes")


def _is_char(t: gdb.Type) -> bool:
    t = t.strip_typedefs().unqualified()
    return t.code in (gdb.TYPE_CODE_INT, gdb.TYPE_CODE_CHAR) and t.sizeof == 1


def _field_names(t: gdb.Type) -> set[str]:
    try:
        return {f.name for f in t.fields() if f.name}
    except TypeError:
        return set()


def string_bytes(value: gdb.Value, limit: int | None) -> bytes:
    """The bytes of a string the program holds, read straight from its memory.

    Accepts libstdc++ ``std::string`` and ``std::string_view``, ``char *``
    (any cv-qualification and signedness), ``char[N]`` and references to
    these.  Raises ``TypeError`` for other types and ``gdb.GdbError`` when a
    length exceeds LIMIT (None: unlimited).
    """
    vtype = value.type.strip_typedefs()
    if vtype.code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
        value = value.referenced_value()
        vtype = value.type.strip_typedefs()
    code = vtype.code

    if code == gdb.TYPE_CODE_PTR and _is_char(vtype.target()):
        address = int(value)
        if address == 0:
            raise gdb.GdbError("is a null pointer")
        return read_c_string(address, limit)

    if code == gdb.TYPE_CODE_ARRAY and _is_char(vtype.target()):
        length = vtype.sizeof
        if value.address is not None:
            data = read(int(value.address), length)
        else:  # a value gdb computed, e.g. a string literal with no process
            data = bytes(int(value[i]) & 0xFF for i in range(length))
        nul = data.find(b"\0")
        return data if nul < 0 else data[:nul]

    if code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        fields = _field_names(vtype)
        if "_M_dataplus" in fields and "_M_string_length" in fields:  # std::string (C++11 ABI)
            pointer = int(value["_M_dataplus"]["_M_p"])
            length = int(value["_M_string_length"])
        elif "_M_dataplus" in fields:  # std::string, old copy-on-write ABI
            pointer = int(value["_M_dataplus"]["_M_p"])
            # The length lives in the _Rep header just before the characters.
            ulong = gdb.lookup_type("unsigned long")
            length = int(gdb.Value(pointer - 3 * ulong.sizeof).cast(ulong.pointer()).dereference())
        elif "_M_len" in fields and "_M_str" in fields:  # std::string_view
            pointer = int(value["_M_str"])
            length = int(value["_M_len"])
        else:
            raise TypeError(str(value.type))
        if limit is not None and length > limit:
            raise gdb.GdbError(
                f"claims to hold {length} bytes, more than the limit of {limit} "
                "(uninitialised? 'set gdbext dj-max-bytes' raises the limit)"
            )
        if length and pointer == 0:
            raise gdb.GdbError(f"claims {length} bytes at a null pointer (uninitialised?)")
        return read(pointer, length)

    raise TypeError(str(value.type))
