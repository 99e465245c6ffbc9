"""loop.sock_*: one echo handler, run by toyio and by asyncio's own loop."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import toyio


async def echo(lib: Any, conn: socket.socket) -> int:
    loop = lib.get_running_loop()
    total = 0
    while data := await loop.sock_recv(conn, 65536):
        await loop.sock_sendall(conn, data)  # partial writes are the loop's problem
        total += len(data)
    return total


async def main(lib: Any) -> list[str]:
    loop = lib.get_running_loop()
    log = []
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.socket() as client:
        listener.setblocking(False)
        client.setblocking(False)
        # Connect and accept at the same time: neither can finish alone.
        accepting = lib.create_task(loop.sock_accept(listener))
        await loop.sock_connect(client, listener.getsockname())
        conn, _ = await accepting
        with conn:
            conn.setblocking(False)
            server = lib.create_task(echo(lib, conn))
            # Far more than the kernel buffers hold, so sends come back short.
            payload = bytes(range(256)) * 16384  # 4 MiB
            sending = lib.create_task(loop.sock_sendall(client, payload))
            received = bytearray()
            while len(received) < len(payload):
                chunk = await loop.sock_recv(client, 65536)
                if not chunk:
                    break
                received += chunk
            await sending
            client.shutdown(socket.SHUT_WR)  # the echo loop sees b"" and ends
            log.append(f"echoed {await server} bytes, intact: {received == payload}")
            conn.close()  # now the client sees end-of-file too
            log.append(f"then the client reads {await loop.sock_recv(client, 100)!r}")
    return log


if __name__ == "__main__":
    toy, real = toyio.run(main(toyio)), asyncio.run(main(asyncio))
    print("\n".join(toy))
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
