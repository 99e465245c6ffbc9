"""dm: memory regions to files, on demo_c/dm_regions under a real gdb.

One gdb session, stopped in stop_here, is shared by the tests on the live
process (dm only reads memory); each test dumps into its own tmp_path.
dm_regions fills its memory deterministically, so the expected bytes are
rebuilt here; whole regions are also compared with gdb's `dump memory`.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from gdbharness import GdbSession, assert_clean, run_batch

HEAP_LEN = 64 * 1024
ANON_LEN = 1024 * 1024
MARKER = b"DM-STACK-MARKER-0123456789abcdef"
FILE_NAME = re.compile(r"^(\d+)-(0x[0-9a-f]+)-(0x[0-9a-f]+)-([A-Za-z0-9._+-]+)\.bin$")
# A --list row: start, end, size (e.g. "132 KiB"), perms, offset, name.
REGION_ROW = re.compile(
    r"^\s*(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+ \S+\s+(\S+)\s+(0x[0-9a-f]+)\s*(.*)$"
)


def pattern(length: int, mul: int, add: int) -> bytes:
    return bytes((i * mul + add) & 0xFF for i in range(length))


HEAP_BYTES = b"DMHEAP--" + pattern(HEAP_LEN, 7, 3)
ANON_BYTES = b"DMANON--" + pattern(ANON_LEN, 13, 5)


class Live:
    """The shared session and what tests need to know about it."""

    def __init__(self, session: GdbSession) -> None:
        self.gdb = session
        self.pid = self.python_int("print(gdb.selected_inferior().pid)")

    def python_int(self, code: str) -> int:
        return int(self.gdb.cmd(f"python {code}").strip())

    def value(self, expr: str) -> int:
        out = self.gdb.cmd(f"print/x (unsigned long)({expr})")
        return int(out.split("=")[-1], 16)

    def dm(self, folder: Path, args: str) -> str:
        self.gdb.cmd(f"set gdbext dump-dir {folder}")
        return self.gdb.cmd(f"dm {args}", timeout=60)

    def region(self, name: str) -> tuple[int, int]:
        """START, END of the first region called NAME in `info proc mappings`."""
        for line in self.gdb.cmd("info proc mappings").splitlines():
            fields = line.split()
            if len(fields) >= 6 and fields[0].startswith("0x") and " ".join(fields[5:]) == name:
                return int(fields[0], 16), int(fields[1], 16)
        raise AssertionError(f"no region {name}")


@pytest.fixture(scope="module")
def live(demo_build: Path) -> Iterator[Live]:
    session = GdbSession(demo_build / "dm_regions")
    try:
        session.cmd("break stop_here")
        out = session.cmd("run", timeout=60)
        assert "Breakpoint 1, stop_here" in out, out
        yield Live(session)
    finally:
        session.close()


def bin_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix == ".bin")


def manifests(folder: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def reference(live: Live, folder: Path, start: int, end: int) -> bytes:
    """The bytes of [start, end) as gdb's own `dump memory` writes them."""
    path = folder / "reference.raw"
    live.gdb.cmd(f"dump binary memory {path} {start:#x} {end:#x}")
    data = path.read_bytes()
    path.unlink()
    return data


def test_heap_and_stack_are_byte_exact(live, tmp_path):
    out = live.dm(tmp_path, "[heap]")
    out += "\n" + live.dm(tmp_path, r"\[stack\]")
    heap, stack = live.region("[heap]"), live.region("[stack]")
    files = bin_files(tmp_path)
    assert [f.name for f in files] == [
        f"{live.pid}-{heap[0]:#x}-{heap[1]:#x}-heap.bin",
        f"{live.pid}-{stack[0]:#x}-{stack[1]:#x}-stack.bin",
    ], out
    heap_data, stack_data = files[0].read_bytes(), files[1].read_bytes()
    assert heap_data == reference(live, tmp_path, *heap)
    assert stack_data == reference(live, tmp_path, *stack)
    # The program's own pattern, where the program put it.
    at = live.value("heap_buf") - heap[0]
    assert heap_data[at : at + len(HEAP_BYTES)] == HEAP_BYTES
    live.gdb.cmd("up")
    try:
        at = live.value("&marker") - stack[0]
    finally:
        live.gdb.cmd("down")
    assert stack_data[at : at + len(MARKER)] == MARKER
    # One line per file (path, size, permissions) and a total.
    for f in files:
        assert re.search(rf"^{re.escape(str(f))}  {f.stat().st_size} bytes \(.*\)  rw-p$",
                         out, re.M), out
    assert out.count("total: 1 file, ") == 2


