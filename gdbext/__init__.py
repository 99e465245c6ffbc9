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
    """Import the package this file belongs to as ``gdbext``, then register it."""
    import importlib.util
    import os
    import sys

    package_dir = os.path.dirname(os.path.realpath(path))
    # The project's venv is only usable when it was built for this very
    # Python (gdb embeds the system interpreter, not the python3 on PATH).
    # Append it, so that nothing gdb's Python already has is shadowed, and
    # skip .pth processing, which costs start-up time for nothing we need.
    version = "python{}.{}".format(*sys.version_info[:2])
    site_packages = os.path.join(os.path.dirname(package_dir), ".venv", "lib", version,
                                 "site-packages")
    if os.path.isdir(site_packages) and site_packages not in sys.path:
        sys.path.append(site_packages)

    module = sys.modules.get("gdbext")
    if module is None:
        # Import by file location: the folder may have any name, and its
        # parent (the repository, with tests/, bench/, ...) stays off sys.path.
        spec = importlib.util.spec_from_file_location(
            "gdbext", os.path.join(package_dir, "__init__.py"),
            submodule_search_locations=[package_dir],
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["gdbext"] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules["gdbext"]
            raise
    module.register()


if __name__ == "__main__":
    # gdb runs a sourced .py file as __main__ with __file__ set.
    try:
        _load_from_source(__file__)
    except Exception as _error:  # one line, never a traceback
        import gdb

        gdb.write(f"gdbext: could not load from {__file__}: {type(_error).__name__}: "
                  f"{_error}\n", gdb.STDERR)
        del _error
    # Leave gdb's __main__ namespace as it was.
    for _name in ("register", "_load_from_source", "_registered", "__version__"):
        globals().pop(_name, None)
    del _name
    __doc__ = None
