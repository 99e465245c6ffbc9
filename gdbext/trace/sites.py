"""Call-site analysis for the breakpoint engine: where a function's calls start and end.

At the first hit of each entry address the engine disassembles the
function: a call is paired with its return by its frame address (the CFA,
the stack pointer before the call instruction), found from the stack
pointer at the entry plus a fixed offset, and returns are caught either on
the function's return instructions or, when it can leave through a tail
jump (or has no return instruction), at its return sites (the address its
caller resumes at, read from the stack at entry).  Where ``break FUNCTION``
stops is usually reached once per call; when it is not (an interpreter's
loop jumps back to the first statement, or a jump in the prologue skips it),
calls start at the function's entry address, where the engine puts a
breakpoint of its own (:func:`needs_entry`, ``Site.entry``).  The regular
expressions below match x86 as gdb's disassembler spells it.
"""

from __future__ import annotations

import re

import gdb

from gdbext import ui
from gdbext.trace import frames

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from gdbext.trace.stops import Accounting

# x86 return instructions (ret, retq, repz ret, bnd ret, ret $0x8, ...), and
# direct jumps with their target.  Plain strings: re compiles them at first use.
_RET = r"^(?:(?:rep[a-z]*|bnd|notrack)\s+)*(?:ret[lqw]?|lret[lqw]?)\b"
_JUMP = r"^(?:(?:bnd|notrack)\s+)?j[a-z]+\s+(0x[0-9a-f]+)\b"
_SP_REALIGN = r"^(?:and|mov|lea)[a-z]*\s+.*,%[re]?sp\s*$"


class Site:
    """One entry address of a profiled location: its function and how to pair returns.

    ``ok`` is False when calls entering here cannot be timed (``problem``
    says why): they are reported as entries without a frame address.
    """

    __slots__ = (
        "args", "cfa_off", "dynamic", "entry", "first", "function", "header", "ok", "pc",
        "problem", "ret_cfa_off", "rets", "solib", "use_return_sites",
    )

    def __init__(self, pc: int) -> None:
        self.pc = pc
        self.ok = False
        self.problem = ""
        self.function = "??"
        self.header = "??"
        self.args: tuple[Any, ...] = ()  # frames' entries for the arguments
        self.cfa_off = 0  # CFA minus the stack pointer, at this address
        self.dynamic = False  # the prologue realigns the stack: unwind at every hit
        self.rets: list[int] = []
        self.ret_cfa_off = 0
        self.use_return_sites = False
        self.solib: str | None = None  # the shared library the function is in (None: none)
        # When PC is reached more than once per call (a loop back to the first
        # statement): the function's entry address, where calls start (0: PC).
        self.entry = 0
        self.first = True  # no call has been seen yet (the first enters before the entry)


def analyse(frame: gdb.Frame, pc: int, acct: Accounting) -> Site:
    """Learn how to pair returns for the calls that enter at PC (FRAME: the newest)."""
    site = Site(pc)
    scope = frames.scope_at(frame)
    site.function = scope.function
    site.args = tuple(e for e in scope.entries if e.kind == frames.ARG)
    site.header = header(frame, scope, site.args)
    if frame.type() == gdb.INLINE_FRAME:
        # No call instruction, no frame of its own, no return: its calls are
        # counted, not timed (pairing them by frame address would mispair).
        outer = frame.older()
        into = outer.name() if outer is not None and outer.name() else "its caller"
        site.problem = (f"{site.function} is inlined into {into} at {pc:#x}: its calls "
                        "there are counted, not timed")
        return site
    sp = int(frame.read_register(acct.sp_name))
    older_sp = caller_sp(frame, acct.sp_name)
    block = function_block(frame)
    code: list[dict[str, Any]] = []
    if block is not None:
        try:
            code = frame.architecture().disassemble(block.start, block.end - 1)
        except gdb.error:
            code = []
    if code:
        assert block is not None
        start, end = block.start, block.end
        problem = entry_problem(code, start, pc)
        if problem and acct.x86 and pc != start and starts_function(block, pc):
            # 'prof FUNCTION' where the function loops back to its first
            # statement (an interpreter's main loop): calls start at its entry
            # address, where a breakpoint of the engine's own goes.
            site.entry = start
        elif problem:
            site.problem = (f"{problem}; its calls there are counted, not timed (prof times "
                            f"calls from the start of a function, e.g. 'prof {site.function}')")
            return site
        site.dynamic = any(
            re.match(_SP_REALIGN, i["asm"]) for i in code if start <= i["addr"] < pc
        )
        rets, leaves = exits(code, start, end)
        site.rets = rets
        site.use_return_sites = leaves or not rets or not acct.x86
    else:
        site.use_return_sites = True
    if older_sp is not None:
        site.cfa_off = older_sp - sp
    elif block is not None and pc == block.start and acct.x86:
        site.cfa_off = acct.ptr
    else:
        site.problem = (f"gdb cannot find the caller of {site.function}: its calls are "
                        "counted, not timed")
        return site
    if not site.use_return_sites:
        site.ret_cfa_off = acct.ptr  # at a ret, the stack pointer is at the return address
    site.ok = True
    return site


