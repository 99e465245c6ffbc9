"""perf_event_open(2) through ctypes: uprobes on one process, read from per-CPU ring buffers.

Nothing here needs gdb, a compiler or kernel headers; the layouts below are
the kernel's ABI (include/uapi/linux/perf_event.h), which only ever grows.

How a :class:`Session` is built, and why:

- Each thread gets its own events, opened for it by :meth:`Session.add_thread`
  (gdb reports every new thread before it runs): a task-clock counter leads
  a group holding one uprobe event per probe, and owns the thread's ring
  buffer, which the probes write into (``PERF_EVENT_IOC_SET_OUTPUT``).
  Not ``inherit``: an inherited uprobe-PMU event is opened again inside the
  program's ``clone()``, which reads the binary's path through a pointer
  into *gdb's* memory, fails, and makes the program's ``pthread_create``
  fail (measured on Linux 6.18; it also checks the program's own
  privileges).
- Every sample reads its group (``PERF_SAMPLE_READ``): the thread's own
  task-clock at the hit, exact, so a call's CPU time is the difference of
  two samples whatever CPUs the thread ran on.
- Every record carries ``PERF_SAMPLE_IDENTIFIER`` (which event wrote it),
  the pid and tid, and a ``CLOCK_MONOTONIC`` timestamp (``use_clockid``), the
  clock of Python's ``time.monotonic_ns()``, so records of different
  threads merge by time and compare with gdb's own stop times.
- Samples capture the registers each probe asks for
  (``PERF_SAMPLE_REGS_USER``; the layout is a table per architecture below)
  and, when asked, the top of the user stack (``PERF_SAMPLE_STACK_USER``).
- The kernel counts each probe's hits (the group's counts), so records lost
  to a full buffer are known exactly (:attr:`Session.lost`), never silently.
"""

from __future__ import annotations

import ctypes
import errno
import mmap
import os
import struct
import time
from collections import Counter
from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

ARCH = os.uname().machine

# --- per-architecture tables -------------------------------------------------------------

#: perf_event_open's system call number.
SYSCALLS = {"x86_64": 298, "aarch64": 241}

#: perf's user registers (arch/*/include/uapi/asm/perf_regs.h): the name gdb gives the
#: register whose bit in ``sample_regs_user`` is its index in the tuple; None for a
#: register the kernel refuses to sample (x86-64's ds, es, fs and gs).
REGISTERS: dict[str, tuple[str | None, ...]] = {
    "x86_64": (
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "rip", "eflags",
        "cs", "ss", None, None, None, None,
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
    ),
    "aarch64": (*(f"x{i}" for i in range(31)), "sp", "pc"),
}

#: The frame pointer, stack pointer and program counter by their gdb names.
FRAME_REGISTERS = {"x86_64": ("rbp", "rsp", "rip"), "aarch64": ("x29", "sp", "pc")}

# --- the kernel's ABI ----------------------------------------------------------------------

PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_TASK_CLOCK = 1
PERF_COUNT_SW_DUMMY = 9

SAMPLE_TID = 1 << 1
SAMPLE_TIME = 1 << 2
SAMPLE_READ = 1 << 4
SAMPLE_CPU = 1 << 7
SAMPLE_REGS_USER = 1 << 12
SAMPLE_STACK_USER = 1 << 13
SAMPLE_IDENTIFIER = 1 << 16

FORMAT_ID = 1 << 2
FORMAT_GROUP = 1 << 3
FORMAT_LOST = 1 << 4  # Linux 6.0

# perf_event_attr flag bits (the bit-field after read_format)
_DISABLED = 1 << 0
_TASK = 1 << 13
_WATERMARK = 1 << 14
_SAMPLE_ID_ALL = 1 << 18
_EXCLUDE_KERNEL = 1 << 5
_EXCLUDE_HV = 1 << 6
_ENABLE_ON_EXEC = 1 << 12
_USE_CLOCKID = 1 << 25

CLOCK_MONOTONIC = 1