def test_a_pattern_matching_several_regions_gives_one_file_each(live, tmp_path):
    program_regions = [
        line.split() for line in live.gdb.cmd("info proc mappings").splitlines()
        if line.rstrip().endswith("/dm_regions")
    ]
    assert len(program_regions) >= 4
    out = live.dm(tmp_path, "/dm_regions$")
    files = bin_files(tmp_path)
    assert len(files) == len(program_regions), out
    for f, fields in zip(files, program_regions):
        start, end = int(fields[0], 16), int(fields[1], 16)
        assert f.name == f"{live.pid}-{start:#x}-{end:#x}-dm_regions.bin"
        assert f.read_bytes() == reference(live, tmp_path, start, end)
    assert f"total: {len(files)} files" in out
    (manifest,) = manifests(tmp_path)
    assert [e["file"] for e in manifest["files"]] == [f.name for f in files]


def test_manifest_lists_each_file_and_restore_reloads_it(live, tmp_path):
    out = live.dm(tmp_path, "[heap]")
    (manifest,) = manifests(tmp_path)
    start, end = live.region("[heap]")
    (entry,) = manifest["files"]
    assert manifest["pid"] == live.pid and manifest["source"] == "process"
    assert manifest["command"] == "dm [heap]"
    assert entry == {
        "file": f"{live.pid}-{start:#x}-{end:#x}-heap.bin",
        "path": str(tmp_path / entry["file"]),
        "start": f"{start:#x}", "end": f"{end:#x}", "size": end - start,
        "perms": "rw-p", "offset": "0x0", "name": "[heap]",
        "bytes": end - start, "complete": True,
        "restore": f"restore {tmp_path / entry['file']} binary {start:#x}",
    }
    assert f"manifest: {tmp_path}/{live.pid}-dm-" in out
    # Spoil the pattern, then reload the dump with the manifest's command.
    byte = "((unsigned char *)heap_buf)[8]"
    live.gdb.cmd(f"set var {byte} = {byte} + 1")
    assert live.value(byte) == HEAP_BYTES[8] + 1
    live.gdb.cmd(entry["restore"])
    assert live.value(byte) == HEAP_BYTES[8]


def test_two_dumps_in_a_row_never_overwrite(live, tmp_path):
    live.dm(tmp_path, "[heap]")
    (first,) = bin_files(tmp_path)
    before = first.read_bytes(), first.stat().st_mtime_ns
    # A file and a symlink where the next names would go must survive too.
    outside = tmp_path / "outside"
    outside.mkdir()
    taken = tmp_path / first.name.replace(".bin", "-1.bin")
    taken.write_bytes(b"mine")
    trap = tmp_path / first.name.replace(".bin", "-2.bin")
    trap.symlink_to(outside / "target")
    out = live.dm(tmp_path, "[heap]")
    second = tmp_path / first.name.replace(".bin", "-3.bin")
    assert f"{second}  " in out, out
    assert (first.read_bytes(), first.stat().st_mtime_ns) == before
    assert taken.read_bytes() == b"mine" and trap.is_symlink()
    assert list(outside.iterdir()) == []
    assert second.read_bytes() == before[0]
    assert len(manifests(tmp_path)) == 2  # one manifest per call, never overwritten


def test_list_shows_regions_and_writes_nothing(live, tmp_path):
    out = live.dm(tmp_path, "--list .")
    assert list(tmp_path.iterdir()) == []
    assert out.splitlines()[0].endswith("for '.' (nothing written):")
    rows = {m.group(5): m for m in map(REGION_ROW.match, out.splitlines()[2:]) if m}
    start, end = live.region("[heap]")
    assert rows["[heap]"].group(1, 2, 3, 4) == (f"{start:#x}", f"{end:#x}", "rw-p", "0x0")
    assert "[stack]" in rows and "[vvar]" in rows
    out = live.dm(tmp_path, "--list --addr anon")
    assert list(tmp_path.iterdir()) == []
    assert "1 region of process" in out and "rw-p" in out


