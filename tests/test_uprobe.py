"""The uprobe engine (``set gdbext engine uprobe|auto``): real gdb, real programs, real uprobes.

Pure logic (prologue analysis, ``info scope`` parsing, the calling
convention) is tested without gdb.  The rest compares what tp and prof
report on both engines and checks what a user does around them: threads
created later, a breakpoint of their own on a probed function, attach,
detach, gdbserver, an unprivileged user.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gdbharness import REPO, assert_clean, run_batch, strip_ansi

sys.path.insert(0, str(REPO))
from gdbext.trace import capture as up
from gdbext.trace import perf

WHY_NOT = perf.permitted() if perf.ARCH == "x86_64" else "not x86-64"
needs_uprobes = pytest.mark.skipif(WHY_NOT is not None, reason=f"uprobes: {WHY_NOT}")


# --- pure logic -------------------------------------------------------------------------------

FIB_O0 = [
    (0x1149, "push   %rbp"),
    (0x114A, "mov    %rsp,%rbp"),
    (0x114D, "push   %rbx"),
    (0x114E, "sub    $0x18,%rsp"),
    (0x1152, "mov    %edi,-0x14(%rbp)"),
    (0x1155, "cmpl   $0x1,-0x14(%rbp)"),
    (0x1159, "jg     0x1160 <fib+23>"),
    (0x115B, "mov    -0x14(%rbp),%eax"),
    (0x115E, "jmp    0x117e <fib+53>"),
    (0x1160, "mov    -0x14(%rbp),%eax"),
    (0x1168, "call   0x1149 <fib>"),
    (0x117E, "mov    -0x8(%rbp),%rbx"),
    (0x1182, "leave"),
    (0x1183, "ret"),
]


def test_cfa_rule_follows_the_prologue() -> None:
    # At the entry: the return address only.  After push/mov/push/sub: rbp + 16, rsp + 48.
    assert up.cfa_rule(FIB_O0, 0x1149, 0x1149) == ("rsp", 8, 8)
    assert up.cfa_rule(FIB_O0, 0x1149, 0x114A) == ("rsp", 16, 16)
    assert up.cfa_rule(FIB_O0, 0x1149, 0x1155) == ("rbp", 16, 48)
    assert up.cfa_rule(FIB_O0, 0x1149, 0x1160) == ("rbp", 16, 48)
    # After the epilogue's leave: the stack pointer is not known from here.
    with pytest.raises(up.Unprobeable, match="stack pointer changes"):
        up.cfa_rule(FIB_O0, 0x1149, 0x1183)
    with pytest.raises(up.Unprobeable, match="not at an instruction"):
        up.cfa_rule(FIB_O0, 0x1149, 0x1156)
    realign = [(0, "push   %rbp"), (1, "mov    %rsp,%rbp"), (4, "and    $0xfffffffffffffff0,%rsp"),
               (8, "sub    $0x20,%rsp"), (12, "nop")]
    base, off, sp_off = up.cfa_rule(realign, 0, 12)
    assert (base, off, sp_off) == ("rbp", 16, None)
    frameless = [(0, "endbr64"), (4, "push   %r12"), (6, "sub    $0x10,%rsp"), (10, "nop")]
    assert up.cfa_rule(frameless, 0, 10) == ("rsp", 32, 32)
    with pytest.raises(up.Unprobeable, match="unknown amount"):
        up.cfa_rule([(0, "sub    %rax,%rsp"), (3, "nop")], 0, 3)


def test_scope_locations() -> None:
    text = (
        "Symbol n is a complex DWARF expression:\n     0: DW_OP_fbreg -36\n, length 4.\n"
        "Symbol x is a variable at frame base reg $rbp offset 16+-20, length 4.\n"
        "Symbol p is a variable in $rdi, length 8.\n"
        "Symbol counter is static storage at address 0x4010, length 4.\n"
        "Symbol n is a complex DWARF expression:\n     0: DW_OP_fbreg -12\n, length 4.\n"
        "Symbol gone is optimized out.\n"
    )
    assert up.scope_locations(text) == {
        "n": ("cfa", -36),  # the innermost n; the outer one is shadowed
        "x": ("reg", "rbp", -4),
        "p": ("in", "rdi"),
        "counter": None,
        "gone": None,
    }


def test_entry_point_and_arguments() -> None:
    # After gdb's frame set-up (push %rbp; mov %rsp,%rbp), the first push: no single-step.
    assert up.entry_point(FIB_O0, 0x1155) == (0x114D, True)
    cet = [(0, "endbr64"), (4, "push   %rbp"), (5, "mov    %rsp,%rbp"), (8, "sub    $0x10,%rsp"),
           (12, "mov    %edi,-0x4(%rbp)"), (15, "nop")]
    # Nothing cheap before: at the location, where the arguments are still in their
    # registers (only stored to the frame, which a leaf function keeps below the stack pointer).
    assert up.entry_point(cet, 15) == (15, True)
    assert up.entry_point(cet[:4], 8) == (8, True)
    clobber = [*cet[:4], (12, "mov    $0x0,%esi"), (17, "nop")]
    assert up.entry_point(clobber, 17) == (17, False)
    for asm in ("mov    %edi,-0x14(%rbp)", "sub    $0x18,%rsp", "mov    %rdi,%rax",
                "movl   $0x0,-0x4(%rbp)", "lea    0x10(%rsp),%rbx", "cmp    %rdi,%rsi",
                "movq   %xmm0,-0x8(%rbp)"):
        assert up.keeps_arguments(asm), asm
    for asm in ("mov    $0x0,%edi", "xor    %ecx,%ecx", "cltd", "lea    0x1(%rdi),%r8d",
                "movzbl %al,%edx", "rep stos %rax,%es:(%rdi)", "imul   %esi,%esi", "pop    %rsi"):
        assert not up.keeps_arguments(asm), asm
    with pytest.raises(up.Unprobeable, match="not every call"):
        up.entry_point(FIB_O0, 0x1160)
    seven = [(f"a{i}", "int", 8) for i in range(7)]
    assert up.abi_arguments(seven) == [
        ("in", "rdi", 0), ("in", "rsi", 0), ("in", "rdx", 0), ("in", "rcx", 0),
        ("in", "r8", 0), ("in", "r9", 0), ("cfa", "", 0),
    ]
    with pytest.raises(up.Unprobeable, match="'ratio' is not passed in an integer register"):
        up.abi_arguments([("n", "int", 4), ("ratio", "other", 8)])


def test_function_name_and_sections() -> None:
    assert up.function_name("fib") == "fib"
    assert up.function_name("ns::K::get(int, std::pair<int, int>) const") == "ns::K::get"
    assert up.function_name("operator()(int)") == "operator()"
    text = (
        "Exec file: `/work/build/fib', file type elf64-x86-64.\n"
        " [14]     0x555555555060->0x5555555551e2 at 0x00001060: .text ALLOC LOAD READONLY "
        "CODE HAS_CONTENTS\n"
        " [24]     0x555555558010->0x555555558018 at 0x00003010: .bss ALLOC\n"
        "Object file: `/usr/lib/debug/.build-id/7e/bc65.debug', file type elf64-x86-64.\n"
        " [11]     0x7ffff7fcb060->0x7ffff7ff0111 at 0x00001000: .text ALLOC READONLY CODE\n"
        "Object file: `/lib64/ld-linux-x86-64.so.2', file type elf64-x86-64.\n"
        " [11]     0x7ffff7fcb060->0x7ffff7ff0111 at 0x00001060: .text ALLOC LOAD READONLY "
        "CODE HAS_CONTENTS\n"
    )
    assert up.sections(text) == [
        ("/work/build/fib", 0x555555555060, 0x5555555551E2, 0x1060),
        ("/lib64/ld-linux-x86-64.so.2", 0x7FFFF7FCB060, 0x7FFFF7FF0111, 0x1060),
    ]


# --- real gdb ---------------------------------------------------------------------------------

def _fib_calls(n: int) -> int:
    calls = [1, 1]
    for _ in range(2, n + 1):
        calls.append(calls[-1] + calls[-2] + 1)
    return calls[n]


def _table_row(out: str, name: str) -> list[str]:
    for line in strip_ansi(out).splitlines():
        cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row for {name} in:\n{out}")


def _hits_text(out: str) -> list[str]:
    """The lines tp and prof print per hit, without times and without the program's own."""
    keep = []
    for line in out.splitlines():
        if re.match(r"^\S+ @ \S+:\d+$|^\S+\(.*\) @ \S+:\d+$|^\t", line) and "Cost:" not in line:
            keep.append(line)
    return keep


