"""Reading and locking identity verifications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import Media, Utilisateur, VerificationIdentite


async def pending_of(session: AsyncSession, user_id: int) -> VerificationIdentite | None:
    return await session.scalar(
        select(VerificationIdentite).where(
            VerificationIdentite.id_user == user_id,
            VerificationIdentite.statut == "en_attente",
        )
    )


async def of_user(session: AsyncSession, user_id: int) -> Sequence[VerificationIdentite]:
    rows = await session.scalars(
        select(VerificationIdentite)
        .where(VerificationIdentite.id_user == user_id)
        .order_by(VerificationIdentite.date_soumission.desc(), VerificationIdentite.id_verification)
    )
    return rows.all()


async def queue(
    session: AsyncSession, *, statut: str, after: tuple[datetime, int] | None, limit: int
) -> Sequence[tuple[VerificationIdentite, Utilisateur]]:
    query = (
        select(VerificationIdentite, Utilisateur)
        .join(Utilisateur, Utilisateur.id_user == VerificationIdentite.id_user)
        .where(VerificationIdentite.statut == statut)
        .order_by(VerificationIdentite.date_soumission, VerificationIdentite.id_verification)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            tuple_(VerificationIdentite.date_soumission, VerificationIdentite.id_verification)
            > tuple_(*after)
        )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def one(
    session: AsyncSession, verification_id: int, *, lock: bool = False
) -> tuple[VerificationIdentite, Utilisateur] | None:
    query = (
        select(VerificationIdentite, Utilisateur)
        .join(Utilisateur, Utilisateur.id_user == VerificationIdentite.id_user)
        .where(VerificationIdentite.id_verification == verification_id)
    )
    if lock:
        query = query.with_for_update(of=VerificationIdentite)
    row = (await session.execute(query)).one_or_none()
    return None if row is None else (row[0], row[1])


async def raise_tier(session: AsyncSession, *, user_id: int, niveau: int) -> int:
    """The person's tier becomes at least `niveau` (never lowered); the resulting tier."""
    result = await session.scalar(
        update(Utilisateur)
        .where(Utilisateur.id_user == user_id)
        .values(niveau_kyc=func.greatest(Utilisateur.niveau_kyc, niveau))
        .returning(Utilisateur.niveau_kyc)
    )
    return int(result) if result is not None else niveau


async def private_media(session: AsyncSession, media_id: int) -> Media | None:
    """An identity image, and only one: no other media is ever served by a signed link."""
    return await session.scalar(
        select(Media).where(
            Media.id_media == media_id, Media.usage == "identite", Media.prive.is_(True)
        )
    )
