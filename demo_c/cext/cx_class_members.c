/*
 * cx_class_members: a class with data members and a method, the C
 * equivalent of
 *
 *     class Foo:
 *         def __init__(self, foo='', bar=''):
 *             self.foo = foo
 *             self.bar = bar
 *         def fib(self, n):
 *             return n if n < 2 else self.fib(n - 1) + self.fib(n - 2)
 *
 * foo and bar are PyMemberDef entries: C fields exposed as attributes that
 * may hold any object.  Because they hold objects, instances can be part of
 * reference cycles (o.foo = o), so the type supports the garbage collector:
 * Py_TPFLAGS_HAVE_GC, tp_traverse and tp_clear.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>                  /* offsetof */

#if PY_VERSION_HEX < 0x030C0000
/* Before 3.12 the member type codes live in structmember.h. */
#  include <structmember.h>
#  define Py_T_OBJECT_EX T_OBJECT_EX
#endif

/* fib(93) is the largest Fibonacci number that fits in 64 bits. */
#define FIB_MAX 93

PyDoc_STRVAR(cx_class_members_doc, "A C class with object members and a method.");

typedef struct {
    PyObject_HEAD
    PyObject *foo;                   /* strong references, NULL if deleted */
    PyObject *bar;
} FooObject;

static int
Foo_traverse(PyObject *op, visitproc visit, void *arg)
{
    FooObject *self = (FooObject *)op;
    Py_VISIT(Py_TYPE(op));           /* instances of heap types own their type */
    Py_VISIT(self->foo);
    Py_VISIT(self->bar);
    return 0;
}

static int
Foo_clear(PyObject *op)
{
    FooObject *self = (FooObject *)op;
    Py_CLEAR(self->foo);
    Py_CLEAR(self->bar);
    return 0;
}

static void
Foo_dealloc(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    (void)Foo_clear(op);
    tp->tp_free(op);
    Py_DECREF(tp);
}

static PyObject *
Foo_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwargs))
{
    FooObject *self = (FooObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->foo = PyUnicode_FromString("");
    self->bar = PyUnicode_FromString("");
    if (self->foo == NULL || self->bar == NULL) {
        Py_DECREF(self);             /* dealloc clears whatever was set */
        return NULL;
    }
    return (PyObject *)self;
}

static int
Foo_init(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"foo", "bar", NULL};
    FooObject *self = (FooObject *)op;
    PyObject *foo = NULL, *bar = NULL;   /* borrowed */

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|OO:Foo", keywords, &foo, &bar)) {
        return -1;
    }
    /* Py_XSETREF stores the new value before releasing the old one, so the
     * object is never seen holding a freed pointer. */
    if (foo != NULL) {
        Py_XSETREF(self->foo, Py_NewRef(foo));
    }
    if (bar != NULL) {
        Py_XSETREF(self->bar, Py_NewRef(bar));
    }
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

static PyMemberDef Foo_members[] = {
    {"foo", Py_T_OBJECT_EX, offsetof(FooObject, foo), 0, "first member"},
    {"bar", Py_T_OBJECT_EX, offsetof(FooObject, bar), 0, "second member"},
    {NULL, 0, 0, 0, NULL}                    /* sentinel */
};

static PyMethodDef Foo_methods[] = {
    {"fib", Foo_fib, METH_O,
     "fib($self, n, /)\n--\n\nReturn the n-th Fibonacci number (0 <= n <= 93)."},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyType_Slot Foo_slots[] = {
    {Py_tp_doc, (void *)"Foo(foo='', bar='')\n--\n\nFoo objects with members foo and bar."},
    {Py_tp_new, Foo_new},
    {Py_tp_init, Foo_init},
    {Py_tp_dealloc, Foo_dealloc},
    {Py_tp_traverse, Foo_traverse},
    {Py_tp_clear, Foo_clear},
    {Py_tp_members, Foo_members},
    {Py_tp_methods, Foo_methods},
    {0, NULL}                                /* sentinel */
};

static PyType_Spec Foo_spec = {
    .name = "cx_class_members.Foo",
    .basicsize = sizeof(FooObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Foo_slots,
};

static int
cx_class_members_exec(PyObject *module)
{
    PyObject *Foo = PyType_FromModuleAndSpec(module, &Foo_spec, NULL);
    if (Foo == NULL) {
        return -1;
    }
    int rc = PyModule_AddType(module, (PyTypeObject *)Foo);
    Py_DECREF(Foo);
    return rc;
}

static PyModuleDef_Slot cx_class_members_slots[] = {
    {Py_mod_exec, cx_class_members_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_class_members_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_class_members",
    .m_doc = cx_class_members_doc,
    .m_size = 0,
    .m_slots = cx_class_members_slots,
};

PyMODINIT_FUNC
PyInit_cx_class_members(void)
{
    return PyModuleDef_Init(&cx_class_members_module);
}