@needs_uprobes
def test_prof_counts_every_call_on_uprobes(demo_build: Path) -> None:
    out = run_batch(demo_build / "fib", ["set gdbext engine uprobe", "prof --quiet fib", "run",
                                         "prof"], args=["18"]).stdout
    assert_clean(out)
    calls = _fib_calls(18)
    row = _table_row(out, "fib")
    assert row[1:3] == [str(calls), str(calls)]
    listing = _table_row(out, "1")
    assert listing[-1] == "uprobe"
    assert "uses the breakpoint engine" not in out


@needs_uprobes
@pytest.mark.parametrize(("program", "commands", "args"), [
    ("tp_scalars", ["tp walk", "tp mixed"], []),
    ("fib", ["prof fib"], ["7"]),
    ("prof_threads", ["prof crunch"], []),
])
def test_both_engines_report_the_same(demo_build: Path, program: str, commands: list[str],
                                      args: list[str]) -> None:
    outs = {}
    for engine in ("breakpoint", "uprobe"):
        done = run_batch(demo_build / program,
                         [f"set gdbext engine {engine}", *commands, "run"], args=args)
        assert_clean(done.stdout)
        assert "uses the breakpoint engine" not in done.stdout
        hits = _hits_text(done.stdout)
        # Threads interleave differently from run to run: compare per thread's records.
        outs[engine] = sorted(hits) if program == "prof_threads" else hits
    assert outs["uprobe"] == outs["breakpoint"]
    assert len(outs["uprobe"]) > 10


