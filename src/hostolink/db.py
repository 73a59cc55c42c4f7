"""Database engines, the connection budget of a process, and the per-request session.

One request is one transaction: the session dependency commits after the endpoint returned
and before the response is sent (`scope="function"`), and rolls back on any error. Services
never commit; they `flush()` when they need an id.

Connections. A process (an API worker, with the job worker inside it, or `hostolink
worker`) opens at most `HOSTOLINK_DB_CONNECTIONS`, split between its four pools by
`ConnectionSplit`; no pool overflows. A request that finds its pool busy waits for a
connection (`POOL_TIMEOUT_SECONDS`), then is answered 503 with Retry-After (errors.py),
never 500. CLI commands use one connection each.

Poolers (`HOSTOLINK_DB_POOLER`). A transaction pooler (PgBouncer `pool_mode=transaction`,
Supabase's port 6543) gives a client a server connection for one transaction only, then
hands it to another client. So in that mode:
- every statement runs inside an explicit transaction: nothing is in AUTOCOMMIT (asyncpg
  prepares, then executes, in two round trips, which outside a transaction the pooler may
  send to two different server connections);
- statements are prepared unnamed and never cached (see `engine_options`);
- no startup parameter but those poolers know: session settings become `SET LOCAL`.
Session-level state (`SET`, session advisory locks, LISTEN, WITH HOLD cursors, temporary
tables) is not used anywhere in the code base; migrations take a transaction-level lock.
The pooler's own server pool must be larger than the request transactions of every process
behind it (instances × WEB_CONCURRENCY × `ConnectionSplit.requests`): a request transaction
may wait for a read or a lockout counter, which needs a server connection of its own.
"""

from __future__ import annotations

import re
import ssl
from collections import namedtuple
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import ARRAY, Executable, text
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.sql.compiler import SQLCompiler
from starlette.applications import Starlette

from hostolink import embedded
from hostolink.config import MIN_DB_CONNECTIONS, DatabasePooler, Settings
from hostolink.kit.pools import watch_pool

SUPABASE_TRANSACTION_POOLER_PORT = 6543
# Supavisor's session mode listens on 5432 of these hosts.
SUPABASE_POOLER_HOST_SUFFIX = ".pooler.supabase.com"
# How long a request waits for a pooled connection in a burst before it is answered 503.
# Long enough for a queue of a few hundred short transactions to drain; short enough that
# the app's client, not its own timeout, sees the answer.
POOL_TIMEOUT_SECONDS = 10.0
APPLICATION_NAME = "hostolink"
_SSL_MODES = {"require", "verify-ca", "verify-full", "prefer", "allow", "disable"}
_TRUE = {"1", "true", "yes"}
# What asyncpg raises, outside SQLAlchemy, when the server or the network dropped the connection.
_DROPPED = (asyncpg.ConnectionDoesNotExistError, asyncpg.PostgresConnectionError, OSError)


def _dropped(exc: BaseException, driver: asyncpg.Connection) -> bool:
    """Whether `exc`, raised by the asyncpg connection `driver` used outside SQLAlchemy,
    means the connection is gone (to be discarded from its pool)."""
    return isinstance(exc, _DROPPED) or driver.is_closed()


def resolve_database_url(settings: Settings) -> str:
    """The SQLAlchemy URL to use: `DATABASE_URL` when set, else the embedded server."""
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.data_dir)


def _unnamed_statement() -> str:
    return ""


@dataclass(frozen=True)
class EngineOptions:
    url: str
    connect_args: dict[str, Any]
    pooler: DatabasePooler  # resolved: never AUTO

    @property
    def transaction_pooler(self) -> bool:
        return self.pooler is DatabasePooler.TRANSACTION

    @property
    def direct(self) -> bool:
        """PostgreSQL itself: any startup parameter, and the server connection is ours."""
        return self.pooler is DatabasePooler.NONE


