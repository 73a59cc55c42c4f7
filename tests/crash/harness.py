"""What the crash tests share: the real server in its own process group, people enrolled
the way the app does it, an administrator."""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink_devtools import scratch
from tests.conftest import outbox_code

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Crash-Test-2026"  # a throwaway password for a per-run database


def server_environment(database_url: str, data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a `hostolink serve` under test: development, fast password hashing,
    no Redis, quiet logs, a fresh signing key (kept for the server's life: the same before
    and after a crash); `overrides` on top."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "HOSTOLINK_ENV": "development",
        "HOSTOLINK_DATA_DIR": str(data_dir),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_KIB": "1024",
        "RATE_LIMIT_ENABLED": "false",
        "WEB_CONCURRENCY": "1",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "false",
        "REDIS_URL": "",
        **overrides,
    }


@asynccontextmanager
async def serving(server_url: str, tmp_path: Path, name: str, **env: str) -> AsyncIterator[Server]:
    """`hostolink serve` on a scratch database `name` of its own, stopped and the database
    dropped afterwards; `env` on top of `server_environment`."""
    url = await scratch.create_database(server_url, name)
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    environment = server_environment(url, tmp_path / "data", HOSTOLINK_PUBLIC_URL=public, **env)
    server = Server(public, url, environment, port, log=tmp_path / "log")
    try:
        await asyncio.to_thread(server.start)
        yield server
    finally:
        await asyncio.to_thread(server.stop)
        await scratch.drop_database(server_url, name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    url: str
    database_url: str
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes] | None = None
    log: Path = field(default_factory=lambda: Path("/dev/null"))

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "hostolink", "serve", "--port", str(self.port)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill -9 reaches all of it
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the server never became ready")

    def kill9(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill9()


async def enrol(http: httpx.AsyncClient, engine: AsyncEngine, count: int) -> list[tuple[str, str]]:
    """(E.164 phone, access token) of verified people."""
    people = []
    for n in range(count):
        phone = f"+22507{random.randrange(10**7, 10**8):08d}"  # noqa: S311 - test data
        (await http.post("/api/register-user", json={"identifier": phone})).raise_for_status()
        body = {"identifier": phone, "password": PASSWORD, "confirmPassword": PASSWORD}
        (await http.post("/api/define-password", json=body)).raise_for_status()
        code = await outbox_code(engine, phone)
        answer = await http.post("/api/verify-otp", json={"identifier": phone, "otpCode": code})
        answer.raise_for_status()
        people.append((phone, answer.json()["token"]))
        assert n == len(people) - 1
    return people


def admin_token(server: Server) -> str:
    subprocess.run(
        [sys.executable, "-m", "hostolink", "create-admin", "--identifier", "crash@example.com"],
        cwd=ROOT,
        env={**server.env, "HOSTOLINK_ADMIN_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    answer = httpx.post(
        f"{server.url}/api/auth/login",
        json={"identifier": "crash@example.com", "password": PASSWORD},
    )
    answer.raise_for_status()
    token: str = answer.json()["token"]
    return token
