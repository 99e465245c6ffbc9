"""One thread, many clients: a selectors loop with callbacks and explicit state.

The protocol: a client must first send the line "hello"; the server answers
"hello" and from then on echoes every line.  Any other greeting is hung up on.
"""

from __future__ import annotations

import selectors
import socket
import threading
import time


class EchoServer:
    def __init__(self, listener: socket.socket, connections: int) -> None:
        self.selector = selectors.DefaultSelector()
        self.remaining = connections  # stop once this many clients have gone
        # What a blocking handler would keep in local variables now lives here,
        # one entry per connection, because every callback returns at once.
        self.greeted: dict[socket.socket, bool] = {}
        self.unread: dict[socket.socket, bytes] = {}   # an incomplete line
        self.unsent: dict[socket.socket, bytes] = {}   # output the socket refused
        listener.setblocking(False)
        self.selector.register(listener, selectors.EVENT_READ, self.accept)

    def run(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.remaining:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the clients never finished")
            for key, mask in self.selector.select(left):
                callback = key.data
                callback(key.fileobj, mask)
        self.selector.close()

    def accept(self, listener: socket.socket, mask: int) -> None:
        conn, _address = listener.accept()
        conn.setblocking(False)
        self.greeted[conn], self.unread[conn], self.unsent[conn] = False, b"", b""
        self.selector.register(conn, selectors.EVENT_READ, self.ready)

    def ready(self, conn: socket.socket, mask: int) -> None:
        if mask & selectors.EVENT_WRITE:
            self.flush(conn)
        if mask & selectors.EVENT_READ:
            self.read(conn)

    def read(self, conn: socket.socket) -> None:
        data = conn.recv(4096)
        if not data:
            return self.close(conn)
        self.unread[conn] += data
        while b"\n" in self.unread[conn]:
            line, _, self.unread[conn] = self.unread[conn].partition(b"\n")
            if not self.greeted[conn]:
                if line != b"hello":
                    return self.close(conn)
                self.greeted[conn] = True
            self.unsent[conn] += line + b"\n"
        self.flush(conn)

    def flush(self, conn: socket.socket) -> None:
        if self.unsent[conn]:
            try:
                sent = conn.send(self.unsent[conn])
            except BlockingIOError:
                sent = 0
            self.unsent[conn] = self.unsent[conn][sent:]
        # Ask to hear about writability only while there is something to write,
        # or select() would report this socket as ready on every single pass.
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.unsent[conn] else 0)
        self.selector.modify(conn, events, self.ready)

    def close(self, conn: socket.socket) -> None:
        self.selector.unregister(conn)
        conn.close()
        del self.greeted[conn], self.unread[conn], self.unsent[conn]
        self.remaining -= 1


def main() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        server = EchoServer(listener, connections=2)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        address = listener.getsockname()
        with socket.create_connection(address, timeout=10) as polite, \
             socket.create_connection(address, timeout=10) as rude:
            rude.sendall(b"hi\n")
            print("rude:", rude.recv(1024), "(hung up on)")
            polite.sendall(b"hello\n")
            print("polite:", polite.recv(1024))
            polite.sendall(b"ping\n")
            print("polite:", polite.recv(1024))
        thread.join(timeout=10)
        assert not thread.is_alive()


if __name__ == "__main__":
    main()
