"""gdbext: debugging commands for gdb, written in Python.

Load it from ``.gdbinit`` (or any gdb session) with::

    source /path/to/gdbext/__init__.py

Sourcing this file puts the package on ``sys.path``, adds the project's
``.venv`` site-packages when that venv was built for gdb's own Python version,
and registers every command, setting and pretty-printer once.  Sourcing it
again does nothing.  Imported as a package (``import gdbext``) it only defines
``register()``.
"""

__version__ = "0.1.0"

_registered = False


def register() -> None:
    """Register every setting, command and pretty-printer, once per gdb."""
    global _registered
    if _registered:
        return
    from gdbext import settings
    from gdbext.commands import register_all
    from gdbext.printers import register_printers

    settings.register()
    register_all()
    register_printers()
    _registered = True


def _load_from_source(path: str) -> None:
    """Make ``gdbext`` importable from the file gdb sourced, then register it."""
    import os
    import sys

    package_dir = os.path.dirname(os.path.realpath(path))
    root = os.path.dirname(package_dir)
    if root not in sys.path:
        sys.path.insert(0, root)
    # The project's venv is only usable when it was built for this very
    # Python (gdb embeds the system interpreter, not the python3 on PATH).
    # Append it, so that nothing gdb's Python already has is shadowed, and
    # skip .pth processing, which costs start-up time for nothing we need.
    version = "python{}.{}".format(*sys.version_info[:2])
    site_packages = os.path.join(root, ".venv", "lib", version, "site-packages")
    if os.path.isdir(site_packages) and site_packages not in sys.path:
        sys.path.append(site_packages)

    import gdbext

    gdbext.register()


if __name__ == "__main__":
    # gdb runs a sourced .py file as __main__ with __file__ set.
    _load_from_source(__file__)
    # Leave gdb's __main__ namespace as it was.
    for _name in ("register", "_load_from_source", "_registered", "__version__"):
        globals().pop(_name, None)
    del _name
    __doc__ = None
