"""What every benchmark group shares: the server it starts, the users it seeds, the load
generators, the observers and the facts about the machine.

A group (`onboarding.py`, `transfers.py`) starts a `Server` on a fresh database, seeds
verified users with `seed_users`, drives the load with `wrk_load` (a Lua script of
`bench/lua/`) or `python_load` (an asyncio client, when wrk is missing), watches it with
`CpuMeter`, `health_probe` and `database_activity`, and always stops the server at the end.
Traffic goes to 127.0.0.1 only, and every step is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
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
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
README = BENCH_DIR / "README.md"

HOST = "127.0.0.1"  # the only address this benchmark ever sends traffic to
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
REQUEST_TIMEOUT_S = 10.0
OTP_RE = re.compile(r"(?<![\d+])\d{6}(?!\d)")
IDENT_RE = re.compile(r"\+\d{8,15}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class Step:
    """What `progress` prints at the end: set `note` to a short result (`"2,900 req/s"`)."""

    label: str
    note: str = ""
    failed: bool = False


@contextlib.contextmanager
def progress(label: str) -> Iterator[Step]:
    """One line when a group or a scenario starts, one when it ends, with its elapsed time
    (on stderr, like every other message of the bench)."""
    step = Step(label)
    began = time.monotonic()
    print(f"[bench] ▶ {label} …", file=sys.stderr, flush=True)
    outcome = "failed"
    try:
        yield step
        outcome = "failed" if step.failed else "done"
    except KeyboardInterrupt:
        outcome = "interrupted"
        raise
    finally:
        minutes, seconds = divmod(time.monotonic() - began, 60)
        shown = f"{int(minutes)} min {seconds:04.1f} s" if minutes else f"{seconds:.1f} s"
        note = f" ({step.note})" if step.note else ""
        print(f"[bench] ■ {label}: {outcome} in {shown}{note}", file=sys.stderr, flush=True)


def report_load(step: Step, load: LoadResult) -> None:
    """Log a scenario's load figures and put its headline on the progress line."""
    log(
        f"  {load.rps:,.1f} req/s, p50 {load.p50_ms:.1f} ms, p99 {load.p99_ms:.1f} ms, "
        f"non-2xx {load.non2xx}, statuses {load.statuses}, errors {load.errors}"
    )
    step.note = f"{load.rps:,.0f} req/s, p99 {load.p99_ms:.0f} ms"


class BenchError(RuntimeError):
    """A failure that ends the run with a clear message (the server is still stopped)."""


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
    # The open-loop measure at a fixed fraction of this load's rate (bench/openloop.py).
    fixed_rate: dict[str, Any] | None = None


# --------------------------------------------------------------------------------------------
# Command line: the options of every group
# --------------------------------------------------------------------------------------------


