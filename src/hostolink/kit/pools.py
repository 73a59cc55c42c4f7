"""The database pools' gauges: connections checked out and pool size, per pool and process.

Fed by SQLAlchemy's pool events rather than read at scrape time: in multiprocess mode a
scrape is answered by one process, which cannot see the others' pools. A connection that
is invalidated still comes back through `checkin` (with no DBAPI connection), so every
checkout has its checkin.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from hostolink.kit.metrics import DB_POOL_IN_USE, DB_POOL_SIZE


def watch_pool(engine: AsyncEngine, name: str) -> None:
    """Keep `hostolink_db_pool_*{pool=name}` in step with `engine`'s pool."""
    pool: Any = engine.sync_engine.pool
    DB_POOL_SIZE.labels(pool=name).set(pool.size())
    in_use = DB_POOL_IN_USE.labels(pool=name)

    def checked_out(*_: Any) -> None:
        in_use.inc()

    def checked_in(*_: Any) -> None:
        in_use.dec()

    event.listen(engine.sync_engine, "checkout", checked_out)
    event.listen(engine.sync_engine, "checkin", checked_in)
