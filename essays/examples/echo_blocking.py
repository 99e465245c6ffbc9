"""A blocking echo server: while it waits for one client, nobody else is served."""

from __future__ import annotations

import socket
import threading


def serve(listener: socket.socket, connections: int) -> None:
    for _ in range(connections):
        conn, _address = listener.accept()
        with conn:
            conn.settimeout(10)  # even a stuck server gives up eventually
            while data := conn.recv(1024):
                conn.sendall(data)


def main() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:  # port 0: any free port
        listener.settimeout(10)
        address = listener.getsockname()
        server = threading.Thread(target=serve, args=(listener, 2), daemon=True)
        server.start()
        with socket.create_connection(address, timeout=10) as a, \
             socket.create_connection(address, timeout=10) as b:
            # a connected first and says nothing; the server is waiting in a.recv().
            b.sendall(b"ping")
            b.settimeout(0.2)
            try:
                b.recv(1024)
            except TimeoutError:
                print("b: no answer within 0.2 s, the server is busy waiting for a")
            b.settimeout(10)
            a.sendall(b"hello")
            print("a:", a.recv(1024))
            a.close()  # only now does the server move on to b
            print("b:", b.recv(1024))
        server.join(timeout=10)
        assert not server.is_alive()


if __name__ == "__main__":
    main()
