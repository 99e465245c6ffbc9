/*
 * libfib: a plain C shared library (no Python.h) for ctypes to load; see
 * fib_ctypes.py.  Same recursion as cx_fib.c.
 *
 *     gcc -g -O0 -Wall -Wextra -Werror -fPIC -shared -o libfib.so libfib.c
 */

/* Exported, so it needs a prototype; a header would hold it in a real
 * library. */
unsigned long long fib(unsigned int n);

unsigned long long
fib(unsigned int n)
{
    if (n < 2) {
        return n;
    }
    return fib(n - 1) + fib(n - 2);
}
