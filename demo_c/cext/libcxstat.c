/*
 * libcxstat: a one-function shared library around stat(2), built with -g
 * -O0.  stat_ctypes.py can call it instead of libc's stat(); having our own
 * function with debug info gives a debugger a place to stop with a typed
 * `struct stat *` in hand (break cx_stat, finish, print *buf).
 */
#include <sys/stat.h>

int cx_stat(const char *path, struct stat *buf);

int
cx_stat(const char *path, struct stat *buf)
{
    return stat(path, buf);
}
