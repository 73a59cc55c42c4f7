"""Fixtures of the crash tests: a throwaway database on the test server (embedded
PostgreSQL, or `DATABASE_URL`) and the real server process on it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hostolink_devtools import scratch
from tests.crash.harness import Server, free_port, server_environment


@pytest.fixture
async def crash_database(server_url: str) -> AsyncIterator[str]:
    name = f"hostolink_crash_{os.getpid()}"
    url = await scratch.create_database(server_url, name)
    yield url
    await scratch.drop_database(server_url, name)


@pytest.fixture
def server_env(crash_database: str, tmp_path: Path) -> dict[str, str]:
    """The server's environment; a test adds its own entries before asking for `server`."""
    return server_environment(crash_database, tmp_path / "data")


@pytest.fixture
def server(crash_database: str, server_env: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {**server_env, "HOSTOLINK_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    running = Server(f"http://127.0.0.1:{port}", crash_database, env, port, log=tmp_path / "log")
    running.start()
    yield running
    running.stop()
