"""Load benchmark of the owner's onboarding routes, against a server started on a fresh database.

What one run does (every step bounded in time; traffic goes to 127.0.0.1 only):

1. starts `hostolink serve` on a free loopback port, with a temporary data folder (embedded
   PostgreSQL) or a throwaway database on the `--database-url` server, rate limits off (the
   whole load comes from one address), and waits for `GET /ready`;
2. seeds verified users through the public API: register-user → define-password → the OTP
   read with `hostolink outbox` → verify-otp, which gives each user an access token;
3. runs each scenario for `--duration` seconds at `--connections` concurrent connections
   with `wrk` (Debian package `wrk`; the asyncio client below when it is missing), while
   sampling the CPU time of the server, of PostgreSQL and of the load generator, and the
   latency of `GET /health` (an event loop blocked by hashing or a slow query shows there);
4. prints a table with the ratio to the previous NestJS back end, writes
   `bench/results/<date>-onboarding.json` and `.md`, and rewrites the results section of
   `bench/README.md`;
5. stops the server (SIGTERM, then SIGKILL after a grace period) and removes what it made,
   also on error and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import importlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
from argon2 import PasswordHasher

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LUA_SCRIPT = BENCH_DIR / "lua" / "onboarding.lua"
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"
MARK_BEGIN = "<!-- results:onboarding -->"
MARK_END = "<!-- /results:onboarding -->"

HOST = "127.0.0.1"  # the only address this benchmark ever sends traffic to
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
REQUEST_TIMEOUT_S = 10.0
STRIDE = 1_000_000  # unique phone numbers reserved per load thread / per run phase
PHONE_SPACE = 100_000_000  # 8 digits after the 2-digit Ivorian prefix
OTP_RE = re.compile(r"(?<![\d+])\d{6}(?!\d)")
IDENT_RE = re.compile(r"\+\d{8,15}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class BenchError(RuntimeError):
    """A failure that ends the run with a clear message (the server is still stopped)."""


# --------------------------------------------------------------------------------------------
# Scenarios and the previous back end's figures (issue 2, same kind of 2-core machine)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    method: str
    path: str
    expected_status: int
    baseline_rps: float
    target_ratio: float
    note: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "check-user-existing",
        "check-user (existing)",
        "POST",
        "/api/check-user",
        200,
        1450.0,
        2.0,
        "identifier of a seeded user, rotating",
    ),
    Scenario(
        "check-user-unknown",
        "check-user (unknown)",
        "POST",
        "/api/check-user",
        200,
        1450.0,
        2.0,
        "a new never-registered phone number on every request",
    ),
    Scenario(
        "register-user",
        "register-user",
        "POST",
        "/api/register-user",
        201,
        270.0,
        2.0,
        "a new phone number on every request (user + compte created)",
    ),
    Scenario(
        "login",
        "login",
        "POST",
        "/api/auth/login",
        200,
        34.0,
        1.0,
        "seeded verified users, correct password (argon2id verify + tokens)",
    ),
    Scenario(
        "me",
        "GET /api/user/me",
        "GET",
        "/api/user/me",
        200,
        200.0,
        10.0,
        "bearer tokens of the seeded users, rotating",
    ),
)
SCENARIO_NAMES = tuple(s.name for s in SCENARIOS)
BASELINE_NOTE = (
    "previous NestJS back end, same kind of 2-core machine: check-user ~1,450 req/s "
    "(p99 72 ms), register-user 270 req/s, /api/user/me 200 req/s, login 34 req/s (bcrypt cost 10)"
)


@dataclass
class SeededUser:
    identifier: str
    password: str
    token: str = ""


@dataclass
class LoadResult:
    tool: str
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: dict[str, int]
    non2xx: int
    statuses: dict[str, int]


@dataclass
class ScenarioResult:
    name: str
    label: str
    route: str
    note: str
    load: LoadResult
    baseline_rps: float
    target_ratio: float
    ratio: float
    meets_target: bool
    cpu_percent: dict[str, float] = field(default_factory=dict)
    health_probe_ms: dict[str, float] = field(default_factory=dict)
    server_process_cores: list[float] = field(default_factory=list)
    db_connections_mid_load: dict[str, int] = field(default_factory=dict)
    client_connections_per_process: list[int] = field(default_factory=list)
    cpu_ms_per_request: float = 0.0
    cpu_bound_ceiling_rps: int = 0


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("onboarding")
    group.add_argument("--duration", type=float, default=10.0, help="seconds per scenario (10)")
    group.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds (2)")
    group.add_argument("--connections", type=int, default=50, help="concurrent connections (50)")
    group.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="server worker processes (cores)"
    )
    group.add_argument("--users", type=int, default=200, help="verified users to seed (200)")
    group.add_argument(
        "--scenarios",
        default=",".join(SCENARIO_NAMES),
        help=f"comma-separated subset of: {', '.join(SCENARIO_NAMES)}",
    )
    group.add_argument(
        "--tool",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="load generator: wrk when installed (auto), or the asyncio client",
    )
    group.add_argument(
        "--threads", type=int, default=1, help="wrk threads (1: leaves the server CPU)"
    )
    group.add_argument(
        "--database-url",
        default=None,
        help="a loopback PostgreSQL server to create a throwaway database on "
        "(default: the embedded PostgreSQL in a temporary data folder)",
    )
    group.add_argument("--keep-database", action="store_true", help="do not drop the database")
    group.add_argument("--startup-timeout", type=float, default=90.0, help="seconds for /ready")
    group.add_argument("--hostolink", default=None, help="the hostolink command (venv's)")
    group.add_argument("--no-write", action="store_true", help="print only; write no file")
    group.add_argument("--results-dir", type=Path, default=RESULTS_DIR)


# --------------------------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def hostolink_command(explicit: str | None) -> str:
    if explicit:
        return explicit
    beside = Path(sys.executable).parent / "hostolink"
    if beside.exists():
        return str(beside)
    found = shutil.which("hostolink")
    if found:
        return found
    raise BenchError(
        "no `hostolink` command: run `python3 run.py --help` once (it installs the project "
        "into .venv), then `.venv/bin/python -m bench onboarding`"
    )


def check_loopback_url(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host and host not in LOOPBACK_NAMES and not host.startswith("127."):
        raise BenchError(f"--database-url must point at this machine (loopback), not {host!r}")


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def plain_postgres_url(url: str) -> str:
    return re.sub(r"^postgres(?:ql)?(\+\w+)?://", "postgresql://", url)


async def _admin_execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(plain_postgres_url(url), timeout=15)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def postgres_version(url: str) -> str:
    connection = await asyncpg.connect(plain_postgres_url(url), timeout=10)
    try:
        value = await connection.fetchval("SELECT version()")
        return str(value)
    finally:
        await connection.close()


class Server:
    """`hostolink serve` in its own process group, on a temporary data folder."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.command = hostolink_command(args.hostolink)
        self.workers: int = args.workers
        self.startup_timeout: float = args.startup_timeout
        self.admin_url: str | None = args.database_url
        self.keep_database: bool = args.keep_database
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        self.tmp = Path(tempfile.mkdtemp(prefix="hostolink-bench-"))
        self.data_dir = self.tmp / "data"
        self.log_path = self.tmp / "server.log"
        self.database_name: str | None = None
        self.database_url: str | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_body: dict[str, Any] = {}

    # -- environment shared by `serve` and the `outbox` command ------------------------------
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        env.update(
            {
                "HOSTOLINK_ENV": "development",
                "HOSTOLINK_DATA_DIR": str(self.data_dir),
                "RATE_LIMIT_ENABLED": "false",
                "LOG_LEVEL": "WARNING",
                "PORT": str(self.port),
                "WEB_CONCURRENCY": str(self.workers),
                "HOSTOLINK_SMS_SENDER": "outbox",
                "HOSTOLINK_EMAIL_SENDER": "outbox",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env

    def _serve_argv(self) -> list[str]:
        help_text = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [self.command, "serve", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env(),
            check=False,
        )
        if help_text.returncode != 0:
            raise BenchError(
                "`hostolink serve --help` failed; is the server written yet?\n"
                + (help_text.stderr or help_text.stdout)[-2000:]
            )
        argv = [self.command, "serve", "--port", str(self.port)]
        if "--workers" in help_text.stdout:
            argv += ["--workers", str(self.workers)]
        if "--host" in help_text.stdout:
            argv += ["--host", HOST]
        return argv

    def outbox_has_limit(self) -> bool:
        shown = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [self.command, "outbox", "--help"],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env(),
            check=False,
        )
        return "--limit" in shown.stdout

    def start(self) -> None:
        if self.admin_url:
            check_loopback_url(self.admin_url)
            self.database_name = f"hostolink_bench_{secrets.token_hex(4)}"
            asyncio.run(_admin_execute(self.admin_url, f'CREATE DATABASE "{self.database_name}"'))
            self.database_url = with_database(
                plain_postgres_url(self.admin_url), self.database_name
            )
            log(f"throwaway database {self.database_name} created")
        argv = self._serve_argv()
        log(f"starting {' '.join(argv[1:])} ({self.workers} workers) on {self.base_url}")
        with self.log_path.open("wb") as sink:
            self.process = subprocess.Popen(  # noqa: S603 - our own command
                argv,
                env=self.env(),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.tmp,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last = "no answer"
        with httpx.Client(base_url=self.base_url, timeout=5) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise BenchError(
                        f"the server exited with {self.process.returncode}:\n{self.log_tail()}"
                    )
                try:
                    answer = client.get("/ready")
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                else:
                    if answer.status_code == 200:
                        with contextlib.suppress(ValueError):
                            self.ready_body = answer.json()
                        return
                    last = f"HTTP {answer.status_code}"
                time.sleep(0.5)
        raise BenchError(
            f"/ready not 200 after {self.startup_timeout:.0f} s ({last}):\n{self.log_tail()}"
        )

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"

    def postmaster_pid(self) -> int | None:
        """The embedded PostgreSQL's main process, from its pid file."""
        pid_file = self.data_dir / "pgdata" / "postmaster.pid"
        try:
            return int(pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def activity_url(self) -> tuple[str, str] | None:
        """Where to read pg_stat_activity, and the database name to filter on."""
        if self.database_url and self.database_name:
            return self.database_url, self.database_name
        try:
            lines = (self.data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
        except OSError:
            return None
        if len(lines) < 5:  # data dir, pid, start time, port, socket directory
            return None
        return f"postgresql://postgres@/postgres?host={lines[4]}&port={lines[3]}", "hostolink"

    def app_database_url(self) -> str | None:
        """A plain libpq URL of the application's own database."""
        where = self.activity_url()
        if where is None:
            return None
        url, name = where
        if self.database_url:
            return plain_postgres_url(self.database_url)
        return url.replace("/postgres?", f"/{name}?", 1)

    def log_problems(self, limit: int = 15) -> list[str]:
        """The server's warnings and errors (it logs at WARNING during the bench)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return []
        marks = ("error", "warning", "traceback", "exception", "timeout")
        found: Counter[str] = Counter()
        for line in lines:
            if any(mark in line.lower() for mark in marks):
                found[_summarise_log_line(line)] += 1
        return [f"{n} × {text}" for text, n in found.most_common(limit)]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            log("stopping the server")
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log("the server did not stop in 20 s: killing its process group")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            # uvicorn's workers are in the server's process group: none may outlive it.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._stop_embedded_postgres()
        if self.database_name and self.admin_url and not self.keep_database:
            try:
                asyncio.run(
                    _admin_execute(
                        self.admin_url,
                        f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)',
                    )
                )
                log(f"throwaway database {self.database_name} dropped")
            except Exception as exc:
                log(f"could not drop {self.database_name}: {exc}")
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _stop_embedded_postgres(self) -> None:
        """The app stops its embedded PostgreSQL on exit; after a kill, this bench does it."""
        pid = self.postmaster_pid()
        if pid is None or not _alive(pid):
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.3)
        if _alive(pid):
            log(f"the embedded PostgreSQL ({pid}) is still up: fast shutdown")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
            end = time.monotonic() + 15
            while time.monotonic() < end and _alive(pid):
                time.sleep(0.3)


def _summarise_log_line(line: str) -> str:
    """A JSON log line as `level logger: message — last line of the traceback`."""
    try:
        record = json.loads(line)
    except ValueError:
        return line[:300]
    if not isinstance(record, dict):
        return line[:300]
    text = f"{record.get('level', '?')} {record.get('logger', '?')}: {record.get('msg', '')}"
    exc = [
        line
        for line in str(record.get("exc") or "").strip().splitlines()
        if line.strip() and not line.startswith("(Background on this error")
    ]
    return (text.strip() + (f" — {exc[-1].strip()}" if exc else ""))[:300]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


# --------------------------------------------------------------------------------------------
# Seeding verified users through the public API
# --------------------------------------------------------------------------------------------


def seed_identifier(index: int) -> str:
    return f"+22507{index:08d}"


async def _expect(answer: httpx.Response, statuses: Sequence[int], step: str) -> dict[str, Any]:
    if answer.status_code not in statuses:
        raise BenchError(f"{step}: HTTP {answer.status_code} {answer.text[:300]}")
    body: dict[str, Any] = answer.json()
    return body


async def seed_users(server: Server, count: int, concurrency: int = 8) -> list[SeededUser]:
    users = [SeededUser(seed_identifier(i), f"Bench{i:05d}Motdepasse!") for i in range(count)]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    gate = asyncio.Semaphore(concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=server.base_url, timeout=REQUEST_TIMEOUT_S * 3, limits=limits
    ) as client:

        async def enrol(user: SeededUser) -> None:
            async with gate:
                await _expect(
                    await client.post("/api/register-user", json={"identifier": user.identifier}),
                    (201, 200),
                    f"register-user {user.identifier}",
                )
                body = {
                    "identifier": user.identifier,
                    "password": user.password,
                    "confirmPassword": user.password,
                }
                await _expect(
                    await client.post("/api/define-password", json=body),
                    (200,),
                    f"define-password {user.identifier}",
                )

        await asyncio.gather(*(enrol(user) for user in users))
        log(f"{count} users registered with a password in {time.perf_counter() - started:.1f} s")
        codes = await asyncio.to_thread(read_outbox_codes, server, [u.identifier for u in users])

        async def verify(user: SeededUser) -> None:
            async with gate:
                for code in codes.get(user.identifier, [])[:3]:
                    answer = await client.post(
                        "/api/verify-otp", json={"identifier": user.identifier, "otpCode": code}
                    )
                    if answer.status_code == 200:
                        user.token = str(answer.json().get("token", ""))
                        return

        await asyncio.gather(*(verify(user) for user in users))
    verified = [user for user in users if user.token]
    log(f"{len(verified)}/{count} users verified in {time.perf_counter() - started:.1f} s")
    if len(verified) < max(1, count * 9 // 10):
        raise BenchError(
            f"only {len(verified)} of {count} users could be verified (OTP from `hostolink outbox`)"
        )
    return verified


def _outbox(server: Server, *extra: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        [server.command, "outbox", *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=server.env(),
        cwd=server.tmp,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(f"`hostolink outbox {' '.join(extra)}` failed:\n{done.stderr[-2000:]}")
    return done.stdout


def parse_outbox(text: str, wanted: set[str]) -> dict[str, list[str]]:
    """Six-digit codes per recipient, newest last, from `hostolink outbox`'s text.

    The format is the CLI's to choose; this only assumes that a message names its recipient
    before (or on the same line as) its text. A code is attributed to the last identifier seen.
    """
    codes: dict[str, list[str]] = {}
    current: str | None = None
    for line in text.splitlines():
        named = [m for m in IDENT_RE.findall(line) if m.lower() in wanted]
        if named:
            current = named[-1].lower()
        if current is None:
            continue
        for match in OTP_RE.findall(IDENT_RE.sub(" ", line)):
            codes.setdefault(current, []).append(match)
    return codes


def read_outbox_codes(server: Server, identifiers: list[str]) -> dict[str, list[str]]:
    wanted = {ident.lower() for ident in identifiers}
    # `--limit` (newest first, 20 by default) must cover every seeded user's message.
    limit = ["--limit", str(2 * len(identifiers) + 20)] if server.outbox_has_limit() else []
    codes = parse_outbox(_outbox(server, *limit), wanted)
    missing = [ident for ident in identifiers if ident.lower() not in codes]
    if len(missing) > 20:
        log(f"{len(missing)} codes not found in the full outbox; reading them one by one")
    for ident in missing:
        found = OTP_RE.findall(IDENT_RE.sub(" ", _outbox(server, "--to", ident)))
        if found:
            codes[ident.lower()] = found
    # Newest last in the output, newest first in the answer (one OTP per user here anyway).
    return {ident: list(reversed(codes.get(ident.lower(), []))) for ident in identifiers}


# --------------------------------------------------------------------------------------------
# Load generators
# --------------------------------------------------------------------------------------------


class RequestSource:
    """The asyncio client's request stream, the same as the Lua script's."""

    def __init__(self, scenario: Scenario, users: list[SeededUser], first: int) -> None:
        self.scenario = scenario
        self.users = users
        self.cursor = 0
        self.counter = first

    def _user(self) -> SeededUser:
        self.cursor = (self.cursor + 1) % len(self.users)
        return self.users[self.cursor]

    def _phone(self, prefix: str) -> str:
        self.counter += 1
        return f"+225{prefix}{self.counter % PHONE_SPACE:08d}"

    def body(self) -> dict[str, str] | None:
        name = self.scenario.name
        if name == "check-user-existing":
            return {"identifier": self._user().identifier}
        if name == "check-user-unknown":
            return {"identifier": self._phone("01")}
        if name == "register-user":
            return {"identifier": self._phone("05")}
        if name == "login":
            user = self._user()
            return {"identifier": user.identifier, "password": user.password}
        return None

    def raw(self, port: int) -> bytes:
        lines = [f"{self.scenario.method} {self.scenario.path} HTTP/1.1", f"Host: {HOST}:{port}"]
        payload = b""
        body = self.body()
        if body is not None:
            payload = json.dumps(body).encode()
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        if self.scenario.name == "me":
            lines.append(f"Authorization: Bearer {self._user().token}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip().lower()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get("connection") != "close"


def _percentile(sorted_values: list[int], percent: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(percent / 100 * len(sorted_values)) - 1))
    return float(sorted_values[index])


async def python_load(
    port: int, source: RequestSource, connections: int, duration: float
) -> LoadResult:
    """Keep-alive HTTP/1.1 over raw asyncio streams: one request in flight per connection."""
    latencies: list[int] = []
    statuses: Counter[int] = Counter()
    errors: Counter[str] = Counter()
    start = time.perf_counter()
    deadline = start + duration

    async def connection_loop() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while time.perf_counter() < deadline:
            try:
                if writer is None:
                    reader, writer = await asyncio.wait_for(
                        asyncio.open_connection(HOST, port), REQUEST_TIMEOUT_S
                    )
                assert reader is not None
                assert writer is not None
                began = time.perf_counter_ns()
                writer.write(source.raw(port))
                status, keep_alive = await asyncio.wait_for(
                    _read_response(reader), REQUEST_TIMEOUT_S
                )
                latencies.append(time.perf_counter_ns() - began)
                statuses[status] += 1
            except TimeoutError:
                errors["timeout"] += 1
                keep_alive = False
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors["read"] += 1
                keep_alive = False
            if not keep_alive and writer is not None:
                writer.close()
                writer = None
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection_loop() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()
    count = len(latencies)
    non2xx = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    return LoadResult(
        tool="python-asyncio",
        requests=count,
        duration_s=round(elapsed, 3),
        rps=round(count / elapsed, 1),
        p50_ms=round(_percentile(latencies, 50) / 1e6, 2),
        p90_ms=round(_percentile(latencies, 90) / 1e6, 2),
        p99_ms=round(_percentile(latencies, 99) / 1e6, 2),
        mean_ms=round(sum(latencies) / count / 1e6, 2) if count else 0.0,
        max_ms=round(latencies[-1] / 1e6, 2) if count else 0.0,
        errors=dict(errors),
        non2xx=non2xx,
        statuses={str(k): v for k, v in sorted(statuses.items())},
    )


async def wrk_load(
    *,
    port: int,
    scenario: Scenario,
    data_file: Path,
    first: int,
    args: argparse.Namespace,
    duration: float,
) -> LoadResult:
    threads = max(1, min(args.threads, args.connections))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{args.connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={REQUEST_TIMEOUT_S:.0f}s",
        "-s",
        str(LUA_SCRIPT),
        f"http://{HOST}:{port}",
        "--",
        scenario.name,
        str(data_file),
        str(first),
        str(STRIDE),
    ]
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), duration + 60)
    except TimeoutError:
        raise BenchError(f"wrk did not finish {scenario.name} in time") from None
    finally:  # timed out, cancelled (Ctrl-C) or failed: wrk never outlives its scenario
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {scenario.name}:\n{text[-2000:]}\n{err.decode()[-2000:]}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    latency = raw["latency_us"]
    seconds = raw["duration_us"] / 1e6
    errors = {k: v for k, v in raw["errors"].items() if k != "status" and v}
    return LoadResult(
        tool=f"wrk -t{threads}",
        requests=raw["requests"],
        duration_s=round(seconds, 3),
        rps=round(raw["requests"] / seconds, 1),
        p50_ms=round(latency["p50"] / 1e3, 2),
        p90_ms=round(latency["p90"] / 1e3, 2),
        p99_ms=round(latency["p99"] / 1e3, 2),
        mean_ms=round(latency["mean"] / 1e3, 2),
        max_ms=round(latency["max"] / 1e3, 2),
        errors=errors,
        non2xx=raw["non2xx"],
        statuses=dict(sorted(raw["statuses"].items())),
    )


# --------------------------------------------------------------------------------------------
# Observers: CPU time per process group (/proc) and /health latency while loaded
# --------------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _process_table() -> dict[int, tuple[int, float, str]]:
    """pid → (parent pid, CPU seconds so far, command line)."""
    table: dict[int, tuple[int, float, str]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(") ", 1)[1].split()
        # after "pid (comm) ": state ppid ... utime(14th overall → index 11) stime(index 12)
        table[int(entry.name)] = (
            int(fields[1]),
            (int(fields[11]) + int(fields[12])) / CLOCK_TICKS,
            cmdline,
        )
    return table


def _descendants(table: dict[int, tuple[int, float, str]], root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = set(), [root]
    while stack:
        pid = stack.pop()
        if pid in table and pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, []))
    return found


class CpuMeter:
    """CPU seconds spent by the server's processes and by PostgreSQL between two samples."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.available = Path("/proc/self/stat").exists()

    def sample(self) -> dict[str, dict[int, float]]:
        if not self.available or self.server.process is None:
            return {}
        table = _process_table()
        postgres: set[int] = set()
        postmaster = self.server.postmaster_pid()
        if postmaster is not None:
            postgres = _descendants(table, postmaster)
        elif self.server.database_name:
            marker = f" {self.server.database_name} "
            postgres = {
                pid
                for pid, (_, _, cmd) in table.items()
                if cmd.startswith("postgres:") and marker in cmd
            }
        app = _descendants(table, self.server.process.pid) - postgres
        return {
            "server": {pid: table[pid][1] for pid in app},
            "postgres": {pid: table[pid][1] for pid in postgres},
        }

    @staticmethod
    def percent(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float
    ) -> dict[str, float]:
        """Share of the whole machine (all cores = 100 %)."""
        cores = os.cpu_count() or 1
        shares: dict[str, float] = {}
        for group, now in after.items():
            then = before.get(group, {})
            spent = sum(value - then.get(pid, 0.0) for pid, value in now.items())
            shares[group] = round(100 * spent / seconds / cores, 1)
        return shares

    @staticmethod
    def server_processes(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float
    ) -> list[float]:
        """Cores used by each of the server's busy processes (workers), busiest first."""
        then = before.get("server", {})
        used = [
            (value - then.get(pid, 0.0)) / seconds for pid, value in after.get("server", {}).items()
        ]
        return sorted((round(cores, 2) for cores in used if cores >= 0.02), reverse=True)


def connections_per_process(server: Server) -> list[int]:
    """Established client connections held by each server process (from /proc), most first:
    shows how the kernel spread the load's keep-alive connections over the workers."""
    if server.process is None or not Path("/proc/net/tcp").exists():
        return []
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for row in Path(table).read_text().splitlines()[1:]:
                cols = row.split()
                local_port = int(cols[1].rsplit(":", 1)[1], 16)
                if local_port == server.port and cols[3] == "01":  # 01: ESTABLISHED
                    established.add(cols[9])  # inode
    counts = []
    for pid in _descendants(_process_table(), server.process.pid):
        inodes = set()
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
        if inodes & established:
            counts.append(len(inodes & established))
    return sorted(counts, reverse=True)


async def database_activity(server: Server, delay: float) -> dict[str, int]:
    """Connections of the app's database by state, once, in the middle of the load: many
    `idle in transaction` means requests hold a connection while doing something else."""
    await asyncio.sleep(delay)
    where = server.activity_url()
    if where is None:
        return {}
    url, name = where
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return {}
    try:
        rows = await connection.fetch(
            "SELECT coalesce(state, '?') AS state, count(*) AS n FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 2 DESC",
            name,
        )
    finally:
        await connection.close()
    return {str(row["state"]): int(row["n"]) for row in rows}


async def settle_database(server: Server) -> None:
    """VACUUM (ANALYZE) before each scenario, as pgbench vacuums before a run: without it the
    autovacuum set off by one scenario's writes (register-user inserts thousands of rows)
    runs during the next scenario and is counted against it."""
    url = server.app_database_url()
    if url is None:
        return
    connection = await asyncpg.connect(url, timeout=15)
    try:
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


async def health_probe(base_url: str, stop: asyncio.Event) -> dict[str, float]:
    """GET /health five times a second while the load runs."""
    samples: list[int] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S) as client:
        while not stop.is_set():
            began = time.perf_counter_ns()
            with contextlib.suppress(httpx.HTTPError):
                await client.get("/health")
                samples.append(time.perf_counter_ns() - began)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)
    samples.sort()
    if not samples:
        return {}
    return {
        "samples": float(len(samples)),
        "p50": round(_percentile(samples, 50) / 1e6, 2),
        "max": round(samples[-1] / 1e6, 2),
    }


# --------------------------------------------------------------------------------------------
# One scenario
# --------------------------------------------------------------------------------------------


async def _later(delay: float, probe: Callable[[Server], list[int]], server: Server) -> list[int]:
    await asyncio.sleep(delay)
    return probe(server)


class Runner:
    def __init__(
        self, server: Server, users: list[SeededUser], args: argparse.Namespace, use_wrk: bool
    ) -> None:
        self.server = server
        self.users = users
        self.args = args
        self.use_wrk = use_wrk
        self.meter = CpuMeter(server)
        self.phase = 0
        self.data_file = server.tmp / "users.tsv"
        self.data_file.write_text(
            "".join(f"{u.identifier}\t{u.password}\t{u.token}\n" for u in users)
        )

    def _next_first(self) -> int:
        """A fresh block of phone numbers for each load phase (warm-up included)."""
        block = STRIDE * max(1, int(self.args.threads))
        first = self.phase * block
        self.phase += 1
        if first + block > PHONE_SPACE:
            raise BenchError("out of unique phone numbers: fewer phases or threads")
        return first

    async def _load(self, scenario: Scenario, duration: float) -> LoadResult:
        first = self._next_first()
        if self.use_wrk:
            return await wrk_load(
                port=self.server.port,
                scenario=scenario,
                data_file=self.data_file,
                first=first,
                args=self.args,
                duration=duration,
            )
        source = RequestSource(scenario, self.users, first)
        return await python_load(self.server.port, source, self.args.connections, duration)

    async def smoke(self, scenario: Scenario) -> None:
        """One request first, so that a missing route is reported in words."""
        source = RequestSource(scenario, self.users, self._next_first())
        headers = {"Authorization": f"Bearer {self.users[1 % len(self.users)].token}"}
        async with httpx.AsyncClient(base_url=self.server.base_url, timeout=30) as client:
            answer = await client.request(
                scenario.method,
                scenario.path,
                json=source.body(),
                headers=headers if scenario.name == "me" else None,
            )
        if answer.status_code != scenario.expected_status:
            log(
                f"warning: {scenario.method} {scenario.path} answered {answer.status_code} "
                f"(expected {scenario.expected_status}): {answer.text[:200]}"
            )

    async def run(self, scenario: Scenario) -> ScenarioResult:
        await settle_database(self.server)
        await self.smoke(scenario)
        if self.args.warmup > 0:
            await self._load(scenario, self.args.warmup)
        stop = asyncio.Event()
        probe = asyncio.create_task(health_probe(self.server.base_url, stop))
        activity = asyncio.create_task(database_activity(self.server, self.args.duration / 2))
        spread = asyncio.create_task(
            _later(self.args.duration / 2, connections_per_process, self.server)
        )
        before = self.meter.sample()
        began = time.perf_counter()
        try:
            load = await self._load(scenario, self.args.duration)
        finally:
            elapsed = time.perf_counter() - began
            after = self.meter.sample()
            stop.set()
            probe_ms = await probe
            connections = await activity
            per_worker = await spread
        cpu = CpuMeter.percent(before, after, elapsed)
        cores = os.cpu_count() or 1
        spent_s = sum(cpu.values()) / 100 * elapsed * cores  # server + PostgreSQL
        per_process = CpuMeter.server_processes(before, after, elapsed)
        if not self.use_wrk:
            cpu["load generator"] = -1.0  # in this process: not measured apart
        cpu_ms = 1000 * spent_s / load.requests if load.requests else 0.0
        ratio = load.rps / scenario.baseline_rps
        clean = load.non2xx == 0 and not load.errors
        return ScenarioResult(
            name=scenario.name,
            label=scenario.label,
            route=f"{scenario.method} {scenario.path}",
            note=scenario.note,
            load=load,
            baseline_rps=scenario.baseline_rps,
            target_ratio=scenario.target_ratio,
            ratio=round(ratio, 2),
            meets_target=clean and ratio >= scenario.target_ratio,
            cpu_percent=cpu,
            health_probe_ms=probe_ms,
            server_process_cores=per_process,
            db_connections_mid_load=connections,
            client_connections_per_process=per_worker,
            cpu_ms_per_request=round(cpu_ms, 2),
            cpu_bound_ceiling_rps=round(1000 * cores / cpu_ms) if cpu_ms else 0,
        )


# --------------------------------------------------------------------------------------------
# Facts about the machine and the run
# --------------------------------------------------------------------------------------------


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_total() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _command_output(argv: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed local commands
            argv, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


def argon2_parameters() -> dict[str, int]:
    """The parameters the server reads: its settings' defaults, or the environment's."""
    defaults = {"ARGON2_TIME_COST": 2, "ARGON2_MEMORY_KIB": 19 * 1024, "ARGON2_PARALLELISM": 1}
    # Imported here: the bench still runs (with --hostolink) when the package is not installed.
    with contextlib.suppress(Exception):
        fields = importlib.import_module("hostolink.config").Settings.model_fields
        defaults = {
            "ARGON2_TIME_COST": int(fields["argon2_time_cost"].default),
            "ARGON2_MEMORY_KIB": int(fields["argon2_memory_kib"].default),
            "ARGON2_PARALLELISM": int(fields["argon2_parallelism"].default),
        }
    return {name: int(os.environ.get(name, value)) for name, value in defaults.items()}


def argon2_cost_ms(params: dict[str, int]) -> float:
    """One argon2id verification on one core, here, before the load (median of 5)."""
    hasher = PasswordHasher(
        time_cost=params["ARGON2_TIME_COST"],
        memory_cost=params["ARGON2_MEMORY_KIB"],
        parallelism=params["ARGON2_PARALLELISM"],
    )
    digest = hasher.hash("Bench-password-1")
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        hasher.verify(digest, "Bench-password-1")
        timings.append(time.perf_counter() - began)
    return round(sorted(timings)[2] * 1000, 1)


def bcrypt10_cost_ms() -> float | None:
    """The previous back end's hash (bcrypt cost 10), timed the same way when the `bcrypt`
    package happens to be importable (it is no dependency of Hostolink)."""
    try:
        bcrypt = importlib.import_module("bcrypt")
    except ImportError:
        return None
    digest = bcrypt.hashpw(b"Bench-password-1", bcrypt.gensalt(10))
    timings = []
    for _ in range(5):
        began = time.perf_counter()
        bcrypt.checkpw(b"Bench-password-1", digest)
        timings.append(time.perf_counter() - began)
    return round(sorted(timings)[2] * 1000, 1)


def postgres_version_text(server: Server) -> str:
    for key in ("postgres", "postgresql", "database_version", "server_version", "version"):
        value = server.ready_body.get(key)
        if isinstance(value, str) and value:
            return value
    if server.database_url:
        with contextlib.suppress(Exception):
            return asyncio.run(postgres_version(server.database_url))
    where = server.activity_url()
    if where is not None:
        with contextlib.suppress(Exception):
            return asyncio.run(postgres_version(where[0]))
    with contextlib.suppress(OSError):
        return "PostgreSQL " + (server.data_dir / "pgdata" / "PG_VERSION").read_text().strip()
    return "unknown"


def git_revision() -> str:
    revision = _command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])
    return f"{revision}{' + uncommitted src changes' if dirty else ''}" if revision else "unknown"


def machine_facts(server: Server, args: argparse.Namespace, tool: str) -> dict[str, Any]:
    params = argon2_parameters()
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "load_average_before": [round(value, 2) for value in os.getloadavg()],
        "cpu_model": cpu_model(),
        "memory": memory_total(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": postgres_version_text(server),
        "database": "external (throwaway database)" if server.database_url else "embedded",
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "seeded_users": 0,
        "load_generator": tool,
        "wrk": " ".join(_command_output(["wrk", "--version"]).split()[:2])
        if tool == "wrk"
        else None,
        "argon2id": {
            "time_cost": params["ARGON2_TIME_COST"],
            "memory_kib": params["ARGON2_MEMORY_KIB"],
            "parallelism": params["ARGON2_PARALLELISM"],
            "verify_ms_one_core": argon2_cost_ms(params),
        },
        "bcrypt10_verify_ms_one_core": bcrypt10_cost_ms(),
        "hostolink_revision": git_revision(),
        "rate_limit_enabled": False,
    }


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _errors_text(load: LoadResult) -> str:
    socket_errors = sum(load.errors.values())
    return f"{load.non2xx} / {socket_errors}"


def results_table(results: list[ScenarioResult]) -> str:
    header = (
        "| scenario | req/s | p50 ms | p99 ms | non-2xx / socket errors | NestJS req/s "
        "| ratio | target | met | CPU server / PG | cores (conns) per worker "
        "| CPU ms / req (ceiling req/s) | /health p50 / max ms | PG connections mid-load |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|:-:|---:|---:|---:|---:|---|\n"
    )
    rows = []
    for result in results:
        load = result.load
        cpu = result.cpu_percent
        probe = result.health_probe_ms
        connections = result.db_connections_mid_load
        rows.append(
            f"| {result.label} | {load.rps:,.0f} | {load.p50_ms:.1f} | {load.p99_ms:.1f} "
            f"| {_errors_text(load)} | {result.baseline_rps:,.0f} | {result.ratio:.2f}× "
            f"| ≥{result.target_ratio:g}× | {'yes' if result.meets_target else 'NO'} "
            f"| {cpu.get('server', 0):.0f} % / {cpu.get('postgres', 0):.0f} % "
            f"| {' + '.join(f'{c:.2f}' for c in result.server_process_cores) or '-'} "
            f"({' + '.join(str(n) for n in result.client_connections_per_process) or '-'}) "
            f"| {result.cpu_ms_per_request:.2f} ({result.cpu_bound_ceiling_rps:,}) "
            f"| {probe.get('p50', 0):.1f} / {probe.get('max', 0):.1f} "
            f"| {', '.join(f'{n} {state}' for state, n in connections.items())} |"
        )
    return header + "\n".join(rows) + "\n"


def facts_text(facts: dict[str, Any]) -> str:
    argon = facts["argon2id"]
    verify = argon["verify_ms_one_core"]
    return (
        f"- date (UTC): {facts['date']}; revision {facts['hostolink_revision']}\n"
        f"- machine: {facts['nproc']} cores, {facts['cpu_model']}, {facts['memory']}, "
        f"Linux {facts['kernel']}; Python {facts['python']}; load average before the run "
        f"{' / '.join(str(v) for v in facts['load_average_before'])}\n"
        f"- PostgreSQL: {facts['postgresql']} ({facts['database']})\n"
        f"- server: `hostolink serve`, {facts['workers']} worker processes, rate limits off, "
        f"LOG_LEVEL=WARNING; {facts['seeded_users']} seeded verified users\n"
        f"- load: {facts['load_generator']} ({facts.get('wrk') or 'asyncio client'}), "
        f"{facts['connections']} connections, {facts['duration_s']:g} s per scenario after "
        f"{facts['warmup_s']:g} s of warm-up, loopback\n"
        f"- password hashing: argon2id t={argon['time_cost']}, m={argon['memory_kib']} KiB, "
        f"p={argon['parallelism']} ({verify} ms per verification on one core here"
        + (
            f"; bcrypt cost 10: {facts['bcrypt10_verify_ms_one_core']} ms"
            if facts.get("bcrypt10_verify_ms_one_core")
            else ""
        )
        + ")\n"
        f"- baseline: {BASELINE_NOTE}\n"
        + "".join(f"- server log: {line}\n" for line in facts.get("server_log_problems", [])[:4])
        + "- CPU: share of the whole machine (100 % = all cores) used by the server's processes "
        "and by PostgreSQL during the measured seconds, and the cores used by each busy server "
        "process (with the load's connections it held half-way through); CPU ms / req: the "
        "server's and PostgreSQL's CPU time per answered request, and the rate the cores "
        "could sustain at that cost (a figure less sensitive to other work on the machine); "
        "/health: a probe 5 "
        "times a second during the load; PG connections: the app database's connections by "
        "state half-way through\n"
    )


def markdown_report(facts: dict[str, Any], results: list[ScenarioResult]) -> str:
    return results_table(results) + "\n" + facts_text(facts)


def write_results(
    directory: Path, facts: dict[str, Any], results: list[ScenarioResult]
) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{dt.datetime.now(dt.UTC).date().isoformat()}-onboarding"
    json_path = directory / f"{stem}.json"
    md_path = directory / f"{stem}.md"
    document = {"facts": facts, "scenarios": [asdict(result) for result in results]}
    json_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(
        f"# Onboarding benchmark, {facts['date']}\n\n" + markdown_report(facts, results)
    )
    return json_path, md_path


def update_readme(facts: dict[str, Any], results: list[ScenarioResult]) -> bool:
    """Rewrite the section between the markers of bench/README.md, if it has them."""
    if not README.exists():
        return False
    text = README.read_text()
    begin, end = text.find(MARK_BEGIN), text.find(MARK_END)
    if begin < 0 or end < begin:
        return False
    section = f"{MARK_BEGIN}\n{markdown_report(facts, results)}{MARK_END}"
    README.write_text(text[:begin] + section + text[end + len(MARK_END) :])
    return True


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _selected(spec: str) -> list[Scenario]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIO_NAMES]
    if unknown:
        raise BenchError(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIO_NAMES)}")
    return [scenario for scenario in SCENARIOS if scenario.name in names]


