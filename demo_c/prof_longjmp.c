/* jumper(3) never returns: a function it calls longjmps back to main.  prof records
 * that call as not completed, and pairs the calls after it with their own returns
 * although they start from the very same stack address. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int total;

static void bail(int n)
{
    longjmp(env, n + 1);
}

int jumper(int n)
{
    int doubled = n * 2;
    if (n == 3)
        bail(n);
    return doubled;
}

int main(void)
{
    for (int i = 0; i < 6; i++) {
        if (setjmp(env) == 0)
            total += jumper(i);
        else
            printf("longjmp out of jumper(%d)\n", i);
    }
    printf("total %d\n", total);
    return 0;
}
