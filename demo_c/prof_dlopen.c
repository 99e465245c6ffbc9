/* A function that gdb cannot know before the program runs: plugin_square() lives
 * in a library (this same file built with -DPROF_PLUGIN, see prof_dlopen.mk) that
 * the program loads with dlopen(), so 'prof plugin_square' is pending until then.
 * 'prof_dlopen N' loads, calls and unloads the library N times (default 1). */
#ifdef PROF_PLUGIN
int plugin_square(int x)
{
    int squared = x * x;
    return squared;
}
#else
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int round_trip(const char *path)
{
    void *plugin = dlopen(path, RTLD_NOW);
    if (plugin == NULL) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*square)(int);
    *(void **)&square = dlsym(plugin, "plugin_square");
    int total = 0;
    for (int i = 1; i <= 3; i++)
        total += square(i);
    printf("total %d\n", total);
    dlclose(plugin);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 1;
    char path[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 32);
    if (len < 0)
        return 1;
    path[len] = '\0';
    strcpy(strrchr(path, '/') + 1, "libprof_plugin.so");
    for (int i = 0; i < rounds; i++)
        if (round_trip(path) != 0)
            return 1;
    return 0;
}
#endif
