/*
 * embed_import_star: run a statement in __main__'s namespace, then use
 * the names it defined -- the C spelling of
 *
 *     from os import *
 *     print(uname().sysname)
 *
 *     $ embed_import_star
 *     Linux
 */
#include "embed_common.h"

static int
print_sysname(void)
{
    int rc = 1;
    PyObject *main_module = NULL, *res = NULL, *uname = NULL;
    PyObject *info = NULL, *sysname = NULL;

    main_module = PyImport_ImportModule("__main__");     /* new */
    if (main_module == NULL) {
        goto done;
    }
    PyObject *globals = PyModule_GetDict(main_module);   /* borrowed */

    /* Py_file_input: a sequence of statements, as in a file.  The result
     * (None) is a new reference. */
    res = PyRun_String("from os import *", Py_file_input, globals, globals);
    if (res == NULL) {
        goto done;
    }
    uname = PyMapping_GetItemString(globals, "uname");   /* new, KeyError if absent */
    if (uname == NULL) {
        goto done;
    }
    info = PyObject_CallNoArgs(uname);                   /* new */
    if (info == NULL) {
        goto done;
    }
    sysname = PyObject_GetAttrString(info, "sysname");   /* new */
    if (sysname == NULL) {
        goto done;
    }
    const char *utf8 = PyUnicode_AsUTF8(sysname);
    if (utf8 == NULL) {
        goto done;
    }
    printf("%s\n", utf8);
    rc = 0;
done:
    if (rc != 0) {
        PyErr_Print();
    }
    Py_XDECREF(sysname);
    Py_XDECREF(info);
    Py_XDECREF(uname);
    Py_XDECREF(res);
    Py_XDECREF(main_module);
    return rc;
}

int
main(int argc, char **argv)
{
    const char *prog = program_name(argc, argv, "embed_import_star");
    if (argc != 1) {
        fprintf(stderr, "usage: %s\n"
                        "Run 'from os import *' and print uname().sysname; takes no arguments.\n",
                prog);
        return 2;
    }
    int rc = start_python(prog, argc, argv);
    if (rc != 0) {
        return rc;
    }
    rc = print_sysname();
    return stop_python(rc);
}
