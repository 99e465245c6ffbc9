"""toyio: a small model of asyncio's machinery, written to be read.

Every public name here mirrors one in :mod:`asyncio` closely enough that the
same coroutine can be run by either library: the examples pass the module in
as ``lib`` and compare the two runs line by line.  What is left out on purpose:
thread-local loops, contextvars, debug mode, SSL, signal handling, transports
and protocols, and most argument checking.

Running this file does nothing; the aio_*.py examples import it.
"""

from __future__ import annotations

import collections
import errno
import heapq
import inspect
import itertools
import selectors
import socket
import sys
import threading
import time
import traceback
import types
import weakref
from asyncio import ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, CancelledError
from collections.abc import Awaitable, Callable, Coroutine, Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = [
    "ALL_COMPLETED", "FIRST_COMPLETED", "FIRST_EXCEPTION", "CancelledError",
    "EventLoop", "Future", "Server", "Task",
    "create_task", "get_running_loop", "run", "sleep", "start_server", "wait",
]

# asyncio keeps one running loop per thread; one per process is enough here.
_running_loop: EventLoop | None = None


def get_running_loop() -> EventLoop:
    if _running_loop is None:
        raise RuntimeError("no running event loop")
    return _running_loop


# --- Future ---------------------------------------------------------------

class Future:
    """A slot for a result that does not exist yet, plus who to tell."""

    def __init__(self, loop: EventLoop | None = None) -> None:
        self._loop = loop if loop is not None else get_running_loop()
        self._state = "PENDING"  # then "FINISHED" or "CANCELLED"
        self._result: Any = None
        self._exception: BaseException | None = None
        self._callbacks: list[Callable[[Future], object]] = []

    def done(self) -> bool:
        return self._state != "PENDING"

    def cancelled(self) -> bool:
        return self._state == "CANCELLED"

    def result(self) -> Any:
        if self._state == "CANCELLED":
            raise CancelledError()
        if self._state == "PENDING":
            raise RuntimeError("result is not ready")
        if self._exception is not None:
            raise self._exception
        return self._result

    def exception(self) -> BaseException | None:
        if self._state == "CANCELLED":
            raise CancelledError()
        return self._exception

    def add_done_callback(self, fn: Callable[[Future], object]) -> None:
        if self.done():
            self._loop.call_soon(fn, self)
        else:
            self._callbacks.append(fn)

    def remove_done_callback(self, fn: Callable[[Future], object]) -> int:
        kept = [cb for cb in self._callbacks if cb != fn]
        removed = len(self._callbacks) - len(kept)
        self._callbacks = kept
        return removed

    def set_result(self, result: Any) -> None:
        self._finish("FINISHED", result=result)

    def set_exception(self, exception: BaseException) -> None:
        self._finish("FINISHED", exception=exception)

    def cancel(self, msg: object = None) -> bool:
        if self.done():
            return False
        self._finish("CANCELLED")
        return True

    def _finish(self, state: str, result: Any = None,
                exception: BaseException | None = None) -> None:
        if self.done():
            raise RuntimeError(f"invalid state: future is already {self._state}")
        self._state, self._result, self._exception = state, result, exception
        # Callbacks never run inside set_result(): they wait for the loop's
        # next turn, so whoever finished the future can carry on safely.
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            self._loop.call_soon(fn, self)

    def __await__(self) -> Generator[Future, None, Any]:
        if not self.done():
            yield self  # travels up through every await to the Task's _step()
        return self.result()


# --- Task -----------------------------------------------------------------

