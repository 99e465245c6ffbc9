/*
 * cx_fib: a CPU-bound function in C, for comparison with pure Python and
 * with ctypes (see libfib.c, fib_ctypes.py and bench/bench_fib.py).
 *
 *     >>> import cx_fib
 *     >>> cx_fib.fib(30)
 *     832040
 *
 * The recursive worker is the plain C function fib(); cx_fib_fib() is the
 * wrapper Python calls.  Built with -g -O0, so a debugger sees every call
 * and every argument.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* fib(93) is the largest Fibonacci number that fits in 64 bits. */
#define FIB_MAX 93

PyDoc_STRVAR(cx_fib_doc, "Recursive Fibonacci numbers computed in C.");

PyDoc_STRVAR(fib_doc,
"fib($module, n, /)\n"
"--\n"
"\n"
"Return the n-th Fibonacci number, 0 <= n <= 93, computed recursively in C.");

static unsigned long long
fib(unsigned int n)
{
    if (n < 2) {
        return n;
    }
    return fib(n - 1) + fib(n - 2);
}

static PyObject *
cx_fib_fib(PyObject *Py_UNUSED(module), PyObject *arg)
{
    long n = PyLong_AsLong(arg);     /* TypeError for non-integers */
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must be >= 0");
        return NULL;
    }
    if (n > FIB_MAX) {
        PyErr_Format(PyExc_OverflowError, "fib(%ld) does not fit in 64 bits", n);
        return NULL;
    }
    return PyLong_FromUnsignedLongLong(fib((unsigned int)n));
}

static PyMethodDef cx_fib_methods[] = {
    {"fib", cx_fib_fib, METH_O, fib_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_fib_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_fib_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_fib",
    .m_doc = cx_fib_doc,
    .m_size = 0,
    .m_methods = cx_fib_methods,
    .m_slots = cx_fib_slots,
};

PyMODINIT_FUNC
PyInit_cx_fib(void)
{
    return PyModuleDef_Init(&cx_fib_module);
}
