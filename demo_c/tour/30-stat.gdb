# title: struct stat, printed the way stat(1) shows it
# program: stat_kinds /tmp /dev/null
set print pretty on
break show
run
echo \n(gdb) print *sb         # /tmp\n
print *sb
continue
echo \n(gdb) print *sb         # /dev/null\n
print *sb
echo \n(gdb) disable pretty-printer global gdbext;stat\n
disable pretty-printer global gdbext;stat
print sb->st_mode
