"""Sphinx extension: put gdbext's own help text, and real sessions, into the guide.

``.. gdbhelp:: dm`` runs ::

    gdb -nx -batch -ex 'source <repo>/gdbext/__init__.py' -ex 'help dm'

and inserts what gdb printed as a literal block, so the reference in the
guide cannot drift from the code.  The topic may be several words
(``.. gdbhelp:: set gdbext``); with the ``:subcommands:`` flag the help of
every subcommand that the prefix lists is inserted after it.  Whether
gdbext defined a topic is decided by comparing with plain gdb's answer: gdb
has its own ``tp`` (an alias of ``trace``), and ``help set gdbext`` falls
back to ``help set`` when the prefix is missing.

``.. gdbtour:: dj`` runs the tour script ``demo_c/tour/NN-dj.gdb`` the way
``make demo`` does (on the program its ``# program:`` line names, from
``build/demo``) and inserts the session's output.  ``.. gdbexcerpt:: dj``
inserts a few lines of the same session (``:start:`` names the first line,
``:end:`` the last) and marks with a numbered callout each
line that one of its content lines names.  ``.. fold:: SUMMARY`` puts its
content in an HTML ``<details>`` element, closed until the reader opens it.

Sessions are shown as a reader would see them on any machine: paths are
relative to the folder the session ran in (``build/demo``), process ids read
``PID``, and gdb's libthread_db messages are left out (`scrub`).

Nothing is quietly left out: no gdb, no ``build/demo``, a missing tour or
program, a topic gdbext does not define, or a Python traceback in a session
stops the build with an error that says what to do.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.directives.code import container_wrapper
from sphinx.errors import ConfigError, ExtensionError
from sphinx.util.docutils import SphinxDirective, SphinxTranslator

GDB_TIMEOUT = 60.0  # seconds; gdb answers `help` in well under one
CALLOUTS = "①②③④⑤⑥⑦⑧⑨"


@functools.cache
def run_gdb_help(gdb: str, init: str | None, topic: str) -> tuple[int, str, str]:
    """Return gdb's (exit status, stdout, stderr) for ``help TOPIC``.

    With ``init`` None, plain gdb answers: the baseline to compare with.
    """
    command = [gdb, "-nx", "-batch", "-iex", "set width 0"]
    if init is not None:
        command += ["-ex", f"source {init}"]
    command += ["-ex", f"help {topic}"]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=GDB_TIMEOUT,
                          stdin=subprocess.DEVNULL, check=False)
    return proc.returncode, proc.stdout.strip("\n"), proc.stderr.strip("\n")


def gdbext_help(gdb: str, init: Path, topic: str) -> tuple[str | None, str]:
    """Return (help text, "") or (None, why there is none)."""
    if shutil.which(gdb) is None:
        return None, f"gdb ({gdb}) is not installed: install it (apt-get install gdb)"
    if not init.is_file():
        return None, f"{init} was not found"
    try:
        status, text, errors = run_gdb_help(gdb, str(init), topic)
        _, plain, _ = run_gdb_help(gdb, None, topic)
    except subprocess.TimeoutExpired:
        return None, f"gdb did not answer 'help {topic}' within {GDB_TIMEOUT:.0f} s"
    if status != 0 or not text or text == plain:
        first_error = errors.splitlines()[0] if errors else "no error message"
        return None, f"gdbext does not define {topic!r} ({first_error})"
    return text, ""


def subcommands(prefix: str, listing: str) -> list[str]:
    """The subcommand names a prefix command's help lists, in order."""
    pattern = re.compile(rf"^({re.escape(prefix)} [\w-]+)(?:,[^-]*)? -- ", re.MULTILINE)
    return pattern.findall(listing)


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
THREAD_DB_NOISE = re.compile(r"^(\[Thread debugging using libthread_db enabled\]"
                             r"|Using host libthread_db library .*)$")
PID = re.compile(r"\b(?:process|LWP) (\d+)\b")
BOX_BARS = "│┃║|"


