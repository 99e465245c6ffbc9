/*
 * cx_errors: raising exceptions from C, and a module's own exception type.
 *
 *     not_implemented()  raises NotImplementedError("Not implemented")
 *     FooError           an Exception subclass created by the module
 *     raise_foo()        raises FooError("Raise exception in C")
 *
 * A C function signals an error by setting an exception and returning
 * NULL.  FooError lives in the module's state rather than in a C global, so
 * every module object (one per interpreter, or after a fresh import) has
 * its own and can be garbage-collected with it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_errors_doc, "Raising built-in and module-defined exceptions.");

PyDoc_STRVAR(FooError_doc, "The error raised by raise_foo().");

PyDoc_STRVAR(not_implemented_doc,
"not_implemented($module, /)\n"
"--\n"
"\n"
"Raise NotImplementedError('Not implemented').");

PyDoc_STRVAR(raise_foo_doc,
"raise_foo($module, /)\n"
"--\n"
"\n"
"Raise FooError('Raise exception in C').");

typedef struct {
    PyObject *FooError;          /* strong reference */
} cx_errors_state;

static inline cx_errors_state *
get_state(PyObject *module)
{
    return (cx_errors_state *)PyModule_GetState(module);
}

static PyObject *
not_implemented(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    PyErr_SetString(PyExc_NotImplementedError, "Not implemented");
    return NULL;
}

static PyObject *
raise_foo(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    PyErr_SetString(get_state(module)->FooError, "Raise exception in C");
    return NULL;
}

static int
cx_errors_exec(PyObject *module)
{
    cx_errors_state *st = get_state(module);
    st->FooError = PyErr_NewExceptionWithDoc("cx_errors.FooError", FooError_doc,
                                             NULL, NULL);
    if (st->FooError == NULL) {
        return -1;
    }
    /* The module gets its own reference; the state keeps ours. */
    return PyModule_AddObjectRef(module, "FooError", st->FooError);
}

/* The state holds an object, so the module must show it to the garbage
 * collector and be able to drop it. */
static int
cx_errors_traverse(PyObject *module, visitproc visit, void *arg)
{
    cx_errors_state *st = get_state(module);
    if (st != NULL) {
        Py_VISIT(st->FooError);
    }
    return 0;
}

static int
cx_errors_clear(PyObject *module)
{
    cx_errors_state *st = get_state(module);
    if (st != NULL) {
        Py_CLEAR(st->FooError);
    }
    return 0;
}

static void
cx_errors_free(void *module)
{
    (void)cx_errors_clear((PyObject *)module);
}

static PyMethodDef cx_errors_methods[] = {
    {"not_implemented", not_implemented, METH_NOARGS, not_implemented_doc},
    {"raise_foo", raise_foo, METH_NOARGS, raise_foo_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_errors_slots[] = {
    {Py_mod_exec, cx_errors_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_errors_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_errors",
    .m_doc = cx_errors_doc,
    .m_size = sizeof(cx_errors_state),
    .m_methods = cx_errors_methods,
    .m_slots = cx_errors_slots,
    .m_traverse = cx_errors_traverse,
    .m_clear = cx_errors_clear,
    .m_free = cx_errors_free,
};

PyMODINIT_FUNC
PyInit_cx_errors(void)
{
    return PyModuleDef_Init(&cx_errors_module);
}