@needs_uprobes
def test_threads_created_later_are_all_counted(demo_build: Path) -> None:
    out = run_batch(demo_build / "prof_threads",
                    ["set gdbext engine uprobe", "break main", "run", "prof --quiet crunch",
                     "tp --quiet crunch", "continue", "tp"]).stdout
    assert_clean(out)
    assert _table_row(out, "crunch")[1:3] == ["48", "48"]


@needs_uprobes
def test_cpu_and_wall_match_the_program_with_a_tracepoint_inside(demo_build: Path) -> None:
    # Each call is compared with what the program measured of that same call
    # (CLOCK_THREAD_CPUTIME_ID, printed by the call itself): a separate run
    # without gdb may differ by more than prof does on a busy machine.  How
    # close prof comes is measured by make bench (bench_uprobe, bench_nested).
    program = demo_build / "prof_cpu"
    out = run_batch(program, ["set gdbext engine uprobe", "prof burn", "tp --quiet burn",
                              "run"], args=["3", "20"]).stdout
    assert_clean(out)
    own = [int(x) / 1e9 for x in re.findall(r"burn\(20\): (\d+) ns cpu", out)]
    costs = re.findall(r"Cost: ([\d.]+) s wall, ([\d.]+) s cpu", out)
    assert len(costs) == len(own) == 3, out
    for (wall, cpu), spent in zip(costs, own):
        # Never shorter than the CPU the call used (to the microsecond prof prints),
        # and not inflated by the tracepoint's stops inside it.
        assert spent - 2e-6 <= float(cpu) <= 1.5 * spent, (cpu, spent)
        assert float(cpu) <= float(wall) + 2e-6, (cpu, wall)