class Task(Future):
    """Drive a coroutine one step at a time; finish with its return value."""

    _counter = itertools.count(1)

    def __init__(self, coro: Coroutine[Any, Any, Any], loop: EventLoop | None = None,
                 name: str | None = None) -> None:
        super().__init__(loop)
        self._coro = coro
        self._name = name or f"Task-{next(self._counter)}"
        self._waiting_on: Future | None = None
        self._must_cancel = False
        self._loop._tasks.add(self)
        self._loop.call_soon(self._step)

    def cancel(self, msg: object = None) -> bool:
        if self.done():
            return False
        # Cancel what we wait for; its result() then raises CancelledError
        # inside the coroutine, which may catch it and clean up.
        if self._waiting_on is not None and self._waiting_on.cancel():
            return True
        self._must_cancel = True  # throw it in at the next step instead
        return True

    def _step(self, _fut: Future | None = None) -> None:
        if self.done():
            return
        self._waiting_on = None
        try:
            if self._must_cancel:
                self._must_cancel = False
                yielded = self._coro.throw(CancelledError())
            else:
                yielded = self._coro.send(None)
        except StopIteration as stop:
            super().set_result(stop.value)
        except CancelledError:
            super().cancel()
        except (KeyboardInterrupt, SystemExit) as exc:
            super().set_exception(exc)
            raise
        except BaseException as exc:
            super().set_exception(exc)
        else:
            if yielded is None:
                # A bare ``yield`` (what asyncio.sleep(0) does): no future to
                # wait for, just let everything else that is ready run first.
                self._loop.call_soon(self._step)
            elif isinstance(yielded, Future):
                self._waiting_on = yielded
                yielded.add_done_callback(self._step)
                if self._must_cancel and yielded.cancel():
                    self._must_cancel = False
            else:
                self._coro.close()
                super().set_exception(RuntimeError(f"Task got bad yield: {yielded!r}"))

    def get_name(self) -> str:
        return self._name

    # A Task finishes only when its coroutine does.
    def set_result(self, result: Any) -> None:
        raise RuntimeError("Task does not support set_result()")

    def set_exception(self, exception: BaseException) -> None:
        raise RuntimeError("Task does not support set_exception()")