def test_addr_reaches_anonymous_memory(live, tmp_path):
    out = live.dm(tmp_path, "--addr anon + 4096")  # the expression is the rest of the line
    (dump,) = bin_files(tmp_path)
    match = FILE_NAME.match(dump.name)
    assert match and match.group(4) == "anon", out
    start, end = int(match.group(2), 16), int(match.group(3), 16)
    at = live.value("anon") - start
    data = dump.read_bytes()
    assert len(data) == end - start
    assert data[at : at + len(ANON_BYTES)] == ANON_BYTES
    assert data == reference(live, tmp_path, start, end)


def test_unreadable_regions_are_skipped_and_partial_ones_kept(live, tmp_path):
    out = live.dm(tmp_path, r"\[vvar\]")
    assert re.search(r"^note: skipped \[vvar\] 0x[0-9a-f]+-0x[0-9a-f]+: cannot be read", out,
                     re.M), out
    assert "total: no file written, 1 region skipped" in out
    out = live.dm(tmp_path, "--addr guard")  # a PROT_NONE page, ---p
    assert re.search(r"^note: skipped \(anonymous\) .*: not readable \(---p\)$", out, re.M), out
    out = live.dm(tmp_path, "--addr partial")  # 4 pages, only the first backed
    partial = live.value("partial")
    boundary = partial + 4096
    assert re.search(
        rf"only the first 4096 of 16384 bytes could be read \(unreadable from {boundary:#x}\)",
        out,
    ), out
    (dump,) = bin_files(tmp_path)
    assert dump.read_bytes() == b"P" * 4096
    (manifest,) = manifests(tmp_path)
    assert manifest["files"][0]["complete"] is False and manifest["files"][0]["bytes"] == 4096
    assert not out.startswith("dm:")  # notes, not a failure


def test_max_size_refuses_bigger_regions(live, tmp_path):
    out = live.dm(tmp_path, "--max-size 64K [heap]")
    assert "is more than --max-size 64 KiB" in out and bin_files(tmp_path) == []
    out = live.dm(tmp_path, "--max-size=1M --addr anon")  # 1 MiB + 8 bytes, and more
    assert re.search(r"[\d.]+ MiB is more than --max-size 1 MiB$", out, re.M), out
    start, end = live.region("[heap]")
    out = live.dm(tmp_path, f"--max-size {end - start:#x} [heap]")  # exactly the size: fine
    assert len(bin_files(tmp_path)) == 1, out


def test_region_names_never_leave_the_dump_folder(live, tmp_path):
    # dm_regions maps a memfd called "../../../../tmp/dm-evil\nname".
    folder = tmp_path / "a" / "b"  # created by dm
    out = live.dm(folder, "evil")
    (dump,) = bin_files(folder)
    assert dump.name.endswith("-dm-evil_012name_deleted.bin"), out
    assert {p.name for p in tmp_path.rglob("*") if p.is_file()} == {
        dump.name, *(p.name for p in folder.glob("*.json"))
    }
    code = (
        "from gdbext.dumper import safe_stem; "
        "print(repr([safe_stem(n) for n in ('', '..', '/', '../../x', 'a\\nb', 'a\\0b', "
        "'[heap]', '/memfd:x (deleted)', 'ünï', 'x' * 300, '.hidden', '-rf')]))"
    )
    stems = eval(live.gdb.cmd(f"python {code}"))  # a list of str, printed by repr
    assert stems == ["anon", "region", "region", "x", "a_b", "a_b", "heap", "memfd_x_deleted",
                     "n", "x" * 64, "hidden", "rf"]


