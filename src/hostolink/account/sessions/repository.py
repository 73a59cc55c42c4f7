"""Every query of my sessions. A session is a family of refresh tokens; while it is open, its
one live token (unrevoked: a rotation revokes the token it replaces) carries the session's
device, place and sign-in time, and its `date_creation` is when the session was last seen."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import JetonRafraichissement

ENDED_BY_PERSON = "deconnexion_appareil"


def _open(user_id: int) -> ColumnElement[bool]:
    return and_(
        JetonRafraichissement.id_user == user_id,
        JetonRafraichissement.date_revocation.is_(None),
        JetonRafraichissement.date_expiration > func.now(),
    )


async def open_sessions(session: AsyncSession, *, user_id: int) -> Sequence[JetonRafraichissement]:
    """The live token of each open session of the person, most recently seen first."""
    rows = await session.scalars(
        select(JetonRafraichissement)
        .where(_open(user_id))
        .order_by(JetonRafraichissement.date_creation.desc(), JetonRafraichissement.id.desc())
    )
    return rows.all()


async def end(session: AsyncSession, *, user_id: int, family: uuid.UUID) -> bool:
    """End one open session of the person; False when none is open by that id (another
    person's, ended, or never existed — the same answer for all three)."""
    ended = await session.scalars(
        update(JetonRafraichissement)
        .where(_open(user_id), JetonRafraichissement.famille == family)
        .values(date_revocation=func.now(), motif_revocation=ENDED_BY_PERSON)
        .returning(JetonRafraichissement.famille)
    )
    return bool(ended.all())


async def end_others(session: AsyncSession, *, user_id: int, keep: uuid.UUID) -> int:
    """End every open session of the person but `keep`; how many were ended."""
    ended = await session.scalars(
        update(JetonRafraichissement)
        .where(_open(user_id), JetonRafraichissement.famille != keep)
        .values(date_revocation=func.now(), motif_revocation=ENDED_BY_PERSON)
        .returning(JetonRafraichissement.famille)
    )
    return len(set(ended.all()))


async def first_token(session: AsyncSession, family: uuid.UUID) -> JetonRafraichissement | None:
    """The token that opened a session (its device, place and sign-in time)."""
    row: JetonRafraichissement | None = await session.scalar(
        select(JetonRafraichissement)
        .where(JetonRafraichissement.famille == family)
        .order_by(JetonRafraichissement.id)
        .limit(1)
    )
    return row
