"""What current asyncio offers on top of the machinery: TaskGroup, timeout, Runner, eager tasks."""

from __future__ import annotations

import asyncio
import sys
import warnings


async def child(name: str, delay: float, log: list[str], fail: bool = False) -> str:
    try:
        await asyncio.sleep(delay)
    except asyncio.CancelledError:
        log.append(f"{name}: cancelled by the group")
        raise
    if fail:
        raise ValueError(f"{name} failed")
    log.append(f"{name}: done")
    return name


async def task_group(log: list[str]) -> None:
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(child("quick", 0, log))
            group.create_task(child("broken", 0.01, log, fail=True))
            group.create_task(child("slow", 3600, log))
    except* ValueError as errors:
        log.append(f"TaskGroup raised {[str(e) for e in errors.exceptions]}")


async def with_timeout(log: list[str]) -> None:
    try:
        async with asyncio.timeout(0.01):
            await asyncio.sleep(3600)
    except TimeoutError:  # the built-in one: asyncio.TimeoutError is an alias since 3.11
        log.append("timeout: the sleep was cancelled and TimeoutError raised")


async def note(name: str, log: list[str], suspend: bool) -> None:
    log.append(f"{name}: running")
    if suspend:
        await asyncio.sleep(0)
        log.append(f"{name}: resumed")


async def start_two(log: list[str]) -> None:
    """Start a task that suspends and one that never does; see when they run."""
    first = asyncio.create_task(note("first", log, suspend=True))
    second = asyncio.create_task(note("second", log, suspend=False))
    log.append(f"both created; done: {first.done()}, {second.done()}")
    await asyncio.gather(first, second)


def eager_tasks(log: list[str]) -> None:
    if sys.version_info < (3, 12):
        log.append("eager tasks: not before 3.12")
        return
    with asyncio.Runner() as runner:
        runner.get_loop().set_task_factory(asyncio.eager_task_factory)
        runner.run(start_two(log))


async def loop_id() -> int:
    return id(asyncio.get_running_loop())


def get_event_loop_outside(log: list[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except DeprecationWarning:
            log.append("get_event_loop() outside a loop: DeprecationWarning")
            return
        except RuntimeError:
            log.append("get_event_loop() outside a loop: RuntimeError")
            return
    # 3.11 quietly made a loop and set it as current: undo that.
    asyncio.set_event_loop(None)
    loop.close()
    log.append("get_event_loop() outside a loop: a new loop, no warning")


if __name__ == "__main__":
    log: list[str] = []
    get_event_loop_outside(log)  # before anything has run a loop in this process
    asyncio.run(task_group(log))
    asyncio.run(with_timeout(log))
    asyncio.run(start_two(log))  # the default: a task first runs at the loop's next turn
    eager_tasks(log)  # 3.12+: runs at once, up to its first suspension
    with asyncio.Runner() as runner:  # one loop for several run() calls
        same = runner.run(loop_id()) == runner.run(loop_id())
    log.append(f"Runner: both runs used the same loop: {same}")
    log.append(f"asyncio.coroutine exists: {hasattr(asyncio, 'coroutine')}")
    get_event_loop_outside(log)  # after asyncio.run() has set and cleared a loop
    print("\n".join(log))
    first = "a new loop, no warning" if sys.version_info < (3, 12) else "DeprecationWarning"
    assert log[0].endswith(first), log[0]
    assert log[-1].endswith("RuntimeError"), log[-1]
