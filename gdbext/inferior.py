"""What several commands need from the debugged program: bounded memory reads,
process state, and the strings a program holds.

Everything here returns plain Python data and raises ``gdb.GdbError`` (without
a command name; :class:`gdbext.ui.Command` adds it) or gdb's own errors.
"""

from __future__ import annotations

import os

import gdb

from gdbext import ui
from gdbext.regions import Region, parse_core_sections, parse_proc_mappings

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


def is_native(target: gdb.Inferior | None = None) -> bool:
    """Whether TARGET (default: the selected inferior) is a process of this machine run by gdb.

    Not a core file, not gdbserver (a pipe, TCP or extended-remote), even on
    this machine: its process ids may be of another PID namespace.
    """
    target = target or gdb.selected_inferior()
    connection = getattr(target, "connection", None)  # gdb 13 and later
    if connection is not None:
        return connection.type == "native"
    try:
        return ui.capture("info target").find("native process") >= 0
    except gdb.error:
        return False


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

    Accepts libstdc++ ``std::string`` and ``std::string_view`` (or a pointer
    to one), ``char *`` (any cv-qualification and signedness), ``char[N]``
    and references to these.  Raises ``TypeError`` (with the declared type)
    for other types and ``gdb.GdbError`` when a length exceeds LIMIT (None:
    unlimited).
    """
    declared = str(value.type)
    vtype = value.type.strip_typedefs()
    if vtype.code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
        value = value.referenced_value()
        vtype = value.type.strip_typedefs()
    if vtype.code == gdb.TYPE_CODE_PTR and vtype.target().strip_typedefs().code in (
        gdb.TYPE_CODE_STRUCT,
        gdb.TYPE_CODE_UNION,
    ):  # a pointer to a std::string: what it points at
        if int(value) == 0:
            raise gdb.GdbError("is a null pointer")
        value = value.dereference()
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
            raise TypeError(declared)
        if limit is not None and length > limit:
            raise gdb.GdbError(
                f"claims to hold {length} bytes, more than the limit of {limit} "
                "(uninitialised? 'set gdbext dj-max-bytes' raises the limit)"
            )
        if length and pointer == 0:
            raise gdb.GdbError(f"claims {length} bytes at a null pointer (uninitialised?)")
        return read(pointer, length)

    raise TypeError(declared)


# -- Memory regions ---------------------------------------------------------


def is_core() -> bool:
    """Whether the selected inferior is a core file rather than a running process."""
    connection = getattr(gdb.selected_inferior(), "connection", None)
    return connection is not None and getattr(connection, "type", "") == "core"


def proc_mappings() -> list[Region]:
    """``info proc mappings`` of the selected inferior, parsed."""
    return parse_proc_mappings(ui.capture("info proc mappings"))


def core_regions() -> list[Region]:
    """The memory a core file holds: its load segments, named where gdb knows how.

    ``info proc mappings`` on a core only lists file-backed mappings (the
    core's NT_FILE note); those give segments their path and file offset.  The
    segment holding the main thread's stack pointer is named ``[stack]``, and
    the first unnamed writable segment within 1 GiB after the executable's
    last mapping (where the kernel puts the brk area) ``[heap]``.
    """
    regions = parse_core_sections(ui.capture("maintenance info sections"))
    try:
        files = proc_mappings()
    except gdb.error:
        files = []
    for region in regions:
        for mapping in files:
            if mapping.start <= region.start < mapping.end:
                region.name = mapping.name
                region.offset = mapping.offset + (region.start - mapping.start)
                break
    _name_core_stack(regions)
    if files:
        program = min(files, key=lambda m: m.start).name
        program_end = max(m.end for m in files if m.name == program)
        for region in regions:
            if (
                not region.name
                and "w" in region.perms
                and program_end <= region.start < program_end + (1 << 30)
            ):
                region.name = "[heap]"
                break
    return regions


def _name_core_stack(regions: list[Region]) -> None:
    """Name ``[stack]`` the region holding the stack pointer of the main thread."""
    inf = gdb.selected_inferior()
    selected = gdb.selected_thread()
    main = next((t for t in inf.threads() if t.ptid[1] == inf.pid), selected)
    if main is None:
        return
    frame = None
    try:
        if main != selected:
            frame = gdb.selected_frame()
            main.switch()
        sp = int(gdb.parse_and_eval("$sp"))
    except (gdb.error, ValueError):
        return
    finally:
        if frame is not None and selected is not None and selected.is_valid():
            selected.switch()
            try:
                frame.select()
            except gdb.error:
                pass
    for region in regions:
        if region.start <= sp < region.end and not region.name:
            region.name = "[stack]"
            return


def memory_regions() -> list[Region]:
    """Every memory region of the selected inferior: a live process or a core file.

    Raises ``gdb.GdbError`` when there is no process.
    """
    if not has_process():
        raise gdb.GdbError(
            "no process: start the program (run, start), attach to one, "
            "or load a core file (gdb PROGRAM CORE)"
        )
    return core_regions() if is_core() else proc_mappings()


def region_containing(address: int, regions: list[Region]) -> Region | None:
    """The region of REGIONS that contains ADDRESS, or None."""
    for region in regions:
        if region.start <= address < region.end:
            return region
    return None


# -- Thread CPU clocks -----------------------------------------------------


class ThreadClocks:
    """The CPU time each thread of one process has used, in nanoseconds.

    Read from ``/proc/PID/task/TID/schedstat`` (first field: time on a CPU,
    user and kernel; it does not grow while a debugger holds the thread
    stopped).  Each thread's file stays open and is re-read with ``pread``,
    about 2 µs a read.  Kernels without schedstat fall back to ``stat``'s
    utime + stime (clock-tick resolution).  Linux only; elsewhere every read
    is ``None``.
    """

    __slots__ = ("_fds", "pid")

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._fds: dict[int, int] = {}

    def cpu_ns(self, tid: int) -> int | None:
        """Thread TID's CPU time so far, or None when it cannot be read (thread gone)."""
        fd = self._fds.get(tid)
        try:
            if fd is None:
                fd = os.open(f"/proc/{self.pid}/task/{tid}/schedstat", os.O_RDONLY)
                self._fds[tid] = fd
            return int(os.pread(fd, 128, 0).split(None, 1)[0])
        except (OSError, ValueError, IndexError):
            self.forget(tid)
            return _stat_cpu_ns(self.pid, tid)

    def sched(self, tid: int) -> tuple[int, int, int] | None:
        """Thread TID's CPU time so far, its time waiting for a CPU, and how often it was put
        on a CPU (the last two 0 when unknown)."""
        fd = self._fds.get(tid)
        try:
            if fd is None:
                fd = os.open(f"/proc/{self.pid}/task/{tid}/schedstat", os.O_RDONLY)
                self._fds[tid] = fd
            on_cpu, waiting, slices = os.pread(fd, 128, 0).split(None, 2)
            return int(on_cpu), int(waiting), int(slices)
        except (OSError, ValueError, IndexError):
            self.forget(tid)
            cpu = _stat_cpu_ns(self.pid, tid)
            return None if cpu is None else (cpu, 0, 0)

    def forget(self, tid: int) -> None:
        """Close thread TID's file (the thread ended)."""
        fd = self._fds.pop(tid, None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        """Close every open file."""
        for tid in list(self._fds):
            self.forget(tid)


def _stat_cpu_ns(pid: int, tid: int) -> int | None:
    """utime + stime from /proc/PID/task/TID/stat, in nanoseconds (tick resolution)."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat", "rb") as f:
            data = f.read()
        fields = data[data.rindex(b")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        return ticks * 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None
