"""What run() cleans up after main() returns, on toyio and on asyncio."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import toyio

kept_alive: list[Any] = []  # so the garbage collector cannot close the generator early


async def forgotten_task(lib: Any, log: list[str]) -> None:
    try:
        await lib.sleep(3600)
    finally:
        log.append("1. the forgotten task is cancelled and runs its finally")


async def numbers(log: list[str], release: threading.Event) -> AsyncIterator[int]:
    try:
        n = 0
        while True:
            yield n
            n += 1
    finally:
        log.append("2. the half-read async generator is closed")
        release.set()


def blocking_job(log: list[str], release: threading.Event) -> None:
    if not release.wait(timeout=10):
        raise TimeoutError("nobody released the job")
    log.append("3. the executor job finished before the loop closed")


async def main(lib: Any, log: list[str]) -> str:
    loop = lib.get_running_loop()
    release = threading.Event()
    lib.create_task(forgotten_task(lib, log))
    agen = numbers(log, release)
    kept_alive.append(agen)
    await agen.__anext__()  # start it, then walk away
    loop.run_in_executor(None, blocking_job, log, release)  # never awaited
    await lib.sleep(0)
    log.append("0. main returns")
    return "main's result"


def run_with(lib: Any) -> list[str]:
    log: list[str] = []
    result = lib.run(main(lib, log))
    log.append(f"run() returned {result!r}")
    kept_alive.clear()
    return log


if __name__ == "__main__":
    toy, real = run_with(toyio), run_with(asyncio)
    print("\n".join(toy))
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