@needs_uprobes
def test_a_user_breakpoint_on_a_profiled_function(demo_build: Path) -> None:
    calls = _fib_calls(8)
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "start", "prof --quiet fib", "break fib if n == 1",
        "continue", "info args", "delete 3", "continue",
    ], args=["8"]).stdout
    assert_clean(out)
    assert "Breakpoint 3, fib (n=1) at" in out
    assert _table_row(out, "fib")[1:3] == [str(calls), str(calls)]
    # Both set before the program runs: libraries load (gdb sets breakpoints again each
    # time), the user's breakpoint still stops after the prologue, with the right n.
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "prof --quiet fib", "break fib if n == 1", "run", "bt",
        "delete 2", "continue",
    ], args=["8"]).stdout
    assert_clean(out)
    assert re.search(r"Breakpoint 2, fib \(n=1\) at .*fib\.c:7", out)
    assert re.search(r"#1 +0x[0-9a-f]+ in fib \(n=2\)", out)  # backtraces unharmed
    assert _table_row(out, "fib")[1:3] == [str(calls), str(calls)]
    # On a probed address itself (prof's entry probe, after push %rbp; mov %rsp,%rbp):
    # the location moves to the breakpoint engine, counts stay exact.
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "start", "prof --quiet fib", "x/2i fib",
        "break *((char *) fib + 4)", "continue", "delete 4", "continue",
    ], args=["8"]).stdout
    assert_clean(out)
    assert "prof: 'fib' moves to the breakpoint engine: breakpoint 3 is at a probed address" in out
    assert "gdbext: breakpoint 3 is now breakpoint 4" in out
    assert re.search(r"<fib\+?0?>:\s+push\s+%rbp", out)  # the original instructions
    assert re.search(r"Breakpoint 4, (0x[0-9a-f]+ in )?fib \(", out)
    assert _table_row(out, "fib")[1:3] == [str(calls), str(calls)]


@needs_uprobes
def test_a_user_breakpoint_on_a_traced_line(demo_build: Path) -> None:
    """tp's probe is where 'break fib' goes: the user's breakpoint works, the program too.

    gdb took the probe's trap for the program's own where it had set the
    tracepoint's location again (at each library load): that location cannot
    go back to gdb in this process, so tp stops there, and comes back at the
    next run.
    """
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "start 5", "tp --quiet fib", "break fib if n == 3",
        "continue", "continue", "continue", "delete 4", "run",
    ]).stdout
    assert_clean(out)
    assert ("tp: 'fib' stops in this process (breakpoint 3 is at a probed address); it "
            "resumes at the next run, on the breakpoint engine") in out
    assert "gdbext: breakpoint 3 is now breakpoint 4" in out
    assert out.count("Breakpoint 4, fib (n=3) at") == 2
    assert out.count("fib(5) = 5") == 2 and out.count("exited normally") == 2
    assert re.findall(r"Tracepoint 'fib' Count: (\d+)", out) == ["0", "15"]
    # A prof on the same function: the tracepoint moves before prof's breakpoint is made.
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "start 5", "tp --quiet fib", "prof --quiet fib", "next",
        "next", "delete", "continue",
    ]).stdout
    assert_clean(out)
    assert "fib(5) = 5" in out and "exited normally" in out


@needs_uprobes
def test_disable_ignore_delete_and_run_again(demo_build: Path) -> None:
    out = run_batch(demo_build / "fib", [
        "set gdbext engine uprobe", "tp --quiet fib", "ignore 1 5", "run", "tp",
        "disable 1", "run", "tp", "enable 1", "run", "tp", "delete 1", "run",
    ], args=["6"]).stdout
    assert_clean(out)
    counts = re.findall(r"Tracepoint 'fib' Count: (\d+)", out)
    assert counts == ["20", "0", "25"], out  # 25 calls, 5 ignored; disabled: none; enabled
    assert "Inferior 1" in out and out.count("exited normally") == 4


