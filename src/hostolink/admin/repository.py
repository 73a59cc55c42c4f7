"""Queries of the back-office."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth import principal as principals
from hostolink.auth.principal import Principal
from hostolink.models import Utilisateur


async def list_users(
    session: AsyncSession, *, search: str | None, offset: int, limit: int
) -> tuple[int, list[Principal]]:
    """One page of people with their wallet and roles: two queries whatever the page size
    (the previous back end ran three queries per user)."""
    conditions = []
    if search:
        pattern = f"%{search.lower()}%"
        conditions.append(
            or_(
                Utilisateur.email.like(pattern),
                Utilisateur.telephone.like(pattern),
                func.lower(Utilisateur.nom).like(pattern),
                func.lower(Utilisateur.prenom).like(pattern),
            )
        )
    total = await session.scalar(select(func.count()).select_from(Utilisateur).where(*conditions))
    query = (
        principals.principals()
        .where(*conditions)
        .order_by(Utilisateur.id_user.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    return int(total or 0), [principals.from_row(row) for row in rows]
