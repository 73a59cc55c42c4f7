"""Production as it really runs: through PgBouncer in transaction pooling mode (Supabase's
pooler on port 6543 is this mode), and within a bounded number of database connections.

A real PgBouncer (`/usr/sbin/pgbouncer`, Debian's 1.18) listens on a free port in front of
the tests' server — never 6543: the mode comes from `HOSTOLINK_DB_POOLER`, as it must for a
PgBouncer on any port. A private PostgreSQL started with `max_connections=20` shows the
bound holding against a small server. Both skip when their programs are missing, unless
`HOSTOLINK_TESTS_REQUIRE_SERVICES=1` (CI): then they fail.

No assertion here is about time: statuses and counts only.
"""

from __future__ import annotations

import asyncio
import csv
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hostolink import migrate
from hostolink.app import create_app
from hostolink.config import DatabasePooler
from hostolink.db import Database, create_engine
from hostolink.seed import seed_reference_data
from hostolink_devtools import scratch
from tests.auth.helpers import PASSWORD, bearer, register
from tests.conftest import make_settings, outbox_code
from tests.factories import asgi_client, funded_people, scalar
from tests.operations.conftest import SANDBOX
from tests.operations.helpers import deposit, pay, settle
from tests.wallet.helpers import (
    Person,
    assert_ledger_clean,
    balance,
    person,
    pin_token,
    send,
)

# CI sets it: a missing program fails the run instead of skipping (as in tests/redis_proxy).
REQUIRE_SERVICES = os.environ.get("HOSTOLINK_TESTS_REQUIRE_SERVICES") == "1"
PGBOUNCER = Path("/usr/sbin/pgbouncer")
HOSTOLINK = Path(sys.executable).parent / "hostolink"
# The server connections PgBouncer may open per database: fewer than the app's clients, so
# that transactions of different clients really share server connections.
SERVER_POOL = 5
# 6 connections: requests 3, reads 1, counters 1, notices 1. Fewer request transactions than
# the pooler's server connections, as a deployment must have them: a request transaction
# may wait for a read or a lockout counter, which need a server connection of their own.
CONNECTIONS = 6
POOLED = {"HOSTOLINK_DB_POOLER": "transaction", "HOSTOLINK_DB_CONNECTIONS": CONNECTIONS}
SMALL_MAX_CONNECTIONS = 20
_SERVER_USER = "postgres"
# Environment of the shell that would point a command elsewhere.
_REMOVED = (
    "DATABASE_URL",
    "HOSTOLINK_RESOLVED_DATABASE_URL",
    "HOSTOLINK_DATA_DIR",
    "HOSTOLINK_ENV",
    "HOSTOLINK_DB_POOLER",
    "HOSTOLINK_DB_CONNECTIONS",
    "HOSTOLINK_DB_POOL_SIZE",
    "JWT_SECRET",
    "REDIS_URL",
)


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (HOSTOLINK_TESTS_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    # PgBouncer and PostgreSQL refuse to run as root.
    if os.geteuid() == 0:
        return [shutil.which("runuser") or "/usr/sbin/runuser", "-u", _SERVER_USER, "--", *command]
    return command


def _private_dir(prefix: str) -> Path:
    # Not pytest's tmp_path: its parent is private to root, and the servers run as postgres.
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o777)
    return root


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(400):
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited: {log.read_text(errors='replace')}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer is not listening on {port}: {log.read_text(errors='replace')}")


@dataclass
class PgBouncer:
    port: int
    user: str

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def show(self, what: str) -> list[dict[str, str]]:
        """`SHOW <what>` on the admin console (simple protocol only: psql speaks it)."""
        psql = shutil.which("psql") or "psql"
        command = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user]
        command += ["-d", "pgbouncer", "--csv", "-c", f"SHOW {what}"]
        out = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        return list(csv.DictReader(out.stdout.splitlines()))

    def clients_of(self, database: str) -> int:
        return sum(1 for row in self.show("CLIENTS") if row["database"] == database)


