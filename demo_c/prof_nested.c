/* Calls with other gdb stops inside them, for prof's "stops excluded" rule.
 *
 * work(units) does a fixed amount of CPU work: UNITS calls of step(), each
 * spinning SPIN iterations of a loop.  A tp or a second prof on step() stops
 * the program inside every call of work(); prof's figure for work() must stay
 * what the program uses without a debugger.  The program measures each call
 * of work() itself (CLOCK_THREAD_CPUTIME_ID and CLOCK_MONOTONIC) and prints
 *     work 3: 1021347 ns cpu 1022870 ns wall
 * so a run without gdb gives the reference figures.
 *
 * Usage: prof_nested [CALLS [UNITS [SPIN]]]   (default 10 calls, 20 units, 20000) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

static long long clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

__attribute__((noinline)) void step(int unit, int spin)
{
    for (int i = 0; i < spin; i++)
        sink += (unsigned long)(i ^ unit);
}

__attribute__((noinline)) void work(int units, int spin)
{
    for (int unit = 0; unit < units; unit++)
        step(unit, spin);
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 10;
    int units = argc > 2 ? atoi(argv[2]) : 20;
    int spin = argc > 3 ? atoi(argv[3]) : 20000;
    for (int call = 0; call < calls; call++) {
        long long cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        long long wall0 = clock_ns(CLOCK_MONOTONIC);
        work(units, spin);
        long long wall = clock_ns(CLOCK_MONOTONIC) - wall0;
        long long cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
        printf("work %d: %lld ns cpu %lld ns wall\n", call, cpu, wall);
    }
    return 0;
}