def _fit(old: str, new: str) -> str:
    """``new`` as wide as ``old`` where trailing spaces allow: a table cell stays aligned."""
    if len(new) < len(old):
        return new + " " * (len(old) - len(new))
    extra = len(new) - len(old)
    trailing = len(new) - len(new.rstrip(" "))
    return new[: len(new) - min(extra, trailing)] if extra else new


def scrub(text: str, replacements: list[tuple[str, str]]) -> str:
    """A session as any machine would show it: no checkout path, no pids, no libthread_db.

    ``replacements`` are (old, new) pairs applied in order, after the pids
    gdb reported (``process N``, ``LWP N``) have become ``PID`` everywhere.
    Inside a box-drawing table each cell keeps its width, so the table stays
    aligned.
    """
    pairs = [(rf"\b{pid}\b", "PID") for pid in sorted(set(PID.findall(text)), key=len,
                                                        reverse=True)]
    pairs += [(re.escape(old), new.replace("\\", r"\\")) for old, new in replacements]

    def replace(piece: str) -> str:
        for pattern, new in pairs:
            piece = re.sub(pattern, new, piece)
        return piece

    lines = []
    for line in text.splitlines():
        if THREAD_DB_NOISE.match(line):
            continue
        bars = [bar for bar in BOX_BARS[:3] if bar in line]
        if bars:
            cells = re.split(f"([{''.join(bars)}])", line)
            line = "".join(cell if cell in bars else _fit(cell, replace(cell)) for cell in cells)
        else:
            line = replace(line)
        lines.append(line)
    return "\n".join(lines)


@functools.cache
def run_tour(gdb: str, init: str, tour: str, build: str, program: tuple[str, ...]) -> str:
    """Run one tour script in batch mode, as scripts/demo.sh does; return its output."""
    # One -ex per line, so that a command that fails (tours show errors on
    # purpose) does not end the session, as it would end a sourced script.
    lines = Path(tour).read_text(encoding="utf-8").splitlines()
    steps = [arg for line in lines if line.strip() and not line.lstrip().startswith("#")
             for arg in ("-ex", line)]
    # A relative program is one of build/demo's; an absolute one is run as it is.
    exe = program[0] if program[0].startswith("/") else f"./{program[0]}"
    # debuginfod off: no network, and none of its prompts in the session.  The
    # gdb releases on PyPI export their own PYTHONHOME into the programs they
    # run, which stops any other Python from starting (the cext tour).
    command = [gdb, "-nx", "-batch", "-iex", "set pagination off", "-iex", "set confirm off",
               "-iex", "set width 0", "-iex", "set debuginfod enabled off",
               "-iex", "unset environment PYTHONHOME", "-ex", f"source {init}", *steps,
               "--args", exe, *program[1:]]
    proc = subprocess.run(command, cwd=build, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=GDB_TIMEOUT, check=False)
    output = ANSI_ESCAPE.sub("", proc.stdout).strip("\n")
    build_dir = Path(build).resolve()
    root = Path(init).resolve().parents[1]
    # Relative to the session's folder (build/demo): its own files, then the
    # repository's (../../demo_c/...), then whatever else names the checkout.
    replacements = [(f"{build_dir}/", ""), (str(build_dir), ".")]
    relative = os.path.relpath(root, build_dir)
    replacements += [(f"{root}/", f"{relative}/"), (str(root), relative)]
    return scrub(output, replacements)


def rst_escape(text: str) -> str:
    """Make text safe to use as a caption, which Sphinx parses as inline markup."""
    return re.sub(r"([\\`*_|])", r"\\\1", text)


