"""A server: accept in a reader callback, one task per client, and closing it."""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any

import toyio


async def toy_handler(conn: socket.socket) -> None:
    loop = toyio.get_running_loop()
    while line := await loop.sock_recv(conn, 1024):
        await loop.sock_sendall(conn, line.upper())


async def asyncio_handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while line := await reader.readline():
            writer.write(line.upper())
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def start(lib: Any) -> Any:
    if lib is toyio:
        return await toyio.start_server(toy_handler, "127.0.0.1", 0)
    return await asyncio.start_server(asyncio_handler, "127.0.0.1", 0)


async def ask(loop: Any, sock: socket.socket, text: str) -> str:
    await loop.sock_sendall(sock, text.encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = await loop.sock_recv(sock, 1024)
        if not chunk:
            raise ConnectionError("server hung up")
        reply += chunk
    return reply.decode().strip()


async def main(lib: Any) -> list[str]:
    loop = lib.get_running_loop()
    log: list[str] = []
    server = await start(lib)
    address = server.sockets[0].getsockname()
    with socket.socket() as one, socket.socket() as two:
        for sock in (one, two):
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        log.append(f"one: {await ask(loop, one, 'hello')}")
        log.append(f"two: {await ask(loop, two, 'world')}")

        server.close()  # stop listening; the two connections live on
        log.append(f"after close(): one still gets {await ask(loop, one, 'still here')!r}")
        closing = lib.create_task(server.wait_closed())
        done, _ = await lib.wait([closing], timeout=0.05)
        log.append(f"wait_closed() finished with clients connected: {bool(done)}")
    # Both clients have hung up now, so their handlers end and wait_closed() can.
    done, _ = await lib.wait([closing], timeout=10)
    log.append(f"wait_closed() finished once they left: {bool(done)}")
    return log


if __name__ == "__main__":
    toy, real = toyio.run(main(toyio)), asyncio.run(main(asyncio))
    print("\n".join(toy))
    if sys.version_info < (3, 12):
        # Before 3.12, asyncio's wait_closed() did not wait for the clients.
        assert real[3] == "wait_closed() finished with clients connected: True", real
        real[3] = toy[3]
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
