/* A program and its shared library, built from this one file (the library with
 * -DTP_LIBRARY, see tp_lib.mk).  The program never calls tp_lib_clamp itself, so
 * before the library loads gdb knows nothing of it: a tracepoint there is pending. */
#ifdef TP_LIBRARY
int tp_lib_clamp(int scaled, int limit)
{
    int clamped = scaled > limit ? limit : scaled;
    return clamped;
}

int tp_lib_scale(int value, int factor)
{
    int scaled = value * factor;
    return tp_lib_clamp(scaled, 25);
}
#else
#include <stdio.h>

int tp_lib_scale(int value, int factor);

int main(void)
{
    int sum = 0;
    for (int i = 1; i <= 3; i++)
        sum += tp_lib_scale(i, 10);
    printf("sum %d\n", sum);
    return 0;
}
#endif
