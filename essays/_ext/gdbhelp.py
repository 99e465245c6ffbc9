"""Sphinx extension: put gdbext's own help text, and real sessions, into the guide.

``.. gdbhelp:: dm`` runs ::

    gdb -nx -batch -ex 'source <repo>/gdbext/__init__.py' -ex 'help dm'

and inserts what gdb printed as a literal block, so the reference in the
guide cannot drift from the code.  The topic may be several words
(``.. gdbhelp:: set gdbext``); with the ``:subcommands:`` flag the help of
every subcommand that the prefix lists is inserted after it.

A command that gdbext does not define (yet) gives a short note instead of a
failed build.  Whether gdbext defined a topic is decided by comparing with
plain gdb's answer: gdb has its own ``tp`` (an alias of ``trace``), and
``help set gdbext`` falls back to ``help set`` when the prefix is missing.

``.. gdbtour:: dj`` runs the tour script ``demo_c/tour/NN-dj.gdb`` the way
``make demo`` does (on the program its ``# program:`` line names, from
``build/demo``) and inserts the session's output.  A missing tour or
program gives a note; a Python traceback in the output is a warning, which
``-W`` turns into a failed build.
"""

from __future__ import annotations

import functools
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
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

GDB_TIMEOUT = 60.0  # seconds; gdb answers `help` in well under one


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
        return None, f"{gdb} is not installed on the machine that built these pages"
    if not init.is_file():
        return None, f"{init.name} was not found next to the essays"
    try:
        status, text, errors = run_gdb_help(gdb, str(init), topic)
        _, plain, _ = run_gdb_help(gdb, None, topic)
    except subprocess.TimeoutExpired:
        return None, f"gdb did not answer 'help {topic}' within {GDB_TIMEOUT:.0f} s"
    if status != 0 or not text or text == plain:
        first_error = errors.splitlines()[0] if errors else ""
        if first_error:
            logger.info("gdbhelp: 'help %s': %s", topic, first_error)
        return None, f"gdbext does not define {topic!r} in this checkout yet"
    return text, ""


def subcommands(prefix: str, listing: str) -> list[str]:
    """The subcommand names a prefix command's help lists, in order."""
    pattern = re.compile(rf"^({re.escape(prefix)} [\w-]+)(?:,[^-]*)? -- ", re.MULTILINE)
    return pattern.findall(listing)


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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
    command = [gdb, "-nx", "-batch", "-iex", "set pagination off", "-iex", "set confirm off",
               "-iex", "set width 0", "-ex", f"source {init}", *steps,
               "--args", exe, *program[1:]]
    proc = subprocess.run(command, cwd=build, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=GDB_TIMEOUT, check=False)
    return ANSI_ESCAPE.sub("", proc.stdout).strip("\n")


def rst_escape(text: str) -> str:
    """Make text safe to use as a caption, which Sphinx parses as inline markup."""
    return re.sub(r"([\\`*_|])", r"\\\1", text)


def note(*parts: nodes.Node | str) -> nodes.note:
    paragraph = nodes.paragraph()
    for part in parts:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    admonition = nodes.note()
    admonition += paragraph
    return admonition


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
            return [note("The help for ", nodes.literal(topic, topic),
                         f" is not shown: {reason}. It appears here when the page is "
                         "built with a gdbext that has it.")]
        result = [self.literal(topic, text)]
        if "subcommands" in self.options:
            for sub in subcommands(topic, text):
                sub_text, _ = gdbext_help(config.gdbhelp_gdb, init, sub)
                if sub_text is not None:
                    result.append(self.literal(sub, sub_text))
        return result

    def literal(self, topic: str, text: str) -> nodes.Node:
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        block["classes"].append("gdbhelp")
        self.set_source_info(block)
        return container_wrapper(self, block, rst_escape(f"(gdb) help {topic}"))


class GdbTour(SphinxDirective):
    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        config = self.env.config
        tours = sorted(Path(config.gdbhelp_tours).glob(f"*-{name}.gdb"))
        if not tours:
            return [note(f"The session for {name} is not shown: there is no "
                         f"demo_c/tour/NN-{name}.gdb script yet.")]
        result: list[nodes.Node] = []
        for tour in tours:
            self.env.note_dependency(str(tour))
            header = tour.read_text(encoding="utf-8")
            found = re.search(r"^# program: (.+)$", header, re.MULTILINE)
            program = tuple(shlex.split(found.group(1))) if found else ()
            build = Path(config.gdbhelp_build)
            if not program or not build.is_dir() or not (build / program[0]).is_file():
                shown = program[0] if program else "its program"
                result.append(note(f"The session {tour.name} is not shown: {shown} is not "
                                   f"built in {build.name}/ (make demo-build builds it)."))
                continue
            text = run_tour(config.gdbhelp_gdb, config.gdbhelp_init, str(tour), str(build),
                            program)
            if "Traceback (most recent call last)" in text or "Python Exception" in text:
                logger.warning("gdbtour: a Python error escaped in %s", tour.name,
                               location=(self.env.docname, self.lineno))
            block = nodes.literal_block(text, text)
            block["language"] = "text"
            block["classes"].append("gdbtour")
            self.set_source_info(block)
            caption = f"demo_c/tour/{tour.name} on {shlex.join(program)}"
            result.append(container_wrapper(self, block, rst_escape(caption)))
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[2]
    app.add_config_value("gdbhelp_init", str(root / "gdbext" / "__init__.py"), "env", str)
    app.add_config_value("gdbhelp_gdb", "gdb", "env", str)
    app.add_config_value("gdbhelp_tours", str(root / "demo_c" / "tour"), "env", str)
    app.add_config_value("gdbhelp_build", str(root / "build" / "demo"), "env", str)
    app.add_directive("gdbhelp", GdbHelp)
    app.add_directive("gdbtour", GdbTour)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