def run_alone(
    group: str,
    add_group_arguments: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None = None,
) -> int:
    """`python -m bench.<group>`: one group with the options of every group and its own."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{group}")
    add_arguments(parser)
    add_group_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("every group")
    group.add_argument("--duration", type=float, default=10.0, help="measured seconds (10)")
    group.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds (2)")
    group.add_argument("--connections", type=int, default=50, help="concurrent connections (50)")
    group.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="server worker processes (cores)"
    )
    group.add_argument("--users", type=int, default=200, help="verified users to seed (200)")
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
    group.add_argument(
        "--fixed-rate",
        type=float,
        default=0.5,
        metavar="FRACTION",
        help="after each closed-loop measure, the latency at this fraction of the capacity it "
        "found, at a fixed rate (open loop, bench/openloop.py; 0.5; 0: skip)",
    )
    group.add_argument("--keep-database", action="store_true", help="do not drop the database")
    group.add_argument("--startup-timeout", type=float, default=90.0, help="seconds for /ready")
    group.add_argument("--hostolink", default=None, help="the hostolink command (venv's)")
    group.add_argument("--no-write", action="store_true", help="print only; write no file")
    group.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    group.add_argument(
        "--ports",
        default=None,
        metavar="LOW-HIGH",
        help="take the servers' ports in this range (default: any free port the system gives)",
    )


def validate(args: argparse.Namespace) -> None:
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
    if not 0 <= getattr(args, "fixed_rate", 0.5) <= 1:
        raise BenchError("--fixed-rate must be in [0, 1]")
    set_port_range(getattr(args, "ports", None))


# --------------------------------------------------------------------------------------------
# Server lifecycle
# --------------------------------------------------------------------------------------------


PORT_RANGE: tuple[int, int] | None = None  # `--ports LOW-HIGH`; None: any free port


def set_port_range(spec: str | None) -> None:
    global PORT_RANGE  # noqa: PLW0603 - one setting for every Server of the run
    if not spec:
        PORT_RANGE = None
        return
    match = re.fullmatch(r"(\d{4,5})-(\d{4,5})", spec.strip())
    if match is None or not 1024 <= int(match[1]) <= int(match[2]) <= 65535:
        raise BenchError("--ports must be LOW-HIGH, for example 45000-45999")
    PORT_RANGE = (int(match[1]), int(match[2]))


def free_port() -> int:
    if PORT_RANGE is not None:
        low, high = PORT_RANGE
        candidates = list(range(low, high + 1))
        secrets.SystemRandom().shuffle(candidates)  # two runs at once rarely collide
        for candidate in candidates:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                try:
                    sock.bind((HOST, candidate))
                except OSError:
                    continue
                return candidate
        raise BenchError(f"no free port in {low}-{high}")
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


async def admin_execute(url: str, statement: str) -> None:
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

    def __init__(self, args: argparse.Namespace, extra_env: dict[str, str] | None = None) -> None:
        self.command = hostolink_command(args.hostolink)
        self.extra_env = dict(extra_env or {})
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
        # Given, not generated: on a fresh data folder, each worker that finds no key file
        # writes one, and two workers starting together can end up signing with different
        # keys (tokens from one then fail on the other with 401 InvalidToken).
        self.jwt_secret = secrets.token_urlsafe(48)

    # -- environment shared by `serve` and the other commands (outbox, create-admin…) --------
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
                "JWT_SECRET": self.jwt_secret,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.extra_env)
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

    def cli(
        self, *argv: str, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """`hostolink <argv>` on the server's database (the same environment as `serve`)."""
        return subprocess.run(  # noqa: S603 - our own command
            [self.command, *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**self.env(), **(env or {})},
            cwd=self.tmp,
            check=False,
        )

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
            asyncio.run(admin_execute(self.admin_url, f'CREATE DATABASE "{self.database_name}"'))
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

    def stop(self, *, remove_files: bool = True) -> None:
        """Stop the server, its workers and its embedded PostgreSQL; drop the throwaway
        database and the temporary folder unless `remove_files` is false (the startup
        group starts the same data folder again)."""
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
        if not remove_files:
            return
        if self.database_name and self.admin_url and not self.keep_database:
            try:
                asyncio.run(
                    admin_execute(
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


async def expect(answer: httpx.Response, statuses: Sequence[int], step: str) -> dict[str, Any]:
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
                await expect(
                    await client.post("/api/register-user", json={"identifier": user.identifier}),
                    (201, 200),
                    f"register-user {user.identifier}",
                )
                body = {
                    "identifier": user.identifier,
                    "password": user.password,
                    "confirmPassword": user.password,
                }
                await expect(
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
    done = server.cli("outbox", *extra)
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


class RequestStream(Protocol):
    """What the asyncio client sends: the next request's bytes, built like the Lua script's."""

    def raw(self, port: int) -> bytes: ...


async def python_load(
    port: int, source: RequestStream, connections: int, duration: float
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
    script: Path,
    script_args: Sequence[str],
    label: str,
    connections: int,
    threads: int,
    duration: float,
) -> LoadResult:
    """`wrk` with a script of `bench/lua/`, whose done() prints one `BENCH_RESULT {json}` line
    (requests, duration, socket errors, statuses, latency percentiles in microseconds)."""
    threads = max(1, min(threads, connections))
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        f"--timeout={REQUEST_TIMEOUT_S:.0f}s",
        "-s",
        str(script),
        f"http://{HOST}:{port}",
        "--",
        *script_args,
    ]
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), duration + 60)
    except TimeoutError:
        raise BenchError(f"wrk did not finish {label} in time") from None
    finally:  # timed out, cancelled (Ctrl-C) or failed: wrk never outlives its scenario
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = out.decode(errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if process.returncode != 0 or line is None:
        raise BenchError(f"wrk failed on {label}:\n{text[-2000:]}\n{err.decode()[-2000:]}")
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


def _reaped_cpu(pid: int) -> float:
    """CPU seconds of the children `pid` has waited for (cutime + cstime): a process that
    exits leaves the process table, and its time moves to its parent's here."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


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

    def sample(self, database: str | None = None) -> dict[str, dict[int, float]]:
        """CPU seconds so far per process; on an outside PostgreSQL server, the backends of
        `database` (default: the application's throwaway database) stand for PostgreSQL."""
        if not self.available or self.server.process is None:
            return {}
        table = _process_table()
        postgres: set[int] = set()
        postmaster = self.server.postmaster_pid()
        database = database or self.server.database_name
        if postmaster is not None:
            postgres = _descendants(table, postmaster)
        elif database:
            marker = f" {database} "
            postgres = {
                pid
                for pid, (_, _, cmd) in table.items()
                if cmd.startswith("postgres:") and marker in cmd
            }
        app = _descendants(table, self.server.process.pid) - postgres
        groups = {
            "server": {pid: table[pid][1] for pid in app},
            "postgres": {pid: table[pid][1] for pid in postgres},
        }
        # Under a negative pid, the time of the processes the group's root has reaped, so
        # that a connection opened and closed between two samples still counts.
        groups["server"][-self.server.process.pid] = _reaped_cpu(self.server.process.pid)
        if postmaster is not None:
            groups["postgres"][-postmaster] = _reaped_cpu(postmaster)
        return groups

    @staticmethod
    def percent(
        before: dict[str, dict[int, float]], after: dict[str, dict[int, float]], seconds: float
    ) -> dict[str, float]:
        """Share of the whole machine (all cores = 100 %)."""
        cores = os.cpu_count() or 1
        shares: dict[str, float] = {}
        for group, now in after.items():
            then = before.get(group, {})
            if any(pid < 0 for pid in now):  # exited members' time is in their root's
                spent = sum(now.values()) - sum(then.values())
            else:  # an outside server's backends: those that exited are not counted
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
            (value - then.get(pid, 0.0)) / seconds
            for pid, value in after.get("server", {}).items()
            if pid > 0
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


async def wait_events(server: Server, delay: float, seconds: float) -> dict[str, Any]:
    """What the app database's busy connections were doing, sampled every 50 ms for
    `seconds` from `delay` on: `active` ones running or waiting (WALSync: a commit waiting
    for the disk; Lock: a row lock; ClientRead inside a transaction: waiting for the API's
    next statement), and the mean number of connections in each state."""
    await asyncio.sleep(delay)
    where = server.activity_url()
    if where is None:
        return {}
    url, name = where
    try:
        connection = await asyncpg.connect(url, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return {}
    found: Counter[str] = Counter()
    samples = 0
    deadline = time.perf_counter() + seconds
    try:
        while time.perf_counter() < deadline:
            rows = await connection.fetch(
                "SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU') AS what "
                "FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() "
                "AND state <> 'idle'",
                name,
            )
            samples += 1
            for row in rows:
                found[f"{row['state']} / {row['what']}"] += 1
            await asyncio.sleep(0.05)
    finally:
        await connection.close()
    if not samples:
        return {}
    return {
        "samples": samples,
        "mean_connections": {
            what: round(n / samples, 2) for what, n in found.most_common(12) if n / samples >= 0.01
        },
    }


class MachineCpu:
    """The whole machine's CPU time by kind (/proc/stat) between two samples: idle time
    during a load means the load did not keep the cores busy."""

    KINDS = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")

    @staticmethod
    def sample() -> list[int]:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:9]
        except (OSError, IndexError):
            return []
        return [int(value) for value in fields]

    @classmethod
    def shares(cls, before: list[int], after: list[int]) -> dict[str, float]:
        if not before or not after:
            return {}
        spent = [b - a for a, b in zip(before, after, strict=True)]
        total = sum(spent) or 1
        return {kind: round(100 * n / total, 1) for kind, n in zip(cls.KINDS, spent, strict=True)}


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


async def later(delay: float, probe: Callable[[Server], list[int]], server: Server) -> list[int]:
    await asyncio.sleep(delay)
    return probe(server)


# --------------------------------------------------------------------------------------------
# Where the time goes: py-spy on one API worker, PostgreSQL's own counters
# --------------------------------------------------------------------------------------------


def py_spy_command() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _package(frame: str) -> str:
    """`Connection.execute (asyncpg/connection.py:320)` → `asyncpg`; the standard library's
    modules → `stdlib`."""
    where = frame.rpartition(" (")[2]
    top = re.split(r"[/.:>]", where.lstrip("<").removeprefix("frozen "), maxsplit=1)[0]
    return "stdlib" if top in sys.stdlib_module_names else top or "?"


PYTHON_FRAME = re.compile(r"\((?:.*\.pyx?|<[^>]*>):\d+\)$")
# Where a thread that is runnable but not running was last: in a system call that woke
# another process (PostgreSQL's backend, on a socket write) and was preempted by it.
SYSCALLS = ("write (", "read (", "sendto (", "recvfrom (", "epoll_wait (", "writev (")


def top_frames(raw_text: str, limit: int = 15) -> dict[str, Any]:
    """Own and inclusive samples per Python function, and own samples per package, from
    py-spy's `--native --format raw` output, for the event loop's thread only (the hashing
    threads' waits are not the request path). A sample's own function is its innermost
    Python frame (time in C extensions counts for the Python function that called them);
    samples inside a system call are counted apart, not in the shares."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    in_syscall: Counter[str] = Counter()
    total = 0
    for line in raw_text.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit() or "Thread._bootstrap" in stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        python = [frame for frame in frames if PYTHON_FRAME.search(frame)] or frames
        if frames[-1].startswith(SYSCALLS):
            in_syscall[f"{frames[-1].split(' (')[0]}() under {python[-1]}"] += count
            continue
        total += count
        own[python[-1]] += count
        packages[_package(python[-1])] += count
        for frame in set(python):
            inclusive[frame] += count

    def share(counter: Counter[str], n: int) -> list[dict[str, Any]]:
        return [
            {"frame": frame, "samples": count, "percent": round(100 * count / total, 1)}
            for frame, count in counter.most_common(n)
        ]

    top_own = share(own, limit)
    for entry in top_own:
        entry["inclusive_percent"] = round(100 * inclusive[entry["frame"]] / total, 1)
    waited = sum(in_syscall.values())
    return {
        "samples": total,
        "samples_in_syscalls": waited,
        "syscalls": [
            {"where": where, "percent_of_all": round(100 * n / (total + waited), 1)}
            for where, n in in_syscall.most_common(3)
        ],
        "own": top_own,
        "inclusive": share(inclusive, limit),
        "own_by_package": share(packages, 10),
    }


async def busiest_server_process(meter: CpuMeter, seconds: float = 1.0) -> int | None:
    before = meter.sample()
    await asyncio.sleep(seconds)
    after = meter.sample()
    then = before.get("server", {})
    used = {
        pid: value - then.get(pid, 0.0) for pid, value in after.get("server", {}).items() if pid > 0
    }
    return max(used, key=lambda pid: used[pid]) if used else None


async def py_spy_profile(
    meter: CpuMeter, *, delay: float, seconds: float, output: Path
) -> dict[str, Any]:
    """py-spy (100 samples a second, by function, native frames included) on the API process
    that uses the most CPU `delay` seconds into the load. py-spy counts a thread that is
    runnable but waiting for a core as busy; on a machine with more work than cores, that
    wait shows as time in the system call where the thread was preempted (see top_frames)."""
    command = py_spy_command()
    if command is None:
        log("py-spy not found (`.venv/bin/pip install py-spy`): no profile")
        return {}
    await asyncio.sleep(max(0.0, delay - 1.0))
    pid = await busiest_server_process(meter)
    if pid is None:
        return {}
    argv = [command, "record", "-p", str(pid), "-d", str(max(1, round(seconds)))]
    argv += ["--native", "--function", "--format", "raw", "-o", str(output)]
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), seconds + 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    try:
        recorded = await asyncio.to_thread(output.read_text, errors="replace")
    except OSError:
        recorded = ""
    if process.returncode != 0 or not recorded:
        log(f"py-spy failed ({process.returncode}): {(err or out).decode()[-500:]}")
        return {}
    return {"pid": pid, "seconds": seconds, **top_frames(recorded)}


PG_COUNTERS_SQL = {
    "database": """SELECT xact_commit, xact_rollback, blks_read, blks_hit, tup_returned,
                          tup_fetched, sessions FROM pg_stat_database
                    WHERE datname = current_database()""",
    "wal": "SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal",
}
PG_TABLES_SQL = """SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, seq_scan,
                          coalesce(idx_scan, 0) AS idx_scan FROM pg_stat_user_tables"""


async def pg_counters(server: Server) -> dict[str, dict[str, int]]:
    """PostgreSQL's cumulative counters for the application database: commits, blocks, WAL
    (whole server) and rows and scans per table."""
    url = server.app_database_url()
    if url is None:
        return {}
    connection = await asyncpg.connect(url, timeout=15)
    try:
        counters: dict[str, dict[str, int]] = {}
        for name, query in PG_COUNTERS_SQL.items():
            row = await connection.fetchrow(query)
            counters[name] = {key: int(value) for key, value in (row or {}).items()}
        for row in await connection.fetch(PG_TABLES_SQL):
            counters[f"table {row['relname']}"] = {
                key: int(value) for key, value in row.items() if key != "relname"
            }
        return counters
    finally:
        await connection.close()


def pg_work_per(
    before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], unit: tuple[str, str]
) -> dict[str, dict[str, float]]:
    """The counters' growth per unit of work, the unit being one counter itself (such as
    `("table transaction", "n_tup_ins")`): a backend publishes its counters about once a
    second, so the counters are divided by one published at the same moments."""
    group, key = unit
    units = after.get(group, {}).get(key, 0) - before.get(group, {}).get(key, 0)
    if units <= 0:
        return {}
    work: dict[str, dict[str, float]] = {}
    for name, values in after.items():
        then = before.get(name, {})
        grown = {k: round((v - then.get(k, 0)) / units, 3) for k, v in values.items()}
        if any(abs(value) >= 0.005 for value in grown.values()):
            work[name] = grown
    return work


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


def command_output(argv: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed local commands
            argv, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip()


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
    revision = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"])
    return f"{revision}{' + uncommitted src changes' if dirty else ''}" if revision else "unknown"


def machine_facts(server: Server, args: argparse.Namespace, tool: str) -> dict[str, Any]:
    """The facts every group records beside its figures."""
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
        "wrk": " ".join(command_output(["wrk", "--version"]).split()[:2])
        if tool == "wrk"
        else None,
        "hostolink_revision": git_revision(),
        "rate_limit_enabled": False,
    }


def choose_tool(requested: str) -> bool:
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


def stop_server(server: Server | None, facts: dict[str, Any]) -> None:
    """Stop the bench's server, after recording (in `facts`, when the run got that far) and
    printing the last warnings or errors it logged."""
    if server is None:
        return
    problems = server.log_problems()
    if facts:
        facts["server_log_problems"] = problems
    if problems:
        log("the server logged warnings or errors (last ones):")
        for line in problems:
            log(f"  {line}")
    server.stop()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C does: through the `finally` that stops the server."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def update_readme(group: str, section: str) -> bool:
    """Rewrite the text between `<!-- results:GROUP -->` and `<!-- /results:GROUP -->` of
    bench/README.md, if it has these markers."""
    begin_mark, end_mark = f"<!-- results:{group} -->", f"<!-- /results:{group} -->"
    if not README.exists():
        return False
    text = README.read_text()
    begin, end = text.find(begin_mark), text.find(end_mark)
    if begin < 0 or end < begin:
        return False
    README.write_text(
        text[:begin] + f"{begin_mark}\n{section}{end_mark}" + text[end + len(end_mark) :]
    )
    return True