def caller_sp(frame: gdb.Frame, sp_name: str) -> int | None:
    """The stack pointer in FRAME's caller, i.e. FRAME's CFA; None when unknown."""
    try:
        older = frame.older()
        if older is None:
            return None
        return int(older.read_register(sp_name))
    except (gdb.error, ValueError):
        return None


def function_block(frame: gdb.Frame) -> gdb.Block | None:
    try:
        block = frame.block()
    except (gdb.error, RuntimeError):
        return None
    while block is not None and block.function is None:
        block = block.superblock
    return block


def entry_problem(code: list[dict[str, Any]], start: int, pc: int) -> str | None:
    """Why PC is not reached exactly once per call of the function at START, or None.

    Loops before PC are fine (stack probes); a return or a jump that can skip
    PC, or a jump back to it, are not.
    """
    if pc < start:
        return "it is not inside the function"
    for insn in code:
        addr, asm = insn["addr"], insn["asm"]
        if addr < pc and re.match(_RET, asm):
            return f"the function can return at {addr:#x} before reaching it"
        jump = re.match(_JUMP, asm)
        if jump is None:
            continue
        target = int(jump.group(1), 16)
        if addr < pc and not start <= target <= pc:
            return f"the jump at {addr:#x} can skip it"
        if addr >= pc and start <= target <= pc:
            return f"the jump at {addr:#x} comes back to it"
    return None


def exits(code: list[dict[str, Any]], start: int, end: int) -> tuple[list[int], bool]:
    """The addresses of the return instructions, and whether a jump leaves the function."""
    rets = []
    leaves = False
    for insn in code:
        asm = insn["asm"]
        if re.match(_RET, asm):
            rets.append(insn["addr"])
            continue
        jump = re.match(_JUMP, asm)
        if jump and not start <= int(jump.group(1), 16) < end:
            leaves = True  # a tail call: the callee returns for us
    return rets, leaves


def header(frame: gdb.Frame, scope: frames.Scope, args: tuple[Any, ...]) -> str:
    """``fib(int) @ fib.c:5``: the function with its argument types, where it is defined."""
    name = scope.signature
    if "(" not in name:
        name = f"{scope.function}({', '.join(a.type for a in args)})"
    file, line = scope.file, scope.line
    try:
        function = frame.function()
    except gdb.error:
        function = None
    if function is not None and function.symtab is not None and function.line:
        file, line = function.symtab.filename, function.line
    return f"{name} @ {file}:{line}"


def check_entry(location: str, pc: int) -> None:
    """``gdb.GdbError`` unless PC is reached once per call of its function (not in a loop).

    The place ``break FUNCTION`` stops at is accepted even in a loop: calls
    of FUNCTION are then taken from its entry address.
    """
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        block = None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None or pc == block.start:
        return
    try:
        code = gdb.selected_inferior().architecture().disassemble(block.start, block.end - 1)
    except gdb.error:
        return
    problem = entry_problem(code, block.start, pc)
    if problem and not starts_function(block, pc):
        name = block.function.print_name
        raise gdb.GdbError(f"{location} is not where {name} starts ({problem}); "
                           f"profile the function instead: prof {name}")


def needs_entry(pc: int) -> str | None:
    """For PC where ``break FUNCTION`` stops, when that place is reached more than once per
    call of FUNCTION or can be jumped over: ``*FUNCTION`` as a location (its entry address),
    else None.  Read from the code, before the program runs too.
    """
    try:
        block = gdb.block_for_pc(pc)
    except RuntimeError:
        return None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None or pc == block.start or not starts_function(block, pc):
        return None
    try:
        arch = gdb.selected_inferior().architecture()
        if not arch.name().startswith("i386"):
            return None
        code = arch.disassemble(block.start, block.end - 1)
    except (gdb.error, RuntimeError):
        return None
    if entry_problem(code, block.start, pc) is None:
        return None
    function = block.function
    symtab = function.symtab
    if function.is_variable or symtab is None or gdb.lookup_global_symbol(function.name):
        return f"*{function.name}"
    return f"*'{symtab.filename}'::{function.name}"


def starts_function(block: gdb.Block, pc: int) -> bool:
    """Whether PC is where ``break FUNCTION`` puts a breakpoint, FUNCTION being BLOCK's."""
    try:  # gdb skips the prologue: the function's first line ends there
        line = gdb.find_pc_line(block.start)
    except (gdb.error, RuntimeError):
        return False
    last = getattr(line, "last", None)
    return line.pc == block.start and last is not None and last + 1 == pc


def describe_error(location: str, pc: int, exc: BaseException) -> str:
    return f"{location}: cannot analyse the code at {pc:#x} ({ui.first_line(exc)}): " \
           "its calls there are counted, not timed"
