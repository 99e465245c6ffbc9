/*
 * cx_class_inherit: one C class deriving from another, like
 *
 *     class Foo:
 *         def __init__(self, foo):
 *             self.foo = foo
 *         def fib(self, n): ...
 *
 *     class Bar(Foo):
 *         def gcd(self, a, b): ...
 *
 * Bar is created from its own PyType_Spec with Foo as its base.  It adds no
 * fields, so it inherits Foo's size, __new__, __init__, deallocation and
 * garbage-collector support; it only adds a method.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#if PY_VERSION_HEX < 0x030C0000
#  include <structmember.h>
#  define Py_T_OBJECT_EX T_OBJECT_EX
#endif

#define FIB_MAX 93

PyDoc_STRVAR(cx_class_inherit_doc, "A C class and a C subclass of it.");

/* ---- Foo ------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *foo;
} FooObject;

static int
Foo_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));           /* also right for Bar: it visits Bar */
    Py_VISIT(((FooObject *)op)->foo);
    return 0;
}

static int
Foo_clear(PyObject *op)
{
    Py_CLEAR(((FooObject *)op)->foo);
    return 0;
}

static void
Foo_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);  /* Foo, Bar, or a Python subclass */
    PyObject_GC_UnTrack(op);
    (void)Foo_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static int
Foo_init(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"foo", NULL};
    PyObject *foo = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Foo", keywords, &foo)) {
        return -1;
    }
    Py_XSETREF(((FooObject *)op)->foo, Py_NewRef(foo));
    return 0;
}

static unsigned long long
fib(unsigned int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static PyObject *
Foo_fib(PyObject *Py_UNUSED(self), PyObject *arg)
{
    long n = PyLong_AsLong(arg);
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

static PyMemberDef Foo_members[] = {
    {"foo", Py_T_OBJECT_EX, offsetof(FooObject, foo), 0, "the value given to __init__"},
    {NULL, 0, 0, 0, NULL}                    /* sentinel */
};

static PyMethodDef Foo_methods[] = {
    {"fib", Foo_fib, METH_O,
     "fib($self, n, /)\n--\n\nReturn the n-th Fibonacci number (0 <= n <= 93)."},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyType_Slot Foo_slots[] = {
    {Py_tp_doc, (void *)"Foo(foo)\n--\n\nFoo objects."},
    {Py_tp_new, PyType_GenericNew},  /* zero-filled: foo is NULL until __init__ */
    {Py_tp_init, Foo_init},
    {Py_tp_dealloc, Foo_dealloc},
    {Py_tp_traverse, Foo_traverse},
    {Py_tp_clear, Foo_clear},
    {Py_tp_members, Foo_members},
    {Py_tp_methods, Foo_methods},
    {0, NULL}                                /* sentinel */
};

static PyType_Spec Foo_spec = {
    .name = "cx_class_inherit.Foo",
    .basicsize = sizeof(FooObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Foo_slots,
};

/* ---- Bar(Foo) -------------------------------------------------------- */

static unsigned long long
gcd(unsigned long long a, unsigned long long b)
{
    while (b != 0) {
        unsigned long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* |x| without overflow, even for LLONG_MIN. */
static unsigned long long
magnitude(long long x)
{
    return x < 0 ? 0ULL - (unsigned long long)x : (unsigned long long)x;
}

static PyObject *
Bar_gcd(PyObject *Py_UNUSED(self), PyObject *args)
{
    long long a = 0, b = 0;
    if (!PyArg_ParseTuple(args, "LL:gcd", &a, &b)) {
        return NULL;
    }
    /* Same convention as math.gcd: signs ignored, gcd(0, 0) == 0. */
    return PyLong_FromUnsignedLongLong(gcd(magnitude(a), magnitude(b)));
}

static PyMethodDef Bar_methods[] = {
    {"gcd", Bar_gcd, METH_VARARGS,
     "gcd($self, a, b, /)\n--\n\nReturn the greatest common divisor of a and b."},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

/* basicsize 0: same layout as the base.  No Py_TPFLAGS_HAVE_GC and no
 * traverse/clear here: a subtype of a GC type inherits all three. */
static PyType_Slot Bar_slots[] = {
    {Py_tp_doc, (void *)"Bar(foo)\n--\n\nA Foo that can also compute gcd()."},
    {Py_tp_methods, Bar_methods},
    {0, NULL}                                /* sentinel */
};

static PyType_Spec Bar_spec = {
    .name = "cx_class_inherit.Bar",
    .basicsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = Bar_slots,
};

/* ---- module ---------------------------------------------------------- */

static int
cx_class_inherit_exec(PyObject *module)
{
    int rc = -1;
    PyObject *Foo = NULL, *Bar = NULL;

    Foo = PyType_FromModuleAndSpec(module, &Foo_spec, NULL);
    if (Foo == NULL) {
        goto done;
    }
    Bar = PyType_FromModuleAndSpec(module, &Bar_spec, Foo);   /* base: Foo */
    if (Bar == NULL) {
        goto done;
    }
    if (PyModule_AddType(module, (PyTypeObject *)Foo) < 0
        || PyModule_AddType(module, (PyTypeObject *)Bar) < 0) {
        goto done;
    }
    rc = 0;
done:
    Py_XDECREF(Bar);
    Py_XDECREF(Foo);
    return rc;
}

static PyModuleDef_Slot cx_class_inherit_slots[] = {
    {Py_mod_exec, cx_class_inherit_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_class_inherit_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_class_inherit",
    .m_doc = cx_class_inherit_doc,
    .m_size = 0,
    .m_slots = cx_class_inherit_slots,
};

PyMODINIT_FUNC
PyInit_cx_class_inherit(void)
{
    return PyModuleDef_Init(&cx_class_inherit_module);
}
