"""Where things are when a probe fires, worked out from code and debug information.

Pure logic (no gdb): the CFA at an address from the prologue's instructions,
where ``info scope`` says each variable lives, the calling convention's
registers, the file mappings of /proc/PID/maps.  x86-64 first; another
architecture is another set of tables here.  Used by the uprobe engine
(:mod:`gdbext.trace.uprobes`), tested in tests/test_uprobe.py.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

_PTR = 8  # x86-64: the return address's size

class Unprobeable(Exception):
    """This location cannot be watched by uprobes; ``str()`` says why, in a few words."""


# -- pure logic: prologues and variable locations ---------------------------------------------

def cfa_rule(code: list[tuple[int, str]], entry: int, pc: int) -> tuple[str, int, int | None]:
    """How to find the CFA at PC of the x86-64 function that starts at ENTRY.

    CODE: the function's instructions from ENTRY on, as ``(address, asm)``
    in gdb's AT&T syntax.  Returns ``(register, offset, sp_offset)``: the CFA
    is REGISTER plus OFFSET at PC, and the stack pointer plus SP_OFFSET
    (None when the stack pointer's distance is not known there).  Raises
    Unprobeable when an instruction before PC changes the stack or frame
    pointer in a way this does not follow.
    """
    base, off, sp_off = "rsp", _PTR, _PTR  # at the entry: the return address only
    for address, asm in code:
        if address >= pc:
            break
        text = asm.split("#")[0].strip()
        parts = text.split(None, 1)
        if not parts:
            continue
        op, args = parts[0], (parts[1].replace(" ", "") if len(parts) > 1 else "")
        writes_sp = args.endswith(",%rsp") or args.endswith(",%esp")
        writes_fp = args.endswith(",%rbp") or args.endswith(",%ebp")
        if op in ("push", "pushq"):
            if sp_off is not None:
                sp_off += _PTR
            if base == "rsp":
                off += _PTR
        elif op in ("mov", "movq") and args == "%rsp,%rbp":
            if sp_off is None:
                raise Unprobeable("the frame pointer is set from an unknown stack pointer")
            base, off = "rbp", sp_off
        elif op in ("sub", "subq", "add", "addq") and writes_sp:
            m = re.fullmatch(r"\$(0x[0-9a-f]+|\d+),%rsp", args)
            if m is None or sp_off is None:
                sp_off = None
                if base == "rsp":
                    raise Unprobeable("the stack pointer moves by an unknown amount")
                continue
            step = int(m.group(1), 0) * (1 if op.startswith("sub") else -1)
            sp_off += step
            if base == "rsp":
                off += step
        elif op in ("pop", "popq", "leave", "leaveq", "ret", "retq") or writes_sp:
            # Only after the prologue (an epilogue on another path, a realignment):
            # the stack pointer is not known any more; a frame pointer still is.
            if base == "rsp" or (op in ("pop", "popq") and args == "%rbp") \
                    or op in ("leave", "leaveq"):
                raise Unprobeable("the stack pointer changes before the location")
            sp_off = None
        elif writes_fp:
            raise Unprobeable("the frame pointer changes before the location")
    else:
        if code and pc > code[-1][0]:
            raise Unprobeable("the location is not in its function's code")
    if not any(address == pc for address, _ in code) and pc != entry:
        raise Unprobeable("the location is not at an instruction of its function")
    return base, off, sp_off


_SYMBOL = re.compile(r"^Symbol (\S+) is (.*?)(?=^Symbol |\Z)", re.MULTILINE | re.DOTALL)


def scope_locations(text: str) -> dict[str, tuple[Any, ...] | None]:
    """Where each symbol of ``info scope`` TEXT lives, innermost block first.

    ``("cfa", N)``: at the CFA plus N (``DW_OP_fbreg N`` with the CFA as the
    frame base, as GCC emits); ``("reg", R, N)``: at register R plus N;
    ``("in", R)``: in register R; None: anywhere else (static storage, a
    location list, optimised out, ...).
    """
    out: dict[str, tuple[Any, ...] | None] = {}
    for match in _SYMBOL.finditer(text):
        name, how = match.group(1), " ".join(match.group(2).split())
        if name in out:
            continue  # shadowed by an inner block's symbol of the same name
        found: tuple[Any, ...] | None = None
        m = re.fullmatch(r"a complex DWARF expression: 0: DW_OP_fbreg (-?\d+) , length \d+\.",
                         how)
        if m:
            found = ("cfa", int(m.group(1)))
        m = m or re.fullmatch(r"(?:a variable|an argument) at frame base reg \$(\w+) offset "
                              r"(-?\d+)\+(-?\d+), length \d+\.", how)
        if found is None and m:
            found = ("reg", m.group(1), int(m.group(2)) + int(m.group(3)))
        m2 = re.fullmatch(r"(?:a variable|an argument) in \$(\w+), length \d+\.", how)
        if found is None and m2:
            found = ("in", m2.group(1))
        out[name] = found
    return out


def function_name(print_name: str) -> str:
    """A function's name as a backtrace shows it: C++ parameters left out."""
    name = print_name
    if name.endswith(" const"):
        name = name[: -len(" const")]
    if not name.endswith(")"):
        return print_name
    depth = 0
    for i in range(len(name) - 1, -1, -1):
        if name[i] == ")":
            depth += 1
        elif name[i] == "(":
            depth -= 1
            if depth == 0:
                return name[:i] if i else print_name
    return print_name


#: The x86-64 System V registers of the first six integer-class arguments.
ARG_REGISTERS = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")
# Instructions the kernel runs for a uprobe without single-stepping them (x86-64:
# push, nop, jumps, calls); a probe elsewhere costs a single-step trap.
_EMULATED = re.compile(r"^(?:push[q]?\s+%r|nop)")
# What gdb's x86-64 prologue analysis reads at a function's start (endbr64, push %rbp,
# mov %rsp,%rbp): a probe's trap there would make gdb misplace breakpoints on the
# function at its next breakpoint re-set (a library loads).
_FRAME_SETUP = (re.compile(r"^endbr64$"), re.compile(r"^push[q]?\s+%rbp$"),
                re.compile(r"^mov[q]?\s+%rsp,\s*%rbp$"))


def entry_point(code: list[tuple[int, str]], pc: int) -> tuple[int, bool]:
    """Where to probe the calls that reach PC, and whether the argument registers still
    hold the arguments there.

    After the frame set-up gdb reads (``endbr64``, ``push %rbp``, ``mov
    %rsp,%rbp``), the first instruction the kernel runs without a single-step
    (a ``push``), else PC itself.  Raises Unprobeable when a branch lies
    between the function's start and PC (not every call would reach PC).
    """
    if not code:
        raise Unprobeable("its code cannot be read")
    for address, asm in code:
        if address >= pc:
            break
        if re.match(r"^(?:j[a-z]+|call|ret|loop)", asm.strip()):
            raise Unprobeable("not every call reaches the location")
    i = 0
    for pattern in _FRAME_SETUP:
        if i < len(code) and code[i][0] < pc and pattern.match(" ".join(code[i][1].split())):
            i += 1
    intact = True  # nothing so far wrote an argument register
    for address, asm in code[i:]:
        if address >= pc:
            break
        if _EMULATED.match(asm.strip()):
            return address, intact
        intact = intact and keeps_arguments(asm)
    return pc, intact


# Instructions whose only effect is on their last (AT&T destination) operand and the flags.
_PLAIN = re.compile(r"^(?:mov[a-z]*|lea[lq]?|sub[lq]?|add[lq]?|and[lq]?|or[lq]?|xor[lq]?|"
                    r"cmp[a-z]*|test[a-z]*)\s+(.*)$")
# Every name of an argument register's parts (rdi, edi, di, dil, r8, r8d, r8w, r8b, ...).
_ARG_PART = re.compile(r"^%(?:[re]?(?:di|si|dx|cx)|dil|sil|dl|dh|cl|ch|r[89][dwb]?)$")


def keeps_arguments(asm: str) -> bool:
    """Whether the instruction ASM (AT&T syntax) surely leaves the argument registers alone.

    True for a plain move, address computation or arithmetic whose destination
    is memory or another register (``mov %edi,-0x14(%rbp)``, ``sub $0x10,%rsp``);
    False for anything else, which may write one (implicitly or not).
    """
    m = _PLAIN.match(" ".join(asm.split()))
    if m is None:
        return False
    if m.group(0).startswith(("cmp", "test")):
        return True
    operands = m.group(1).split("#")[0].strip()
    if operands.endswith(")"):
        return True  # the destination is memory
    last = operands.rsplit(",", 1)[-1].strip()
    return not _ARG_PART.match(last)


def abi_arguments(args: list[tuple[str, int, int]]) -> list[tuple[str, str, int]]:
    """Where each argument is at a function's first instruction (x86-64 System V).

    ARGS: ``(name, type class, size)`` in order, the class ``"int"`` (integers,
    pointers, enums, bools, references) or anything else.  Returns ``("in",
    register, 0)`` or ``("cfa", "", offset from the CFA)`` per argument;
    raises Unprobeable for an argument of another class (floating point, a
    struct passed by value).
    """
    out: list[tuple[str, str, int]] = []
    used = 0
    slot = 0  # the first stack argument is just above the return address: at the CFA
    for name, cls, size in args:
        if cls != "int" or size > 8:
            raise Unprobeable(f"argument '{name}' is not passed in an integer register")
        if used < len(ARG_REGISTERS):
            out.append(("in", ARG_REGISTERS[used], 0))
            used += 1
        else:
            out.append(("cfa", "", slot))
            slot += _PTR
    return out


_SECTION = re.compile(r"^\s*\[\s*\d+\]\s+0x([0-9a-f]+)->0x([0-9a-f]+) at 0x([0-9a-f]+): \S+ (.*)$")
_OBJFILE = re.compile(r"^(?:Exec|Object) file: `(.*)', file type")


def sections(text: str) -> list[tuple[str, int, int, int]]:
    """``(file, start, end, file offset)`` of each section with contents in the file, from
    ``maint info sections -all-objects`` TEXT (addresses as gdb has them: relocated once
    the program is loaded, as linked before)."""
    out = []
    current = ""
    for line in text.splitlines():
        m = _OBJFILE.match(line)
        if m:
            current = m.group(1)
            continue
        m = _SECTION.match(line)
        if m and current and "HAS_CONTENTS" in m.group(4).split():
            out.append((current, int(m.group(1), 16), int(m.group(2), 16), int(m.group(3), 16)))
    return out
