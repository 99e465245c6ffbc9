/*
 * embed_run_file FILE [ARG...]
 *
 * Run the Python script FILE in an embedded interpreter; the script sees
 * sys.argv == [FILE, ARG...], as with `python FILE ARG...`.  (Unlike python,
 * this program does not put FILE's folder at the front of sys.path.)
 *
 *     $ echo "import sys; print(sys.argv)" > foo.py
 *     $ embed_run_file foo.py arg1 arg2
 *     ['foo.py', 'arg1', 'arg2']
 */
#include "embed_common.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int
main(int argc, char **argv)
{
    const char *prog = program_name(argc, argv, "embed_run_file");
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [ARG...]\n"
                        "Run the Python script FILE; sys.argv is [FILE, ARG...].\n",
                prog);
        return 2;
    }
    const char *filename = argv[1];

    /* Check the file before starting Python, with a plain C message. */
    FILE *fp = fopen(filename, "r");
    if (fp == NULL) {
        fprintf(stderr, "%s: cannot open %s: %s\n", prog, filename, strerror(errno));
        return 1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: cannot run %s: %s\n", prog, filename, strerror(EISDIR));
        fclose(fp);
        return 1;
    }

    int rc = start_python(prog, argc - 1, argv + 1);
    if (rc != 0) {
        fclose(fp);
        return rc;
    }
    /* closeit=1: Python closes fp when done.  Sets __main__.__file__, prints
     * the traceback of an uncaught exception and returns -1. */
    rc = PyRun_SimpleFileEx(fp, filename, 1) == 0 ? 0 : 1;
    return stop_python(rc);
}
