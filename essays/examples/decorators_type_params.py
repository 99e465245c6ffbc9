"""Python 3.12 added __type_params__, and functools.wraps copies it too."""

import functools
import sys
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


if sys.version_info >= (3, 12):
    # "def first[T]" is a SyntaxError before 3.12, and a file is parsed whole
    # before any of it runs, so the generic function is compiled from a string.
    namespace: dict[str, Any] = {}
    exec("def first[T](items: list[T]) -> T:\n    return items[0]\n", namespace)
    first = namespace["first"]
    print("undecorated:", first.__type_params__)
    print("naive:      ", naive(first).__type_params__)
    print("careful:    ", careful(first).__type_params__)
    assert "__type_params__" in functools.WRAPPER_ASSIGNMENTS
    assert careful(first).__type_params__ == first.__type_params__
else:
    assert "__type_params__" not in functools.WRAPPER_ASSIGNMENTS
    major, minor = sys.version_info[:2]
    print(f"Python {major}.{minor} has no __type_params__ to lose")
