"""pickle finds functions by module and qualified name; wraps keeps them right."""

from __future__ import annotations

import functools
import pickle
from collections.abc import Callable
from typing import Any


def naive(func: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)
    return wrapper


def careful(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)
    return wrapper


@naive
def add(a: int, b: int) -> int:
    return a + b


@careful
def multiply(a: int, b: int) -> int:
    return a * b


if __name__ == "__main__":
    try:
        pickle.dumps(add)
    except (pickle.PicklingError, AttributeError) as exc:
        # The message changed between versions; the cause did not.
        print(f"add: cannot pickle, pickle looked for {add.__module__}.{add.__qualname__}")
        print(f"     ({type(exc).__name__})")
    data = pickle.dumps(multiply)
    print(f"multiply: pickled as a reference to {multiply.__module__}.{multiply.__qualname__}")
    restored = pickle.loads(data)
    print(f"multiply: unpickled, it is the very same object: {restored is multiply}")
    print(f"restored(6, 7) = {restored(6, 7)}")
