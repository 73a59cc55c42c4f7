"""Queries of the back-office."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.auth.repository import WALLET_CURRENCY
from hostolink.models import Compte, RolePermission, Utilisateur, UtilisateurRole
from hostolink.users.schemas import UserOut


async def list_users(
    session: AsyncSession, *, search: str | None, offset: int, limit: int
) -> tuple[int, list[UserOut]]:
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
    roles = (
        select(func.array_agg(RolePermission.code))
        .select_from(UtilisateurRole)
        .join(RolePermission, RolePermission.id_role == UtilisateurRole.id_role)
        .where(UtilisateurRole.id_user == Utilisateur.id_user)
        .correlate(Utilisateur)
        .scalar_subquery()
    )
    wallet = and_(
        Compte.id_user == Utilisateur.id_user,
        Compte.type_compte == "utilisateur",
        Compte.devise == WALLET_CURRENCY,
    )
    query = (
        select(Utilisateur, Compte, roles)
        .outerjoin(Compte, wallet)
        .where(*conditions)
        .order_by(Utilisateur.id_user.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = (await session.execute(query)).all()
    people = [UserOut.of(user, compte, frozenset(codes or ())) for user, compte, codes in rows]
    return int(total or 0), people
