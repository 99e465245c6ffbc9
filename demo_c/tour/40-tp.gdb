# title: tp: trace a function without stopping the program
# program: fib 4
echo \n(gdb) tp fib                         # print the arguments and locals at every hit\n
tp fib
echo \n(gdb) tp -o tp-tour.jsonl fib if n == 1   # or log them as JSON Lines, here only when n == 1\n
tp -o tp-tour.jsonl fib if n == 1
echo \n(gdb) run                            # never stops; the counts come at the exit\n
run
echo \n(gdb) tp                             # the tracepoints and their counts in this run\n
tp
echo \n(gdb) shell head -n 1 tp-tour.jsonl\n
shell head -n 1 tp-tour.jsonl
echo \n(gdb) info breakpoints               # real breakpoints: delete, disable, condition, ignore\n
info breakpoints
echo \n(gdb) tp -o /no/such/dir/x.jsonl fib     # a bad path: an error, and nothing is set\n
tp -o /no/such/dir/x.jsonl fib
echo \n(gdb) tp nosuch                      # may come from a shared library loaded later: pending\n
tp nosuch
