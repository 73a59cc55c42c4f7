"""Queries on the caller's own profile."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import Utilisateur
from hostolink.models.base import utcnow

# Fields a person may change on their own profile (identifiers change through a verified flow).
EDITABLE = frozenset({"nom", "prenom", "pays"})


async def update_profile(session: AsyncSession, *, user_id: int, changes: dict[str, Any]) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    await session.execute(
        update(Utilisateur)
        .where(Utilisateur.id_user == user_id)
        .values(**changes, date_modification=utcnow())
    )
