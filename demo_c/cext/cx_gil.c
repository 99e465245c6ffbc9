/*
 * cx_gil: what releasing the GIL buys.
 *
 *     sleep_nogil(sec)  sleeps with the GIL released: other Python threads
 *                       run meanwhile, so n threads calling it sleep in
 *                       parallel and finish after about one `sec`.
 *     sleep_gil(sec)    sleeps holding the GIL: every other Python thread
 *                       waits, so n threads take about n * sec.
 *
 * Between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS this thread does
 * not own the GIL, so no Python C-API call (not even Py_INCREF) may appear
 * there: only plain C, here nanosleep().
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <math.h>
#include <time.h>

/* One day is plenty for a demo and keeps the conversion to time_t exact. */
#define MAX_SLEEP_SECONDS 86400.0

PyDoc_STRVAR(cx_gil_doc,
"Sleep in C with or without the global interpreter lock (GIL).");

PyDoc_STRVAR(sleep_nogil_doc,
"sleep_nogil($module, sec, /)\n"
"--\n"
"\n"
"Sleep `sec` seconds (int or float, 0 <= sec <= 86400) with the GIL released.");

PyDoc_STRVAR(sleep_gil_doc,
"sleep_gil($module, sec, /)\n"
"--\n"
"\n"
"Sleep `sec` seconds (int or float, 0 <= sec <= 86400) holding the GIL.");

/* Convert a Python number to a timespec; on error set an exception and
 * return -1. */
static int
seconds_to_timespec(PyObject *arg, struct timespec *ts)
{
    double sec = PyFloat_AsDouble(arg);   /* accepts int and float */
    if (sec == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (!isfinite(sec) || sec < 0.0 || sec > MAX_SLEEP_SECONDS) {
        PyErr_Format(PyExc_ValueError,
                     "sec must be a number between 0 and %d, not %R",
                     (int)MAX_SLEEP_SECONDS, arg);
        return -1;
    }
    ts->tv_sec = (time_t)sec;
    ts->tv_nsec = (long)((sec - (double)ts->tv_sec) * 1e9);
    if (ts->tv_nsec > 999999999L) {
        ts->tv_nsec = 999999999L;
    }
    return 0;
}

/* Sleep for *req, resuming after signals.  Called with the GIL held; if
 * `release_gil` it is dropped around nanosleep() only.  After an EINTR the
 * GIL is held again, so Python signal handlers can run (Ctrl-C raises
 * KeyboardInterrupt here instead of being delayed to the end). */
static PyObject *
do_sleep(struct timespec req, int release_gil)
{
    for (;;) {
        struct timespec rem = {0, 0};
        int rc, err;

        if (release_gil) {
            Py_BEGIN_ALLOW_THREADS           /* GIL released: C only! */
            rc = nanosleep(&req, &rem);
            err = errno;
            Py_END_ALLOW_THREADS             /* GIL held again */
        }
        else {
            rc = nanosleep(&req, &rem);
            err = errno;
        }
        if (rc == 0) {
            Py_RETURN_NONE;
        }
        if (err != EINTR) {
            errno = err;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        if (PyErr_CheckSignals() < 0) {
            return NULL;                     /* e.g. KeyboardInterrupt */
        }
        req = rem;
    }
}

static PyObject *
sleep_nogil(PyObject *Py_UNUSED(module), PyObject *arg)
{
    struct timespec req;
    if (seconds_to_timespec(arg, &req) < 0) {
        return NULL;
    }
    return do_sleep(req, 1);
}

static PyObject *
sleep_gil(PyObject *Py_UNUSED(module), PyObject *arg)
{
    struct timespec req;
    if (seconds_to_timespec(arg, &req) < 0) {
        return NULL;
    }
    return do_sleep(req, 0);
}

static PyMethodDef cx_gil_methods[] = {
    {"sleep_nogil", sleep_nogil, METH_O, sleep_nogil_doc},
    {"sleep_gil", sleep_gil, METH_O, sleep_gil_doc},
    {NULL, NULL, 0, NULL}                    /* sentinel */
};

static PyModuleDef_Slot cx_gil_slots[] = {
#ifdef Py_mod_multiple_interpreters
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL}                                /* sentinel */
};

static struct PyModuleDef cx_gil_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "cx_gil",
    .m_doc = cx_gil_doc,
    .m_size = 0,
    .m_methods = cx_gil_methods,
    .m_slots = cx_gil_slots,
};

PyMODINIT_FUNC
PyInit_cx_gil(void)
{
    return PyModuleDef_Init(&cx_gil_module);
}
