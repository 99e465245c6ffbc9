"""One thread per connection: a slow client only blocks its own thread."""

from __future__ import annotations

import socket
import threading


def handle(conn: socket.socket) -> None:
    with conn:
        while True:
            data = conn.recv(1024)
            if not data:  # b"" means the client hung up; without this check
                break     # the loop would spin forever, recv() returning b"" at once
            conn.sendall(data)


def serve(listener: socket.socket, connections: int) -> None:
    workers = []
    for _ in range(connections):
        conn, _address = listener.accept()
        conn.settimeout(10)
        worker = threading.Thread(target=handle, args=(conn,))
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join(timeout=10)


def main() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        address = listener.getsockname()
        server = threading.Thread(target=serve, args=(listener, 2), daemon=True)
        server.start()
        with socket.create_connection(address, timeout=10) as a, \
             socket.create_connection(address, timeout=10) as b:
            b.sendall(b"ping")
            print("b:", b.recv(1024), "(while a is still silent)")
            a.sendall(b"hello")
            print("a:", a.recv(1024))
        server.join(timeout=10)
        assert not server.is_alive()


if __name__ == "__main__":
    main()
