"""What ``dm`` does: dump memory regions, each to its own new file, with a manifest.

The command (its name, help text and TAB completion) is
:mod:`gdbext.commands.dm`; this module is imported at the first ``dm``, so
loading gdbext does not compile it.
"""

from __future__ import annotations

import os
import time

import gdb

from gdbext import inferior, settings, ui
from gdbext.dm_options import Options as _Options
from gdbext.dm_options import is_pseudo_name as _is_pseudo_name
from gdbext.dm_options import parse as _parse
from gdbext.regions import printable, safe_stem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from gdbext.inferior import Region

# Bytes per read_memory call, each written out before the next read.  Measured
# here on a 256 MiB region (bench/bench_dm.py; medians of 5, GB/s): 64 KiB 2.4,
# 256 KiB-1 MiB 2.7-2.8, 4 MiB 2.4, 8 MiB 2.1-2.5, 16 MiB 1.9, against 1.15
# for `dump memory`, which reads the whole region into one buffer first.
# Small chunks stay in the CPU caches between the read and the write; a
# writer thread (overlapping the two) and buffered files measured no faster.
CHUNK = 1024 * 1024
PAGE = inferior.PAGE
MAX_SUFFIX = 10000  # -1 ... -9999 before giving up on a file name


# -- the command's work -------------------------------------------------------


def run(cmd: ui.Command, arg: str) -> None:
    """What ``dm ARG`` does; CMD is the command, for its errors."""
    options = _parse(arg)
    regions = inferior.memory_regions()
    chosen = _select(cmd, options, regions)
    if options.list:
        _write_listing(options, chosen)
        return
    _Dump(options, arg).run(chosen)


def _select(cmd: ui.Command, options: _Options, regions: list[Region]) -> list[Region]:
    if options.addr is not None:
        address = _address_of(options.addr)
        region = inferior.region_containing(address, regions)
        if region is None:
            cmd.fail(
                f"no memory region contains {address:#x} ('{options.addr}'); "
                "'dm --list .' shows the named ones"
            )
        return [region]
    import re

    pattern = options.pattern or ""
    if _is_pseudo_name(pattern):
        # [heap] as a regex is a character class, never what is meant.
        chosen = [r for r in regions if r.name == pattern]
        if not chosen:
            cmd.fail(
                f"no region is named {pattern} (a program that has not allocated "
                "yet has no [heap]); 'dm --list .' shows the names"
            )
        return chosen
    try:
        rx = re.compile(pattern)
    except re.error as exc:
        cmd.fail(f"invalid regular expression '{pattern}': {exc}")
    chosen = [r for r in regions if r.name and rx.search(r.name)]
    if not chosen:
        cmd.fail(
            f"no region's name matches '{options.pattern}' "
            "('dm --list .' shows the names; anonymous regions need --addr EXPR)"
        )
    return chosen


def _address_of(expr: str) -> int:
    """The address EXPR stands for: a pointer's value, an object's address, a number."""
    try:
        value = gdb.parse_and_eval(expr)
        vtype = value.type.strip_typedefs()
        if vtype.code in (gdb.TYPE_CODE_REF, gdb.TYPE_CODE_RVALUE_REF):
            value = value.referenced_value()
            vtype = value.type.strip_typedefs()
        if vtype.code in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM):
            return int(value) & 0xFFFFFFFFFFFFFFFF
        if value.address is not None:
            return int(value.address)
    except gdb.error as exc:
        raise gdb.GdbError(f"dm: cannot evaluate '{expr}': {ui.first_line(exc)}") from None
    raise gdb.GdbError(
        f"dm: '{expr}' has no address (type {value.type}); give a pointer, "
        "an object or a number"
    )


# -- Output ------------------------------------------------------------------


def human(size: int) -> str:
    """SIZE in bytes as 512 B, 4 KiB, 1.5 MiB, 256 MiB."""
    amount = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if amount < 1024 or unit == "TiB":
            if unit == "B" or amount == int(amount):
                return f"{int(amount)} {unit}"
            return f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{size} B"  # not reached


def _describe(region: Region) -> str:
    name = printable(region.name) if region.name else "(anonymous)"
    return f"{name} {region.start:#x}-{region.end:#x}"