def _choose_tool(requested: str) -> bool:
    """True for wrk. `auto` falls back to the asyncio client, saying so."""
    has_wrk = shutil.which("wrk") is not None
    if requested == "wrk" and not has_wrk:
        raise BenchError("wrk is not installed (Debian: `apt-get install -y wrk`)")
    if requested == "auto" and not has_wrk:
        log(
            "wrk not found (Debian: `apt-get install -y wrk`): using the asyncio client, which "
            "takes CPU from the server on a small machine; figures will be lower"
        )
    return requested != "python" and has_wrk


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C does: through the `finally` that stops the server."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _validate(args: argparse.Namespace) -> None:
    if not 0 < args.duration <= 600:
        raise BenchError("--duration must be in (0, 600] seconds")
    if not 0 <= args.warmup <= 60:
        raise BenchError("--warmup must be in [0, 60] seconds")
    if not 1 <= args.connections <= 1000:
        raise BenchError("--connections must be in [1, 1000]")
    if not 1 <= args.users <= 10_000:
        raise BenchError("--users must be in [1, 10000]")
    if not 1 <= args.workers <= 64:
        raise BenchError("--workers must be in [1, 64]")


async def _run_scenarios(runner: Runner, scenarios: list[Scenario]) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        log(
            f"{scenario.label}: {runner.args.duration:g} s at {runner.args.connections} connections"
        )
        result = await runner.run(scenario)
        load = result.load
        log(
            f"  {load.rps:,.1f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, "
            f"non-2xx {load.non2xx}, statuses {load.statuses}, errors {load.errors}"
        )
        results.append(result)
    return results


