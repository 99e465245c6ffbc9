# ~/.gdbinit: let gdb read the .gdbinit of this one project (and nothing else).
add-auto-load-safe-path /path/to/your/project/.gdbinit
