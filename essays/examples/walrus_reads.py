"""Three shapes of code that := shortens, each written both ways."""

from __future__ import annotations

import io
import re
from collections.abc import Callable


# 1. The loop-and-a-half: read, stop when there is nothing left.
def chunks_before(stream: io.BytesIO, size: int = 8) -> list[bytes]:
    chunks = []
    while True:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
    return chunks


def chunks_after(stream: io.BytesIO, size: int = 8) -> list[bytes]:
    chunks = []
    while chunk := stream.read(size):
        chunks.append(chunk)
    return chunks


# 2. Try one pattern after another and use the match that succeeded.
ADD = re.compile(r"add (\d+) (\d+)")
NEG = re.compile(r"neg (\d+)")


def evaluate_before(line: str) -> int | None:
    match = ADD.fullmatch(line)
    if match:
        return int(match[1]) + int(match[2])
    else:
        match = NEG.fullmatch(line)
        if match:
            return -int(match[1])
    return None


def evaluate_after(line: str) -> int | None:
    if match := ADD.fullmatch(line):
        return int(match[1]) + int(match[2])
    elif match := NEG.fullmatch(line):
        return -int(match[1])
    return None


# 3. Filter on a computed value and keep it, computing it only once.
def parsed_before(words: list[str], parse: Callable[[str], int | None]) -> list[int]:
    return [parse(w) for w in words if parse(w) is not None]  # parse() twice per word


def parsed_after(words: list[str], parse: Callable[[str], int | None]) -> list[int]:
    return [n for w in words if (n := parse(w)) is not None]


if __name__ == "__main__":
    data = b"assignment expressions"
    assert chunks_before(io.BytesIO(data)) == chunks_after(io.BytesIO(data))
    print("chunks:", chunks_after(io.BytesIO(data)))

    lines = ["add 2 40", "neg 7", "mul 6 7"]
    assert [evaluate_before(x) for x in lines] == [evaluate_after(x) for x in lines]
    print("evaluated:", [evaluate_after(x) for x in lines])

    calls: list[str] = []

    def parse(word: str) -> int | None:
        calls.append(word)
        return int(word) if word.isdigit() else None

    words = ["3", "x", "14", "y"]
    before = parsed_before(words, parse)
    calls_before, calls[:] = len(calls), []
    after = parsed_after(words, parse)
    assert before == after
    print(f"parsed: {after}; parse() called {calls_before} times before, {len(calls)} after")
