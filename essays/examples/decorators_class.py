"""A decorator written as a class, and why it needs __get__ to decorate methods."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from typing import Any


class CountCalls:
    """Count how often the decorated function is called."""

    def __init__(self, func: Callable[..., Any]) -> None:
        functools.update_wrapper(self, func)  # what @wraps does, for an instance
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.__wrapped__(*args, **kwargs)


class BoundCountCalls(CountCalls):
    """The same, plus the descriptor method that functions have and instances lack."""

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self  # looked up on the class itself
        return types.MethodType(self, instance)  # self(instance, ...) on call


@CountCalls
def greet(name: str) -> str:
    """Say hello."""
    return f"hello, {name}"


class Greeter:
    @CountCalls
    def broken(self, name: str) -> str:
        return f"hi, {name}"

    @BoundCountCalls
    def works(self, name: str) -> str:
        return f"hi, {name}"


if __name__ == "__main__":
    print(greet("ada"), greet("alan"))
    print(f"greet.calls = {greet.calls}, __name__ = {greet.__name__!r}, "
          f"__doc__ = {greet.__doc__!r}")
    greeter = Greeter()
    try:
        greeter.broken("ada")
    except TypeError as exc:
        print(f"broken: TypeError: {exc}")
    print(f"works: {greeter.works('ada')!r}, calls = {Greeter.works.calls}")
