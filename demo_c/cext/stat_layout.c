/*
 * stat_layout: print the layout of this platform's struct stat as JSON,
 * straight from the C compiler, so that the ctypes mirror in stat_ctypes.py
 * can be checked against it:
 *
 *     {"size": 144, "fields": {"st_dev": [0, 8], ...}}
 *
 * Each field maps to [offset, size] in bytes.  Takes no arguments.
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#define FIELD(name, last) \
    printf("\"%s\": [%zu, %zu]%s", #name, offsetof(struct stat, name), \
           sizeof(((struct stat *)0)->name), (last) ? "" : ", ")

int
main(int argc, char **argv)
{
    if (argc != 1) {
        fprintf(stderr, "usage: %s\nPrint the layout of struct stat as JSON.\n",
                argc > 0 ? argv[0] : "stat_layout");
        return 2;
    }
    printf("{\"size\": %zu, \"fields\": {", sizeof(struct stat));
    FIELD(st_dev, 0);
    FIELD(st_ino, 0);
    FIELD(st_mode, 0);
    FIELD(st_nlink, 0);
    FIELD(st_uid, 0);
    FIELD(st_gid, 0);
    FIELD(st_rdev, 0);
    FIELD(st_size, 0);
    FIELD(st_blksize, 0);
    FIELD(st_blocks, 0);
    FIELD(st_atim, 0);
    FIELD(st_mtim, 0);
    FIELD(st_ctim, 1);
    printf("}}\n");
    return 0;
}
