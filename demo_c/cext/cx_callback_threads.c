/*
 * cx_callback_threads: calling back into Python from threads made in C.
 *
 *     run(n, sec, callback)
 *
 * starts n POSIX threads.  Each sleeps `sec` seconds in plain C, then takes
 * the GIL with PyGILState_Ensure() and calls callback("Awesome Python!").
 * run() releases the GIL while it waits for the threads (otherwise none of
 * them could ever get it) and returns None once all have finished.
 *
 * Errors are not lost: an exception raised by a callback is kept and raised
 * again by run() -- the exception itself when one callback failed, an
 * ExceptionGroup (BaseExceptionGroup) holding them all when several did.
 *
 * PyGILState_Ensure() always attaches to the main interpreter, so this
 * module declares that it cannot be loaded in sub-interpreters.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <time.h>

#define MAX_THREADS 256
#define MAX_SECONDS 3600.0

PyDoc_STRVAR(cx_callback_threads_doc,
"Call a Python function from threads created with pthread_create().");

PyDoc_STRVAR(run_doc,
"run($module, n, sec, callback, /)\n"
"--\n"
"\n"
"Start n C threads (0 <= n <= 256); each sleeps sec seconds (0 <= sec <= 3600)\n"
"then calls callback('Awesome Python!') holding the GIL.  Return None when\n"
"all are done; re-raise what the callbacks raised.");

/* What one thread needs.  `callback` is borrowed from run(), which keeps it
 * alive until every thread has been joined; `exc` is a new reference to the
 * exception the callback raised, or NULL. */
typedef struct {
    pthread_t tid;
    struct timespec delay;
    PyObject *callback;
    PyObject *exc;
} worker_t;

/* Take the current exception out of the thread state as one object. */
static PyObject *
take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type = NULL, *value = NULL, *tb = NULL;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (value != NULL && tb != NULL) {
        PyException_SetTraceback(value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
#endif
}

/* Make `exc` (a reference we give away) the current exception. */
static void
give_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyObject *type = Py_NewRef((PyObject *)Py_TYPE(exc));
    PyObject *tb = PyException_GetTraceback(exc);      /* new reference */
    PyErr_Restore(type, exc, tb);                      /* steals all three */
#endif
}

static void *
worker_main(void *arg)
{
    worker_t *w = arg;
    struct timespec req = w->delay, rem;

    /* Plain C work: no GIL needed, and none held. */
    while (nanosleep(&req, &rem) == -1 && errno == EINTR) {
        req = rem;
    }

    /* From here on we call the C API, so take the GIL first. */
    PyGILState_STATE gstate = PyGILState_Ensure();
    PyObject *res = PyObject_CallFunction(w->callback, "s", "Awesome Python!");
    if (res == NULL) {
        w->exc = take_exception();   /* keep it for run() to raise */
    }
    else {
        Py_DECREF(res);
    }
    PyGILState_Release(gstate);      /* no C API calls after this line */
    return NULL;
}

/* Wait for threads 0..count-1.  Called with the GIL held; releases it while
 * waiting, since the threads need it to run their callbacks. */
static void
join_workers(worker_t *workers, Py_ssize_t count)
{
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++) {
        pthread_join(workers[i].tid, NULL);
    }
    Py_END_ALLOW_THREADS
}

static PyObject *
run(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_ssize_t n = 0, started = 0, failed = 0;
    double sec = 0.0;
    PyObject *callback = NULL, *result = NULL;
    worker_t *workers = NULL;

    if (!PyArg_ParseTuple(args, "ndO:run", &n, &sec, &callback)) {
        return NULL;
    }
    if (n < 0 || n > MAX_THREADS) {
        PyErr_Format(PyExc_ValueError, "n must be between 0 and %d, not %zd",
                     MAX_THREADS, n);
        return NULL;
    }
    if (!isfinite(sec) || sec < 0.0 || sec > MAX_SECONDS) {
        PyErr_Format(PyExc_ValueError, "sec must be between 0 and %d",
                     (int)MAX_SECONDS);
        return NULL;
    }
    if (!PyCallable_Check(callback)) {
        PyErr_Format(PyExc_TypeError, "callback must be callable, not %.100s",
                     Py_TYPE(callback)->tp_name);
        return NULL;
    }
    if (n == 0) {
        Py_RETURN_NONE;
    }

    workers = PyMem_Calloc((size_t)n, sizeof(*workers));
    if (workers == NULL) {
        return PyErr_NoMemory();
    }
    Py_INCREF(callback);             /* ours until every thread is joined */
    for (Py_ssize_t i = 0; i < n; i++) {
        workers[i].delay.tv_sec = (time_t)sec;
        workers[i].delay.tv_nsec = (long)((sec - (double)(time_t)sec) * 1e9);
        workers[i].callback = callback;
    }

    /* The threads sleep, then block in PyGILState_Ensure() until we let the
     * GIL go in join_workers(). */
    for (; started < n; started++) {
        int rc = pthread_create(&workers[started].tid, NULL, worker_main,
                                &workers[started]);
        if (rc != 0) {
            join_workers(workers, started);
            errno = rc;
            PyErr_SetFromErrno(PyExc_OSError);
            goto done;
        }
    }
    join_workers(workers, started);

    /* GIL held again: collect what the callbacks raised. */
    for (Py_ssize_t i = 0; i < n; i++) {
        failed += workers[i].exc != NULL;
    }
    if (failed == 0) {
        result = Py_NewRef(Py_None);
    }
    else if (failed == 1) {
        for (Py_ssize_t i = 0; i < n; i++) {
            if (workers[i].exc != NULL) {
                give_exception(workers[i].exc);
                workers[i].exc = NULL;
            }
        }
    }
    else {
        PyObject *excs = PyList_New(0);
        for (Py_ssize_t i = 0; excs != NULL && i < n; i++) {
            if (workers[i].exc != NULL && PyList_Append(excs, workers[i].exc) < 0) {
                Py_CLEAR(excs);
            }
        }
        if (excs != NULL) {
            /* BaseExceptionGroup(msg, excs) returns an ExceptionGroup when
             * every member is an Exception. */
            PyObject *group = PyObject_CallFunction(
                PyExc_BaseExceptionGroup, "sO",
                "errors raised by callbacks", excs);
            Py_DECREF(excs);
            if (group != NULL) {
                PyErr_SetObject((PyObject *)Py_TYPE(group), group);
                Py_DECREF(group);
            }
        }
    }

done:
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_XDECREF(workers[i].exc);
    }
    PyMem_Free(workers);
    Py_DECREF(callback);
    return result;
}

static PyMethodDef cx_callback_threads_methods[] = {
    {"run", run, METH_VARARGS, run_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_callback_threads_slots[] = {
#ifdef Py_mod_multiple_interpreters
    /* PyGILState_* only knows the main interpreter. */
    {Py_mod_multiple_interpreters, Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_callback_threads_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_callback_threads",
    .m_doc = cx_callback_threads_doc,
    .m_size = 0,
    .m_methods = cx_callback_threads_methods,
    .m_slots = cx_callback_threads_slots,
};

PyMODINIT_FUNC
PyInit_cx_callback_threads(void)
{
    return PyModuleDef_Init(&cx_callback_threads_module);
}