def _write_listing(options: _Options, regions: list[Region]) -> None:
    rows = [
        (
            f"{r.start:#x}",
            f"{r.end:#x}",
            human(r.size),
            r.perms or "?",
            f"{r.offset:#x}",
            printable(r.name),
        )
        for r in regions
    ]
    header = ("Start", "End", "Size", "Perms", "Offset", "Name")
    widths = [max([len(header[i])] + [len(row[i]) for row in rows]) for i in range(5)]
    what = f"'{options.pattern}'" if options.addr is None else f"--addr {options.addr}"
    count = f"{len(rows)} region{'s' if len(rows) != 1 else ''}"
    lines = [f"{count} of process {inferior.pid()} for {what} (nothing written):"]
    for row in (header, *rows):
        cells = [row[i].rjust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells) + "  " + row[5])
    ui.write("\n".join(lines).rstrip() + "\n")


# -- Dumping -------------------------------------------------------------------


def dump_folder() -> str:
    """The absolute dump folder ('set gdbext dump-dir'), created if missing."""
    setting = settings.value("dump-dir") or ""
    folder = os.path.abspath(os.path.expanduser(setting)) if setting else os.getcwd()
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise gdb.GdbError(f"dm: the dump folder {folder} is not a directory")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise gdb.GdbError(
            f"dm: cannot create the dump folder {folder}: {exc.strerror or exc}"
        ) from None
    return folder


_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(
    os, "O_CLOEXEC", 0
)


def create_new(folder: str, stem: str, extension: str) -> tuple[int, str]:
    """Create a new file FOLDER/STEM.EXT (or STEM-1.EXT, ...): its fd and path.

    Opened with O_EXCL, so an existing file (or symlink) is never written
    to.  STEM must not hold '/'.
    """
    if "/" in stem or "\0" in stem or stem.startswith("."):
        raise gdb.GdbError(f"dm: refusing the unsafe file name {stem!r}")
    for n in range(MAX_SUFFIX):
        path = os.path.join(folder, f"{stem}{'-' + str(n) if n else ''}.{extension}")
        if os.path.dirname(path) != folder:  # cannot happen; belt and braces
            raise gdb.GdbError(f"dm: refusing to write outside {folder}")
        try:
            return os.open(path, _FLAGS, 0o600), path
        except FileExistsError:
            continue
        except OSError as exc:
            raise gdb.GdbError(f"dm: cannot create {path}: {exc.strerror or exc}") from None
    raise gdb.GdbError(f"dm: {MAX_SUFFIX} files named {stem}*.{extension} exist already")


def write_all(fd: int, data: Any, length: int) -> None:
    """Write LENGTH bytes of DATA (any buffer) to FD, however many calls it takes."""
    done = os.write(fd, data)
    if done < length:
        view = memoryview(data).cast("B")
        while done < length:
            done += os.write(fd, view[done:])


class _Reader:
    """The bytes of [start, end) in CHUNK-sized buffers, up to the first unreadable page.

    After iterating, ``failed_at`` is the first address that could not be read
    (None when everything was).  A chunk that fails is read again page by
    page, so a partly readable region yields everything up to the boundary.
    """

    def __init__(self, start: int, end: int, chunk: int | None = None) -> None:
        self.start, self.end, self.chunk = start, end, chunk or CHUNK
        self.failed_at: int | None = None
        self.error = ""

    def __iter__(self) -> Iterator[tuple[Any, int]]:
        read = gdb.selected_inferior().read_memory
        pos, end, pagewise_until = self.start, self.end, self.start
        while pos < end:
            if pos < pagewise_until:
                length = min(PAGE - pos % PAGE, end - pos)
            else:
                length = min(self.chunk, end - pos)
            try:
                data = read(pos, length)
            except gdb.MemoryError as exc:
                if pos < pagewise_until or length <= PAGE - pos % PAGE:
                    self.failed_at, self.error = pos, ui.first_line(exc)
                    return
                pagewise_until = pos + length
                continue
            yield data, length
            pos += length


