"""Reading the development outbox (`hostolink outbox [--to IDENTIFIER]`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models.message_sortant import MessageSortant

EMPTY_OUTBOX = "Aucun message dans la boîte d'envoi."


async def read_outbox(
    session: AsyncSession, to: str | None = None, limit: int = 20
) -> list[MessageSortant]:
    """The latest `limit` messages, newest first, for one already-normalised recipient or all.

    `date_creation` is the transaction's time, shared by every row written in one request,
    so the id breaks ties in insertion order."""
    query = select(MessageSortant)
    if to is not None:
        query = query.where(MessageSortant.destinataire == to)
    query = query.order_by(MessageSortant.date_creation.desc(), MessageSortant.id.desc())
    result = await session.scalars(query.limit(max(1, limit)))
    return list(result)


def format_outbox(rows: Sequence[MessageSortant]) -> str:
    """Readable blocks, one per message: header line (date, canal, destinataire), the subject
    of an e-mail, then the body indented."""
    if not rows:
        return EMPTY_OUTBOX
    return "\n\n".join(_format_one(row) for row in rows)


def _format_one(row: MessageSortant) -> str:
    created = row.date_creation.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    lines = [f"[{created}] {row.canal.upper()} pour {row.destinataire}"]
    if row.sujet:
        lines.append(f"    Sujet : {row.sujet}")
    lines.extend(f"    {line}".rstrip() for line in row.corps.splitlines())
    return "\n".join(lines)
