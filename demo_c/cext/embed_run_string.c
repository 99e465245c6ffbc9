/*
 * embed_run_string CODE [ARG...]
 *
 * Run the Python statements CODE in an embedded interpreter, much like
 * `python -c CODE ARG...`: sys.argv is ['-c', ARG...], an uncaught
 * exception prints a traceback and gives exit status 1, sys.exit(n) exits
 * with n.
 *
 *     $ embed_run_string "print('Hello Python')"
 *     Hello Python
 */
#include "embed_common.h"

#include <stdlib.h>

int
main(int argc, char **argv)
{
    const char *prog = program_name(argc, argv, "embed_run_string");
    if (argc < 2) {
        fprintf(stderr, "usage: %s CODE [ARG...]\n"
                        "Run the Python statements CODE; sys.argv is ['-c', ARG...].\n",
                prog);
        return 2;
    }

    /* sys.argv: "-c" in place of CODE, then the other arguments. */
    int py_argc = argc - 1;
    char **py_argv = malloc(sizeof(char *) * (size_t)py_argc);
    if (py_argv == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }
    py_argv[0] = "-c";
    for (int i = 2; i < argc; i++) {
        py_argv[i - 1] = argv[i];
    }
    int rc = start_python(prog, py_argc, py_argv);
    free(py_argv);                   /* PyConfig made its own copies */
    if (rc != 0) {
        return rc;
    }

    /* Runs in __main__'s namespace; on an exception it prints the traceback
     * itself and returns -1. */
    rc = PyRun_SimpleString(argv[1]) == 0 ? 0 : 1;
    return stop_python(rc);
}
