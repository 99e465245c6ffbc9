"""The uprobe engine: tp and prof hits recorded by the kernel, decoded later, no stop.

Each location of a tp or prof is still a real gdb breakpoint, made by the
breakpoint engine (so ``info breakpoints``, ``delete``, ``disable``,
``ignore`` and a pending location work as ever), but where the uprobe
engine can watch a location it disables that location (``N.1`` shows
``n``) and puts uprobes in its place (:mod:`gdbext.trace.perf`):

- tp: a probe at the location's address, capturing the stack pointer (and
  the frame pointer when the CFA is kept there) and the top of the stack
  holding the values tp prints;
- prof: a probe where calls start, just after the frame set-up gdb reads
  (``push %rbp; mov %rsp,%rbp``) on an instruction the kernel emulates (a
  ``push``), where the arguments are still in their registers (else at the
  location, when nothing before it wrote an argument register); and one on
  each of the function's return instructions, where the call's frame
  address (CFA) is the stack pointer plus the return address, which pairs
  a return with its call as the breakpoint engine pairs them.  Not a
  return probe (uretprobe): it replaces the return address on the stack,
  which aborted a C++ exception thrown through the function and broke
  backtraces, and it needs a trap on the function's first instruction,
  where gdb reads the frame set-up when it places breakpoints.

Hits of locations left on the breakpoint engine and of probed ones come
out in the order they happened: before the breakpoint engine reports a hit
in a process, every record of that process's probes is delivered
(:func:`gdbext.trace.engine.before_live_hit`).

The kernel timestamps every hit (CLOCK_MONOTONIC) and reads the thread's
own task-clock with it, so a call's wall and CPU time need no estimate: the
time gdb holds the process stopped is taken out of wall time; CPU time
never counts it.  A thread copies the records out of the ring buffers
while the program runs; gdb's event loop decodes them as they come when a
user is at a terminal (``gdb.post_event``: gdb 13 crashes when it quits
with such an event pending, as a batch run would), and every record is
decoded at each stop, exit, ``delete`` and ``detach``.

What is decoded from a capture: arguments and locals at a constant offset
from the CFA or the frame pointer (``DW_OP_fbreg``: all of them at -O0),
and those in a register.  Their text is gdb's own, built from the captured
bytes.  A value whose text needs more memory (a ``char *``'s characters, a
reference's target, a pretty-printed class) keeps the location on the
breakpoint engine under ``auto``; a forced uprobe engine reads that memory
from the program when it decodes the hit, which may be later.

gdb and the kernel must never both have a trap at one address: no probe
goes where a gdb breakpoint is, gdb's trap leaves before a probe's arrives,
and a user's breakpoint made on a probed address moves that location to
the breakpoint engine.  gdb took a probe's trap it read for one the program
holds itself (it then skips it, and the program crashes): such a user
breakpoint is made again once the probe is out, and a traced location
whose own address was probed stops for the rest of that process.

A location stays on the breakpoint engine, with a one-line note, when the
target is not a live native process, uprobes are not permitted, several
inferiors are debugged or gdb follows forked children, the location has a
condition or commands to run at each hit, prof writes folded stacks, a
value is not where a capture holds it, the code is inlined or the prologue
does something the analysis does not follow, or the function can leave
through a tail jump.
"""

from __future__ import annotations

import os
import threading
import time
from itertools import repeat

import gdb

