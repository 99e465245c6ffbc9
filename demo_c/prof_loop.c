/* An interpreter's main loop, as Lua's luaV_execute has it: a call of a
 * script function does not call run() again in C, it jumps back to run()'s
 * first statement with goto (and a return jumps back too), so the line
 * 'break run' stops at is reached many times per call.  prof counts each
 * call of run() once, from its entry address to its return.
 * Built -O0 (prof_loop) and -O2 (prof_loop_O2, see prof_loop.mk).
 * Usage: prof_loop [CALLS]   (default 4) */
#include <stdio.h>
#include <stdlib.h>

static volatile long sink;

__attribute__((noinline)) long run(int depth, int ops)
{
again:
    sink += depth * ops;
    if (ops > 0) {
        ops--;
        if (ops % 3 == 0)
            depth++; /* "call": the callee runs in this same C frame */
        goto again;
    }
    return sink;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 4;
    long total = 0;
    for (int i = 0; i < calls; i++)
        total += run(1, 10);
    printf("run: %d calls, total %ld\n", calls, total);
    return 0;
}
