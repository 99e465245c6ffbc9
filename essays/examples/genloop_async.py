"""The same tasks with async/await, still run by the generator loop."""

from __future__ import annotations

import socket
import types
from typing import Any

import genloop
from genloop import Loop, Stream

# types.coroutine marks the generator functions as awaitable: await then
# does exactly what yield from did, requests still pass through untouched.
accept = types.coroutine(genloop.accept)
connect = types.coroutine(genloop.connect)
types.coroutine(Stream.readline)
types.coroutine(Stream.write)


async def handle(conn: socket.socket) -> None:
    stream = Stream(conn)
    with conn:
        if await stream.readline() != b"hello\n":
            return
        await stream.write(b"hello\n")
        while line := await stream.readline():
            await stream.write(line)


async def server(loop: Loop, listener: socket.socket, connections: int) -> None:
    for _ in range(connections):
        conn = await accept(listener)
        loop.spawn(handle(conn))  # type: ignore[arg-type]


async def client(address: Any, lines: list[bytes], log: list[str]) -> None:
    with socket.socket() as sock:
        sock.setblocking(False)
        await connect(sock, address)
        stream = Stream(sock)
        for line in lines:
            await stream.write(line)
            log.append(f"{line!r} -> {await stream.readline()!r}")


def main() -> None:
    loop = Loop()
    logs: dict[str, list[str]] = {"polite": [], "rude": []}
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        address = listener.getsockname()
        # Coroutine objects have send() too, which is all Loop.run() calls.
        loop.spawn(server(loop, listener, connections=2))  # type: ignore[arg-type]
        loop.spawn(client(address, [b"hello\n", b"ping\n", b"pong\n"], logs["polite"]))  # type: ignore[arg-type]
        loop.spawn(client(address, [b"hi\n"], logs["rude"]))  # type: ignore[arg-type]
        loop.run()
    for name, log in logs.items():
        print(name, "|", "; ".join(log))


if __name__ == "__main__":
    main()
