/* burn(25) spins for 25 ms of its own thread's CPU time and prints what it
 * measured with CLOCK_THREAD_CPUTIME_ID, to compare with prof's cpu figure.
 * Usage: prof_cpu [CALLS [MS]] (default 3 calls of 25 ms, 5 ms of sleep between). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

long long burn(int ms)
{
    long long start = thread_cpu_ns();
    volatile unsigned long sink = 0;
    while (thread_cpu_ns() - start < ms * 1000000LL)
        for (int i = 0; i < 1000; i++)
            sink += i;
    long long spent = thread_cpu_ns() - start;
    printf("burn(%d): %lld ns cpu\n", ms, spent);
    return spent;
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 3;
    int ms = argc > 2 ? atoi(argv[2]) : 25;
    struct timespec pause = {0, 5000000};
    for (int i = 0; i < calls; i++) {
        burn(ms);
        nanosleep(&pause, NULL);
    }
    return 0;
}
