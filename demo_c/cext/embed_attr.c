/*
 * embed_attr: like embed_import.c, but reach json.dumps by attribute
 * access, which also works for objects that are not modules:
 *
 *     import json
 *     print(json.dumps({'foo': 'Foo', 'bar': 123}))
 *
 *     $ embed_attr
 *     {"foo": "Foo", "bar": 123}
 */
#include "embed_common.h"

static int
print_json(void)
{
    int rc = 1;
    PyObject *json = NULL, *dumps = NULL, *data = NULL, *text = NULL;

    json = PyImport_ImportModule("json");                /* new */
    if (json == NULL) {
        goto done;
    }
    dumps = PyObject_GetAttrString(json, "dumps");       /* new */
    if (dumps == NULL) {
        goto done;
    }
    data = Py_BuildValue("{s:s,s:i}", "foo", "Foo", "bar", 123);   /* new */
    if (data == NULL) {
        goto done;
    }
    text = PyObject_CallOneArg(dumps, data);             /* new */
    if (text == NULL) {
        goto done;
    }
    const char *utf8 = PyUnicode_AsUTF8(text);
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
    Py_XDECREF(json);
    return rc;
}

int
main(int argc, char **argv)
{
    const char *prog = program_name(argc, argv, "embed_attr");
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