def _attachable(program: Path, *args: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([str(program), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    time.sleep(0.3)
    return proc


def _compile(folder: Path, name: str, source: str, opt: str = "-O0") -> Path:
    """SOURCE built as FOLDER/NAME (with debug information, warnings as errors)."""
    src = folder / f"{name}.c"
    src.write_text(source)
    program = folder / name
    subprocess.run(["gcc", "-g", opt, "-Wall", "-Wextra", "-Werror", "-o", str(program),
                    str(src)], check=True)
    return program


@needs_uprobes
def test_attach_counts_every_call_and_detach_leaves_the_program_well(demo_build: Path,
                                                                        tmp_path: Path) -> None:
    program = _compile(tmp_path, "ticker", (
        "#include <stdio.h>\n#include <unistd.h>\n"
        "int tick(int i) { return i * 2; }\n"
        "int main(void) {\n  long sum = 0;\n  sleep(1);\n"
        "  for (int i = 0; i < 3000; i++) { sum += tick(i); usleep(300); }\n"
        "  printf(\"sum %ld\\n\", sum);\n  return 0;\n}\n"))
    proc = _attachable(program)
    try:
        out = run_batch(None, [
            "set gdbext engine uprobe", f"attach {proc.pid}", "prof --quiet tick", "continue",
        ], timeout=60).stdout
        assert_clean(out)
        assert _table_row(out, "tick")[1:3] == ["3000", "3000"]
        assert proc.wait(30) == 0
        assert proc.stdout is not None and b"sum 8997000" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = _attachable(program)
    try:
        out = run_batch(None, [
            "set gdbext engine uprobe", f"attach {proc.pid}", "tp --quiet tick",
            "python import time; time.sleep(0.5)", "detach",
        ], timeout=60).stdout
        assert_clean(out)
        assert proc.wait(30) == 0  # no trap left behind
        assert proc.stdout is not None and b"sum 8997000" in proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()


@needs_uprobes
def test_gdbserver_falls_back_or_refuses(demo_build: Path) -> None:
    if shutil.which("gdbserver") is None:
        pytest.skip("gdbserver is not installed")
    program = demo_build / "fib"
    target = f"target remote | gdbserver - {program} 6"
    out = run_batch(program, ["set gdbext engine auto", target, "prof --quiet fib",
                              "continue"]).stdout
    assert_clean(out)
    assert ("prof: 'fib' uses the breakpoint engine: the target is not a process of this "
            "machine (gdbserver, remote)") in out
    assert _table_row(out, "fib")[1:3] == ["25", "25"]
    out = run_batch(program, ["set gdbext engine uprobe", target, "prof --quiet fib"]).stdout
    assert_clean(out)
    assert ("prof: cannot use uprobes for 'fib': the target is not a process of this machine "
            "(gdbserver, remote)") in out


def test_unprivileged_user_falls_back(demo_build: Path) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to become nobody")
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="gdbext-nobody-"))
    os.chmod(home, 0o777)
    program = home / "fib"
    shutil.copy(demo_build / "fib", program)
    os.chmod(program, 0o755)
    argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
            "--inh-caps=-all", "gdb", "-nx", "-batch", "-iex", "set confirm off",
            "-ex", f"source {REPO / 'gdbext' / '__init__.py'}", "-ex", "set gdbext engine auto",
            "-ex", "prof --quiet fib", "-ex", "run", "--args", str(program), "7"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ["PATH"], "HOME": str(home),
                               "TERM": "dumb"}, check=False)
    shutil.rmtree(home, ignore_errors=True)
    out = done.stdout + done.stderr
    assert_clean(out)
    assert ("prof: 'fib' uses the breakpoint engine: perf_event_open is not permitted: uprobes "
            "need root, CAP_PERFMON or CAP_SYS_ADMIN") in out
    calls = str(_fib_calls(7))
    assert _table_row(out, "fib")[1:3] == [calls, calls]


def test_the_setting(demo_build: Path) -> None:
    out = run_batch(None, ["show gdbext engine", "set gdbext engine uprobe",
                           "show gdbext engine", "set gdbext engine sometimes"]).stdout
    assert "tp and prof watch the program with the engine auto." in out
    assert "tp and prof watch the program with the engine uprobe." in out
    assert 'Undefined item: "sometimes".' in out