from gdbext import events, inferior, ui
from gdbext.trace import actions, engine, frames, perf, sites
from gdbext.trace.capture import (
    Unprobeable,
    abi_arguments,
    cfa_rule,
    entry_point,
    function_name,
    scope_locations,
    sections,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gdbext.trace.engine import Client, Wants
    from gdbext.trace.grammar import Request

NAME = "uprobes"
# The engine's state per inferior (its number): its own, not in gdbext.trace.state, whose
# per-process state is replaced when a new process starts, after the engine set its probes.
_procs: dict[int, _Process] = {}
_PTR = 8  # x86-64: the return address's size
_MAX_STACK = 4096  # the most stack a capture takes
_PARSE_BYTES = 256 * 1024  # records parsed per turn of gdb's event loop


# -- a location's plan: where to probe and how to decode -----------------------------------------


class _StaticFrame:
    """Enough of a gdb.Frame at PC for :class:`frames.Scope`, without a running frame."""

    def __init__(self, pc: int, block: gdb.Block, function: gdb.Symbol) -> None:
        self._pc, self._block, self._function = pc, block, function

    def pc(self) -> int:
        return self._pc

    def name(self) -> str:
        return function_name(self._function.print_name)

    def find_sal(self) -> gdb.Symtab_and_line:
        return gdb.find_pc_line(self._pc)

    def block(self) -> gdb.Block:
        return self._block


class _Value:
    """How to decode one scope entry from a capture."""

    __slots__ = ("fast", "gtype", "kind", "offset", "reg", "size")

    def __init__(self, kind: str, reg: str, offset: int, gtype: gdb.Type, size: int) -> None:
        self.kind, self.reg, self.offset, self.gtype, self.size = kind, reg, offset, gtype, size
        self.fast: Any = None  # a struct.Struct when gdb's text is plain decimal (checked)


_PLAIN_INTS = {
    (1, True): "b", (1, False): "B", (2, True): "h", (2, False): "H",
    (4, True): "i", (4, False): "I", (8, True): "q", (8, False): "Q",
}


class Plan:
    """One location, planned: its probes (file and offsets) and how to decode its captures.

    tp: one probe at the location (``pc``).  prof: a probe where calls start
    (``entry``: just after the frame set-up, where the arguments are still
    where the calling convention puts them) and one on each return
    instruction, where the CFA is the stack pointer plus the return
    address; hits are reported at ``pc`` as the breakpoint engine reports
    them.
    """

    def __init__(self, pc: int, path: str, offset: int, wants: Wants) -> None:
        self.pc, self.path, self.offset, self.wants = pc, path, offset, wants
        self.place = (path, offset)  # the location's file and offset
        self.entry = pc  # the address probed (file offset: ``offset``)
        self.rets: list[tuple[int, int]] = []  # prof: each return instruction, file offset
        self.cfa_reg = "rsp"
        self.cfa_off = _PTR
        self.sp_off: int | None = _PTR
        self.scope: frames.Scope | None = None
        self.header = "??"
        self.decoders: list[_Value] = []
        self.stack = 0  # bytes of stack to capture at the entry
        self.regs: tuple[str, ...] = ("rsp",)
        self.generation = -1  # frames.generation when the fast texts were checked
        # auto: a value whose text needs the program's memory keeps the location on the
        # breakpoint engine; a forced uprobe engine reads that memory when decoding.
        self.careful = True

    def probes(self) -> list[perf.Probe]:
        """The entry probe, then (prof) one per return instruction."""
        out = [perf.Probe(self.path, self.offset, regs=self.regs, stack=self.stack)]
        # Returns sample the entry's registers too when it takes no stack: every record is
        # then the same struct, which perf.parse unpacks a run at a time.
        regs = self.regs if not self.stack else ("rsp",)
        out += [perf.Probe(self.path, off, regs=regs) for _a, off in self.rets]
        return out

    def values(self, regs: dict[str, int], stack: bytes, entries: list[int],
               max_value: int | None) -> list[str]:
        """The text of each entry (indexes into the scope's entries) from one capture."""
        out = []
        check = self.generation != frames.generation
        sp = regs.get("rsp", 0)
        cfa = regs.get(self.cfa_reg, 0) + self.cfa_off
        for i in entries:
            dec = self.decoders[i]
            if dec.kind == "in":
                data = (regs.get(dec.reg, 0) & (1 << 64) - 1).to_bytes(8, "little")[:dec.size]
            elif dec.kind == "none":
                out.append("<unavailable: not captured>")
                continue
            else:
                base = {"cfa": cfa, "sp": sp}.get(dec.kind)
                if base is None:
                    base = regs.get(dec.reg, 0)
                at = base + dec.offset - sp
                data = stack[at:at + dec.size] if at >= 0 else b""
                if len(data) != dec.size:
                    out.append(frames.shorten("<unavailable: not captured>", max_value))
                    continue
            if dec.fast is not None and not check:
                text = str(dec.fast.unpack(data)[0])
            else:
                try:
                    text = frames.value_text(gdb.Value(data, dec.gtype))
                except Exception as exc:
                    text = frames.unavailable(exc)
                if check and dec.fast is not None and str(dec.fast.unpack(data)[0]) != text:
                    dec.fast = None  # gdb prints it otherwise (output-radix, a printer)
            if (max_value and len(text) > max_value) or "\n" in text:
                text = frames.shorten(text, max_value)
            out.append(text)
        if check:
            self.generation = frames.generation
        return out


def location_file(pc: int, pid: int) -> tuple[str, int]:
    """The file and file offset of the code at PC, as gdb's sections place it.

    Right whether gdb has relocated the program for this run yet or not
    (a new process, still in the shell that starts it, has its locations
    where the last run had them).
    """
    del pid
    progspace = gdb.current_progspace()
    path = progspace.solib_name(pc) or progspace.filename
    if not path:
        raise Unprobeable("no file holds its code")
    real = os.path.realpath(path)
    for name, start, end, offset in _sections():
        if start <= pc < end and os.path.realpath(name) == real:
            return real, pc - start + offset
    try:
        return real, perf.file_offset(path, pc)
    except perf.PerfError as exc:
        raise Unprobeable(str(exc)) from None


_section_cache: list[Any] = [None, 0.0]


def _sections() -> list[tuple[str, int, int, int]]:
    """gdb's sections of every objfile, read again when older than a few milliseconds."""
    now = time.monotonic()
    if _section_cache[0] is None or now - _section_cache[1] > 0.005:
        try:
            text = ui.capture("maint info sections -all-objects")
        except gdb.error:
            text = ""
        _section_cache[0], _section_cache[1] = sections(text), now
    return _section_cache[0]


_analyses: dict[tuple[str, int], tuple[list[tuple[int, str]], int, int]] = {}


def _function_code(pc: int, path: str, offset: int) -> tuple[
        gdb.Block, gdb.Symbol, tuple[list[tuple[int, str]], int, int]]:
    """The block at PC, its function, and the function's code as first read: (instructions,
    start, end) at the addresses of that reading."""
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    if block is None:
        raise Unprobeable("no debug information there")
    fblock = block
    while fblock is not None and fblock.function is None:
        fblock = fblock.superblock
    if fblock is None:
        raise Unprobeable("not inside a function")
    outer = fblock.superblock
    while outer is not None and not outer.is_static and not outer.is_global:
        if outer.function is not None:
            raise Unprobeable("it is an inlined copy of the function")
        outer = outer.superblock
    key = (path, offset - (pc - fblock.start))
    known = _analyses.get(key)
    if known is None or known[2] - known[1] != fblock.end - fblock.start:
        try:
            arch = gdb.selected_inferior().architecture()
            code = [(int(i["addr"]), i["asm"])
                    for i in arch.disassemble(fblock.start, fblock.end - 1)]
        except (gdb.error, RuntimeError) as exc:
            raise Unprobeable(f"cannot read its code ({exc})") from None
        if any(asm.strip().startswith("int3") for _a, asm in code):
            raise Unprobeable("its code holds a trap already (another debugger's probe?)")
        # Read once per function and file offset, before this engine's own traps are in
        # it; the addresses are those of that reading (another run may load it elsewhere).
        known = _analyses[key] = (code, fblock.start, fblock.end)
    return block, fblock.function, known


_INT_CODES = ("TYPE_CODE_INT", "TYPE_CODE_PTR", "TYPE_CODE_ENUM", "TYPE_CODE_BOOL",
              "TYPE_CODE_CHAR", "TYPE_CODE_REF", "TYPE_CODE_RVALUE_REF")


def _type_class(gtype: gdb.Type) -> str:
    try:
        code = gtype.strip_typedefs().code
    except gdb.error:
        return "other"
    ints = {getattr(gdb, name, -99) for name in _INT_CODES}
    return "int" if code in ints else "other"


def plan(pc: int, pid: int, wants: Wants, careful: bool = True) -> Plan:
    """How to watch the location at PC with uprobes; Unprobeable when it cannot be.

    CAREFUL: refuse values whose text needs more than the capture (see
    :func:`needs_memory`).
    """
    if wants.stack:
        raise Unprobeable("folded stacks need gdb's unwinder")
    path, offset = location_file(pc, pid)
    block, function, (first_code, first_start, first_end) = _function_code(pc, path, offset)
    fstart = block.start
    while block is not None and block.function is None:
        block = block.superblock
    fstart = block.start if block is not None else pc
    shift = fstart - first_start  # this run's addresses less those of the first reading
    code = [(a + shift, t) for a, t in first_code]
    block = gdb.block_for_pc(pc)
    p = Plan(pc, path, offset, wants)
    p.careful = careful
    scope = p.scope = frames.Scope(_StaticFrame(pc, block, function))  # type: ignore[arg-type]
    args = tuple(e for e in scope.entries if e.kind == frames.ARG)
    p.header = _header(scope, function, args)
    regs = {"rsp"}
    if wants.returns:
        # Calls start at the entry probe and end at the function's return instructions:
        # not a return probe (uretprobe), which replaces the return address on the stack
        # and so breaks C++ exceptions, thread cancellation and backtraces through the
        # function, and needs a probe on its first instruction, where gdb looks for the
        # frame set-up.
        entry, intact = entry_point(code, pc)
        rets, leaves = sites.exits([{"addr": a, "asm": t} for a, t in first_code],
                                   first_start, first_end)
        rets = [a + shift for a in rets]
        if leaves or not rets:
            raise Unprobeable("the function can leave through a tail jump")
        p.entry = entry
        p.offset = offset + entry - pc
        p.rets = [(a, offset + a - pc) for a in rets]
        p.cfa_reg, p.cfa_off, p.sp_off = cfa_rule(code, fstart, entry)
        regs.add(p.cfa_reg)
        if wants.args and not intact:
            if entry != pc:
                raise Unprobeable("its arguments are neither in registers nor in the frame "
                                  "where it is probed")
            top = _frame_decoders(p, scope, pc, args, regs)
        elif wants.args:
            ftype = function.type
            try:
                result = ftype.target().strip_typedefs().code if ftype is not None else None
            except (gdb.error, RuntimeError):
                result = None
            if result in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION, gdb.TYPE_CODE_ARRAY):
                raise Unprobeable("it returns a structure (a hidden first argument)")
            where = abi_arguments([(e.name, _type_class(e.symbol.type), e.size) for e in args])
            top = 0
            for entry_ in scope.entries:
                if entry_.kind != frames.ARG:
                    p.decoders.append(_Value("none", "", 0, entry_.symbol.type, entry_.size))
                    continue
                kind, reg, off = where.pop(0)
                if p.careful and needs_memory(entry_.symbol.type):
                    raise Unprobeable(f"'{entry_.name}' shows memory that a capture does not "
                                      "hold")
                dec = _Value(kind, reg, off, entry_.symbol.type, entry_.size)
                if kind == "in":
                    regs.add(reg)
                else:
                    if p.sp_off is None:
                        raise Unprobeable("the frame's size is not known where it is probed")
                    top = max(top, p.sp_off + off + entry_.size)
                dec.fast = _plain_int(entry_.symbol.type, entry_.size)
                p.decoders.append(dec)
        else:
            top = 0
        if top > _MAX_STACK:
            raise Unprobeable(f"its values span {top} bytes of stack")
        p.stack = top
        p.regs = tuple(sorted(regs))
        return p
    p.cfa_reg, p.cfa_off, p.sp_off = cfa_rule(code, fstart, pc)
    regs.add(p.cfa_reg)
    if wants.values:
        p.stack = _frame_decoders(p, scope, pc, scope.entries, regs)
    p.regs = tuple(sorted(regs))
    return p