class _Dump:
    """One dm call: files, notes and the manifest."""

    def __init__(self, options: _Options, arg: str) -> None:
        self.options, self.arg = options, arg
        self.pid = inferior.pid()
        self.folder = dump_folder()
        self.files: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.total = 0

    def run(self, regions: list[Region]) -> None:
        started = time.perf_counter()
        try:
            for region in regions:
                self._one(region)
        except BaseException as exc:
            # Interrupted (Ctrl-C), disk full, process gone: what was written
            # stays, and the manifest says so.
            try:
                manifest = self._manifest() if self.files else None
            except (OSError, gdb.error):
                manifest = None
            why = "interrupted" if isinstance(exc, KeyboardInterrupt) else ui.first_line(exc)
            why = why[len("dm: ") :] if why.startswith("dm: ") else why
            kept = ""
            if manifest:
                last = "" if self.files[-1]["complete"] else ", the last one incomplete"
                kept = f"; {len(self.files)} file(s) kept{last}, listed in {manifest}"
            raise gdb.GdbError(f"dm: {why}{kept}") from None
        seconds = time.perf_counter() - started
        if not self.files:
            count = f"{len(self.skipped)} region{'s' if len(self.skipped) != 1 else ''}"
            ui.write(f"total: no file written, {count} skipped\n")
            return
        manifest = self._manifest()
        rate = f", {self.total / seconds / 1e9:.2f} GB/s" if self.total >= 1 << 24 else ""
        count = f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}"
        ui.write(
            f"total: {count}, {human(self.total)} ({self.total} bytes) in {seconds:.2f} s{rate}\n"
            f"manifest: {manifest}\n"
        )

    def _skip(self, region: Region, reason: str) -> None:
        ui.write(f"note: skipped {_describe(region)}: {reason}\n")
        self.skipped.append({**_record(region), "reason": reason})

    def _one(self, region: Region) -> None:
        max_size = self.options.max_size
        if region.perms and not region.perms.startswith("r"):
            self._skip(region, f"not readable ({region.perms})")
            return
        if max_size is not None and region.size > max_size:
            self._skip(
                region, f"{human(region.size)} is more than --max-size {human(max_size)}"
            )
            return
        reader = _Reader(region.start, region.end)
        chunks = iter(reader)
        first = next(chunks, None)
        if first is None:
            self._skip(region, f"cannot be read ({reader.error})")
            return
        stem = f"{self.pid}-{region.start:#x}-{region.end:#x}-{safe_stem(region.name)}"
        fd, path = create_new(self.folder, stem, "bin")
        entry = {"file": os.path.basename(path), "path": path, **_record(region)}
        entry.update(bytes=0, complete=False)
        self.files.append(entry)
        try:
            for data, length in _chain(first, chunks):
                write_all(fd, data, length)
                entry["bytes"] += length
        finally:
            os.close(fd)
        written = entry["bytes"]
        self.total += written
        entry["complete"] = written == region.size
        entry["restore"] = f"restore {path} binary {region.start:#x}"
        ui.write(f"{path}  {written} bytes ({human(written)})  {region.perms or '?'}\n")
        if reader.failed_at is not None:
            reason = (
                f"only the first {written} of {region.size} bytes could be read "
                f"(unreadable from {reader.failed_at:#x})"
            )
            ui.write(f"note: partly read {_describe(region)}: {reason}\n")
            entry["note"] = reason
        gdb.flush()

    def _manifest(self) -> str:
        import json

        document = {
            "format": "gdbext dm manifest",
            "version": 1,
            "pid": self.pid,
            "program": gdb.selected_inferior().progspace.filename,
            "source": "core file" if inferior.is_core() else "process",
            "command": f"dm {self.arg.strip()}",
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "folder": self.folder,
            "files": self.files,
            "skipped": self.skipped,
        }
        data = (json.dumps(document, indent=2) + "\n").encode()
        stem = f"{self.pid}-dm-{time.strftime('%Y%m%d-%H%M%S')}"
        fd, path = create_new(self.folder, stem, "json")
        try:
            write_all(fd, data, len(data))
        finally:
            os.close(fd)
        return path


def _chain(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    yield first
    yield from rest


def _record(region: Region) -> dict[str, Any]:
    return {
        "start": f"{region.start:#x}",
        "end": f"{region.end:#x}",
        "size": region.size,
        "perms": region.perms,
        "offset": f"{region.offset:#x}",
        "name": region.name,
    }