def create_task(coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> Task:
    return get_running_loop().create_task(coro, name=name)


# --- The event loop -------------------------------------------------------

class Handle:
    """One callback waiting to run; call_later() returns it so it can be cancelled."""

    __slots__ = ("args", "callback", "cancelled")

    def __init__(self, callback: Callable[..., object], args: tuple[Any, ...]) -> None:
        self.callback, self.args, self.cancelled = callback, args, False

    def cancel(self) -> None:
        self.cancelled = True


class EventLoop:
    """Ready queue, timer heap and a selector: the whole of an event loop."""

    def __init__(self) -> None:
        self._ready: collections.deque[Handle] = collections.deque()
        self._scheduled: list[tuple[float, int, Handle]] = []
        self._sequence = itertools.count()  # keeps timers with equal deadlines in order
        self._selector = selectors.DefaultSelector()
        self._stopping = False
        self._closed = False
        self._tasks: weakref.WeakSet[Task] = weakref.WeakSet()
        self._asyncgens: weakref.WeakSet[Any] = weakref.WeakSet()
        self._executor: ThreadPoolExecutor | None = None
        # The self-pipe: another thread writes one byte to wake select() up.
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.add_reader(self._wake_r.fileno(), self._drain_wakeups)

    def time(self) -> float:
        return time.monotonic()

    # Scheduling callbacks
    def call_soon(self, callback: Callable[..., object], *args: Any) -> Handle:
        handle = Handle(callback, args)
        self._ready.append(handle)
        return handle

    def call_later(self, delay: float, callback: Callable[..., object], *args: Any) -> Handle:
        return self.call_at(self.time() + delay, callback, *args)

    def call_at(self, when: float, callback: Callable[..., object], *args: Any) -> Handle:
        handle = Handle(callback, args)
        heapq.heappush(self._scheduled, (when, next(self._sequence), handle))
        return handle

    def call_soon_threadsafe(self, callback: Callable[..., object], *args: Any) -> Handle:
        handle = self.call_soon(callback, *args)  # deque.append is thread-safe
        try:
            self._wake_w.send(b"\0")
        except BlockingIOError:
            pass  # the pipe is full of wake-ups already
        return handle

    def _drain_wakeups(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    # Watching file descriptors
    def _update(self, fd: int, reader: Handle | None, writer: Handle | None) -> None:
        events = (selectors.EVENT_READ if reader else 0) | (selectors.EVENT_WRITE if writer else 0)
        try:
            self._selector.get_key(fd)
        except KeyError:
            if events:
                self._selector.register(fd, events, (reader, writer))
            return
        if events:
            self._selector.modify(fd, events, (reader, writer))
        else:
            self._selector.unregister(fd)

    def _handles(self, fd: int) -> tuple[Handle | None, Handle | None]:
        try:
            return self._selector.get_key(fd).data
        except KeyError:
            return None, None

    def add_reader(self, fd: int, callback: Callable[..., object], *args: Any) -> None:
        self._update(fd, Handle(callback, args), self._handles(fd)[1])

    def remove_reader(self, fd: int) -> bool:
        reader, writer = self._handles(fd)
        self._update(fd, None, writer)
        return reader is not None

    def add_writer(self, fd: int, callback: Callable[..., object], *args: Any) -> None:
        self._update(fd, self._handles(fd)[0], Handle(callback, args))

    def remove_writer(self, fd: int) -> bool:
        reader, writer = self._handles(fd)
        self._update(fd, reader, None)
        return writer is not None

    # Running
    def _run_once(self) -> None:
        if self._ready or self._stopping:
            timeout: float | None = 0
        elif self._scheduled:
            timeout = max(0.0, self._scheduled[0][0] - self.time())
        else:
            timeout = None  # nothing to do until a file descriptor is ready
        for key, mask in self._selector.select(timeout):
            reader, writer = key.data
            if mask & selectors.EVENT_READ and reader is not None:
                self._ready.append(reader)
            if mask & selectors.EVENT_WRITE and writer is not None:
                self._ready.append(writer)
        now = self.time()
        while self._scheduled and self._scheduled[0][0] <= now:
            self._ready.append(heapq.heappop(self._scheduled)[2])
        # Run only what is ready now: callbacks added meanwhile wait a turn,
        # so a task that keeps yielding cannot starve the selector.
        for _ in range(len(self._ready)):
            handle = self._ready.popleft()
            if handle.cancelled:
                continue
            try:
                handle.callback(*handle.args)
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException:
                print(f"Exception in callback {handle.callback!r}", file=sys.stderr)
                traceback.print_exc()

    def run_forever(self) -> None:
        global _running_loop
        if _running_loop is not None:
            raise RuntimeError("Cannot run the event loop while another loop is running")
        old_hooks = sys.get_asyncgen_hooks()
        sys.set_asyncgen_hooks(firstiter=self._asyncgens.add,
                               finalizer=self._asyncgen_finalizer)
        _running_loop = self
        try:
            while True:
                self._run_once()
                if self._stopping:
                    break
        finally:
            self._stopping = False
            _running_loop = None
            sys.set_asyncgen_hooks(*old_hooks)

    def stop(self) -> None:
        self._stopping = True

    def run_until_complete(self, aw: Awaitable[Any]) -> Any:
        future = aw if isinstance(aw, Future) else Task(_as_coroutine(aw), self)

        def stop(_: Future) -> None:
            self.stop()

        future.add_done_callback(stop)
        try:
            self.run_forever()
        finally:
            future.remove_done_callback(stop)
        if not future.done():
            raise RuntimeError("Event loop stopped before Future completed.")
        return future.result()

    def create_future(self) -> Future:
        return Future(self)

    def create_task(self, coro: Coroutine[Any, Any, Any], *, name: str | None = None) -> Task:
        return Task(coro, self, name)

    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if _running_loop is self:
            raise RuntimeError("Cannot close a running event loop")
        if self._closed:
            return
        self._closed = True
        self._ready.clear()
        self._scheduled.clear()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    # Threads
    def run_in_executor(self, executor: ThreadPoolExecutor | None,
                        func: Callable[..., Any], *args: Any) -> Future:
        if executor is None:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=4)
            executor = self._executor
        future = self.create_future()

        def copy_state(cf: Any) -> None:  # runs in the loop's thread
            if future.cancelled():
                return
            if cf.exception() is not None:
                future.set_exception(cf.exception())
            else:
                future.set_result(cf.result())

        executor.submit(func, *args).add_done_callback(
            lambda cf: self.call_soon_threadsafe(copy_state, cf))
        return future

    async def shutdown_default_executor(self) -> None:
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        done = self.create_future()

        def join_workers() -> None:
            # Joining blocks, so do it in a thread of its own: the loop must keep
            # running in case a worker is waiting for the loop to answer it.
            executor.shutdown(wait=True)
            self.call_soon_threadsafe(done.set_result, None)

        thread = threading.Thread(target=join_workers)
        thread.start()
        try:
            await done
        finally:
            thread.join()

    # Asynchronous generators
    def _asyncgen_finalizer(self, agen: Any) -> None:
        # Called by the garbage collector, perhaps from another thread.
        self._asyncgens.discard(agen)
        if not self._closed:
            self.call_soon_threadsafe(self.create_task, agen.aclose())

    async def shutdown_asyncgens(self) -> None:
        closing = list(self._asyncgens)
        self._asyncgens.clear()
        if closing:
            await wait([self.create_task(agen.aclose()) for agen in closing])

    # Sockets: try the call now; if it would block, let the selector call back.
    async def sock_recv(self, sock: socket.socket, nbytes: int) -> bytes:
        try:
            return sock.recv(nbytes)
        except (BlockingIOError, InterruptedError):
            pass
        return await self._when_ready(sock, "read", lambda: sock.recv(nbytes))

    async def sock_accept(self, sock: socket.socket) -> tuple[socket.socket, Any]:
        try:
            conn, address = sock.accept()
        except (BlockingIOError, InterruptedError):
            conn, address = await self._when_ready(sock, "read", sock.accept)
        conn.setblocking(False)
        return conn, address

    async def sock_connect(self, sock: socket.socket, address: Any) -> None:
        err = sock.connect_ex(address)
        if err in (0, errno.EISCONN):
            return
        if err not in (errno.EINPROGRESS, errno.EAGAIN):
            raise OSError(err, f"connect to {address!r} failed")

        def check() -> None:
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise OSError(err, f"connect to {address!r} failed")

        await self._when_ready(sock, "write", check)

    async def sock_sendall(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        try:
            sent = sock.send(view)
        except (BlockingIOError, InterruptedError):
            sent = 0
        remaining = [view[sent:]]

        def send_more() -> bytes | None:
            # Register this *callback*: it remembers how far we got, and it
            # reports "not done yet" by raising BlockingIOError.
            remaining[0] = remaining[0][sock.send(remaining[0]):]
            if remaining[0]:
                raise BlockingIOError
            return None

        if remaining[0]:
            await self._when_ready(sock, "write", send_more)

    async def _when_ready(self, sock: socket.socket, event: str,
                          attempt: Callable[[], Any]) -> Any:
        """Call attempt() each time sock is ready until it stops blocking."""
        fd = sock.fileno()
        future = self.create_future()

        def on_ready() -> None:
            if future.done():
                return
            try:
                result = attempt()
            except (BlockingIOError, InterruptedError):
                return  # not yet: stay registered
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        add, remove = ((self.add_reader, self.remove_reader) if event == "read"
                       else (self.add_writer, self.remove_writer))
        add(fd, on_ready)
        try:
            return await future
        finally:
            remove(fd)  # also when the waiting task is cancelled


def _as_coroutine(aw: Awaitable[Any]) -> Coroutine[Any, Any, Any]:
    if inspect.iscoroutine(aw):
        return aw

    async def await_it() -> Any:
        return await aw

    return await_it()


# --- Helpers built on the loop ------------------------------------------------

@types.coroutine
def _yield_once() -> Generator[None, None, None]:
    yield


def _set_result_unless_done(future: Future, result: Any) -> None:
    if not future.done():
        future.set_result(result)


async def sleep(delay: float, result: Any = None) -> Any:
    if delay <= 0:
        await _yield_once()  # the bare yield that a toy Task must not choke on
        return result
    loop = get_running_loop()
    future = loop.create_future()
    timer = loop.call_later(delay, _set_result_unless_done, future, result)
    try:
        return await future
    finally:
        timer.cancel()


async def wait(fs: Iterable[Future], *, timeout: float | None = None,
               return_when: str = ALL_COMPLETED) -> tuple[set[Future], set[Future]]:
    fs = set(fs)
    if not fs:
        raise ValueError("Set of Tasks/Futures is empty.")
    if any(inspect.iscoroutine(f) for f in fs):
        raise TypeError("Passing coroutines is forbidden, use tasks explicitly.")
    loop = get_running_loop()
    waiter = loop.create_future()
    unfinished = len(fs)

    def on_done(f: Future) -> None:
        nonlocal unfinished
        unfinished -= 1
        failed = not f.cancelled() and f.exception() is not None
        if (unfinished == 0 or return_when == FIRST_COMPLETED
                or (return_when == FIRST_EXCEPTION and failed)):
            _set_result_unless_done(waiter, None)

    timer = None if timeout is None else loop.call_later(
        timeout, _set_result_unless_done, waiter, None)
    for f in fs:
        f.add_done_callback(on_done)
    try:
        await waiter
    finally:
        if timer is not None:
            timer.cancel()
        for f in fs:
            f.remove_done_callback(on_done)
    done = {f for f in fs if f.done()}
    return done, fs - done


def run(main: Coroutine[Any, Any, Any]) -> Any:
    if _running_loop is not None:
        raise RuntimeError("run() cannot be called from a running event loop")
    if not inspect.iscoroutine(main):
        raise ValueError(f"a coroutine was expected, got {main!r}")
    loop = EventLoop()
    try:
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_all_tasks(loop)
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
        finally:
            loop.close()


def _cancel_all_tasks(loop: EventLoop) -> None:
    pending = [task for task in loop._tasks if not task.done()]
    if not pending:
        return
    for task in pending:
        task.cancel()
    loop.run_until_complete(wait(pending))
    for task in pending:
        if not task.cancelled() and task.exception() is not None:
            print(f"unhandled exception during shutdown: {task.exception()!r}",
                  file=sys.stderr)


# --- A server -------------------------------------------------------------------

Handler = Callable[[socket.socket], Coroutine[Any, Any, None]]


class Server:
    """Accept connections with a reader callback; run one task per client."""

    def __init__(self, loop: EventLoop, sock: socket.socket, handler: Handler) -> None:
        self._loop, self._sock, self._handler = loop, sock, handler
        self._clients: set[Task] = set()
        self._waiters: list[Future] = []
        self._serving = True
        loop.add_reader(sock.fileno(), self._accept)

    @property
    def sockets(self) -> tuple[socket.socket, ...]:
        return (self._sock,) if self._serving else ()

    def _accept(self) -> None:
        try:
            conn, _address = self._sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        conn.setblocking(False)
        task = self._loop.create_task(self._serve(conn))
        self._clients.add(task)
        task.add_done_callback(self._client_done)

    async def _serve(self, conn: socket.socket) -> None:
        with conn:
            await self._handler(conn)

    def _client_done(self, task: Task) -> None:
        self._clients.discard(task)
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        if not self._serving and not self._clients:
            for waiter in self._waiters:
                _set_result_unless_done(waiter, None)
            self._waiters.clear()

    def close(self) -> None:
        """Stop accepting; connections already made carry on."""
        if self._serving:
            self._serving = False
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._wake_waiters()

    def close_clients(self) -> None:
        for task in list(self._clients):
            task.cancel()

    async def wait_closed(self) -> None:
        """Like asyncio 3.12+: wait until closed *and* every client is done."""
        if self._serving or self._clients:
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            await waiter


async def start_server(handler: Handler, host: str, port: int) -> Server:
    sock = socket.create_server((host, port))
    sock.setblocking(False)
    return Server(get_running_loop(), sock, handler)
