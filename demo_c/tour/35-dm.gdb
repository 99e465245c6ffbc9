# title: dm: memory regions to files, byte-exact, never overwriting
# program: dm_regions
# Start from an empty dump folder, so that repeated tours do not pile up files.
shell rm -rf dm-dumps
break stop_here
run
set gdbext dump-dir dm-dumps
echo \n(gdb) set gdbext dump-dir dm-dumps\n
echo \n(gdb) dm --list \\[(heap|stack)\\]|libc      # which regions match: nothing written\n
dm --list \[(heap|stack)\]|libc
echo \n(gdb) dm [heap]\n
dm [heap]
echo \n(gdb) dm [heap]              # again: a new file, the first one kept\n
dm [heap]
echo \n(gdb) dm --addr anon         # an anonymous mmap, reached through a pointer\n
dm --addr anon
echo \n(gdb) dm --addr partial      # 4 pages, only the first backed by its memfd\n
dm --addr partial
echo \n(gdb) dm vvar|vsyscall|evil  # unreadable regions; a name that tries to escape\n
dm vvar|vsyscall|evil
echo \n(gdb) dm (                   # not a regular expression\n
dm (
