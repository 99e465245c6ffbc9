# .gdbinit in the project's root folder, which CLion starts gdb in.
# Replace /path/to/gdbext with the folder you cloned gdbext into.
source /path/to/gdbext/gdbext/__init__.py
