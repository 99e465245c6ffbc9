/* relay() is compiled with optimisation: it ends with a tail call (a jump into
 * helper), so it has no return instruction of its own for prof to watch.  prof
 * watches the places its calls return to instead. */
#include <stdio.h>

__attribute__((noinline)) int helper(int n)
{
    int sum = 0;
    for (int i = 0; i <= n; i++)
        sum += i;
    return sum;
}

__attribute__((noinline, optimize("O2"))) int relay(int n)
{
    return helper(n + 1);
}

int main(void)
{
    int total = 0;
    for (int i = 0; i < 5; i++)
        total += relay(i);
    printf("total %d\n", total);
    return 0;
}
