"""wait(): one future that finishes when enough of the others have."""

from __future__ import annotations

import asyncio
from typing import Any

import toyio


async def job(lib: Any, name: str, delay: float, fail: bool = False) -> str:
    await lib.sleep(delay)
    if fail:
        raise ValueError(f"{name} failed")
    return name


def names(tasks: set[Any]) -> list[str]:
    return sorted(task.get_name() for task in tasks)


async def main(lib: Any) -> list[str]:
    log: list[str] = []

    def start(name: str, delay: float, fail: bool = False) -> Any:
        return lib.create_task(job(lib, name, delay, fail), name=name)

    tasks = {start("a", 0.01), start("b", 0.06), start("c", 3600)}
    done, pending = await lib.wait(tasks, return_when=lib.FIRST_COMPLETED)
    log.append(f"FIRST_COMPLETED: done={names(done)} pending={names(pending)}")

    done, pending = await lib.wait(pending, timeout=0.2)
    log.append(f"timeout=0.2: done={names(done)} pending={names(pending)}")
    for task in pending:
        task.cancel()  # wait() never cancels anything itself
    await lib.wait(pending)
    log.append(f"after cancel: cancelled={[t.cancelled() for t in pending]}")

    failing = {start("ok", 0.01), start("bad", 0.02, fail=True), start("late", 3600)}
    done, pending = await lib.wait(failing, return_when=lib.FIRST_EXCEPTION)
    log.append(f"FIRST_EXCEPTION: done={names(done)} pending={names(pending)}")
    log.append(f"  exceptions: {[repr(t.exception()) for t in done if t.exception()]}")
    for task in pending:
        task.cancel()
    await lib.wait(pending)

    coro = job(lib, "coro", 0)
    try:
        await lib.wait([coro])
    except TypeError as exc:
        log.append(f"coroutine passed: TypeError: {exc}")
    finally:
        coro.close()  # never started; close it so no "never awaited" warning
    return log


if __name__ == "__main__":
    toy = toyio.run(main(toyio))
    real = asyncio.run(main(asyncio))
    print("\n".join(toy))
    assert toy == real, (toy, real)
    print("toyio and asyncio agree")
