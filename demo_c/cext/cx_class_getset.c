/*
 * cx_class_getset: a computed attribute (getter and setter) in C, like
 *
 *     class Foo:
 *         def __init__(self, foo=None):
 *             self._foo = ''
 *             if foo is not None:
 *                 self.foo = foo
 *         @property
 *         def foo(self):
 *             return self._foo
 *         @foo.setter
 *         def foo(self, value):
 *             if not isinstance(value, str):
 *                 raise TypeError("value should be unicode")
 *             self._foo = value
 *         @foo.deleter
 *         def foo(self):
 *             raise TypeError("cannot delete the foo attribute")
 *
 * A PyGetSetDef setter is called with value == NULL for `del o.foo`; it
 * must handle that case, here by refusing it.
 *
 * Only str objects are stored, yet a str subclass instance can carry a
 * __dict__ that points back at the Foo, so the type still supports the
 * garbage collector.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_class_getset_doc, "A C class with a type-checked property.");

typedef struct {
    PyObject_HEAD
    PyObject *foo;                   /* a str; strong reference, never NULL
                                        once __new__ has returned */
} FooObject;

static int
Foo_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
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
    if (self->foo == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
Foo_set_foo(PyObject *op, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "cannot delete the foo attribute");
        return -1;
    }
    if (!PyUnicode_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "value should be unicode");
        return -1;
    }
    Py_XSETREF(((FooObject *)op)->foo, Py_NewRef(value));
    return 0;
}

static PyObject *
Foo_get_foo(PyObject *op, void *Py_UNUSED(closure))
{
    FooObject *self = (FooObject *)op;
    if (self->foo == NULL) {         /* only after tp_clear broke a cycle */
        PyErr_SetString(PyExc_AttributeError, "foo");
        return NULL;
    }
    return Py_NewRef(self->foo);     /* a getter returns a new reference */
}

static int
Foo_init(PyObject *op, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"foo", NULL};
    PyObject *foo = Py_None;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:Foo", keywords, &foo)) {
        return -1;
    }
    if (foo == Py_None) {
        return 0;
    }
    return Foo_set_foo(op, foo, NULL);   /* same check as `o.foo = foo` */
}

static PyGetSetDef Foo_getset[] = {
    {"foo", Foo_get_foo, Foo_set_foo, "a str; cannot be deleted", NULL},
    {NULL, NULL, NULL, NULL, NULL}           /* sentinel */
};

static PyType_Slot Foo_slots[] = {
    {Py_tp_doc, (void *)"Foo(foo=None)\n--\n\nFoo objects with a str-only property foo."},
    {Py_tp_new, Foo_new},
    {Py_tp_init, Foo_init},
    {Py_tp_dealloc, Foo_dealloc},
    {Py_tp_traverse, Foo_traverse},
    {Py_tp_clear, Foo_clear},
    {Py_tp_getset, Foo_getset},
    {0, NULL}                                /* sentinel */
};

static PyType_Spec Foo_spec = {
    .name = "cx_class_getset.Foo",
    .basicsize = sizeof(FooObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Foo_slots,
};

static int
cx_class_getset_exec(PyObject *module)
{
    PyObject *Foo = PyType_FromModuleAndSpec(module, &Foo_spec, NULL);
    if (Foo == NULL) {
        return -1;
    }
    int rc = PyModule_AddType(module, (PyTypeObject *)Foo);
    Py_DECREF(Foo);
    return rc;
}

static PyModuleDef_Slot cx_class_getset_slots[] = {
    {Py_mod_exec, cx_class_getset_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_class_getset_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_class_getset",
    .m_doc = cx_class_getset_doc,
    .m_size = 0,
    .m_slots = cx_class_getset_slots,
};

PyMODINIT_FUNC
PyInit_cx_class_getset(void)
{
    return PyModuleDef_Init(&cx_class_getset_module);
}
