/*
 * cx_iterate: walking a list and a dict from C.
 *
 *     iter_list(lst)   like: for item in lst: print(item)
 *     iter_dict(d)     like: for k, v in d.items(): print(f"({k}, {v})")
 *
 * Output goes through Python's print(), i.e. to sys.stdout.  Anything but a
 * list (resp. dict) or a subclass of one raises TypeError.
 *
 * Printing runs arbitrary Python code (__str__, a replaced sys.stdout), so
 * the loops hold their own references to the items they print and check
 * that the container is not resized underneath them.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_iterate_doc, "Iterating over a list and a dict in C.");

PyDoc_STRVAR(iter_list_doc,
"iter_list($module, lst, /)\n"
"--\n"
"\n"
"Print each item of the list lst on its own line.");

PyDoc_STRVAR(iter_dict_doc,
"iter_dict($module, d, /)\n"
"--\n"
"\n"
"Print '(key, value)' for each item of the dict d.");

/* print(obj); returns 0, or -1 with an exception set. */
static int
py_print(PyObject *obj)
{
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (builtins == NULL) {
        return -1;
    }
    PyObject *print = PyObject_GetAttrString(builtins, "print");
    Py_DECREF(builtins);
    if (print == NULL) {
        return -1;
    }
    PyObject *res = PyObject_CallOneArg(print, obj);
    Py_DECREF(print);
    if (res == NULL) {
        return -1;
    }
    Py_DECREF(res);
    return 0;
}

static PyObject *
iter_list(PyObject *Py_UNUSED(module), PyObject *lst)
{
    if (!PyList_Check(lst)) {
        PyErr_Format(PyExc_TypeError, "iter_list() argument must be list, not %.100s",
                     Py_TYPE(lst)->tp_name);
        return NULL;
    }
    /* The generic iterator protocol copes with the list changing while
     * print() runs Python code.  PyIter_Next returns a new reference, or
     * NULL at the end (no exception) or on error (exception set). */
    PyObject *it = PyObject_GetIter(lst);
    if (it == NULL) {
        return NULL;
    }
    PyObject *item;
    while ((item = PyIter_Next(it)) != NULL) {
        int rc = py_print(item);
        Py_DECREF(item);
        if (rc < 0) {
            Py_DECREF(it);
            return NULL;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
iter_dict(PyObject *Py_UNUSED(module), PyObject *d)
{
    if (!PyDict_Check(d)) {
        PyErr_Format(PyExc_TypeError, "iter_dict() argument must be dict, not %.100s",
                     Py_TYPE(d)->tp_name);
        return NULL;
    }
    Py_ssize_t pos = 0, size = PyDict_Size(d);
    PyObject *key, *value;            /* borrowed from the dict */
    while (PyDict_Next(d, &pos, &key, &value)) {
        /* Own them: print() may run code that deletes them from d. */
        Py_INCREF(key);
        Py_INCREF(value);
        PyObject *line = PyUnicode_FromFormat("(%S, %S)", key, value);
        int rc = line == NULL ? -1 : py_print(line);
        Py_XDECREF(line);
        Py_DECREF(key);
        Py_DECREF(value);
        if (rc < 0) {
            return NULL;
        }
        if (PyDict_Size(d) != size) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

static PyMethodDef cx_iterate_methods[] = {
    {"iter_list", iter_list, METH_O, iter_list_doc},
    {"iter_dict", iter_dict, METH_O, iter_dict_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_iterate_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_iterate_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_iterate",
    .m_doc = cx_iterate_doc,
    .m_size = 0,
    .m_methods = cx_iterate_methods,
    .m_slots = cx_iterate_slots,
};

PyMODINIT_FUNC
PyInit_cx_iterate(void)
{
    return PyModuleDef_Init(&cx_iterate_module);
}