def _frame_decoders(p: Plan, scope: frames.Scope, pc: int, needed: tuple[Any, ...],
                    regs: set[str]) -> int:
    """Decoders for the scope's entries from debug information at PC; the stack they need.

    Entries not NEEDED get a decoder that says they were not captured.
    """
    try:
        text = ui.capture(f"info scope *{pc:#x}")
    except gdb.error as exc:
        raise Unprobeable(f"gdb cannot describe its variables ({exc})") from None
    where = scope_locations(text)
    top = 0
    for entry in scope.entries:
        if entry not in needed:
            p.decoders.append(_Value("none", "", 0, entry.symbol.type, entry.size))
            continue
        found = where.get(entry.name)
        if entry.dynamic or entry.size <= 0:
            raise Unprobeable(f"the size of '{entry.name}' is only known at each hit")
        if p.careful and needs_memory(entry.symbol.type):
            raise Unprobeable(f"'{entry.name}' shows memory that a capture does not hold")
        if found is None:
            raise Unprobeable(f"'{entry.name}' is not at a fixed place in the frame")
        if found[0] == "in":
            if found[1] not in (perf.REGISTERS.get(perf.ARCH) or ()) or entry.size > 8:
                raise Unprobeable(f"'{entry.name}' is in register {found[1]}")
            dec = _Value("in", found[1], 0, entry.symbol.type, entry.size)
            regs.add(found[1])
        elif found[0] == "cfa":
            if p.sp_off is None:
                raise Unprobeable("the frame's size is not known there")
            dec = _Value("cfa", "", found[1], entry.symbol.type, entry.size)
            low = p.sp_off + found[1]
        else:
            if found[1] != "rbp" or p.sp_off is None or p.cfa_reg != "rbp":
                raise Unprobeable(f"'{entry.name}' is relative to {found[1]}")
            regs.add("rbp")
            dec = _Value("reg", "rbp", found[2], entry.symbol.type, entry.size)
            low = p.sp_off - p.cfa_off + found[2]
        if dec.kind != "in":
            if low < 0:  # a leaf function's locals below the stack pointer (the red zone)
                raise Unprobeable(f"'{entry.name}' is below the stack pointer, where a "
                                  "capture does not reach")
            top = max(top, low + entry.size)
        dec.fast = _plain_int(entry.symbol.type, entry.size)
        p.decoders.append(dec)
    if top > _MAX_STACK:
        raise Unprobeable(f"its values span {top} bytes of stack")
    return top


def needs_memory(gtype: gdb.Type, depth: int = 0) -> bool:
    """Whether gdb's text for a value of GTYPE shows memory beyond the value's own bytes.

    A reference shows what it refers to, a ``char *`` its characters, a
    pretty-printed class whatever its printer reads: from a capture decoded
    later, those would come from the program as it is then (or fail once it
    has ended).
    """
    try:
        t = gtype.strip_typedefs()
        code = t.code
        if code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
            return True
        if code == gdb.TYPE_CODE_PTR:
            target = t.target().strip_typedefs()
            return target.code == gdb.TYPE_CODE_CHAR or (
                target.code == gdb.TYPE_CODE_INT and (target.sizeof == 1 or "char" in (
                    target.name or "") or (target.name or "") == "wchar_t"))
        if code == gdb.TYPE_CODE_ARRAY:
            return depth < 4 and needs_memory(t.target(), depth + 1)
        if code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
            if gdb.default_visualizer(gdb.Value(bytes(t.sizeof), t)) is not None:
                return True
            return depth < 4 and any(
                f.type is not None and needs_memory(f.type, depth + 1) for f in t.fields())
    except (gdb.error, RuntimeError, TypeError, ValueError):
        return True
    return False


def _plain_int(gtype: gdb.Type, size: int) -> Any:
    """A struct.Struct reading TYPE when gdb may print it as a plain integer (checked later)."""
    import struct

    try:
        t = gtype.strip_typedefs()
    except gdb.error:
        return None
    if t.code != gdb.TYPE_CODE_INT or size == 1:
        return None
    name = t.name or ""
    if "char" in name:
        return None
    fmt = _PLAIN_INTS.get((size, not name.startswith("unsigned")))
    return struct.Struct("<" + fmt) if fmt else None


