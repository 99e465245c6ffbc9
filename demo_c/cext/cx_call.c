/*
 * cx_call: call a Python function from C.
 *
 *     >>> import cx_call
 *     >>> cx_call.call(str.upper)
 *     'AWESOME PYTHON!'
 *
 * A function called from Python already holds the GIL: there is nothing to
 * acquire.  Whatever f raises propagates to the caller unchanged.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_call_doc, "Call a Python callable from C.");

PyDoc_STRVAR(call_doc,
"call($module, f, /)\n"
"--\n"
"\n"
"Return f('Awesome Python!').");

static PyObject *
call(PyObject *Py_UNUSED(module), PyObject *f)
{
    if (!PyCallable_Check(f)) {
        PyErr_Format(PyExc_TypeError, "f must be callable, not %.100s",
                     Py_TYPE(f)->tp_name);
        return NULL;
    }
    PyObject *arg = PyUnicode_FromString("Awesome Python!");
    if (arg == NULL) {
        return NULL;
    }
    PyObject *res = PyObject_CallOneArg(f, arg);  /* NULL if f raised */
    Py_DECREF(arg);
    return res;
}

static PyMethodDef cx_call_methods[] = {
    {"call", call, METH_O, call_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_call_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_call_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_call",
    .m_doc = cx_call_doc,
    .m_size = 0,
    .m_methods = cx_call_methods,
    .m_slots = cx_call_slots,
};

PyMODINIT_FUNC
PyInit_cx_call(void)
{
    return PyModuleDef_Init(&cx_call_module);
}
