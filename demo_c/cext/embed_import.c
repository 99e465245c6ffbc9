/*
 * embed_import: import a module from C and call a function found in the
 * module's namespace dict -- the C spelling of
 *
 *     import json
 *     print(json.__dict__['dumps']({'foo': 'Foo', 'bar': 123}))
 *
 *     $ embed_import
 *     {"foo": "Foo", "bar": 123}
 *
 * embed_attr.c does the same through attribute access.  Every reference is
 * marked new (ours to release) or borrowed (not ours: never DECREF it).
 */
#include "embed_common.h"

/* Print json.dumps(...) to stdout.  Return 0, or 1 with the Python error
 * printed. */
static int
print_json(void)
{
    int rc = 1;
    PyObject *json = NULL, *key = NULL, *dumps = NULL, *data = NULL, *text = NULL;

    json = PyImport_ImportModule("json");            /* new */
    if (json == NULL) {
        goto done;
    }
    PyObject *ns = PyModule_GetDict(json);           /* borrowed: no DECREF */
    key = PyUnicode_FromString("dumps");             /* new */
    if (key == NULL) {
        goto done;
    }
    dumps = PyDict_GetItemWithError(ns, key);        /* borrowed... */
    if (dumps == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_KeyError, "dumps");
        }
        goto done;
    }
    Py_INCREF(dumps);    /* ...so take our own: the dict could drop it */

    data = Py_BuildValue("{s:s,s:i}", "foo", "Foo", "bar", 123);   /* new */
    if (data == NULL) {
        goto done;
    }
    text = PyObject_CallOneArg(dumps, data);         /* new */
    if (text == NULL) {
        goto done;
    }
    const char *utf8 = PyUnicode_AsUTF8(text);       /* lives as long as text */
    if (utf8 == NULL) {
        goto done;
    }
    printf("%s\n", utf8);
    rc = 0;
done:
    if (rc != 0) {
        PyErr_Print();
    }
    Py_XDECREF(text);
    Py_XDECREF(data);
    Py_XDECREF(dumps);
    Py_XDECREF(key);
    Py_XDECREF(json);
    return rc;
}

int
main(int argc, char **argv)
{
    const char *prog = program_name(argc, argv, "embed_import");
    if (argc != 1) {
        fprintf(stderr, "usage: %s\n"
                        "Print json.dumps({'foo': 'Foo', 'bar': 123}); takes no arguments.\n",
                prog);
        return 2;
    }
    int rc = start_python(prog, argc, argv);
    if (rc != 0) {
        return rc;
    }
    rc = print_json();
    return stop_python(rc);
}
