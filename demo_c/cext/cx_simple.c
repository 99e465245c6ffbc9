/*
 * cx_simple: the smallest useful extension module.
 *
 *     >>> import cx_simple
 *     >>> cx_simple.foo()
 *     'foo'
 *
 * foo() prints through Python's own print(), so the output goes to whatever
 * sys.stdout is at the time (a file, a pipe, contextlib.redirect_stdout...)
 * and is ordered correctly with the rest of the program's output.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* A "name(args)\n--\n\n" first line gives inspect.signature() something to
 * read: help(cx_simple.foo) then shows "foo()". */
PyDoc_STRVAR(cx_simple_doc,
"A minimal C extension module with one documented function.");

PyDoc_STRVAR(foo_doc,
"foo($module, /)\n"
"--\n"
"\n"
"Print the repr of the string 'foo' and return None.");

/* METH_NOARGS: CPython passes the module as the first argument and NULL as
 * the second; both are unused here. */
static PyObject *
foo(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    PyObject *builtins = NULL, *print = NULL, *text = NULL, *shown = NULL;
    PyObject *res = NULL;

    builtins = PyImport_ImportModule("builtins");      /* new reference */
    if (builtins == NULL) {
        goto done;
    }
    print = PyObject_GetAttrString(builtins, "print"); /* new reference */
    if (print == NULL) {
        goto done;
    }
    text = PyUnicode_FromString("foo");                /* new reference */
    if (text == NULL) {
        goto done;
    }
    shown = PyObject_Repr(text);                       /* "'foo'" */
    if (shown == NULL) {
        goto done;
    }
    res = PyObject_CallOneArg(print, shown);           /* print(shown) */
done:
    Py_XDECREF(shown);
    Py_XDECREF(text);
    Py_XDECREF(print);
    Py_XDECREF(builtins);
    if (res == NULL) {
        return NULL;                 /* the exception is already set */
    }
    Py_DECREF(res);                  /* print() returned None: drop it */
    Py_RETURN_NONE;
}

static PyMethodDef cx_simple_methods[] = {
    {"foo", foo, METH_NOARGS, foo_doc},
    {NULL, NULL, 0, NULL}            /* sentinel */
};

static PyModuleDef_Slot cx_simple_slots[] = {
#ifdef Py_mod_multiple_interpreters
    /* No global state at all: safe in isolated sub-interpreters (3.12+). */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                        /* sentinel */
};

static struct PyModuleDef cx_simple_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_simple",
    .m_doc = cx_simple_doc,
    .m_size = 0,
    .m_methods = cx_simple_methods,
    .m_slots = cx_simple_slots,
};

/* Multi-phase initialisation: return the definition, CPython creates the
 * module object itself. */
PyMODINIT_FUNC
PyInit_cx_simple(void)
{
    return PyModuleDef_Init(&cx_simple_module);
}
