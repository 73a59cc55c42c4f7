"""The directory's request dependencies: the process's `Directory` (its caches), used by the
directory's routes and by the establishments' managers, and `ReaderDep`, the connection the
public lists read through."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from hostolink.db import database_of
from hostolink.health.service import Directory


async def get_directory(request: Request) -> Directory:
    directory: Directory = request.app.state.directory
    return directory


DirectoryDep = Annotated[Directory, Depends(get_directory)]


class LazyReader:
    """Core reads on the process's read pool (autocommit directly on PostgreSQL: no BEGIN
    and COMMIT round trips, no ORM layer), connected on the first statement only: an answer
    served from the cache takes no connection at all.

    It answers `execute`, `scalars` and `scalar` as a session does for Core statements,
    which is all near me and search use (see `ReaderDep`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def _connected(self) -> AsyncConnection:
        if self._connection is None:
            self._connection = await self._engine.connect().start()
        return self._connection

    async def execute(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        return await (await self._connected()).execute(statement, parameters, **kw)

    async def scalars(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        return await (await self._connected()).scalars(statement, parameters, **kw)

    async def scalar(self, statement: Any, parameters: Any = None, **kw: Any) -> Any:
        return await (await self._connected()).scalar(statement, parameters, **kw)

    async def close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            await connection.close()


async def get_reader(request: Request) -> AsyncIterator[AsyncSession]:
    reader = LazyReader(database_of(request.app).reader)
    try:
        # Typed as the session the repository's read functions take: they run only Core
        # statements through execute/scalars/scalar, which LazyReader answers alike.
        yield cast(AsyncSession, reader)
    finally:
        await reader.close()


ReaderDep = Annotated[AsyncSession, Depends(get_reader, scope="function")]
