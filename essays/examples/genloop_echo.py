"""The hello-then-echo server again, as straight-line generator tasks."""

from __future__ import annotations

import socket
from collections.abc import Generator
from typing import Any

from genloop import Loop, Stream, accept, connect


def handle(conn: socket.socket) -> Generator[Any, Any, None]:
    stream = Stream(conn)
    with conn:
        if (yield from stream.readline()) != b"hello\n":
            return  # wrong greeting: hang up
        yield from stream.write(b"hello\n")
        while line := (yield from stream.readline()):
            yield from stream.write(line)


def server(loop: Loop, listener: socket.socket, connections: int) -> Generator[Any, Any, None]:
    for _ in range(connections):
        conn = yield from accept(listener)
        loop.spawn(handle(conn))


def client(address: Any, lines: list[bytes], log: list[str]) -> Generator[Any, Any, None]:
    with socket.socket() as sock:
        sock.setblocking(False)
        yield from connect(sock, address)
        stream = Stream(sock)
        for line in lines:
            yield from stream.write(line)
            log.append(f"{line!r} -> {(yield from stream.readline())!r}")


def main() -> None:
    loop = Loop()
    logs: dict[str, list[str]] = {"polite": [], "rude": []}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        address = listener.getsockname()
        loop.spawn(server(loop, listener, connections=2))
        loop.spawn(client(address, [b"hello\n", b"ping\n", b"pong\n"], logs["polite"]))
        loop.spawn(client(address, [b"hi\n"], logs["rude"]))
        loop.run()
    for name, log in logs.items():
        print(name, "|", "; ".join(log))


if __name__ == "__main__":
    main()