def _header(scope: frames.Scope, function: gdb.Symbol, args: tuple[Any, ...]) -> str:
    """``fib(int) @ fib.c:5``, as the breakpoint engine's :func:`sites.header` makes it."""
    name = scope.signature
    if "(" not in name:
        name = f"{scope.function}({', '.join(a.type for a in args)})"
    file, line = scope.file, scope.line
    if function.symtab is not None and function.line:
        file, line = function.symtab.filename, function.line
    return f"{name} @ {file}:{line}"


# -- hits decoded from captures -----------------------------------------------------------------


class CapturedHit(engine.Hit):
    """A hit decoded from a uprobe's capture, after the fact.

    Made for every hit, so it is cheap to make: the registers stay a tuple
    (in the order of ``names``) until a value is asked for.
    """

    __slots__ = ("_names", "_plan", "_regs", "_stack")

    def __init__(self, kind: str, inferior_num: int, thread: int, p: Plan,
                 names: tuple[str, ...], regs: tuple[int, ...], stack: bytes) -> None:
        self.kind, self.inferior, self.thread, self.pc = kind, inferior_num, thread, p.pc
        self.cfa = self.wall_ns = self.cpu_ns = None
        self.cpu_note = ""
        self._plan, self._names, self._regs, self._stack = p, names, regs, stack

    def scope(self) -> frames.Scope:
        return self._plan.scope  # type: ignore[return-value]

    def values(self, max_value: int | None) -> list[str] | None:
        p = self._plan
        return p.values(dict(zip(self._names, self._regs)), self._stack,
                        list(range(len(p.decoders))), max_value)

    def symbols(self, max_value: int | None) -> list[frames.Symbol]:
        entries = self._plan.scope.entries  # type: ignore[union-attr]
        texts = self.values(max_value) or []
        return [frames.Symbol(e.name, e.type, t, e.size, e.kind) for e, t in zip(entries, texts)]

    def args(self, max_value: int | None) -> list[tuple[str, str, str]]:
        p = self._plan
        entries = p.scope.entries  # type: ignore[union-attr]
        index = [i for i, e in enumerate(entries) if e.kind == frames.ARG]
        texts = p.values(dict(zip(self._names, self._regs)), self._stack, index, max_value)
        return [(entries[i].name, entries[i].type, t) for i, t in zip(index, texts)]

    def header(self) -> str:
        return self._plan.header

    def token(self) -> object:
        return None

    def stack(self, until: object) -> tuple[list[str], bool]:
        return [], False


# -- per process: sessions, the drain, clocks ---------------------------------------------------


class _Watch:
    """One probe's uprobes in one process: the plan of each location and their session."""

    __slots__ = ("kinds", "plans", "probe", "ret_hit", "session")

    def __init__(self, probe: _Managed, plans: list[Plan], session: perf.Session) -> None:
        self.probe, self.plans, self.session = probe, plans, session
        self.ret_hit: CapturedHit | None = None
        # per perf probe index: (plan, is_return, register names, the CFA's register's
        # index in them, the CFA's offset from that register)
        self.kinds: list[tuple[Plan, bool, tuple[str, ...], int, int]] = []
        index = 0
        for p in plans:
            names = session.names[index]
            self.kinds.append((p, False, names, names.index(p.cfa_reg), p.cfa_off))
            index += 1
            for _ret in p.rets:
                names = session.names[index]
                self.kinds.append((p, True, names, names.index("rsp"), _PTR))
                if self.ret_hit is None:
                    self.ret_hit = CapturedHit(engine.RETURN, 0, 0, p, names, (), b"")
                index += 1


def _first_time(pair: tuple[list, Any]) -> int:
    return pair[0][0]


class _Process:
    """The engine's state for one process: its watches, threads, the time gdb held it."""

    def __init__(self, target: gdb.Inferior) -> None:
        self.num, self.pid = target.num, target.pid
        self.watches: list[_Watch] = []
        self.gnums: dict[int, int] = {}
        self.paused_at: int | None = None
        self.paused_total = 0
        self.resumes: list[tuple[int, int]] = []  # (when resumed, paused total since then)
        self.lock = threading.Lock()
        self.posted = False
        self.closed = False
        self.live = _interactive()
        self.thread: threading.Thread | None = None
        self.wake = os.pipe()

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._drain_loop, daemon=True,
                                           name=f"gdbext-uprobes-{self.pid}")
            self.thread.start()

    def _drain_loop(self) -> None:
        import select

        while not self.closed:
            poller = select.poll()
            poller.register(self.wake[0], select.POLLIN)
            with self.lock:
                for watch in self.watches:
                    for thread in watch.session.threads.values():
                        if thread.fds:
                            poller.register(thread.fds[0], select.POLLIN)
            try:
                poller.poll(10)
            except OSError:
                pass
            if self.closed:
                break
            with self.lock:
                copied = sum(w.session.drain() for w in self.watches)
            # gdb 13 crashes when it quits with a posted event not run yet (a batch run
            # ends right after the program): post only for a user at a terminal, whose
            # prompt runs the events, and while the program lives.  Its stop or exit
            # delivers everything anyway.
            if copied and self.live and not self.posted and _alive(self.pid):
                self.posted = True
                gdb.post_event(self._deliver_posted)

    def _deliver_posted(self) -> None:
        self.posted = False
        deliver(self, final=False)

    def wall(self, t: int) -> int:
        """T (a hit's kernel time) less the time gdb held the program stopped before it."""
        total = 0
        for when, paused in reversed(self.resumes):
            if when <= t:
                total = paused
                break
        return t - total

    def gnum(self, tid: int) -> int:
        num = self.gnums.get(tid)
        if num is None:
            for target in gdb.inferiors():
                if target.num == self.num:
                    for th in target.threads():
                        self.gnums[_tid(th)] = th.global_num
            num = self.gnums.setdefault(tid, 0)
        return num

    def close(self) -> None:
        self.closed = True
        try:
            os.write(self.wake[1], b"x")
        except OSError:
            pass
        if self.thread is not None:
            self.thread.join(1)
        with self.lock:
            for watch in self.watches:
                watch.session.close()
            self.watches = []
        for fd in self.wake:
            try:
                os.close(fd)
            except OSError:
                pass


def _flush(num: int) -> None:
    """Deliver inferior NUM's records before the breakpoint engine reports a hit there."""
    proc = _procs.get(num)
    if proc is not None and proc.watches:
        deliver(proc, final=True)


