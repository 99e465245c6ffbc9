# title: inside Python: tp and prof on a C extension, the stat printer on a ctypes struct
# program: /usr/bin/python3.11
# gdb's own Python runs the demo_c/cext examples that `make cext` builds into
# build/cext (../cext from build/demo, where tours run).  Each `run` gives the
# interpreter its arguments.  cx_fib's C code is only loaded by `import cx_fib`,
# so fib is pending when tp and prof are set.
set environment PYTHONPATH ../cext
echo \n(gdb) tp fib                 # the C function inside cx_fib: pending until Python imports it\n
tp fib
echo \n(gdb) run -c "import cx_fib; print(cx_fib.fib(5))"\n
run -c "import cx_fib; print(cx_fib.fib(5))"
delete
echo \n(gdb) prof --quiet fib        # time the 1973 calls of fib(15); only the table, at the exit\n
prof --quiet fib
echo \n(gdb) run -c "import cx_fib; print(cx_fib.fib(15))"\n
run -c "import cx_fib; print(cx_fib.fib(15))"
delete
echo \n(gdb) break cx_stat           # in libcxstat.so, which stat_ctypes calls through ctypes\n
set breakpoint pending on
break cx_stat
echo \n(gdb) run -m stat_ctypes --shim /etc/passwd\n
run -m stat_ctypes --shim /etc/passwd
echo \n(gdb) set $buf = buf          # the Stat that ctypes allocated, still all zeros\n
set $buf = buf
echo \n(gdb) finish                  # until cx_stat returns, once stat(2) has filled it\n
finish
echo \n(gdb) print *$buf             # back in libffi: the struct, as stat(1) would show it\n
set print pretty on
print *$buf
continue
