# title: pl: list with syntax highlighting and a current-line marker
# program: fib 5
set gdbext color on
break fib if n == 1
run
echo \n(gdb) pl\n
pl
echo \n(gdb) pl main\n
pl main
