"""Database engine and the per-request session.

One request is one transaction: the session dependency commits after the endpoint returned
and before the response is sent (`scope="function"`), and rolls back on any error. Services
never commit; they `flush()` when they need an id.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from uuid import uuid4

from fastapi import Depends, Request
from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from hostolink import embedded
from hostolink.config import Settings

SUPABASE_TRANSACTION_POOLER_PORT = 6543
AnyRow = Row[*tuple[Any, ...]]
_SSL_MODES = {"require", "verify-ca", "verify-full", "prefer", "allow", "disable"}


def resolve_database_url(settings: Settings) -> str:
    """The SQLAlchemy URL to use: `DATABASE_URL` when set, else the embedded server."""
    if settings.database_url:
        return settings.database_url
    return embedded.start(settings.data_dir)


@dataclass(frozen=True)
class EngineOptions:
    url: str
    connect_args: dict[str, Any]
    transaction_pooler: bool


def engine_options(raw_url: str) -> EngineOptions:
    """Translate a libpq-style URL (as Render, Supabase and psql write it) for asyncpg.

    - `postgres://` / `postgresql://` → `postgresql+asyncpg://`
    - `sslmode=require|verify-full…` → asyncpg's `ssl` argument (asyncpg ignores `sslmode`)
    - Supabase's transaction pooler (port 6543, or `pgbouncer=true`) multiplexes server
      connections between clients, so server-side prepared statements must be off and
      their names unique per connection.
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
    pooler = params.pop("pgbouncer", "").lower() in {"1", "true", "yes"}
    port = urlsplit(raw_url).port
    pooler = pooler or port == SUPABASE_TRANSACTION_POOLER_PORT
    if pooler:
        connect_args["statement_cache_size"] = 0
        connect_args["prepared_statement_name_func"] = lambda: f"__hl_{uuid4().hex}__"
        params["prepared_statement_cache_size"] = "0"
    url = urlunsplit((scheme, netloc, path, urlencode(params), fragment))
    return EngineOptions(url=url, connect_args=connect_args, transaction_pooler=pooler)


def create_engine(
    raw_url: str,
    *,
    pool_size: int = 10,
    isolation_level: str | None = None,
    server_settings: dict[str, str] | None = None,
) -> AsyncEngine:
    options = engine_options(raw_url)
    connect_args = dict(options.connect_args)
    # A transaction pooler (Supabase 6543, PgBouncer) refuses unknown startup parameters.
    if server_settings and not options.transaction_pooler:
        connect_args["server_settings"] = server_settings
    extra: dict[str, Any] = {"isolation_level": isolation_level} if isolation_level else {}
    return create_async_engine(
        options.url,
        **extra,
        connect_args=connect_args,
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping: it costs a round trip on every request. A connection the server or
        # the pooler closed fails one request, is discarded, and the next one reconnects.
        pool_recycle=300,
    )


class Database:
    """The engines and session factories of one process, kept on `app.state.db`.

    `counters` is a second, small pool for the short transactions that must commit although
    the request fails (lockout, OTP tries, refresh-token reuse). A request may hold its own
    connection while it waits for one of those: drawing both from one pool lets N parallel
    requests each hold one connection and wait forever for a second.
    """

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.engine = create_engine(url, pool_size=pool_size)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        # Reads that need no transaction (authentication, check-user): one round trip
        # instead of BEGIN, SELECT, COMMIT. A pool of its own, always in autocommit:
        # switching a shared pool's connections on each checkout cost a third more CPU.
        self.reader = create_engine(url, pool_size=pool_size, isolation_level="AUTOCOMMIT")
        self.counters_engine = create_engine(url, pool_size=max(2, pool_size // 2))
        self.counters = async_sessionmaker(self.counters_engine, expire_on_commit=False)
        # Writes that may be lost in a crash but must never slow the money down: in-app
        # notices written after a payment committed. Their commits return without waiting
        # for the WAL flush (synchronous_commit=off: the data is still written, within a
        # fraction of a second; a crash may lose the last ones, never corrupt anything).
        self.notices = create_engine(
            url,
            pool_size=max(2, pool_size // 5),
            isolation_level="AUTOCOMMIT",
            server_settings={"synchronous_commit": "off"},
        )

    async def read_one(
        self, statement: Executable, parameters: dict[str, Any] | None = None
    ) -> AnyRow | None:
        """The first row of a read-only statement, outside any request transaction."""
        async with self.reader.connect() as connection:
            return (await connection.execute(statement, parameters)).first()

    async def dispose(self) -> None:
        await self.engine.dispose()
        await self.reader.dispose()
        await self.counters_engine.dispose()
        await self.notices.dispose()


# `async def`: FastAPI runs plain `def` dependencies in a thread pool, which costs more than
# the work they do.
async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.db
    async with database.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