RECORD_LOST = 2
RECORD_EXIT = 4
RECORD_THROTTLE = 5
RECORD_FORK = 7
RECORD_SAMPLE = 9
RECORD_LOST_SAMPLES = 13

REGS_ABI_NONE = 0

_IOC_ENABLE = 0x2400
_IOC_DISABLE = 0x2401
_IOC_SET_OUTPUT = 0x2405
_IOC_ID = 0x80082407  # _IOR('$', 7, __u64)
_FLAG_FD_CLOEXEC = 1 << 3

# struct perf_event_mmap_page: where data_head, data_tail, data_offset, data_size live.
_HEAD, _TAIL = 1024, 1032

_U64 = struct.Struct("<Q")
_TIME_KEY = itemgetter(0)
_KIND_KEY = itemgetter(1)
_ID_PID_TID_TIME = struct.Struct("<QIIQ")
_EXIT = struct.Struct("<IIIIQ")  # pid, ppid, tid, ptid, time


class _Attr(ctypes.Structure):
    """struct perf_event_attr, PERF_ATTR_SIZE_VER8 (136 bytes; any kernel since 6.3 takes it)."""

    _fields_ = [
        ("type", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("config", ctypes.c_uint64),
        ("sample_period", ctypes.c_uint64),
        ("sample_type", ctypes.c_uint64),
        ("read_format", ctypes.c_uint64),
        ("flags", ctypes.c_uint64),
        ("wakeup", ctypes.c_uint32),
        ("bp_type", ctypes.c_uint32),
        ("config1", ctypes.c_uint64),
        ("config2", ctypes.c_uint64),
        ("branch_sample_type", ctypes.c_uint64),
        ("sample_regs_user", ctypes.c_uint64),
        ("sample_stack_user", ctypes.c_uint32),
        ("clockid", ctypes.c_int32),
        ("sample_regs_intr", ctypes.c_uint64),
        ("aux_watermark", ctypes.c_uint32),
        ("sample_max_stack", ctypes.c_uint16),
        ("reserved_2", ctypes.c_uint16),
        ("aux_sample_size", ctypes.c_uint32),
        ("reserved_3", ctypes.c_uint32),
        ("sig_data", ctypes.c_uint64),
        ("config3", ctypes.c_uint64),
    ]


class PerfError(Exception):
    """perf_event_open or its set-up failed; ``str()`` is one line saying why."""

    def __init__(self, message: str, err: int = 0) -> None:
        super().__init__(message)
        self.errno = err


_libc = None


def _syscall(attr: _Attr, pid: int, cpu: int, group: int) -> int:
    global _libc
    number = SYSCALLS.get(ARCH)
    if number is None:
        raise PerfError(f"perf_event_open is not supported on {ARCH} by gdbext yet")
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.syscall.restype = ctypes.c_long
    fd = _libc.syscall(
        ctypes.c_long(number), ctypes.byref(attr), ctypes.c_int(pid), ctypes.c_int(cpu),
        ctypes.c_int(group), ctypes.c_ulong(_FLAG_FD_CLOEXEC),
    )
    if fd < 0:
        err = ctypes.get_errno()
        raise PerfError(_why(err), err)
    return fd


def _why(err: int) -> str:
    if err in (errno.EACCES, errno.EPERM):
        return ("perf_event_open is not permitted: uprobes need root, CAP_PERFMON or "
                "CAP_SYS_ADMIN")
    if err == errno.ESRCH:
        return "the process is gone"
    if err == errno.ENOENT:
        return "the binary is not there any more"
    if err == errno.EMFILE:
        return "too many open files (ulimit -n)"
    return f"perf_event_open failed: {os.strerror(err)}"


# --- what the machine offers ---------------------------------------------------------------

UPROBE_PMU = "/sys/bus/event_source/devices/uprobe"


def uprobe_pmu() -> tuple[int, int]:
    """The uprobe PMU's type number and the ``config`` bit that asks for a return probe.

    Raises PerfError (saying why) when this kernel has no uprobe PMU.
    """
    try:
        with open(f"{UPROBE_PMU}/type") as f:
            pmu_type = int(f.read())
        with open(f"{UPROBE_PMU}/format/retprobe") as f:
            fmt = f.read().strip()  # "config:0"
    except (OSError, ValueError) as exc:
        raise PerfError(f"this kernel has no uprobe PMU ({UPROBE_PMU}: {exc})") from None
    field, _, bit = fmt.partition(":")
    if field != "config" or not bit.isdigit():
        raise PerfError(f"unexpected uprobe retprobe format {fmt!r}")
    return pmu_type, int(bit)


# --- ELF: a virtual address to a file offset ---------------------------------------------------

def file_offset(path: str, vaddr: int) -> int:
    """The offset in the ELF file PATH of the code at link-time virtual address VADDR.

    The address must lie in a loadable segment's file image (uprobes are set
    by file offset).  In gdb, VADDR is a symbol's address minus its objfile's
    load bias.  Raises PerfError when PATH is not an ELF file or VADDR is in
    no segment.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if head[:4] != b"\x7fELF":
                raise PerfError(f"{path} is not an ELF file")
            is64 = head[4] == 2
            order = "<" if head[5] == 1 else ">"
            if is64:
                phoff, = struct.unpack_from(order + "Q", head, 32)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 54)
                entry = struct.Struct(order + "IIQQQQQQ")  # type flags offset vaddr paddr filesz
            else:
                phoff, = struct.unpack_from(order + "I", head, 28)
                phentsize, phnum = struct.unpack_from(order + "HH", head, 42)
                entry = struct.Struct(order + "IIIIIIII")  # type offset vaddr paddr filesz ...
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError as exc:
        raise PerfError(f"cannot read {path}: {exc.strerror or exc}") from None
    except struct.error:
        raise PerfError(f"{path} is a truncated ELF file") from None
    for i in range(phnum):
        fields = entry.unpack_from(table, i * phentsize)
        if is64:
            p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = fields[:6]
        else:
            p_type, p_offset, p_vaddr, _paddr, p_filesz = fields[:5]
        if p_type == 1 and p_vaddr <= vaddr < p_vaddr + p_filesz:  # PT_LOAD
            return vaddr - p_vaddr + p_offset
    raise PerfError(f"address {vaddr:#x} is in no loadable segment of {path}")


# --- records -------------------------------------------------------------------------------

class Probe:
    """One place to probe: PATH's code at file OFFSET, its entry or (RETURN) its return.

    REGS: the registers (gdb's names, e.g. ``("rsp", "rbp")``) its samples carry,
    None for all that can be sampled; STACK: how many bytes of the user stack
    (from the stack pointer up) they carry, rounded up to a multiple of 8.
    Small samples are cheaper to write and to read.
    """

    __slots__ = ("offset", "path", "regs", "ret", "stack")

    def __init__(self, path: str, offset: int, ret: bool = False,
                 regs: Sequence[str] | None = (), stack: int = 0) -> None:
        self.path, self.offset, self.ret = path, offset, ret
        self.regs = None if regs is None else tuple(regs)
        self.stack = (stack + 7) // 8 * 8

    def __repr__(self) -> str:
        kind = "return" if self.ret else "entry"
        return f"Probe({self.path}+{self.offset:#x} {kind})"


# What Session.read() returns: one list per record, in time order.  A list (not an
# object) because a busy probe writes a record every two microseconds and Python
# reads them one by one; the fields are at fixed indexes:
TIME, KIND, TID = 0, 1, 2
#: KIND of a thread's exit: [time, EXIT, tid, pid]
EXIT = -1
#: A probe's hit, KIND = the probe's index in the session:
#: [time, probe, tid, regs, stack, cpu_ns]: ``regs`` holds the values of the probe's
#: registers (:meth:`Session.register_index` finds one), ``stack`` the bytes from the
#: stack pointer up, ``cpu_ns`` the thread's task-clock at the hit (its own CPU time
#: since it was added; only differences mean something).  Times are CLOCK_MONOTONIC,
#: in ns.
REGS, STACK, CPU = 3, 4, 5


class _Layout:
    """How one event's samples are laid out: one struct for everything up to the stack.

    header, id, pid, tid, time, the group read (nr, the task-clock, a count
    per probe), then [abi, registers...] and [stack size].
    """

    __slots__ = ("abi", "fixed", "names", "probe", "regs", "stack")

    def __init__(self, probe: int, names: tuple[str, ...], stack: bool, nr: int) -> None:
        self.probe, self.names, self.stack = probe, names, stack
        fmt = f"<IHHQIIQQ{nr}Q" + (f"Q{len(names)}Q" if names else "") + ("Q" if stack else "")
        self.fixed = struct.Struct(fmt)
        self.abi = 8 + nr  # where the registers' abi word is in the unpacked fields
        self.regs = slice(self.abi + 1, self.abi + 1 + len(names))


_HEAD_ID = struct.Struct("<IHHQ")


class _Uniform:
    """Samples that all have one size and format (probes with the same registers, no stack):
    a run of them is unpacked by the struct module in one call."""

    __slots__ = ("cpu", "fixed", "probe_of", "regs", "size", "size_hi", "size_lo")

    def __init__(self, layouts: dict[int, _Layout]) -> None:
        first = next(iter(layouts.values()))
        self.fixed = first.fixed
        self.size = self.fixed.size
        self.size_lo, self.size_hi = self.size & 0xFF, self.size >> 8
        self.regs = first.regs
        self.cpu = 8  # the task-clock: the group read's first value
        self.probe_of = {ident: lay.probe for ident, lay in layouts.items()}


def uniform(layouts: dict[int, _Layout]) -> _Uniform | None:
    """LAYOUTS' common shape when every sample is the same struct (None: they differ).

    Worked out at each parse (once per drained chunk, over a handful of layouts).
    """
    shapes = {(lay.fixed.format, lay.stack, bool(lay.names)) for lay in layouts.values()}
    if len(shapes) != 1:
        return None
    _fmt, stack, regs = shapes.pop()
    return _Uniform(layouts) if not stack and regs else None


def _parse_run(data: bytes, u: _Uniform, out: list, pos: int, stop: int) -> int:
    """Unpack the samples in DATA[POS:STOP] at once when they are all U's; where it stopped
    (POS: not such a run)."""
    size = u.size
    n = (stop - pos) // size
    if n < 8:
        return pos
    end = pos + n * size
    run = data[pos:end] if pos or end != len(data) else data
    if (run[0::size].count(RECORD_SAMPLE) != n or run[6::size].count(u.size_lo) != n
            or run[7::size].count(u.size_hi) != n):
        return pos  # another kind of record (an exit, a lost count) is among them
    probe_of, regs, cpu = u.probe_of, u.regs, u.cpu
    try:
        out.extend([f[6], probe_of[f[3]], f[5], f[regs], b"", f[cpu]]
                   for f in u.fixed.iter_unpack(run))
    except KeyError:  # an event of no interest: one by one
        return pos
    return end


def parse(data: bytes, layouts: dict[int, _Layout], out: list, counts: dict, pos: int = 0,
          limit: int | None = None) -> int:
    """Append the records in DATA (whole records, as the ring buffer holds them) to OUT.

    Starts at POS and stops at the first record that starts LIMIT bytes or
    more after POS; returns where it stopped (``len(data)`` when done).

    LAYOUTS maps an event id to its sample layout.  Lost and throttle counts
    go to COUNTS["lost"] and COUNTS["throttled"]; records of no interest are
    skipped.  Every record here starts its body with PERF_SAMPLE_IDENTIFIER
    (samples) or ends with the sample_id_all trailer (pid, tid, time, id).
    """
    end = len(data)
    stop = end if limit is None else min(end, pos + limit)
    u = uniform(layouts) if layouts else None
    if u is not None:
        pos = _parse_run(data, u, out, pos, stop)
        if pos >= stop:
            return pos
    head_id, u64 = _HEAD_ID.unpack_from, _U64.unpack_from
    get, append = layouts.get, out.append
    while pos < stop:
        if pos + 16 > end:
            return end
        rtype, _misc, size, ident = head_id(data, pos)
        if size < 8 or pos + size > end:
            return end  # cannot happen with whole records: give up on this piece
        if rtype == RECORD_SAMPLE:
            layout = get(ident)
            if layout is not None:
                f = layout.fixed.unpack_from(data, pos)
                if layout.names and f[layout.abi] == REGS_ABI_NONE:
                    # No user registers (never at a uprobe): nothing follows but a stack size.
                    append([f[6], layout.probe, f[5], (), b"", f[8]])
                else:
                    stack = b""
                    if layout.stack and f[-1]:
                        at = pos + layout.fixed.size
                        stack = data[at:at + min(f[-1], u64(data, at + f[-1])[0])]
                    append([f[6], layout.probe, f[5], f[layout.regs], stack, f[8]])
        elif rtype == RECORD_EXIT:
            pid, _ppid, tid, _ptid, t = _EXIT.unpack_from(data, pos + 8)
            append([t, EXIT, tid, pid])
        elif rtype == RECORD_LOST:
            counts["lost"] = counts.get("lost", 0) + u64(data, pos + 16)[0]
        elif rtype == RECORD_LOST_SAMPLES:
            counts["lost"] = counts.get("lost", 0) + u64(data, pos + 8)[0]
        elif rtype == RECORD_THROTTLE:
            counts["throttled"] = counts.get("throttled", 0) + 1
        pos += size
    return pos


class _Buffer:
    """One CPU's ring buffer: the mmap of its dummy event, read from data_tail to data_head."""

    __slots__ = ("chunks", "fd", "last", "map", "pos", "size", "tail")

    def __init__(self, fd: int, pages: int) -> None:
        page = mmap.PAGESIZE
        while True:
            try:
                self.map = mmap.mmap(fd, (1 + pages) * page, mmap.MAP_SHARED,
                                     mmap.PROT_READ | mmap.PROT_WRITE)
                break
            except OSError as exc:
                # Locked memory is limited (perf_event_mlock_kb, RLIMIT_MEMLOCK): halve.
                if exc.errno not in (errno.EPERM, errno.ENOMEM) or pages <= 8:
                    raise PerfError(f"cannot map a perf ring buffer: {exc.strerror}") from None
                pages //= 2
        self.fd = fd
        self.size = pages * page
        self.tail = 0
        self.chunks: list[bytes] = []  # taken, not parsed yet; the first from pos on
        self.pos = 0
        self.last = 0  # the time of the newest record parsed

    def take(self) -> bytes:
        """The bytes written since the last take (whole records), freeing their space."""
        head, = _U64.unpack_from(self.map, _HEAD)
        tail = self.tail
        if head == tail:
            return b""
        page, size = mmap.PAGESIZE, self.size
        start, length = tail % size, head - tail
        if start + length <= size:
            data = self.map[page + start:page + start + length]
        else:
            data = self.map[page + start:page + size] + self.map[page:page + start + length - size]
        self.tail = head
        _U64.pack_into(self.map, _TAIL, head)
        return data

    def drain(self) -> int:
        """Move what the kernel wrote into Python's memory; the number of bytes."""
        data = self.take()
        if data:
            self.chunks.append(data)
        return len(data)

    def parse(self, layouts: dict[int, _Layout], out: list, counts: dict,
              limit: int | None) -> None:
        """Parse about LIMIT bytes (None: all) of the drained records into OUT."""
        budget = limit
        while self.chunks and (budget is None or budget > 0):
            chunk = self.chunks[0]
            start = self.pos
            size = len(out)
            self.pos = parse(chunk, layouts, out, counts, start, budget)
            if len(out) > size:
                self.last = out[-1][0]
            if budget is not None:
                budget -= self.pos - start
            if self.pos >= len(chunk):
                self.chunks.pop(0)
                self.pos = 0

    def close(self) -> None:
        try:
            self.map.close()
        except (OSError, ValueError, BufferError):
            pass


class _Thread:
    """One thread's events: its task-clock (the group leader, owning the ring buffer) and probes."""

    __slots__ = ("buffer", "fds", "gone", "tid")

    def __init__(self, tid: int) -> None:
        self.tid = tid
        self.fds: list[int] = []  # the leader first, then one per probe
        self.buffer: _Buffer | None = None
        self.gone = False


class Session:
    """Uprobes on PROBES for the threads of process PID that :meth:`add_thread` names.

    Raises PerfError, saying why, when this kernel or this user cannot use
    uprobes or a probe's registers cannot be sampled.  Nothing is probed until
    a thread is added.  PAGES: ring buffer pages (a power of two) for each of
    the first FIRST_THREADS threads, LATER_PAGES for each thread after them.
    """

    def __init__(self, pid: int, probes: Sequence[Probe], pages: int = 1024,
                 later_pages: int = 128, first_threads: int = 4) -> None:
        self.pid = pid
        self.probes = list(probes)
        self.pages, self.later_pages, self.first_threads = pages, later_pages, first_threads
        self.threads: dict[int, _Thread] = {}
        self.layouts: dict[int, _Layout] = {}
        self.counts: dict[str, int] = {}
        self.pending: list[list] = []
        self.received = [0] * len(self.probes)
        self.done_hits = [0] * len(self.probes)  # the counts of threads removed
        self.closed = False
        self.pmu, self.retbit = uprobe_pmu()
        table = REGISTERS.get(ARCH, ())
        sampled = tuple(name for name in table if name)
        self.names: list[tuple[str, ...]] = []
        self.masks: list[int] = []
        for probe in self.probes:
            names = sampled if probe.regs is None else tuple(n for n in sampled if n in probe.regs)
            if probe.regs and len(names) != len(probe.regs):
                missing = ", ".join(sorted(set(probe.regs) - set(names)))
                raise PerfError(f"registers {missing} cannot be sampled on {ARCH}")
            self.names.append(names)
            self.masks.append(sum(1 << table.index(n) for n in names))
        # The kernel copies each path when an event is opened.
        self._paths = [ctypes.create_string_buffer(os.fsencode(p.path)) for p in self.probes]

    def add_thread(self, tid: int, enable: bool = True, enable_on_exec: bool = False) -> bool:
        """Probe thread TID from now on (or from its execve); False when it is already gone.

        Call it for each thread, including each new one before it runs (gdb
        reports a new thread stopped).  Raises PerfError when an event cannot
        be opened for another reason (no permission, no such binary, ...).
        """
        if self.closed or tid in self.threads:
            return tid in self.threads
        import fcntl

        thread = _Thread(tid)
        pages = self.pages if len(self.threads) < self.first_threads else self.later_pages
        base = _EXCLUDE_HV | _USE_CLOCKID | _SAMPLE_ID_ALL
        leader = _Attr(type=PERF_TYPE_SOFTWARE, size=ctypes.sizeof(_Attr),
                       config=PERF_COUNT_SW_TASK_CLOCK, read_format=FORMAT_GROUP,
                       sample_type=SAMPLE_IDENTIFIER | SAMPLE_TID | SAMPLE_TIME,
                       flags=base | _TASK | _WATERMARK | (0 if enable else _DISABLED)
                       | (_ENABLE_ON_EXEC | _DISABLED if enable_on_exec else 0),
                       clockid=CLOCK_MONOTONIC)
        leader.wakeup = pages * mmap.PAGESIZE // 4
        try:
            try:
                lead = _syscall(leader, tid, -1, -1)
            except PerfError as exc:
                if exc.errno == errno.ESRCH:
                    return False
                raise
            thread.fds.append(lead)
            thread.buffer = _Buffer(lead, pages)
            nr = 1 + len(self.probes)
            for index, probe in enumerate(self.probes):
                attr = _Attr(type=self.pmu, size=ctypes.sizeof(_Attr),
                             config=(1 << self.retbit) if probe.ret else 0, sample_period=1,
                             read_format=FORMAT_GROUP, flags=base | _EXCLUDE_KERNEL,
                             clockid=CLOCK_MONOTONIC,
                             config1=ctypes.addressof(self._paths[index]), config2=probe.offset)
                attr.sample_type = SAMPLE_IDENTIFIER | SAMPLE_TID | SAMPLE_TIME | SAMPLE_READ
                if self.masks[index]:
                    attr.sample_type |= SAMPLE_REGS_USER
                    attr.sample_regs_user = self.masks[index]
                if probe.stack:
                    attr.sample_type |= SAMPLE_STACK_USER
                    attr.sample_stack_user = probe.stack
                try:
                    fd = _syscall(attr, tid, -1, lead)
                except PerfError as exc:
                    if exc.errno == errno.ESRCH:
                        self._close_thread(thread)
                        return False
                    raise
                thread.fds.append(fd)
                try:
                    fcntl.ioctl(fd, _IOC_SET_OUTPUT, lead)
                    ident = bytearray(8)
                    fcntl.ioctl(fd, _IOC_ID, ident)
                except OSError as exc:
                    raise PerfError(f"cannot share a ring buffer: {exc.strerror}") from None
                self.layouts[_U64.unpack(ident)[0]] = _Layout(index, self.names[index],
                                                              bool(probe.stack), nr)
        except BaseException:
            self._close_thread(thread)
            raise
        self.threads[tid] = thread
        return True

    def add_threads(self) -> None:
        """Probe every thread the process has now (from /proc)."""
        try:
            tids = sorted(int(t) for t in os.listdir(f"/proc/{self.pid}/task"))
        except OSError:
            return
        for tid in tids:
            self.add_thread(tid)

    def remove_thread(self, tid: int) -> None:
        """Stop probing TID (it exited); what it wrote stays to be read."""
        thread = self.threads.get(tid)
        if thread is None or thread.gone:
            return
        thread.buffer.drain()  # type: ignore[union-attr]
        for index, count in enumerate(self._counts(thread)):
            self.done_hits[index] += count
        thread.gone = True
        for fd in thread.fds:
            _close(fd)
        thread.fds = []

    def _close_thread(self, thread: _Thread) -> None:
        if thread.buffer is not None:
            thread.buffer.close()
        for fd in thread.fds:
            _close(fd)
        thread.fds = []

    def _counts(self, thread: _Thread) -> list[int]:
        """THREAD's hits per probe, from its group (nr, task-clock, one count per probe)."""
        if not thread.fds:
            return [0] * len(self.probes)
        try:
            data = os.read(thread.fds[0], 8 * (2 + len(self.probes)))
        except OSError:
            return [0] * len(self.probes)
        values = struct.unpack_from(f"<{len(data) // 8}Q", data)
        return list(values[2:]) + [0] * (len(self.probes) + 2 - len(values))

    def enable(self) -> None:
        """Start (or resume) probing every thread added."""
        import fcntl

        for thread in self.threads.values():
            if thread.fds:
                fcntl.ioctl(thread.fds[0], _IOC_ENABLE, 0)

    def disable(self) -> None:
        import fcntl

        for thread in self.threads.values():
            if thread.fds:
                try:
                    fcntl.ioctl(thread.fds[0], _IOC_DISABLE, 0)
                except OSError:
                    pass

    def hits(self) -> list[int]:
        """Each probe's hits so far, as the kernel counts them, whatever the buffers held."""
        total = list(self.done_hits)
        for thread in self.threads.values():
            if not thread.gone:
                for index, count in enumerate(self._counts(thread)):
                    total[index] += count
        return total

    @property
    def lost(self) -> int:
        """Hits whose record the kernel could not write because a ring buffer was full.

        The kernel's own hit counts against the records read; call it when
        everything has been read (the program stopped or ended), else records
        still in the buffers count as lost.
        """
        missing = sum(self.hits()) - sum(self.received)
        return max(missing, self.counts.get("lost", 0))

    @property
    def throttled(self) -> int:
        return self.counts.get("throttled", 0)

    def register_index(self, probe: int, name: str) -> int | None:
        """Where register NAME is in the ``regs`` of PROBE's samples (None: not captured)."""
        try:
            return self.names[probe].index(name)
        except ValueError:
            return None

    def _buffers(self) -> list[_Buffer]:
        return [t.buffer for t in self.threads.values() if t.buffer is not None]

    def drain(self) -> int:
        """Copy what the kernel wrote out of the ring buffers, to parse later; bytes copied.

        Cheap (a memory copy per buffer): call it often while the program
        runs, so that the buffers never fill while records are being parsed.
        """
        if self.closed:
            return 0
        return sum(buffer.drain() for buffer in self._buffers())

    def backlog(self) -> int:
        """Bytes drained and not parsed yet."""
        return sum(sum(map(len, b.chunks)) - b.pos for b in self._buffers())

    def read(self, holdback_ns: int | None = 1_000_000, limit: int | None = None) -> list[list]:
        """The records written so far, in time order: hits and thread exits (see TIME, KIND).

        Drains the buffers, then parses up to about LIMIT bytes of each
        thread's records (None: all).  Records newer than HOLDBACK_NS before
        now wait for the next read, as do records newer than the last one
        parsed of a thread with more to parse: another thread's buffer may
        still hold an older record.  HOLDBACK_NS None: everything drained (the
        process is stopped, or gone).
        """
        if self.closed:
            return []
        pending = self.pending
        cut_time = None if holdback_ns is None else time.monotonic_ns() - holdback_ns
        for thread in list(self.threads.values()):
            buffer = thread.buffer
            if buffer is None:
                continue
            buffer.drain()
            buffer.parse(self.layouts, pending, self.counts, limit)
            if buffer.chunks:
                cut_time = buffer.last if cut_time is None else min(cut_time, buffer.last)
            elif thread.gone:
                buffer.close()
                thread.buffer = None
                del self.threads[thread.tid]
        if not pending:
            return []
        # Each thread's records are in time order: sorting runs is close to a merge, in C.
        pending.sort(key=_TIME_KEY)
        if cut_time is None:
            ready, self.pending = pending, []
        else:
            cut = len(pending)
            while cut and pending[cut - 1][0] > cut_time:
                cut -= 1
            ready, self.pending = pending[:cut], pending[cut:]
        received = self.received
        for kind, count in Counter(map(_KIND_KEY, ready)).items():
            if kind >= 0:
                received[kind] += count
        return ready

    def close(self) -> None:
        """Remove the probes and free the buffers (safe to call twice)."""
        if self.closed:
            return
        for tid in list(self.threads):
            self.remove_thread(tid)
        self.closed = True
        for thread in self.threads.values():
            self._close_thread(thread)
        self.threads = {}


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def permitted() -> str | None:
    """Why uprobes cannot be used here (one line), or None when they can.

    Opens (and closes at once) a disabled probe on this process's own binary
    (python, or gdb with its Python inside) for this thread, which is what
    the engine needs: the uprobe PMU and the permission to use it.
    """
    try:
        session = Session(os.getpid(), [Probe(os.path.realpath("/proc/self/exe"), 0)], pages=1)
        try:
            session.add_thread(threading_id(), enable=False)
        finally:
            session.close()
    except PerfError as exc:
        return str(exc)
    return None


def threading_id() -> int:
    """The calling thread's kernel id."""
    import threading

    return threading.get_native_id()
