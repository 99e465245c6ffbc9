"""What a decorator without functools.wraps throws away, attribute by attribute."""

import functools
import inspect
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


class Shapes:
    def area(self, w: float, h: float) -> float:
        """Area of a w-by-h rectangle."""
        return w * h

    area.unit = "m²"  # type: ignore[attr-defined]  # lands in area.__dict__


ATTRIBUTES = ["__name__", "__qualname__", "__doc__", "__module__", "__annotations__", "__dict__"]


def describe(func: Callable[..., Any]) -> dict[str, str]:
    """The attributes, and the signature, as short strings."""
    found = {}
    for name in ATTRIBUTES:
        value = getattr(func, name)
        if name == "__annotations__":
            value = ", ".join(f"{k}: {getattr(v, '__name__', v)}" for k, v in value.items())
        elif name == "__dict__":
            value = {k: v for k, v in value.items() if k != "__wrapped__"}
        found[name] = value if isinstance(value, str) else repr(value)
    found["signature"] = str(inspect.signature(func))
    return found


if __name__ == "__main__":
    original = describe(Shapes.area)
    for title, decorate in [("naive", naive), ("careful", careful)]:
        after = describe(decorate(Shapes.area))
        kept = [name for name in after if after[name] == original[name]]
        print(f"{title}(Shapes.area) keeps {', '.join(kept) or 'nothing'}")
        for name in after:
            if name not in kept:
                print(f"  {name:16} was {original[name]}")
                print(f"  {'':16} now {after[name]}")
    assert describe(careful(Shapes.area)) == original
