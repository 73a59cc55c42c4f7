"""Running Alembic from our code: `hostolink migrate`, `serve` and the tests share it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    # `%` must be doubled for configparser (URL-encoded passwords contain it).
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrations disagree (`alembic check`)."""
    command.check(alembic_config(database_url))


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def _read_current(database_url: str) -> set[str]:
    from hostolink.config import get_settings  # noqa: PLC0415 - the settings stack
    from hostolink.db import create_engine  # noqa: PLC0415

    engine = create_engine(
        database_url, pool_size=1, pooler=get_settings().db_pooler, name="migrate"
    )
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_heads)
    finally:
        await engine.dispose()


def pending(database_url: str) -> str | None:
    """None when the schema is at the migrations' head, else why not, in French (production
    never migrates at start: Render's preDeployCommand does it once, before any instance)."""
    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    current = asyncio.run(_read_current(database_url))
    if current == heads:
        return None
    found = ", ".join(sorted(current)) or "aucune (base vide)"
    return (
        f"le schéma de la base n'est pas à jour (révision {found}, attendue "
        f"{', '.join(sorted(heads))}) : lancez `hostolink migrate` avant de servir "
        "(sur Render, c'est la preDeployCommand)."
    )
