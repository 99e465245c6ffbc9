/* Calls stat/lstat on files of several kinds so the struct stat
 * pretty-printer can be shown on each.  Usage: stat_kinds PATH...
 */
#include <stdio.h>
#include <sys/stat.h>

static int show(const char *path, const struct stat *sb)
{
    /* Break here: `print *sb`. */
    return printf("%s: mode %o size %lld\n", path, (unsigned)sb->st_mode, (long long)sb->st_size);
}

int main(int argc, char **argv)
{
    struct stat sb;
    int failures = 0;

    for (int i = 1; i < argc; ++i) {
        if (lstat(argv[i], &sb) != 0) {
            perror(argv[i]);
            ++failures;
            continue;
        }
        show(argv[i], &sb);
    }
    return failures != 0;
}
