"""The hello-then-echo server on asyncio: the same shape, a real library."""

from __future__ import annotations

import asyncio


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        if await reader.readline() != b"hello\n":
            return
        writer.write(b"hello\n")
        await writer.drain()  # wait while the kernel's send buffer is full
        while line := await reader.readline():
            writer.write(line)
            await writer.drain()
    finally:
        writer.close()
        await writer.wait_closed()


async def client(port: int, lines: list[bytes]) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    log = []
    try:
        for line in lines:
            writer.write(line)
            await writer.drain()
            log.append(f"{line!r} -> {await reader.readline()!r}")
    finally:
        writer.close()
        await writer.wait_closed()
    return "; ".join(log)


async def main() -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:  # on leaving: close(), then wait_closed()
        async with asyncio.timeout(10):
            polite, rude = await asyncio.gather(
                client(port, [b"hello\n", b"ping\n", b"pong\n"]),
                client(port, [b"hi\n"]),
            )
    # Both clients hung up before the server closed, so wait_closed() had
    # nothing to wait for; on 3.12+ it would otherwise wait for them.
    print("polite |", polite)
    print("rude |", rude)


if __name__ == "__main__":
    asyncio.run(main())
