"""A small event loop whose tasks are generators.

A task yields a request, ("read", sock) or ("write", sock), when it cannot go
on; the loop parks it until the selector says that socket is ready and then
resumes it.  A bare ``yield`` just lets the other tasks have a turn.
"""

from __future__ import annotations

import collections
import errno
import selectors
import socket
import time
from collections.abc import Generator
from typing import Any

Request = tuple[str, socket.socket] | None
Task = Generator[Request, Any, Any]


class Loop:
    def __init__(self) -> None:
        self.ready: collections.deque[Task] = collections.deque()
        self.selector = selectors.DefaultSelector()

    def spawn(self, task: Task) -> None:
        self.ready.append(task)

    def run(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.ready or self.selector.get_map():
            if not self.ready:  # everybody waits for I/O: sleep until some is ready
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("tasks still waiting for I/O")
                for key, _mask in self.selector.select(left):
                    self.selector.unregister(key.fileobj)
                    self.ready.append(key.data)
                continue
            task = self.ready.popleft()
            try:
                request = task.send(None)  # run it up to its next yield
            except StopIteration:
                continue  # the task has returned
            if request is None:
                self.ready.append(task)
            else:
                what, sock = request
                event = selectors.EVENT_READ if what == "read" else selectors.EVENT_WRITE
                self.selector.register(sock, event, task)  # one waiting task per socket
        self.selector.close()


# Operations written as generators: try, and if the socket is not ready,
# yield a request and try again when the loop resumes us.

def accept(sock: socket.socket) -> Generator[Request, None, socket.socket]:
    while True:
        try:
            conn, _address = sock.accept()
        except BlockingIOError:
            yield "read", sock
        else:
            conn.setblocking(False)
            return conn


def connect(sock: socket.socket, address: Any) -> Generator[Request, None, None]:
    err = sock.connect_ex(address)
    if err == errno.EINPROGRESS:
        yield "write", sock  # writable means the handshake is over, for good or ill
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err:
        raise OSError(err, f"cannot connect to {address}")


def recv(sock: socket.socket, size: int) -> Generator[Request, None, bytes]:
    while True:
        try:
            return sock.recv(size)
        except BlockingIOError:
            yield "read", sock


def sendall(sock: socket.socket, data: bytes) -> Generator[Request, None, None]:
    view = memoryview(data)
    while view:
        try:
            view = view[sock.send(view):]
        except BlockingIOError:
            yield "write", sock


class Stream:
    """Line-oriented reading on top of recv(); the buffer is per connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def readline(self) -> Generator[Request, None, bytes]:
        while b"\n" not in self.buffer:
            data = yield from recv(self.sock, 4096)
            if not data:  # end of file: whatever is left, maybe b""
                line, self.buffer = self.buffer, b""
                return line
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def write(self, data: bytes) -> Generator[Request, None, None]:
        yield from sendall(self.sock, data)
