"""Callbacks, timers and wake-ups from other threads, on both event loops."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import toyio


def scenario(loop: Any) -> list[str]:
    log: list[str] = []

    def chain() -> None:
        log.append("chain: scheduling a follow-up")
        loop.call_soon(log.append, "follow-up: ran on the next turn")

    def wake_from_thread() -> None:
        # Nothing else is scheduled now, so the loop is asleep in select():
        # only the byte that call_soon_threadsafe() writes can wake it up.
        def work() -> None:
            loop.call_soon_threadsafe(finish, "thread: call_soon_threadsafe")

        worker = threading.Thread(target=work)
        worker.start()
        threads.append(worker)

    def finish(message: str) -> None:
        log.append(message)
        guard.cancel()
        loop.stop()

    threads: list[threading.Thread] = []
    loop.call_later(0.05, log.append, "timer: 0.05 s")
    loop.call_later(0.01, log.append, "timer: 0.01 s")
    loop.call_later(0.03, log.append, "never runs: cancelled").cancel()
    loop.call_later(0.07, wake_from_thread)
    loop.call_soon(log.append, "soon: first")
    loop.call_soon(chain)
    loop.call_soon(log.append, "soon: second")
    guard = loop.call_later(10, loop.stop)  # a bound on the wait, never a sync point
    loop.run_forever()
    for worker in threads:
        worker.join(timeout=10)

    async def answer() -> int:
        return 42

    log.append(f"run_until_complete: {loop.run_until_complete(answer())}")
    return log


if __name__ == "__main__":
    toy_loop, real_loop = toyio.EventLoop(), asyncio.new_event_loop()
    try:
        toy, real = scenario(toy_loop), scenario(real_loop)
    finally:
        toy_loop.close()
        real_loop.close()
    print("\n".join(toy))
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
