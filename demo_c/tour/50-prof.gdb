# title: prof: wall and CPU time of every call, without stopping the program
# program: fib 4
echo (gdb) prof fib      # a breakpoint that never stops; each call is timed, printed at return\n
prof fib
run
echo \n(gdb) prof          # the profiled locations\n
prof
delete
echo \n(gdb) prof --quiet --output prof-fib.jsonl --folded prof-fib.folded fib\n
prof --quiet --output prof-fib.jsonl --folded prof-fib.folded fib
run
echo \n(gdb) shell head -n 2 prof-fib.jsonl     # one JSON object per call\n
shell head -n 2 prof-fib.jsonl
echo \n(gdb) shell cat prof-fib.folded          # CPU ns per stack, for flame graphs\n
shell cat prof-fib.folded
delete
echo \n(gdb) file prof_longjmp; prof jumper     # jumper(3) is left by longjmp\n
file prof_longjmp
prof jumper
run
echo \n(gdb) prof nosuch\n
prof nosuch
