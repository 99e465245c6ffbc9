"""A Task drives a coroutine: the same coroutines on toyio and on asyncio."""

from __future__ import annotations

import asyncio
import types
from typing import Any

import toyio


async def worker(lib: Any, name: str, delay: float, log: list[str]) -> str:
    log.append(f"{name}: started")
    await lib.sleep(0)  # a bare yield: let every other ready task start first
    log.append(f"{name}: sleeping {delay} s")
    await lib.sleep(delay)  # a future that a timer will complete
    log.append(f"{name}: awake")
    return name.upper()


async def victim(lib: Any, log: list[str]) -> None:
    try:
        await lib.sleep(3600)
    except lib.CancelledError:
        log.append("victim: cancelled while sleeping, cleaning up")
        raise


@types.coroutine
def bad_yield() -> Any:
    yield 42  # only None or a Future may travel up to a Task


async def confused() -> None:
    await bad_yield()


async def main(lib: Any) -> list[str]:
    log: list[str] = []
    slow = lib.create_task(worker(lib, "slow", 0.06, log))
    fast = lib.create_task(worker(lib, "fast", 0.01, log))
    log.append(f"results: {await slow}, {await fast}")

    task = lib.create_task(victim(lib, log))
    await lib.sleep(0)  # let the victim reach its sleep
    task.cancel()
    try:
        await task
    except lib.CancelledError:
        log.append(f"victim: task.cancelled() is {task.cancelled()}")

    try:
        await lib.create_task(confused())
    except RuntimeError as exc:
        log.append(f"bad yield: {exc}")
    return log


if __name__ == "__main__":
    toy = toyio.run(main(toyio))
    real = asyncio.run(main(asyncio))
    print("\n".join(toy))
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