def deliver(proc: _Process, final: bool, exiting: bool = False) -> None:
    """Decode what the process's probes recorded and hand it to the clients, in time order.

    FINAL: everything (the program is stopped or gone); else a bounded amount,
    with more posted for later.  EXITING: the process ended; threads that
    ended after the last hit ended with it (their open calls end with the
    program, as the breakpoint engine reports them).
    """
    if proc.closed:
        return
    batches: list[tuple[list[list], _Watch]] = []
    more = False
    with proc.lock:
        for watch in proc.watches:
            session = watch.session
            got = session.read(None if final else 1_000_000,
                               limit=None if final else _PARSE_BYTES)
            if got:
                batches.append((got, watch))
            if not final and session.backlog():
                more = True
    if len(batches) > 1:  # several probes' records: in time order together
        merged = sorted(((r, w) for got, w in batches for r in got), key=_first_time)
    elif batches:
        merged = zip(batches[0][0], repeat(batches[0][1]))  # type: ignore[assignment]
    else:
        merged = []
    gnums, resumes = proc.gnums, proc.resumes
    last_hit = None
    if exiting:
        last_hit = max((next((r[0] for r in reversed(got) if r[1] >= 0), 0)
                        for got, _w in batches), default=0)
    for record, watch in merged:
        probe = watch.probe
        client = probe.client
        if client is None:
            continue
        kind = record[1]
        tid = record[2]
        gnum = gnums.get(tid) or proc.gnum(tid)
        if kind == perf.EXIT:
            if probe.wants.returns and (last_hit is None or record[0] < last_hit):
                client.on_thread_exit(proc.num, gnum)
            continue
        p, is_return, names, cfa_at, cfa_off = watch.kinds[kind]
        t = record[0]
        regs = record[3]
        if is_return:
            # A return probe fires in the caller, the return address popped: sp is the CFA.
            # (The client keeps nothing of a return's hit: one object serves them all.)
            hit = watch.ret_hit
            hit.inferior, hit.thread, hit._plan, hit._regs = proc.num, gnum, p, regs
            hit.cfa = regs[cfa_at] + cfa_off
        else:
            if not probe.enabled or (probe.ignoring and not probe.counts_hit()):
                continue
            hit = CapturedHit(engine.ENTRY, proc.num, gnum, p, names, regs, record[4])
            if p.rets:
                hit.cfa = regs[cfa_at] + cfa_off
        hit.wall_ns = proc.wall(t) if resumes else t
        hit.cpu_ns = record[5]
        try:
            if is_return:
                client.on_return(hit)
            else:
                client.on_entry(hit)
        except Exception as exc:
            probe.failed(exc)
    if final:
        for watch in proc.watches:
            lost = watch.session.lost - watch.probe.lost_told
            if lost > 0:
                watch.probe.lost_told += lost
                watch.probe.note(f"{lost} hits were lost (the ring buffers were full); "
                                 "the counts miss them")
    if more and not proc.posted:
        proc.posted = True
        gdb.post_event(proc._deliver_posted)


# -- the probes users manage ------------------------------------------------------------------


class _Managed:
    """A tp's or prof's breakpoint, some of whose locations uprobes watch."""

    def __init__(self, bp: Any, request: Request, wants: Wants, client: Client) -> None:
        self.bp, self.request, self.wants, self.client = bp, request, wants, client
        self.addresses: dict[int, set[int]] = {}  # per inferior: the addresses probed
        self.places: dict[int, set[tuple[str, int]]] = {}  # per inferior: (file, offset)
        self.probed: dict[int, set[tuple[str, int]]] = {}  # the same, returns included
        self.disabled: set[tuple[str, int]] = set()  # locations this engine disabled
        self.stuck = False  # a probed location gdb cannot take back in this process
        self.notes: set[str] = set()
        self.lost_told = 0
        self._failed = False
        self.enabled = True  # the breakpoint's, as of its last change
        self.ignoring = False  # whether its ignore count is above 0
        self.refresh()

    def refresh(self) -> None:
        """Learn the breakpoint's enabled state and ignore count again (it was modified)."""
        try:
            self.enabled = bool(self.bp.is_valid() and self.bp.enabled)
            self.ignoring = self.enabled and self.bp.ignore_count > 0
        except RuntimeError:
            self.enabled = self.ignoring = False

    def owner(self) -> str:
        return "prof" if self.wants.returns else "tp"

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.add(text)
            gdb.write(f"{self.owner()}: {text}\n")

    def failed(self, exc: BaseException) -> None:
        if not self._failed:
            self._failed = True
            from gdbext import ui

            gdb.write(ui.internal_error(f"{self.owner()}: breakpoint {self.bp.number}", exc)
                      + "\n", gdb.STDERR)

    def counts_hit(self) -> bool:
        """Whether a hit counts: the breakpoint is enabled and its ignore count is used up."""
        bp = self.bp
        try:
            if not bp.is_valid() or not bp.enabled:
                return False
            if bp.ignore_count > 0:
                bp.ignore_count -= 1
                self.ignoring = bp.ignore_count > 0
                return False
        except RuntimeError:
            return False
        self.ignoring = False
        return True