def _resolve_pooler(
    requested: DatabasePooler, *, flag: bool, host: str | None, port: int | None
) -> DatabasePooler:
    if requested is not DatabasePooler.AUTO:
        return requested
    if flag or port == SUPABASE_TRANSACTION_POOLER_PORT:
        return DatabasePooler.TRANSACTION
    if host and host.endswith(SUPABASE_POOLER_HOST_SUFFIX):
        return DatabasePooler.SESSION
    return DatabasePooler.NONE


def engine_options(raw_url: str, pooler: DatabasePooler = DatabasePooler.AUTO) -> EngineOptions:
    """Translate a libpq-style URL (as Render, Supabase and psql write it) for asyncpg.

    - `postgres://` / `postgresql://` → `postgresql+asyncpg://`
    - `sslmode=require|verify-full…` → asyncpg's `ssl` argument (asyncpg ignores `sslmode`)
    - behind a transaction pooler (`pooler`, or with `auto` port 6543 or `pgbouncer=true`),
      statements are prepared unnamed and never cached. A named statement lives on the
      server connection that prepared it: reused in a later transaction it may be missing
      (another server connection) or taken (`__asyncpg_stmt_3__ already exists`: another
      client's). Unique names avoid the clash but not the leak: asyncpg closes a statement
      when it prepares the next one, so each transaction's last statement stayed on its
      server connection (through PgBouncer 1.18 with 5 server connections: 170 to 190 left
      on each after 1,200 transactions, until the server connection closes), and each
      close cost a round trip. The unnamed statement is replaced by the next one, and
      asyncpg re-sends it with every execution when its cache is off (its own provision
      for PgBouncer): nothing outlives the transaction, nothing collides.
    """
    scheme, netloc, path, query, fragment = urlsplit(raw_url)
    scheme = "postgresql+asyncpg" if scheme in {"postgres", "postgresql"} else scheme
    params = dict(parse_qsl(query, keep_blank_values=True))
    connect_args: dict[str, Any] = {}
    sslmode = params.pop("sslmode", None)
    if sslmode:
        if sslmode not in _SSL_MODES:
            raise ValueError(f"unsupported sslmode {sslmode!r}")
        if sslmode == "verify-full":
            connect_args["ssl"] = ssl.create_default_context()
        elif sslmode != "disable":
            connect_args["ssl"] = sslmode
    flag = params.pop("pgbouncer", "").lower() in _TRUE
    parts = urlsplit(raw_url)
    resolved = _resolve_pooler(pooler, flag=flag, host=parts.hostname, port=parts.port)
    if resolved is DatabasePooler.TRANSACTION:
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = _unnamed_statement
        params["prepared_statement_cache_size"] = "0"
    url = urlunsplit((scheme, netloc, path, urlencode(params), fragment))
    return EngineOptions(url=url, connect_args=connect_args, pooler=resolved)


def create_engine(
    raw_url: str,
    *,
    pool_size: int = 1,
    pooler: DatabasePooler = DatabasePooler.AUTO,
    name: str | None = None,
    isolation_level: str | None = None,
    server_settings: dict[str, str] | None = None,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
) -> AsyncEngine:
    """An engine that never holds more than `pool_size` connections.

    `name` shows in `pg_stat_activity.application_name` as `hostolink:<name>`, and
    `server_settings` apply to each connection, when connected to PostgreSQL directly: a
    pooler refuses startup parameters it does not know (PgBouncer: "unsupported startup
    parameter"), so behind one the caller sets what it needs with `SET LOCAL`.
    """
    options = engine_options(raw_url, pooler)
    connect_args = dict(options.connect_args)
    if options.direct:
        settings = dict(server_settings or {})
        settings.setdefault("application_name", f"{APPLICATION_NAME}:{name or 'engine'}")
        connect_args["server_settings"] = settings
    extra: dict[str, Any] = {"isolation_level": isolation_level} if isolation_level else {}
    return create_async_engine(
        options.url,
        **extra,
        connect_args=connect_args,
        pool_size=pool_size,
        # A hard bound: the sum over a process's pools is what the server must allow.
        max_overflow=0,
        pool_timeout=pool_timeout,
        # No pre-ping: it costs a round trip on every request. A connection the server or
        # the pooler closed fails one request, is discarded, and the next one reconnects.
        pool_recycle=300,
    )