class GdbHelp(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"subcommands": directives.flag}  # noqa: RUF012 (docutils API)

    def run(self) -> list[nodes.Node]:
        topic = " ".join(self.arguments[0].split())
        config = self.env.config
        init = Path(config.gdbhelp_init)
        for source in sorted(init.parent.rglob("*.py")):
            self.env.note_dependency(str(source))  # rebuild when the help changes
        text, reason = gdbext_help(config.gdbhelp_gdb, init, topic)
        if text is None:
            raise ExtensionError(f"{self.env.docname}:{self.lineno}: gdbhelp: cannot show "
                                 f"'help {topic}': {reason}")
        result = [self.literal(topic, text)]
        if "subcommands" in self.options:
            for sub in subcommands(topic, text):
                sub_text, reason = gdbext_help(config.gdbhelp_gdb, init, sub)
                if sub_text is None:
                    raise ExtensionError(f"gdbhelp: cannot show 'help {sub}': {reason}")
                result.append(self.literal(sub, sub_text))
        return result

    def literal(self, topic: str, text: str) -> nodes.Node:
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        block["classes"].append("gdbhelp")
        self.set_source_info(block)
        return container_wrapper(self, block, rst_escape(f"(gdb) help {topic}"))


class GdbTour(SphinxDirective):
    """The whole session of every tour script named ``NN-NAME.gdb``."""

    required_arguments = 1

    def sessions(self) -> list[tuple[Path, tuple[str, ...], str]]:
        """(tour, program, output) for each tour of the name; an error if any cannot run."""
        name = self.arguments[0]
        config = self.env.config
        where = f"{self.env.docname}:{self.lineno}: {self.name} {name}"
        tours = sorted(Path(config.gdbhelp_tours).glob(f"*-{name}.gdb"))
        if not tours:
            raise ExtensionError(f"{where}: there is no demo_c/tour/NN-{name}.gdb")
        if shutil.which(config.gdbhelp_gdb) is None:
            raise ExtensionError(f"{where}: gdb ({config.gdbhelp_gdb}) is not installed: "
                                 "install it (apt-get install gdb)")
        build = Path(config.gdbhelp_build)
        found = []
        for tour in tours:
            self.env.note_dependency(str(tour))
            program = tour_program(tour)
            exe = Path(program[0]) if program[0].startswith("/") else build / program[0]
            if not exe.is_file():
                raise ExtensionError(f"{where}: {exe} does not exist: run 'make demo-build' "
                                     "(the guide shows real sessions on the demo programs)")
            text = run_tour(config.gdbhelp_gdb, config.gdbhelp_init, str(tour), str(build),
                            program)
            if "Traceback (most recent call last)" in text or "Python Exception" in text:
                raise ExtensionError(f"{where}: a Python error escaped in {tour.name}:\n{text}")
            found.append((tour, program, text))
        return found

    def block(self, text: str, caption: str) -> nodes.Node:
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        block["classes"].append("gdbtour")
        self.set_source_info(block)
        return container_wrapper(self, block, rst_escape(caption))

    def run(self) -> list[nodes.Node]:
        return [self.block(text, f"demo_c/tour/{tour.name} on {shlex.join(program)}")
                for tour, program, text in self.sessions()]


