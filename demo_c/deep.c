/* down(n) recurses n calls deep, then returns all the way back up: the shape
 * that shows how a debugger's cost per call grows with the depth of the stack
 * (bench/bench_finish.py). */
#include <stdio.h>
#include <stdlib.h>

int down(int n)
{
    if (n == 0)
        return 0;
    return 1 + down(n - 1);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    printf("down(%d) = %d\n", n, down(n));
    return 0;
}