@dataclass(frozen=True)
class ConnectionSplit:
    """How one process's connections are shared between its pools (sum = the setting).

    - `notices`: 1. The notice writer has one insert in flight at a time per process.
    - `counters`: a tenth, at least 1. Short side transactions of failed logins and OTP
      tries, taken while the request holds its own connection: a pool of their own, or N
      such requests could each hold one connection and wait forever for a second.
    - `reads`: a third of the rest, at least 1. One-statement reads outside the request's
      transaction (the caller of every authenticated request), also taken while a request
      may hold its own connection.
    - `requests`: the rest. Request transactions, the job worker, the back-office.

    10 → requests 6, reads 2, counters 1, notices 1; 20 → 12, 5, 2, 1.
    """

    requests: int
    reads: int
    counters: int
    notices: int

    @classmethod
    def of(cls, connections: int) -> ConnectionSplit:
        if connections < MIN_DB_CONNECTIONS:
            raise ValueError(f"at least {MIN_DB_CONNECTIONS} connections, one per pool")
        notices = 1
        counters = max(1, connections // 10)
        reads = max(1, (connections - notices - counters) // 3)
        return cls(connections - notices - counters - reads, reads, counters, notices)

    @property
    def total(self) -> int:
        return self.requests + self.reads + self.counters + self.notices


class NoticePool:
    """Connections for writes that may be lost in a crash but must never slow the money
    down: in-app notices written after a payment committed. Their commits return without
    waiting for the WAL flush (synchronous_commit=off: the data is still written, within a
    fraction of a second; a crash may lose the last ones, never corrupt anything).

    Directly on PostgreSQL: autocommit connections started with synchronous_commit=off, one
    round trip per statement. Behind a pooler, which accepts no such startup parameter: a
    transaction that sets it with `SET LOCAL` and commits when the block ends (and rolls
    back if it raises)."""

    def __init__(
        self, options: EngineOptions, raw_url: str, *, pool_size: int, pool_timeout: float
    ) -> None:
        self._autocommit = options.direct
        self.engine = create_engine(
            raw_url,
            pool_size=pool_size,
            pooler=options.pooler,
            name="notices",
            isolation_level="AUTOCOMMIT" if self._autocommit else None,
            server_settings={"synchronous_commit": "off"},
            pool_timeout=pool_timeout,
        )

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        if self._autocommit:
            async with self.engine.connect() as connection:
                yield connection
            return
        async with self.engine.begin() as connection:
            await connection.execute(text("SET LOCAL synchronous_commit = off"))
            yield connection

    async def dispose(self) -> None:
        await self.engine.dispose()


class Database:
    """The engines and session factories of one process, kept on `app.state.db`; together
    they hold at most `connections` (see `ConnectionSplit`).

    `counters` is a second, small pool for the short transactions that must commit although
    the request fails (lockout, OTP tries, refresh-token reuse). A request may hold its own
    connection while it waits for one of those: drawing both from one pool lets N parallel
    requests each hold one connection and wait forever for a second.
    """

    def __init__(
        self,
        url: str,
        *,
        connections: int = 10,
        pooler: DatabasePooler = DatabasePooler.AUTO,
        pool_timeout: float = POOL_TIMEOUT_SECONDS,
    ) -> None:
        options = engine_options(url, pooler)
        self.pooler = options.pooler
        self.split = ConnectionSplit.of(connections)

        def engine(name: str, size: int, isolation_level: str | None = None) -> AsyncEngine:
            return create_engine(
                url,
                pool_size=size,
                pooler=options.pooler,
                name=name,
                isolation_level=isolation_level,
                pool_timeout=pool_timeout,
            )

        self.engine = engine("requests", self.split.requests)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads that need no transaction (authentication, check-user): one round trip
        # instead of BEGIN, SELECT, COMMIT. A pool of its own, in autocommit: switching a
        # shared pool's connections on each checkout cost a third more CPU. Behind a
        # transaction pooler, a short read-only transaction instead (see the module's doc).
        self.reader = engine(
            "reads",
            self.split.reads,
            None if options.transaction_pooler else "AUTOCOMMIT",
        )
        # Off behind a transaction pooler (see `read_one`) and when SQL is traced.
        self.fast_reads = not options.transaction_pooler
        self.counters_engine = engine("counters", self.split.counters)
        self.counters = async_sessionmaker(self.counters_engine, expire_on_commit=False)
        self.notices = NoticePool(
            options, url, pool_size=self.split.notices, pool_timeout=pool_timeout
        )
        for name, watched in (
            ("requests", self.engine),
            ("reads", self.reader),
            ("counters", self.counters_engine),
            ("notices", self.notices.engine),
        ):
            watch_pool(watched, name)  # hostolink_db_pool_* gauges (pool events)

    async def read_one(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> Any | None:
        """The first row of a read-only statement, outside any request transaction (its
        columns as attributes, as a SQLAlchemy row has them).

        Authentication and check-user read through here on every request. Directly on
        PostgreSQL (or a session pooler) the statement, compiled once, runs on the pooled
        connection's asyncpg driver: SQLAlchemy's execution layer (compiled-cache lookup,
        parameter and result processing, the greenlet switch) cost about 100 µs of CPU per
        read, as much as the query itself (bench/README.md). Behind a transaction pooler,
        and for a statement the shortcut cannot run as is, SQLAlchemy executes it; so it
        does again after any driver error, whose answer (a DBAPIError, mapped to 503) and
        whose effect on the pool (a broken connection discarded) stay SQLAlchemy's."""
        fast = _fast_read(statement) if self.fast_reads else None
        async with self.reader.connect() as connection:
            if fast is not None:
                raw = await connection.get_raw_connection()
                driver: Any = raw.driver_connection
                try:
                    record = await driver.fetchrow(fast.sql, *fast.arguments(parameters or {}))
                except Exception as exc:  # retried below: raised as SQLAlchemy raises it
                    if _dropped(exc, driver):
                        await connection.invalidate(exc)
                else:
                    return None if record is None else fast.row(record)
        async with self.reader.connect() as connection:
            return (await connection.execute(statement, parameters)).first()

    @asynccontextmanager
    async def driver_read(self) -> AsyncIterator[asyncpg.Connection]:
        """The asyncpg connection of a request-pool connection, for one read-only statement
        on a hot path (the feed): no session, no `BEGIN`/`COMMIT` round trips, no statement
        construction; asyncpg prepares the SQL text once per connection and keeps it in its
        statement cache. The pool's size, timeout and 503 are those of every request.
        Directly on PostgreSQL the statement runs alone (autocommit: one round trip, one
        snapshot); behind a transaction pooler, in a read-only transaction (see the module's
        doc). A connection the server dropped is invalidated, and the caller sees the
        `ConnectionError` that errors.py answers 503."""
        async with self.engine.connect() as connection:
            fairy = await connection.get_raw_connection()
            driver: asyncpg.Connection = fairy.driver_connection
            try:
                if self.pooler is DatabasePooler.TRANSACTION:
                    async with driver.transaction(readonly=True):
                        yield driver
                else:
                    yield driver
            except Exception as exc:
                if not _dropped(exc, driver):
                    raise
                await connection.invalidate(exc)
                raise ConnectionError("database connection lost") from exc

    def opened(self) -> int:
        """Connections open right now (in use or idle in a pool), all pools together: never
        more than the setting."""
        engines = (self.engine, self.reader, self.counters_engine, self.notices.engine)
        return sum(_opened(engine) for engine in engines)

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.reader.dispose()
        await self.counters_engine.dispose()
        await self.notices.dispose()


def _opened(engine: AsyncEngine) -> int:
    pool: Any = engine.pool  # a QueuePool: checked out, and idle in the pool
    return int(pool.checkedout()) + int(pool.checkedin())


# `async def`: FastAPI runs plain `def` dependencies in a thread pool, which costs more than
# the work they do.
def database_of(app: Starlette) -> Database:
    """The process's `Database` (`app.state.db`), for work outside a request's session:
    reads on their own pool, short transactions of their own."""
    database: Database = app.state.db
    return database


async def get_database(request: Request) -> Database:
    return database_of(request.app)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with database_of(request.app).sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]


@dataclass(frozen=True)
class FastRead:
    """A read-only statement compiled once for asyncpg: its SQL with `$n` placeholders, the
    names of its parameters in that order, and the shape of its rows."""

    sql: str
    names: tuple[str, ...]
    row_type: Any  # a namedtuple class of the statement's result columns

    def arguments(self, parameters: dict[str, Any]) -> list[Any]:
        return [parameters[name] for name in self.names]

    def row(self, record: Any) -> Any:
        return self.row_type(*record.values())


_ASYNCPG = PGDialect_asyncpg()  # type: ignore[no-untyped-call]
_FAST_READS: dict[int, tuple[Executable, FastRead | None]] = {}
_FAST_READS_MAX = 256


def _fast_read(statement: Executable) -> FastRead | None:
    """The statement compiled for the driver (cached per statement object), or None when
    the shortcut cannot run it as SQLAlchemy would (see `_compile_fast`)."""
    cached = _FAST_READS.get(id(statement))
    if cached is not None and cached[0] is statement:
        return cached[1]
    if len(_FAST_READS) >= _FAST_READS_MAX:  # statements are module constants: never here
        return None
    compiled = _compile_fast(statement)
    _FAST_READS[id(statement)] = (statement, compiled)  # the statement kept: id stays its own
    return compiled


def _compile_fast(statement: Executable) -> FastRead | None:
    """None for what the shortcut does not do: an expanding (IN) parameter, a parameter
    SQLAlchemy would convert before sending, a result column it would convert after."""
    compiled = statement.compile(dialect=_ASYNCPG)  # type: ignore[attr-defined]
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        return None
    sql, names = _placeholders(compiled)
    if sql is None or any(_converts(column[3]) for column in compiled._result_columns):
        return None
    keys = [column[0] for column in compiled._result_columns]
    if not keys:  # text(): its columns are not known before it runs
        return None
    row_type = namedtuple("FastRow", keys, rename=True)  # type: ignore[misc]
    if list(row_type._fields) != keys:  # a column name that is not an attribute
        return None
    return FastRead(sql, names, row_type)


def _placeholders(compiled: SQLCompiler) -> tuple[str | None, tuple[str, ...]]:
    """The SQL with the statement's constants rendered in place, and the names of the
    parameters left, in `$n` order; (None, ()) when a parameter is not a plain value."""
    sql = compiled.string
    binds = {name: bind for bind, name in compiled.bind_names.items()}
    constants = {compiled.bind_names[bind] for bind in compiled.literal_execute_params}
    names: list[str] = []
    for name in compiled.positiontup or ():
        bind = binds.get(name)
        if bind is None:
            return None, ()
        if name in constants:
            value = compiled.render_literal_value(bind.value, bind.type)
            sql = sql.replace(f"__[POSTCOMPILE_{name}]", value)
        elif bind.expanding or bind.type._cached_bind_processor(_ASYNCPG) is not None:
            return None, ()
        else:
            names.append(name)
    # `$n` is the n-th parameter left once the constants are rendered: checked, not assumed.
    numbers = sorted({int(n) for n in re.findall(r"\$(\d+)", sql)})
    if "__[POSTCOMPILE_" in sql or len(set(names)) != len(names):
        return None, ()
    if numbers != list(range(1, len(names) + 1)):
        return None, ()
    return sql, tuple(names)


def _converts(column_type: Any) -> bool:
    """Whether SQLAlchemy would change the driver's value of a result column (an array
    converts only through its items)."""
    if isinstance(column_type, ARRAY):
        return _converts(column_type.item_type)
    return column_type._cached_result_processor(_ASYNCPG, None) is not None
