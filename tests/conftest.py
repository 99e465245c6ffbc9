"""Shared fixtures: demo programs compiled once per run, gdb sessions."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest
from gdbharness import REPO, GdbSession


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """demo_c/ compiled once per test run (-g -O0) into a temporary folder."""
    build = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "-j2", "-C", str(REPO / "demo_c"), f"BUILD={build}"],
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"building demo_c failed:\n{done.stdout}")
    return build


@pytest.fixture
def gdb_session() -> Iterator[Callable[..., GdbSession]]:
    """A factory: ``gdb_session(program, *args, load=True)``; all closed at teardown."""
    sessions: list[GdbSession] = []

    def start(program: object = None, *args: str, **kwargs: object) -> GdbSession:
        session = GdbSession(program, args, **kwargs)  # type: ignore[arg-type]
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close()