class UprobeEngine(engine.Engine):
    """tp and prof through uprobes where they can work; the breakpoint engine elsewhere."""

    name = NAME

    def __init__(self, forced: bool = False) -> None:
        self.forced = forced
        self.managed: list[_Managed] = []
        self._changing = False
        # Records are delivered before anyone else hears of a stop, an exit or a delete.
        events.subscribe("stop", self._on_stop, order=-5)
        events.subscribe("exited", self._on_exited, order=-5)
        events.subscribe("breakpoint_deleted", self._on_deleted, order=-5)
        events.subscribe("breakpoint_modified", self._on_modified, order=-5)
        events.subscribe("breakpoint_created", self._on_created, order=-5)
        events.subscribe("cont", self._on_cont)
        events.subscribe("new_process", self._on_new_process)
        events.subscribe("new_thread", self._on_new_thread, order=-5)
        events.subscribe("before_prompt", self._on_prompt, order=-5)
        events.subscribe("gdb_exiting", self._on_gdb_exiting)
        engine.add_recorder(_flush)

    # -- the engine's contract ------------------------------------------------

    def refuse(self) -> str:
        return refusal(gdb.selected_inferior())

    def probe(self, request: Request, wants: Wants, client: Client) -> Any:
        target = gdb.selected_inferior()
        why = ""
        if request.condition:
            why = "its condition is evaluated by gdb"
        elif wants.stack:
            why = "folded stacks need gdb's unwinder"
        elif target.pid:
            why = refusal(target)
        if why and self.forced:
            raise gdb.GdbError(f"cannot use uprobes for '{request.location}': {why}")
        if target.pid:
            # A breakpoint made where a probe's trap is would be taken for one the program
            # holds itself: take such probes out first.
            # (Where gdb will put it is not known before it does: every probe in the same
            # functions goes.)
            try:
                sals = gdb.decode_line(request.location)[1] or ()
            except (gdb.error, RuntimeError):
                sals = ()
            ranges = []
            for sal in sals:
                block = gdb.block_for_pc(int(sal.pc))
                while block is not None and block.function is None:
                    block = block.superblock
                if block is not None:
                    ranges.append((block.start, block.end))
            for m in self.live():
                if any(lo <= a < hi for a in m.addresses.get(target.num, ()) for lo, hi in ranges):
                    self._release(m, None, f"'{request.spec}' is set in the same function")
                    m.client = None
        bp = engine.get("breakpoints").probe(request, wants, client)
        managed = _Managed(bp, request, wants, client)
        self.managed.append(managed)
        if why:
            managed.note(f"'{request.spec}' uses the breakpoint engine: {why}")
            managed.client = None  # nothing for this engine to do
            return bp
        if target.pid:
            self._adopt(managed, target)
        return bp

    # -- placing probes -------------------------------------------------------

    def _adopt(self, managed: _Managed, target: gdb.Inferior) -> None:
        """Move what can be moved of MANAGED's locations in TARGET to uprobes (program stopped).

        Locations already watched (the same file and offset, at a relocated
        address) are only disabled again.
        """
        bp = managed.bp
        if managed.client is None or not bp.is_valid() or bp.pending:
            return
        why = refusal(target)
        if why:
            managed.note(f"'{managed.request.spec}' uses the breakpoint engine: {why}")
            return
        locations = _locations(bp, target.num)
        addresses = managed.addresses.setdefault(target.num, set())
        places = managed.places.setdefault(target.num, set())
        plans: list[Plan] = []
        where = f"'{managed.request.spec}'"
        if len(locations) > 1:
            where += " (some of its locations)"
        for loc in locations:
            pc = int(loc.address)
            if pc in addresses:
                continue
            try:
                place = location_file(pc, target.pid)
            except Unprobeable as exc:
                if loc.enabled:
                    managed.note(f"{where} uses the breakpoint engine: {exc}")
                continue
            if not loc.enabled and place not in managed.disabled:
                continue  # the user disabled it
            if place in places:
                addresses.add(pc)  # relocated: watched already
                continue
            try:
                p = plan(pc, target.pid, managed.wants, careful=not self.forced)
            except Unprobeable as exc:
                managed.note(f"{where} uses the breakpoint engine: {exc}")
                continue
            # No probe where a gdb breakpoint is (the kernel would take the trap first),
            # by file and offset: while gdb relocates breakpoints, some are not moved yet.
            wanted = {(p.path, p.offset), *((p.path, o) for _a, o in p.rets)}
            conflict = _gdb_breakpoint_at(wanted, bp, target.num)
            if conflict:
                managed.note(f"{where} uses the breakpoint engine: breakpoint {conflict} is "
                             "there too")
                continue
            plans.append(p)
        if plans:
            # gdb's own trap must leave an address before the kernel plants its own there:
            # the kernel keeps a trap it finds in place (and would not take it out again),
            # and gdb puts back what it saw when it planted its own.  So the locations
            # are disabled (gdb takes its traps out now) before the probes are opened.
            planned = {p.pc for p in plans}
            self._set_locations(managed, target, planned, False)
            _sync_trust(True)  # before the first trap is in
            session = None
            try:
                session = perf.Session(target.pid, [pr for p in plans for pr in p.probes()])
                for th in target.threads():
                    session.add_thread(_tid(th))
            except perf.PerfError as exc:
                if session is not None:
                    session.close()
                self._set_locations(managed, target, planned, True)
                managed.note(f"'{managed.request.spec}' uses the breakpoint engine: {exc}")
                plans = []
            else:
                if bp.enabled:
                    session.enable()
                proc = _process(target)
                with proc.lock:
                    proc.watches.append(_Watch(managed, plans, session))
                proc.start()
                probed = managed.probed.setdefault(target.num, set())
                for p in plans:
                    places.add(p.place)
                    probed.add((p.path, p.offset))
                    probed.update((p.path, o) for _a, o in p.rets)
                    addresses.update((p.pc, p.entry))
                    addresses.update(a for a, _o in p.rets)
        # Relocated locations of places watched already.
        self._set_locations(managed, target, addresses, False)
        _sync_trust()

    def _set_locations(self, managed: _Managed, target: gdb.Inferior, addresses: set[int],
                       enabled: bool) -> None:
        """Enable or disable MANAGED's locations at ADDRESSES (this engine's own doing)."""
        self._changing = True
        try:
            for loc in _locations(managed.bp, target.num):
                pc = int(loc.address)
                if pc in addresses and loc.enabled != enabled:
                    loc.enabled = enabled
                    try:
                        place = location_file(pc, target.pid)
                    except Unprobeable:
                        continue
                    if enabled:
                        managed.disabled.discard(place)
                    else:
                        managed.disabled.add(place)
        finally:
            self._changing = False

    def _adopt_all(self, target: gdb.Inferior) -> None:
        """Adopt every probe's locations; twice, as one's breakpoint may leave another's way."""
        for _round in range(2):
            for m in self.live():
                self._adopt(m, target)

    def _release(self, managed: _Managed, num: int | None, why: str = "") -> None:
        """Take MANAGED's uprobes out of inferior NUM (None: all), everything delivered first."""
        for pnum, proc in list(_procs.items()):
            if num is not None and pnum != num:
                continue
            mine = [w for w in proc.watches if w.probe is managed]
            if not mine:
                continue
            deliver(proc, final=True)
            with proc.lock:
                proc.watches = [w for w in proc.watches if w.probe is not managed]
            for watch in mine:
                watch.session.close()
            managed.addresses.pop(pnum, None)
            managed.places.pop(pnum, None)
            managed.probed.pop(pnum, None)
        _sync_trust()
        bp = managed.bp
        if why and bp.is_valid():
            # A location whose own address was probed (tp's) cannot go back to gdb while
            # this process lives: gdb made it again (at each library load) while the
            # probe's trap was there, and took the trap for one the program holds itself,
            # which gdb steps over by skipping it.  It comes back at the next run.
            stuck = managed.wants.values or not managed.wants.returns
            self._changing = True
            try:
                for loc in getattr(bp, "locations", None) or []:
                    try:
                        place = location_file(int(loc.address), 0)
                    except Unprobeable:
                        continue
                    if place in managed.disabled and not stuck:
                        loc.enabled = True
            finally:
                self._changing = False
            if stuck:
                managed.stuck = True
                managed.note(f"'{managed.request.spec}' stops in this process ({why}); it "
                             "resumes at the next run, on the breakpoint engine")
            else:
                managed.disabled.clear()
                managed.note(f"'{managed.request.spec}' moves to the breakpoint engine: {why}")

    def live(self) -> list[_Managed]:
        """The probes this engine watches (and remembers those it must give back later)."""
        self.managed = [m for m in self.managed
                        if m.bp.is_valid() and (m.client is not None or m.stuck)]
        return [m for m in self.managed if m.client is not None]

    def describe(self, bp: Any) -> str:
        """``uprobe``, ``breakpoint`` or both: what watches BP in the selected inferior."""
        target = gdb.selected_inferior()
        mine = next((m for m in self.live() if m.bp is bp), None)
        if mine is None:
            return "breakpoint"
        if not target.pid:
            return "uprobe"  # at the next run, where it can be
        probed = mine.addresses.get(target.num, set())
        if not probed:
            return "breakpoint"
        try:
            others = [loc for loc in bp.locations if int(loc.address) not in probed]
        except (AttributeError, RuntimeError):
            others = []
        return "uprobe, breakpoint" if others else "uprobe"

    # -- events ---------------------------------------------------------------

    def _procs(self) -> list[_Process]:
        return list(_procs.values())

    def _on_stop(self, _event: object) -> None:
        now = time.monotonic_ns()
        for proc in self._procs():
            # Only the processes that are stopped now (another inferior may run on).
            if proc.paused_at is None and not _alive(proc.pid):
                proc.paused_at = now
            deliver(proc, final=True)

    def _on_cont(self, event: object) -> None:
        now = time.monotonic_ns()
        thread = getattr(event, "inferior_thread", None)
        if thread is not None:
            resumed = {thread.inferior.num}
        else:
            try:
                everyone = bool(gdb.parameter("schedule-multiple"))
            except (gdb.error, RuntimeError):
                everyone = False
            resumed = ({i.num for i in gdb.inferiors()} if everyone
                       else {gdb.selected_inferior().num})
        for num, proc in list(_procs.items()):
            if proc.paused_at is not None and num in resumed:
                proc.paused_total += now - proc.paused_at
                proc.paused_at = None
                proc.resumes.append((now, proc.paused_total))

    def _on_exited(self, event: Any) -> None:
        target = getattr(event, "inferior", None)
        for num, proc in list(_procs.items()):
            if target is not None and num != target.num:
                continue
            deliver(proc, final=True, exiting=True)
            self._forget(num)

    def _forget(self, num: int) -> None:
        """Close inferior NUM's probes (delivered already) and forget where they were."""
        proc = _procs.pop(num, None)
        if proc is not None:
            proc.close()
        for m in self.managed:
            m.addresses.pop(num, None)
            m.places.pop(num, None)
            m.probed.pop(num, None)
        _sync_trust()

    def _on_new_process(self, target: gdb.Inferior) -> None:
        old = _procs.get(target.num)
        if old is not None:
            deliver(old, final=True)
        self._forget(target.num)
        for m in self.managed:
            if m.stuck and m.bp.is_valid():
                # A new process: gdb sets the locations again on clean code as it loads.
                m.stuck = False
                self._changing = True
                try:
                    for loc in getattr(m.bp, "locations", None) or []:
                        try:
                            place = location_file(int(loc.address), 0)
                        except Unprobeable:
                            continue
                        if place in m.disabled:
                            loc.enabled = True
                finally:
                    self._changing = False
                m.disabled.clear()
        parent = _parent(target.pid)
        if any(num != target.num and proc.watches and proc.pid == parent
               for num, proc in _procs.items()):
            # A forked child that gdb debugs too: it holds copies of the probes' traps,
            # where gdb would put its own breakpoints.  (Refused beforehand when
            # detach-on-fork is off; this is the last line.)  Everything moves to the
            # breakpoint engine.
            for m in self.live():
                self._release(m, None, "a forked child is debugged too")
                m.client = None
            return
        # The program is not loaded yet (gdb starts it through a shell): probes are set by
        # file and offset, and the kernel plants them when the program maps its code.
        self._adopt_all(target)

    def _on_new_thread(self, event: Any) -> None:
        th = event.inferior_thread
        proc = _procs.get(th.inferior.num)
        if proc is None or proc.pid != th.inferior.pid:
            return
        proc.gnums[_tid(th)] = th.global_num
        with proc.lock:
            for watch in proc.watches:
                try:
                    watch.session.add_thread(_tid(th))
                except perf.PerfError as exc:
                    watch.probe.note(f"thread {th.global_num} is not traced: {exc}")

    def _on_deleted(self, bp: Any) -> None:
        for m in self.live():
            if m.bp is bp:
                self._release(m, None)
                m.client = None

    def _on_modified(self, bp: Any) -> None:
        if self._changing:
            return
        for m in self.live():
            if m.bp is not bp:
                continue
            for proc in self._procs():
                deliver(proc, final=True)  # what was recorded counts as the user set it then
            m.refresh()
            why = ""
            if bp.condition is not None:
                why = "it has a condition now"
            elif bp.commands and actions.split(bp.commands):
                why = "it has commands to run at each hit"
            if why:
                self._release(m, None, why)
                m.client = None
                return
            for proc in self._procs():
                for watch in proc.watches:
                    if watch.probe is m:
                        if bp.enabled:
                            watch.session.enable()
                        else:
                            deliver(proc, final=True)
                            watch.session.disable()
            # New or moved locations (a library loaded, the program relocated).
            target = gdb.selected_inferior()
            if target.pid:
                self._reconcile(m, target)
            return
        self._check_conflicts(bp)

    def _reconcile(self, m: _Managed, target: gdb.Inferior) -> None:
        self._adopt(m, target)

    def _on_created(self, bp: Any) -> None:
        if not any(m.bp is bp for m in self.managed):
            self._check_conflicts(bp)

    def _conflicts(self, addresses: list[int], why: str) -> bool:
        """Move every probe at one of ADDRESSES to the breakpoint engine; whether any was."""
        target = gdb.selected_inferior()
        places = set()
        for address in addresses:
            try:
                places.add(location_file(address, target.pid))
            except Unprobeable:
                continue
        moved = False
        for m in self.live():
            if places & m.probed.get(target.num, set()):
                self._release(m, None, why)
                m.client = None
                moved = True
        return moved

    def _check_conflicts(self, bp: Any) -> None:
        """A user breakpoint on a probed address: that probe goes back to the breakpoint engine.

        gdb read the probe's trap when it made the breakpoint, and took it for
        one the program holds itself (a "permanent" breakpoint, which gdb steps
        over by skipping it: the program would crash).  So the breakpoint is
        made again, now that the trap is gone, under a new number.
        """
        try:
            # (A disabled breakpoint puts no trap anywhere: it is checked when enabled.)
            if not bp.is_valid() or bp.number <= 0 or not bp.enabled or bp.type not in (
                    gdb.BP_BREAKPOINT, getattr(gdb, "BP_HARDWARE_BREAKPOINT", -1)):
                return
            addresses = [int(loc.address) for loc in _locations(bp, gdb.selected_inferior().num)
                         if loc.enabled]
        except RuntimeError:
            return
        if not self._conflicts(addresses, f"breakpoint {bp.number} is at a probed address"):
            return
        if hasattr(bp, "client") or hasattr(bp, "probe"):
            return  # gdbext's own: made before its probe was taken out (see probe())
        number = bp.number
        remade = _remake(bp)
        if remade is not None:
            gdb.write(f"gdbext: breakpoint {number} is now breakpoint {remade} (gdb had read "
                      "a uprobe's trap where it was set)\n")

    def _on_gdb_exiting(self, _event: object) -> None:
        """No thread of ours may outlive gdb's Python."""
        for num in list(_procs):
            _procs.pop(num).close()

    def _on_prompt(self) -> None:
        # detach, kill: the process is gone from gdb without an exit event.
        for num, proc in list(_procs.items()):
            target = next((i for i in gdb.inferiors() if i.num == num), None)
            if target is None or target.pid != proc.pid:
                deliver(proc, final=True)
                self._forget(num)
        # Locations that could not be placed before the program was loaded.
        target = gdb.selected_inferior()
        if target.pid and refusal(target) == "":
            for m in self.live():
                if target.num not in m.addresses:
                    self._adopt(m, target)


