"""Reads of the security sub-domain: the sessions a change of secret has just ended."""

from __future__ import annotations

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import JetonRafraichissement

# The `motif_revocation` of the sessions a change of secret ends (auth.service.replace_secret).
REASON = "changement_secret"


async def sessions_just_ended(session: AsyncSession, *, user_id: int) -> int:
    """Sessions (refresh-token families) of the person revoked by this transaction's change
    of secret: `now()` is the transaction's start, the time every revocation in it carries."""
    query = select(func.count(distinct(JetonRafraichissement.famille))).where(
        JetonRafraichissement.id_user == user_id,
        JetonRafraichissement.motif_revocation == REASON,
        JetonRafraichissement.date_revocation == func.now(),
    )
    return int(await session.scalar(query) or 0)
