/*
 * cx_class_simple: the C equivalent of
 *
 *     class Foo:
 *         "Foo objects"
 *
 * Foo is a heap type made from a PyType_Spec when the module is executed,
 * so each module object gets its own class (as a class statement would) and
 * the module works in sub-interpreters.  Foo adds no fields and needs no
 * slots of its own: object's __new__, __init__ and deallocation do.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

PyDoc_STRVAR(cx_class_simple_doc, "The smallest class defined in C.");

typedef struct {
    PyObject_HEAD
} FooObject;

static PyType_Slot Foo_slots[] = {
    {Py_tp_doc, (void *)"Foo objects"},
    {0, NULL}                                /* sentinel */
};

static PyType_Spec Foo_spec = {
    .name = "cx_class_simple.Foo",           /* module.qualname */
    .basicsize = sizeof(FooObject),
    .itemsize = 0,
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = Foo_slots,
};

static int
cx_class_simple_exec(PyObject *module)
{
    PyObject *Foo = PyType_FromModuleAndSpec(module, &Foo_spec, NULL);
    if (Foo == NULL) {
        return -1;
    }
    /* PyModule_AddType adds its own reference; drop the one we got. */
    int rc = PyModule_AddType(module, (PyTypeObject *)Foo);
    Py_DECREF(Foo);
    return rc;
}

static PyModuleDef_Slot cx_class_simple_slots[] = {
    {Py_mod_exec, cx_class_simple_exec},
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_class_simple_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_class_simple",
    .m_doc = cx_class_simple_doc,
    .m_size = 0,
    .m_slots = cx_class_simple_slots,
};

PyMODINIT_FUNC
PyInit_cx_class_simple(void)
{
    return PyModuleDef_Init(&cx_class_simple_module);
}
