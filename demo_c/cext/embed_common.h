/*
 * embed_common.h: start and stop an embedded interpreter with PyConfig,
 * shared by the embed_*.c programs.
 *
 * PyConfig replaces the deprecated Py_SetProgramName()/PySys_SetArgv()
 * pair: everything is set before Py_InitializeFromConfig(), and failures
 * come back as a PyStatus instead of killing the process.
 */
#ifndef EMBED_COMMON_H
#define EMBED_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

/* Start Python.  program becomes the program name (used to find sys.prefix
 * and to set sys.executable); py_argv[0..py_argc-1] becomes sys.argv (none:
 * sys.argv == ['']).  Return 0, or print why and return an exit status. */
static int
start_python(const char *program, int py_argc, char **py_argv)
{
    PyStatus status;
    PyConfig config;

    /* The "Python configuration" behaves like the python program: it reads
     * PYTHON* environment variables, imports site, and so on. */
    PyConfig_InitPythonConfig(&config);
    /* Our command line belongs to us, not to Python: don't parse options
     * such as -c or -m out of it. */
    config.parse_argv = 0;

    status = PyConfig_SetBytesString(&config, &config.program_name, program);
    if (PyStatus_Exception(status)) {
        goto fail;
    }
    if (py_argc > 0) {
        status = PyConfig_SetBytesArgv(&config, py_argc, py_argv);
        if (PyStatus_Exception(status)) {
            goto fail;
        }
    }
    status = Py_InitializeFromConfig(&config);
    if (PyStatus_Exception(status)) {
        goto fail;
    }
    PyConfig_Clear(&config);         /* the interpreter keeps its own copy */
    return 0;

fail:
    PyConfig_Clear(&config);
    if (PyStatus_IsExit(status)) {
        return status.exitcode;
    }
    fprintf(stderr, "%s: cannot start Python: %s%s%s\n", program,
            status.func != NULL ? status.func : "",
            status.func != NULL ? ": " : "",
            status.err_msg != NULL ? status.err_msg : "unknown error");
    return 1;
}

/* Finalize Python; 120 (as python itself uses) if flushing stdout/stderr
 * failed and nothing else had gone wrong. */
static int
stop_python(int rc)
{
    if (Py_FinalizeEx() < 0 && rc == 0) {
        rc = 120;
    }
    return rc;
}

/* argv[0] if there is one: execve() may pass an empty argv. */
static const char *
program_name(int argc, char **argv, const char *fallback)
{
    return argc > 0 && argv[0] != NULL && argv[0][0] != '\0' ? argv[0] : fallback;
}

#endif /* EMBED_COMMON_H */