def _interactive() -> bool:
    """Whether a user at a terminal drives gdb (not -batch, not a script, not MI)."""
    import sys

    try:
        return sys.stdin.isatty() and bool(gdb.parameter("confirm"))
    except (gdb.error, RuntimeError, ValueError, OSError):
        return False


def _parent(pid: int) -> int:
    """PID's parent process id (0 when unknown)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("PPid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _alive(pid: int) -> bool:
    """Whether process PID runs (not gone, not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    status = stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3]
    return status not in (b"Z", b"X", b"x", b"t", b"T")


def _locations(bp: Any, num: int) -> list[Any]:
    """BP's locations in inferior NUM (gdb 13 knows each location's inferiors)."""
    out = []
    for loc in getattr(bp, "locations", None) or []:
        groups = getattr(loc, "thread_groups", None)
        if groups is None or num in groups:
            out.append(loc)
    return out


def _remake(bp: Any) -> int | None:
    """Delete breakpoint BP and make it again as it was; the new number (None: not remade)."""
    spec = bp.location
    if not spec:
        return None
    state = {name: getattr(bp, name, None) for name in (
        "condition", "enabled", "ignore_count", "thread", "task", "silent", "commands")}
    temporary, hardware = bp.temporary, bp.type != gdb.BP_BREAKPOINT
    try:
        bp.delete()
        new = gdb.Breakpoint(spec, gdb.BP_HARDWARE_BREAKPOINT if hardware else gdb.BP_BREAKPOINT,
                             temporary=temporary)
    except (gdb.error, RuntimeError):
        return None
    for name, value in state.items():
        if value not in (None, "") and not (name == "enabled" and value):
            try:
                setattr(new, name, value)
            except (gdb.error, RuntimeError, AttributeError, TypeError):
                pass
    return new.number