class GdbExcerpt(GdbTour):
    """A few lines of a tour's session, with numbered callouts."""

    has_content = True
    option_spec = {"start": directives.unchanged_required,  # noqa: RUF012 (docutils API)
                   "end": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        sessions = self.sessions()
        start, end = self.options.get("start"), self.options.get("end")
        if not start:
            raise self.error("gdbexcerpt needs :start: (text in the excerpt's first line)")
        callouts = [line.strip() for line in self.content if line.strip()]
        if len(callouts) > len(CALLOUTS):
            raise self.error(f"at most {len(CALLOUTS)} callouts")
        for tour, _program, text in sessions:
            try:
                lines = excerpt(text, start, end)
                marked = mark(lines, callouts)
            except ValueError as exc:
                raise self.error(f"{tour.name}: {exc}") from None
            return [self.block("\n".join(marked), f"from demo_c/tour/{tour.name}")]
        return []


def excerpt(text: str, start: str, end: str | None) -> list[str]:
    """The lines from the first containing ``start`` to the next containing ``end``, inclusive."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if start in line), None)
    if first is None:
        raise ValueError(f"no line contains {start!r}")
    if end is None:
        return lines[first:]
    last = next((i for i in range(first + 1, len(lines)) if end in lines[i]), None)
    if last is None:
        raise ValueError(f"no line after {start!r} contains {end!r}")
    return lines[first:last + 1]


def mark(lines: list[str], callouts: list[str]) -> list[str]:
    """Append callout N to the first line (after the previous callout's) containing the Nth text."""
    marked = list(lines)
    at = 0
    for number, needle in enumerate(callouts):
        hit = next((i for i in range(at, len(marked)) if needle in marked[i]), None)
        if hit is None:
            raise ValueError(f"callout {number + 1}: no line contains {needle!r}")
        marked[hit] = f"{marked[hit]}  {CALLOUTS[number]}"
        at = hit
    return marked


class fold(nodes.General, nodes.Element):
    """Content a reader opens on demand: ``<details>`` in HTML, plain elsewhere."""


class Fold(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self) -> list[nodes.Node]:
        node = fold(summary=" ".join(self.arguments[0].split()))
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_fold_html(translator: SphinxTranslator, node: fold) -> None:
    summary = translator.encode(node["summary"])
    translator.body.append(f'<details class="fold"><summary>{summary}</summary>\n')


def depart_fold_html(translator: SphinxTranslator, node: fold) -> None:
    translator.body.append("</details>\n")


def visit_fold_other(translator: SphinxTranslator, node: fold) -> None:
    pass


def depart_fold_other(translator: SphinxTranslator, node: fold) -> None:
    pass


def tour_program(tour: Path) -> tuple[str, ...]:
    """The program and arguments a tour's ``# program:`` line names."""
    line = re.search(r"^# program: (.+)$", tour.read_text(encoding="utf-8"), re.MULTILINE)
    if line is None:
        raise ConfigError(f"{tour} has no '# program:' line")
    return tuple(shlex.split(line.group(1)))


def check_prerequisites(app: Sphinx) -> None:
    """Stop before reading any page if a session cannot be run: gdb, gdbext, the programs."""
    config = app.config
    if shutil.which(config.gdbhelp_gdb) is None:
        raise ConfigError(f"gdbhelp: gdb ({config.gdbhelp_gdb}) is not installed, and the "
                          "gdbext guide shows real gdb sessions: apt-get install gdb")
    if not Path(config.gdbhelp_init).is_file():
        raise ConfigError(f"gdbhelp: {config.gdbhelp_init} does not exist")
    build = Path(config.gdbhelp_build)
    for tour in sorted(Path(config.gdbhelp_tours).glob("*.gdb")):
        program = tour_program(tour)
        exe = Path(program[0]) if program[0].startswith("/") else build / program[0]
        if not exe.is_file():
            raise ConfigError(f"gdbhelp: {exe} does not exist, and the gdbext guide shows "
                              f"{tour.name} running it: run 'make demo-build' first")


def setup(app: Sphinx) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    app.add_config_value("gdbhelp_init", str(root / "gdbext" / "__init__.py"), "env", str)
    app.add_config_value("gdbhelp_gdb", os.environ.get("GDB", "gdb"), "env", str)
    app.add_config_value("gdbhelp_tours", str(root / "demo_c" / "tour"), "env", str)
    app.add_config_value("gdbhelp_build", str(root / "build" / "demo"), "env", str)
    app.connect("builder-inited", check_prerequisites)
    app.add_directive("gdbhelp", GdbHelp)
    app.add_directive("gdbtour", GdbTour)
    app.add_directive("gdbexcerpt", GdbExcerpt)
    app.add_directive("fold", Fold)
    other = (visit_fold_other, depart_fold_other)
    app.add_node(fold, html=(visit_fold_html, depart_fold_html), latex=other, text=other,
                 man=other, texinfo=other)
    return {"version": "1.1", "parallel_read_safe": True, "parallel_write_safe": True}
