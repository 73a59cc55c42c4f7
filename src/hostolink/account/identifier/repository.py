"""Queries of the identifier change: the pending request, the person's identifiers.

Core statements rather than ORM attributes for `utilisateur`: the change is written inside
a savepoint that a unique violation rolls back, and no ORM object must be left expired
(an async session cannot reload it implicitly)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.models import ChangementIdentifiant, Utilisateur


@dataclass(frozen=True)
class Identifiers:
    email: str | None
    telephone: str | None

    def of(self, kind: str) -> str | None:
        return self.email if kind == "email" else self.telephone


@dataclass(frozen=True)
class Pending:
    id_changement: int
    type_identifiant: str
    nouvelle_valeur: str


async def lock_identifiers(session: AsyncSession, user_id: int) -> Identifiers:
    """The person's identifiers, their row locked until the transaction ends: requests and
    confirmations of one person are serialised on it."""
    row = (
        await session.execute(
            select(Utilisateur.email, Utilisateur.telephone)
            .where(Utilisateur.id_user == user_id)
            .with_for_update()
        )
    ).one()
    return Identifiers(email=row.email, telephone=row.telephone)


async def close_pending(session: AsyncSession, *, user_id: int, status: str) -> None:
    await session.execute(
        update(ChangementIdentifiant)
        .where(
            ChangementIdentifiant.id_user == user_id,
            ChangementIdentifiant.statut == "en_attente",
        )
        .values(statut=status, date_cloture=func.now())
    )


async def add_pending(session: AsyncSession, *, user_id: int, kind: str, value: str) -> int:
    row = ChangementIdentifiant(
        id_user=user_id, type_identifiant=kind, nouvelle_valeur=value, statut="en_attente"
    )
    session.add(row)
    await session.flush()
    return row.id_changement


async def pending(session: AsyncSession, *, user_id: int) -> Pending | None:
    row = (
        await session.execute(
            select(
                ChangementIdentifiant.id_changement,
                ChangementIdentifiant.type_identifiant,
                ChangementIdentifiant.nouvelle_valeur,
            ).where(
                ChangementIdentifiant.id_user == user_id,
                ChangementIdentifiant.statut == "en_attente",
            )
        )
    ).first()
    return None if row is None else Pending(row[0], row[1], row[2])


async def set_identifier(session: AsyncSession, *, user_id: int, kind: str, value: str) -> None:
    """Raises IntegrityError when another person holds `value` (the unique constraint)."""
    values = {"email": value} if kind == "email" else {"telephone": value}
    await session.execute(
        update(Utilisateur)
        .where(Utilisateur.id_user == user_id)
        .values(**values, date_modification=func.now())
    )


async def finish(
    session: AsyncSession, *, change_id: int, status: str, previous: str | None = None
) -> None:
    await session.execute(
        update(ChangementIdentifiant)
        .where(ChangementIdentifiant.id_changement == change_id)
        .values(statut=status, ancienne_valeur=previous, date_cloture=func.now())
    )