def test_errors_are_one_line_naming_dm(live, tmp_path):
    cases = {
        "dm (": "dm: invalid regular expression '(': missing ), unterminated subpattern",
        "dm": "dm: missing PATTERN or --addr EXPR; usage: dm",
        "dm --bogus": "dm: unknown option '--bogus'",
        "dm --max-size 12Q [heap]": "dm: --max-size: cannot read '12Q' as a size",
        "dm --addr": "dm: --addr needs an expression",
        "dm --addr no_such_symbol": "dm: cannot evaluate 'no_such_symbol': No symbol",
        "dm --addr 16": "dm: no memory region contains 0x10 ('16')",
        "dm [nosuch]": "dm: no region is named [nosuch]",
        "dm nothing-is-called-this": "dm: no region's name matches 'nothing-is-called-this'",
        "dm [heap] --list": "dm: options go before PATTERN ('--list')",
    }
    live.gdb.cmd(f"set gdbext dump-dir {tmp_path}")
    for command, message in cases.items():
        out = live.gdb.cmd(command)
        assert out.startswith(message) and "\n" not in out, (command, out)
    assert list(tmp_path.iterdir()) == []


def test_completion_offers_options_and_expressions(live):
    assert live.gdb.cmd("complete dm --li").splitlines() == ["dm --list"]
    assert set(live.gdb.cmd("complete dm --").splitlines()) == {
        "dm --list", "dm --addr", "dm --max-size"}
    assert "dm --list --addr heap_buf" in live.gdb.cmd("complete dm --list --addr heap_b")
    assert live.gdb.cmd("complete dm [he") == ""  # a regex: nothing to offer


def test_core_file_gives_the_same_bytes(live, tmp_path, demo_build):
    live_dir, core_dir = tmp_path / "live", tmp_path / "core"
    core = tmp_path / "dm_regions.core"
    live.dm(live_dir, "[heap]")
    live.dm(live_dir, "--addr anon")
    live.gdb.cmd(f"gcore {core}", timeout=60)
    out = run_batch(
        demo_build / "dm_regions",
        [f"core-file {core}", f"set gdbext dump-dir {core_dir}",
         "dm [heap]", "dm --addr anon", "dm --list [stack]", "dm --addr $sp"],
    ).stdout
    assert_clean(out)
    from_live, from_core = bin_files(live_dir), bin_files(core_dir)
    assert [f.name for f in from_core[:2]] == [f.name for f in from_live], out
    for a, b in zip(from_live, from_core):
        assert a.read_bytes() == b.read_bytes()
    stack = live.region("[stack]")
    assert from_core[2].name == f"{live.pid}-{stack[0]:#x}-{stack[1]:#x}-stack.bin"
    assert all(m["source"] == "core file" for m in manifests(core_dir))
    assert re.search(rf"^{stack[0]:#x}  {stack[1]:#x}  .*  rw-  .*\[stack\]$", out, re.M), out


def test_no_process_is_a_clear_error(demo_build, tmp_path):
    message = "dm: no process: start the program (run, start), attach to one, or load a core"
    for program in (demo_build / "dm_regions", None):
        out = run_batch(program, ["dm [heap]", "dm --list .", "dm --addr main"], cwd=tmp_path)
        assert_clean(out.stdout)
        assert out.stdout.count(message) == 3, out.stdout
    assert list(tmp_path.iterdir()) == []


def test_attached_process(demo_build, tmp_path):
    proc = subprocess.Popen([demo_build / "dm_regions", "wait"], stdout=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        while line and not line.startswith("pid "):
            line = proc.stdout.readline()
        out = run_batch(None, [f"attach {proc.pid}", f"set gdbext dump-dir {tmp_path}",
                               "dm [heap]", "detach"]).stdout
        assert_clean(out)
        if "ptrace: Operation not permitted" in out:
            pytest.skip("this machine does not allow attaching")
        (dump,) = bin_files(tmp_path)
        assert dump.name.startswith(f"{proc.pid}-") and dump.name.endswith("-heap.bin"), out
        assert HEAP_BYTES in dump.read_bytes()
    finally:
        proc.kill()
        proc.wait()


def test_help(live):
    out = live.gdb.cmd("help dm")
    assert out.startswith("Dump memory regions of the program, each to its own new file.")
    for text in ("Usage: dm", "--addr EXPR", "--list", "--max-size", "dump-dir",
                 "restore FILE binary START", "Examples:"):
        assert text in out