_trust_saved: str | None = None  # the user's trust-readonly-sections while probes are in


def _sync_trust(force: bool = False) -> None:
    """gdb reads code from the files, not the program, while uprobes are in it.

    A probe's trap is in the program's memory; gdb reading it there would
    disassemble ``int3``, misread the function's frame set-up when it places
    a breakpoint, and take it for a trap the program holds itself (which gdb
    skips over when a thread stops on it: gdb 18 crashed the program so).
    ``trust-readonly-sections`` makes gdb read read-only sections (code)
    from the files instead; the user's own value comes back when the last
    probe is out.
    """
    global _trust_saved
    wanted = force or any(proc.watches for proc in _procs.values())
    try:
        if wanted and _trust_saved is None:
            _trust_saved = "on" if gdb.parameter("trust-readonly-sections") else "off"
            if _trust_saved == "off":
                gdb.execute("set trust-readonly-sections on", to_string=True)
        elif not wanted and _trust_saved is not None:
            saved, _trust_saved = _trust_saved, None
            gdb.execute(f"set trust-readonly-sections {saved}", to_string=True)
    except (gdb.error, RuntimeError):
        pass


def _tid(th: gdb.InferiorThread) -> int:
    """TH's kernel thread id (the process id for a process's first thread, early on)."""
    return th.ptid[1] or th.ptid[0]


def _process(target: gdb.Inferior) -> _Process:
    proc = _procs.get(target.num)
    if proc is None or proc.pid != target.pid:
        if proc is not None:
            proc.close()
        proc = _procs[target.num] = _Process(target)
        for th in target.threads():  # known now: gone from gdb's list by the time it exits
            proc.gnums[_tid(th)] = th.global_num
    return proc


def _gdb_breakpoint_at(places: set[tuple[str, int]], mine: Any, num: int) -> int:
    """The number of a breakpoint (not MINE) with an enabled location at one of PLACES
    (file and offset) in inferior NUM; 0 if none."""
    for bp in gdb.breakpoints():
        if bp is mine or not bp.enabled:
            continue
        for loc in _locations(bp, num):
            if not loc.enabled:
                continue
            try:
                if location_file(int(loc.address), 0) in places:
                    return bp.number
            except Unprobeable:
                continue
    return 0


_permission: str | None = None


def refusal(target: gdb.Inferior) -> str:
    """Why uprobes cannot watch TARGET's process ('' when they can)."""
    global _permission
    if perf.ARCH not in perf.SYSCALLS or perf.ARCH != "x86_64":
        return f"uprobes are supported on x86-64 only ({perf.ARCH})"
    if target.pid == 0:
        return "there is no process"
    if len(gdb.inferiors()) > 1:
        return "several inferiors are debugged (the uprobe engine follows one process)"
    try:
        if not gdb.parameter("detach-on-fork") or gdb.parameter("follow-fork-mode") == "child":
            return ("gdb follows forked children (a child would hold copies of the probes' "
                    "traps)")
    except (gdb.error, RuntimeError):
        pass
    if not inferior.is_native(target):
        if inferior.is_core():
            return "a core file has no running program"
        return "the target is not a process of this machine (gdbserver, remote)"
    if _permission is None:
        _permission = perf.permitted() or ""
    return _permission


_engine: UprobeEngine | None = None


def get(forced: bool = False) -> UprobeEngine:
    """The uprobe engine (made once); FORCED: a location it cannot watch is an error."""
    global _engine
    if _engine is None:
        _engine = UprobeEngine()
    _engine.forced = forced
    return _engine


def describe(bp: Any) -> str:
    """What watches BP's locations (see :meth:`UprobeEngine.describe`)."""
    return "breakpoint" if _engine is None else _engine.describe(bp)
