"""Reads of the security sub-domain: the person's other open sessions."""

from __future__ import annotations

import uuid

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import JetonRafraichissement


async def count_other_sessions(
    session: AsyncSession, *, user_id: int, keep_family: uuid.UUID | None
) -> int:
    """Sessions (refresh-token families) of the person still open, other than `keep_family`."""
    query = select(func.count(distinct(JetonRafraichissement.famille))).where(
        JetonRafraichissement.id_user == user_id,
        JetonRafraichissement.date_revocation.is_(None),
        JetonRafraichissement.date_expiration > func.now(),
    )
    if keep_family is not None:
        query = query.where(JetonRafraichissement.famille != keep_family)
    return int(await session.scalar(query) or 0)
