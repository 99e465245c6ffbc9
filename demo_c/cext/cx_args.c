/*
 * cx_args: the common ways a C function receives its arguments.
 *
 *     foo()            METH_NOARGS               -> None
 *     bar(x)           METH_O                    -> x
 *     baz(x, y)        METH_VARARGS              -> (x, y)
 *     qux(x, y=None)   METH_VARARGS|METH_KEYWORDS -> (x, y)
 *
 * Each C function has exactly the prototype its METH_* flag promises, so
 * CPython calls it correctly; wrong argument counts or unknown keywords
 * raise TypeError before our code runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_args_doc, "Argument passing conventions for C functions.");

PyDoc_STRVAR(foo_doc, "foo($module, /)\n--\n\nTake no arguments; return None.");
PyDoc_STRVAR(bar_doc, "bar($module, x, /)\n--\n\nReturn x.");
PyDoc_STRVAR(baz_doc, "baz($module, x, y, /)\n--\n\nReturn the tuple (x, y).");
PyDoc_STRVAR(qux_doc,
"qux($module, /, x, y=None)\n--\n\nReturn the tuple (x, y); y defaults to None.");

/* METH_NOARGS: second argument is always NULL. */
static PyObject *
foo(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored))
{
    Py_RETURN_NONE;
}

/* METH_O: the single argument, borrowed.  Returning it means handing out a
 * new reference, hence Py_NewRef. */
static PyObject *
bar(PyObject *Py_UNUSED(module), PyObject *x)
{
    return Py_NewRef(x);
}

/* METH_VARARGS: a tuple of positional arguments.  "OO" stores borrowed
 * references; Py_BuildValue("(OO)") takes new ones for the result. */
static PyObject *
baz(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *x = NULL, *y = NULL;
    if (!PyArg_ParseTuple(args, "OO:baz", &x, &y)) {
        return NULL;
    }
    return Py_BuildValue("(OO)", x, y);
}

/* METH_VARARGS | METH_KEYWORDS: three parameters; kwargs may be NULL. */
static PyObject *
qux(PyObject *Py_UNUSED(module), PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"x", "y", NULL};
    PyObject *x = NULL, *y = Py_None;     /* y: borrowed default */
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:qux", keywords, &x, &y)) {
        return NULL;
    }
    return Py_BuildValue("(OO)", x, y);
}

static PyMethodDef cx_args_methods[] = {
    {"foo", foo, METH_NOARGS, foo_doc},
    {"bar", bar, METH_O, bar_doc},
    {"baz", baz, METH_VARARGS, baz_doc},
    /* ml_meth is declared with two parameters; a three-parameter function
     * goes through void (*)(void), which C allows and the METH_KEYWORDS
     * flag makes CPython undo.  This is the one cast the C API needs. */
    {"qux", (PyCFunction)(void (*)(void))qux, METH_VARARGS | METH_KEYWORDS, qux_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_args_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_args_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_args",
    .m_doc = cx_args_doc,
    .m_size = 0,
    .m_methods = cx_args_methods,
    .m_slots = cx_args_slots,
};

PyMODINIT_FUNC
PyInit_cx_args(void)
{
    return PyModuleDef_Init(&cx_args_module);
}