@pytest.fixture(scope="module")
def pgbouncer(database_url: str) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode in front of the tests' server, any database name."""
    if not PGBOUNCER.exists():
        _missing(f"{PGBOUNCER} is not installed (Debian package pgbouncer)")
    if shutil.which("psql") is None:
        _missing("psql is not installed (Debian package postgresql-client)")
    server = make_url(database_url)
    host = server.query.get("host") or server.host or "127.0.0.1"
    user = server.username or _SERVER_USER
    target = f"host={host} port={server.port or 5432} user={user}"
    if server.password:
        target += f" password={server.password}"
    root = _private_dir("hostolink-pgbouncer-")
    port = _free_port()
    (root / "userlist.txt").write_text(f'"{user}" "{server.password or ""}"\n')
    (root / "pgbouncer.ini").write_text(
        f"""[databases]
* = {target}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/userlist.txt
admin_users = {user}
pool_mode = transaction
default_pool_size = {SERVER_POOL}
max_client_conn = 500
ignore_startup_parameters = extra_float_digits
"""
    )
    for path in root.iterdir():
        path.chmod(0o644)
    log = root / "pgbouncer.log"
    with log.open("wb") as output:
        # It refuses to run as root; as its own process (not under runuser), so that
        # terminate() reaches it.
        process = subprocess.Popen(  # noqa: S603 - a fixed program and our own config
            [str(PGBOUNCER), str(root / "pgbouncer.ini")],
            stdout=output,
            stderr=subprocess.STDOUT,
            user=_pooler_user(host),
        )
    try:
        _wait_until_listening(port, process, log)
        yield PgBouncer(port=port, user=user)
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


def _pooler_user(host: str) -> str | None:
    """Who runs PgBouncer: not root (it refuses). Behind a Unix socket (the embedded
    server's, in a folder only its owner may enter) the socket's owner; else `postgres`."""
    if os.geteuid() != 0:
        return None
    if host.startswith("/"):
        owner = pwd.getpwuid(Path(host).stat().st_uid).pw_name
        if owner != "root":
            return owner
    return _SERVER_USER


def _database_name(url: str) -> str:
    name = make_url(url).database
    assert name
    return name


@pytest.fixture
async def pooled_app(
    pgbouncer: PgBouncer, database_url: str, db_engine: AsyncEngine
) -> AsyncIterator[Any]:
    """The app on the tests' database through PgBouncer, the mode set by configuration."""
    url = pgbouncer.url(_database_name(database_url))
    application = create_app(make_settings(**POOLED, **SANDBOX), database_url=url)
    yield application
    await application.state.sandbox.close()
    await application.state.db.dispose()


@pytest.fixture
async def pooled(pooled_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(pooled_app) as http:
        yield http


def _no_server_error(responses: list[httpx.Response]) -> None:
    errors = [f"{r.status_code} {r.text}" for r in responses if r.status_code >= 500]
    assert not errors, f"{len(errors)} of {len(responses)} answered 5xx: {errors[:3]}"


async def _ring_of_transfers(
    client: httpx.AsyncClient, people: list[Person], rounds: int
) -> list[httpx.Response]:
    tokens = [await pin_token(client, someone) for someone in people]
    calls = []
    for i in range(rounds):
        sender = i % len(people)
        recipient = people[(sender + 1) % len(people)]
        calls.append(send(client, people[sender], recipient.phone, 100, pin_token=tokens[sender]))
    return list(await asyncio.gather(*calls))


class PeakCheckedOut:
    """The most connections a Database's pools had handed out at once."""

    def __init__(self, db: Database) -> None:
        self.now = 0
        self.peak = 0
        for engine in (db.engine, db.reader, db.counters_engine, db.notices.engine):
            event.listen(engine.sync_engine, "checkout", self._out)
            event.listen(engine.sync_engine, "checkin", self._in)

    def _out(self, *_: object) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)

    def _in(self, *_: object) -> None:
        self.now -= 1


