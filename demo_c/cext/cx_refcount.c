/*
 * cx_refcount: read an object's reference count from C.
 *
 *     >>> import sys, cx_refcount
 *     >>> x = object()
 *     >>> cx_refcount.getrefcount(x) == sys.getrefcount(x)
 *     True
 *
 * Like sys.getrefcount(), the number includes the reference held by the
 * call itself.  With METH_O the argument is *borrowed*: we neither own it
 * nor release it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_refcount_doc, "Reference counts seen from C.");

PyDoc_STRVAR(getrefcount_doc,
"getrefcount($module, obj, /)\n"
"--\n"
"\n"
"Return the reference count of obj, exactly as sys.getrefcount(obj) does.");

static PyObject *
getrefcount(PyObject *Py_UNUSED(module), PyObject *obj)
{
    return PyLong_FromSsize_t(Py_REFCNT(obj));
}

static PyMethodDef cx_refcount_methods[] = {
    {"getrefcount", getrefcount, METH_O, getrefcount_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_refcount_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_refcount_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_refcount",
    .m_doc = cx_refcount_doc,
    .m_size = 0,
    .m_methods = cx_refcount_methods,
    .m_slots = cx_refcount_slots,
};

PyMODINIT_FUNC
PyInit_cx_refcount(void)
{
    return PyModuleDef_Init(&cx_refcount_module);
}