def run(args: argparse.Namespace) -> int:
    """Run the onboarding scenarios; 0 when every scenario ran (targets are reported, not
    enforced: these are figures, not a test), 1 on a failure to run."""
    server: Server | None = None
    facts: dict[str, Any] = {}
    results: list[ScenarioResult] = []
    try:
        with _terminate_as_interrupt():
            _validate(args)
            scenarios = _selected(args.scenarios)
            use_wrk = _choose_tool(args.tool)
            server = Server(args)
            server.start()
            users = asyncio.run(seed_users(server, args.users))
            facts = machine_facts(server, args, "wrk" if use_wrk else "python-asyncio")
            facts["seeded_users"] = len(users)
            runner = Runner(server, users, args, use_wrk)
            results = asyncio.run(_run_scenarios(runner, scenarios))
    except BenchError as exc:
        log(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if server is not None:
            problems = server.log_problems()
            if facts:
                facts["server_log_problems"] = problems
            if problems:
                log("the server logged warnings or errors (last ones):")
                for line in problems:
                    log(f"  {line}")
            server.stop()
    report = markdown_report(facts, results)
    print(report)
    if not args.no_write:
        json_path, md_path = write_results(args.results_dir, facts, results)
        log(f"written {json_path} and {md_path}")
        if update_readme(facts, results):
            log("bench/README.md results section updated")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.onboarding")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