class TestThroughTransactionPooler:
    async def test_the_mode_comes_from_the_setting_not_the_port(
        self, pooled_app: Any, pgbouncer: PgBouncer
    ) -> None:
        db: Database = pooled_app.state.db
        assert pgbouncer.port != 6543
        assert db.pooler is DatabasePooler.TRANSACTION
        assert db.split.requests < SERVER_POOL
        # Nothing runs outside a transaction behind a transaction pooler.
        for engine in (db.engine, db.reader, db.counters_engine, db.notices.engine):
            async with engine.connect() as connection:
                raw = await connection.get_raw_connection()
                assert raw.dbapi_connection is not None
                assert raw.dbapi_connection.autocommit is False

    async def test_onboarding(self, pooled: httpx.AsyncClient, db_engine: AsyncEngine) -> None:
        await register(pooled, "0701020304")  # register-user, define-password, check-user
        code = await outbox_code(db_engine, "+2250701020304")
        verified = await pooled.post(
            "/api/verify-otp", json={"identifier": "0701020304", "otpCode": code}
        )
        assert verified.status_code == 200, verified.text
        login = await pooled.post(
            "/api/auth/login", json={"identifier": "0701020304", "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        me = await pooled.get("/api/user/me", headers=bearer(login.json()["token"]))
        assert me.status_code == 200, me.text

    async def test_fifty_concurrent_authenticated_requests(
        self, pooled: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        awa = await person(pooled, db_engine, 1)
        answers = await asyncio.gather(
            *(pooled.get("/api/user/me", headers=awa.headers) for _ in range(50))
        )
        assert [a.status_code for a in answers] == [200] * 50, [
            a.text for a in answers if a.status_code != 200
        ][:3]

    async def test_concurrent_transfers_keep_the_ledger_clean(
        self, pooled: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> None:
        people = await funded_people(pooled, db_engine, 3, 100_000)
        answers = await _ring_of_transfers(pooled, people, 30)
        _no_server_error(answers)
        assert [a.status_code for a in answers] == [201] * 30
        assert [await balance(db_engine, p.numero_compte) for p in people] == [100_000] * 3
        await assert_ledger_clean(db_engine)
        # The notices (SET LOCAL synchronous_commit = off, then a commit) were written.
        async with db_engine.connect() as connection:
            notices = await connection.scalar(
                text(
                    "SELECT count(*) FROM notification"
                    " WHERE type_notification IN ('argent_envoye', 'argent_recu')"
                )
            )
        assert notices == 30 * 2  # the sender's and the recipient's

    async def test_the_worker_drains_jobs_through_the_pooler(
        self, pooled: httpx.AsyncClient, pooled_app: Any, db_engine: AsyncEngine
    ) -> None:
        people = [await person(pooled, db_engine, n) for n in range(1, 5)]
        started = await asyncio.gather(*(deposit(pooled, who, 2_000) for who in people))
        assert [s.status_code for s in started] == [202] * 4, [s.text for s in started]
        for answer in started:
            await pay(pooled, answer)
        await settle(pooled_app)  # the sandbox's notifications, then the worker's jobs
        assert [await balance(db_engine, p.numero_compte) for p in people] == [2_000] * 4
        async with db_engine.connect() as connection:
            left = await connection.scalar(
                text("SELECT count(*) FROM tache WHERE statut <> 'terminee'")
            )
        assert left == 0


def _command_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _REMOVED}
    env.update(
        DATABASE_URL=database_url,
        HOSTOLINK_DB_POOLER="transaction",
        HOSTOLINK_DATA_DIR=str(data_dir),
        HOSTOLINK_ADMIN_PASSWORD="Admin-MotDePasse-2024",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_KIB="1024",
        LOG_LEVEL="WARNING",
        LOG_JSON="false",
    )
    return env


def _hostolink(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own program, fixed arguments
        [str(HOSTOLINK), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class TestCommandsThroughThePooler:
    async def test_every_command_works_on_a_new_database(
        self, pgbouncer: PgBouncer, server_url: str, tmp_path: Path
    ) -> None:
        name = f"hostolink_pooled_cli_{os.getpid()}"
        await scratch.create_database(server_url, name)
        env = _command_env(tmp_path / "data", pgbouncer.url(name))
        try:
            never = await asyncio.to_thread(_hostolink, env, "ledger", "verify")
            assert never.returncode == 2, never.stderr
            assert "pas encore de schéma" in never.stderr
            commands = [
                ("migrate",),
                ("seed",),
                ("create-admin", "--identifier", "admin@example.com", "--super"),
                ("outbox",),
                ("ledger", "verify"),
                ("worker", "--once"),
            ]
            for command in commands:
                done = await asyncio.to_thread(_hostolink, env, *command)
                assert done.returncode == 0, (command, done.stdout, done.stderr)
        finally:
            await scratch.drop_database(server_url, name)


class TestConnectionBound:
    async def test_a_burst_through_the_pooler_holds_at_most_the_setting(
        self, pgbouncer: PgBouncer, database_url: str, db_engine: AsyncEngine
    ) -> None:
        name = _database_name(database_url)
        bound = CONNECTIONS
        app = create_app(make_settings(**POOLED), database_url=pgbouncer.url(name))
        peak = PeakCheckedOut(app.state.db)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                answers = await self._burst(client, db_engine)
                _no_server_error(answers)
                assert app.state.db.opened() <= bound
                assert pgbouncer.clients_of(name) <= bound
        finally:
            await app.state.db.dispose()
        assert 1 < peak.peak <= bound

    async def test_direct_connections_are_named_and_bounded(
        self, database_url: str, db_engine: AsyncEngine
    ) -> None:
        bound = 6
        app = create_app(make_settings(HOSTOLINK_DB_CONNECTIONS=bound), database_url=database_url)
        assert app.state.db.pooler is DatabasePooler.NONE
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                _no_server_error(await self._burst(client, db_engine))
                held = await _held_by_the_app(db_engine, _database_name(database_url))
        finally:
            await app.state.db.dispose()
        assert 1 < held <= bound

    async def _burst(
        self, client: httpx.AsyncClient, db_engine: AsyncEngine
    ) -> list[httpx.Response]:
        people = await funded_people(client, db_engine, 3, 100_000)
        reads = [client.get("/api/user/me", headers=people[0].headers) for _ in range(60)]
        wrong_pins = [send(client, people[2], people[0].phone, 100, pin="0000") for _ in range(10)]
        transfers = _ring_of_transfers(client, people[:2], 20)
        answers = await asyncio.gather(asyncio.gather(*reads, *wrong_pins), transfers)
        return [*answers[0], *answers[1]]


async def _held_by_the_app(engine: AsyncEngine, database: str) -> int:
    """Connections the app's pools hold on `database` (pg_stat_activity, by their names)."""
    held = await scalar(
        engine,
        "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND application_name"
        " IN ('hostolink:requests', 'hostolink:reads', 'hostolink:counters',"
        " 'hostolink:notices')",
        d=database,
    )
    return int(held or 0)


# ----------------------------------------------------------- a server with few connections


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return found[0].parent if found else None


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    """A private PostgreSQL accepting 20 connections; the URL of its `postgres` database."""
    binaries = _postgres_bin()
    if binaries is None:
        _missing("no PostgreSQL server binaries under /usr/lib/postgresql")
    assert binaries is not None
    root = _private_dir("hostolink-small-pg-")
    data = root / "data"
    subprocess.run(  # noqa: S603 - fixed arguments
        _as_server_user(
            [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
        ),
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
        f"-c max_connections={SMALL_MAX_CONNECTIONS} -c fsync=off"
    )
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log")]
    subprocess.run(_as_server_user([*pg_ctl, "-o", options, "start"]), check=True)  # noqa: S603
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_server_user([*pg_ctl, "stop", "-m", "fast"]), check=False)  # noqa: S603
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
async def small_database(small_server: str) -> str:
    url = await scratch.create_database(small_server, "hostolink_small")
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
            await seed_reference_data(session)
    finally:
        await engine.dispose()
    return url  # the server goes away with the module


class TestSmallServer:
    async def test_two_workers_burst_within_twenty_connections(self, small_database: str) -> None:
        """Two API processes of 8 connections and the test's 2: 18 of the server's 20."""
        helper = create_engine(small_database, pool_size=2)
        apps = [
            create_app(make_settings(HOSTOLINK_DB_CONNECTIONS=8), database_url=small_database)
            for _ in range(2)
        ]
        clients = [
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
            for app in apps
        ]
        try:
            people = await funded_people(clients[0], helper, 3, 100_000)
            tokens = [await pin_token(clients[0], someone) for someone in people]
            calls = []
            for i in range(50):
                client = clients[i % 2]
                sender = i % 3
                to = people[(sender + 1) % 3].phone
                calls.append(send(client, people[sender], to, 100, pin_token=tokens[sender]))
                calls.append(client.get("/api/user/me", headers=people[sender].headers))
            answers = list(await asyncio.gather(*calls))
            _no_server_error(answers)
            assert sorted({a.status_code for a in answers}) == [200, 201]
            await assert_ledger_clean(helper)
            assert sum(app.state.db.opened() for app in apps) <= 16
            assert await _held_by_the_app(helper, "hostolink_small") <= 16
        finally:
            for client in clients:
                await client.aclose()
            for app in apps:
                await app.state.db.dispose()
            await helper.dispose()

    async def test_a_server_that_refuses_connections_is_answered_503(
        self, small_database: str
    ) -> None:
        app = create_app(make_settings(), database_url=small_database)
        transport = httpx.ASGITransport(app=app)
        held: list[asyncpg.Connection] = []
        parsed = make_url(small_database)
        try:
            # Take every connection the server has left.
            while True:
                try:
                    held.append(
                        await asyncpg.connect(
                            host=parsed.host, port=parsed.port, user="postgres", database="postgres"
                        )
                    )
                except asyncpg.TooManyConnectionsError:
                    break
                assert len(held) <= SMALL_MAX_CONNECTIONS
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                refused = await client.post("/api/check-user", json={"identifier": "0701020304"})
                assert refused.status_code == 503, refused.text
                assert refused.headers["Retry-After"] == "5"
                body = refused.json()
                assert body["success"] is False
                assert body["error"] == "ServiceUnavailable"
                assert "Réessayez" in body["message"]
                for connection in held:
                    await connection.close()
                held.clear()
                again = await client.post("/api/check-user", json={"identifier": "0701020304"})
                assert again.status_code == 200, again.text
        finally:
            for connection in held:
                await connection.close()
            await app.state.db.dispose()
