"""Sphinx configuration for the essays site (offline: no intersphinx, no linkcheck)."""

from __future__ import annotations

import doctest
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "Essays on Python and debugging"
author = "the gdbext authors"
copyright = "the gdbext authors"
release = "0.1.0"

extensions = [
    "sphinx.ext.doctest",
    "gdbhelp",  # _ext/gdbhelp.py: the gdbext command reference, from gdb itself
]

root_doc = "index"
exclude_patterns = ["_build", "examples", "Thumbs.db", ".DS_Store"]
highlight_language = "python3"
pygments_style = "friendly"
pygments_dark_style = "monokai"

html_theme = "furo"
html_title = "Essays on Python and debugging"
html_static_path = ["_static"]
html_css_files = ["essays.css"]
html_show_sourcelink = False

# The doctest builder runs every ">>>" in the pages.  Exception messages are
# compared too (no IGNORE_EXCEPTION_DETAIL): the SyntaxError texts matter.
# tests/test_essays.py reads these two settings to rerun the same blocks on
# other Python versions.
doctest_global_setup = f"""
import sys
sys.path.insert(0, {str(HERE / "examples")!r})
"""
doctest_default_flags = doctest.ELLIPSIS | doctest.DONT_ACCEPT_TRUE_FOR_1
