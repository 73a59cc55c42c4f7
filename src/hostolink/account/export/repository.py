"""Every query of `export_donnees`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink.models import ExportDonnees

IN_PROGRESS = ("en_attente", "en_cours")

# The partial unique index (one request in progress per person) decides between two
# concurrent requests: the second inserts nothing.
_CREATE = text(
    """
INSERT INTO export_donnees (id_user) VALUES (:u)
ON CONFLICT (id_user) WHERE statut IN ('en_attente', 'en_cours') DO NOTHING
RETURNING id_export
"""
)

_START = text(
    "UPDATE export_donnees SET statut = 'en_cours', erreur = NULL"
    " WHERE id_export = :id AND statut IN ('en_attente', 'en_cours') RETURNING id_user"
)

_READY = text(
    """
UPDATE export_donnees
SET statut = 'pret', date_prete = :ready, date_expiration = :expires, taille = :size,
    stockage = :storage, cle_stockage = :key, erreur = NULL
WHERE id_export = :id AND statut = 'en_cours'
RETURNING id_export
"""
)

_ERROR = text(
    "UPDATE export_donnees SET erreur = left(:error, 2000),"
    " statut = CASE WHEN :final THEN 'echoue' ELSE statut END"
    " WHERE id_export = :id AND statut IN ('en_attente', 'en_cours')"
)

_DUE = text(
    "SELECT id_export, stockage, cle_stockage FROM export_donnees"
    " WHERE statut = 'pret' AND date_expiration <= :now ORDER BY id_export LIMIT :batch"
    " FOR UPDATE SKIP LOCKED"
)

_EXPIRE = text(
    "UPDATE export_donnees SET statut = 'expire', cle_stockage = NULL"
    " WHERE id_export = :id AND statut = 'pret'"
)


async def in_progress(session: AsyncSession, user_id: int) -> ExportDonnees | None:
    return await session.scalar(
        select(ExportDonnees).where(
            ExportDonnees.id_user == user_id, ExportDonnees.statut.in_(IN_PROGRESS)
        )
    )


async def requests_since(session: AsyncSession, user_id: int, since: datetime) -> list[datetime]:
    """When the person's requests since `since` were made, oldest first."""
    rows = await session.execute(
        text(
            "SELECT date_demande FROM export_donnees WHERE id_user = :u AND date_demande > :s"
            " ORDER BY date_demande"
        ),
        {"u": user_id, "s": since},
    )
    return [r.date_demande for r in rows]


async def create(session: AsyncSession, user_id: int) -> int | None:
    row = (await session.execute(_CREATE, {"u": user_id})).first()
    return None if row is None else int(row.id_export)


async def mine(session: AsyncSession, user_id: int, *, limit: int) -> list[ExportDonnees]:
    rows = await session.scalars(
        select(ExportDonnees)
        .where(ExportDonnees.id_user == user_id)
        .order_by(ExportDonnees.date_demande.desc(), ExportDonnees.id_export.desc())
        .limit(limit)
    )
    return list(rows)


async def start(connection: AsyncConnection, export_id: int) -> int | None:
    row = (await connection.execute(_START, {"id": export_id})).first()
    return None if row is None else int(row.id_user)


async def ready(connection: AsyncConnection, export_id: int, **values: Any) -> bool:
    row = (await connection.execute(_READY, {"id": export_id, **values})).first()
    return row is not None


async def failed(connection: AsyncConnection, export_id: int, error: str, *, final: bool) -> None:
    await connection.execute(_ERROR, {"id": export_id, "error": error, "final": final})


async def due(connection: AsyncConnection, now: datetime, *, batch: int) -> list[Any]:
    return list(await connection.execute(_DUE, {"now": now, "batch": batch}))


async def expire(connection: AsyncConnection, export_id: int) -> None:
    await connection.execute(_EXPIRE, {"id": export_id})