@needs_uprobes
def test_at_a_terminal_hits_print_live_and_ctrl_c_stops_cleanly(gdb_session,
                                                                tmp_path: Path) -> None:
    program = _compile(tmp_path, "slow", (
        "#include <stdio.h>\n#include <unistd.h>\n"
        "int tick(int i) { usleep(2000); return i + 1; }\n"
        "int main(void) {\n  int sum = 0;\n"
        "  for (int i = 0; i < 100000; i++) sum += tick(i);\n"
        "  printf(\"sum %d\\n\", sum);\n  return 0;\n}\n"))
    gdb = gdb_session(program)
    gdb.cmd("set gdbext engine uprobe")
    gdb.cmd("set confirm on")  # a user at a terminal: hits print while the program runs
    gdb.cmd("tp tick")
    gdb.child.sendline("run")
    gdb.child.expect_exact("\ti(int: 5) [4]", timeout=30)  # printed live, not at a stop
    seen = gdb.child.before + gdb.child.after
    time.sleep(0.3)
    gdb.child.sendintr()
    out = gdb._expect_prompt(30)
    seen += out
    assert_clean(out)
    assert "Program received signal SIGINT" in out
    listing = gdb.cmd("tp")
    hits = int(_table_row(listing, "1")[3])
    assert hits > 10
    # Everything recorded before the stop is printed by the stop: the hits printed with it
    # end with the last one counted.  (Lines printed before it cannot all be checked: the
    # terminal drops the output it still holds when ^C is typed.)
    at_stop = re.findall(r"\ti\(int: (\d+)\) \[4\]", out)
    printed = re.findall(r"\ti\(int: (\d+)\) \[4\]", seen)
    assert (at_stop or printed)[-1] == str(hits - 1) or (not at_stop and int(printed[-1]) < hits)
    gdb.cmd("delete 1")
    gdb.cmd("set confirm off")
    gdb.child.sendline("kill")
    gdb._expect_prompt(30)
    gdb.child.sendline("quit")
    gdb.child.expect(__import__("pexpect").EOF, timeout=30)
    assert "Fatal signal" not in gdb.child.before


@needs_uprobes
def test_gdb_reads_the_code_not_the_probes_traps(tmp_path: Path) -> None:
    # -O2: sum's probe is on its first instruction, and a tracepoint on an inlined copy of
    # square stops (never-stopping) on the call to sum, so gdb steps into sum's first
    # instruction.  gdb must not take the probe's trap there for the program's own
    # (gdb 18 skipped it: SIGILL), nor show it in a disassembly; the user's own
    # trust-readonly-sections comes back when the probes are out.
    program = _compile(tmp_path, "inl", (
        "#include <stdio.h>\n#include <stdlib.h>\n"
        "static inline __attribute__((always_inline)) int square(int x) { return x * x + 1; }\n"
        "__attribute__((noinline)) int sum(int n) {\n  int s = 0;\n"
        "  for (int i = 0; i < n; i++) s += square(i);\n  return s;\n}\n"
        "int main(int argc, char **argv) {\n  int n = argc > 1 ? atoi(argv[1]) : 5;\n"
        "  printf(\"%d %d\\n\", sum(n), square(n));\n  return 0;\n}\n"), "-O2")
    out = run_batch(program, ["prof -q sum", "tp -q square", "break printf", "run",
                              "x/i sum", "show trust-readonly-sections", "continue",
                              "show trust-readonly-sections"], args=["5"]).stdout
    assert_clean(out)
    assert "SIGILL" not in out and "exited normally" in out
    assert _table_row(out, "sum")[1:3] == ["1", "1"]
    assert re.search(r"<sum\+?0?>:\s+test\s+%edi,%edi", out)  # the original instruction
    before, after = out.split("exited normally")
    assert "readonly sections is on" in before and "readonly sections is off" in after
