/* Recursive Fibonacci: the smallest program worth tracing and profiling. */
#include <stdio.h>
#include <stdlib.h>

int fib(int n)
{
    if (n < 2)
        return n;
    /* A comment that spans
     * several lines, to show that highlighting keeps its state. */
    return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 10;
    printf("fib(%d) = %d\n", n, fib(n));
    return 0;
}
