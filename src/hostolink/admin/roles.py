"""Governance of people: replacing a person's roles (super-administrators only, never one's
own), suspending and reactivating an account. Each action is audited in the request's
transaction, with its reason; a suspension also ends the person's sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin.audit import Actor, record
from hostolink.auth import principal as principals
from hostolink.auth import repository as auth_repository
from hostolink.auth.roles import ROLE_IDS
from hostolink.errors import Conflict, Forbidden, HostolinkError, NotFound
from hostolink.models import Utilisateur, UtilisateurRole
from hostolink.models.base import utcnow

SUPER_ADMIN = "super_admin"
BASE_ROLE = "user"
_PROTECTED = frozenset({"admin", SUPER_ADMIN})
_CODES = {role_id: code for code, role_id in ROLE_IDS.items()}


class SuperAdminOnly(Forbidden):
    message = "Réservé aux super-administrateurs."


class OwnAccount(Forbidden):
    message = "Vous ne pouvez pas modifier vos propres rôles ni suspendre votre propre compte."


class UnknownRole(HostolinkError):
    status_code = 422
    message = "Rôle inconnu."


class LastSuperAdmin(Conflict):
    message = "Impossible de retirer le dernier super-administrateur."


class UserNotFound(NotFound):
    message = "Utilisateur introuvable."


class AlreadyInState(Conflict):
    message = "Le compte est déjà dans cet état."


def _require_super_admin(actor: Actor) -> None:
    if SUPER_ADMIN not in actor.principal.roles:
        raise SuperAdminOnly


async def _roles_of(session: AsyncSession, user_id: int) -> set[str]:
    ids = await session.scalars(
        select(UtilisateurRole.id_role).where(UtilisateurRole.id_user == user_id)
    )
    return {_CODES[role_id] for role_id in ids}


async def _person_for_update(session: AsyncSession, user_id: int) -> Utilisateur:
    person = await session.scalar(
        select(Utilisateur).where(Utilisateur.id_user == user_id).with_for_update()
    )
    if person is None:
        raise UserNotFound
    return person


async def _other_super_admins(session: AsyncSession, user_id: int) -> int:
    """Super-administrators other than `user_id`, their role rows locked so that two
    simultaneous demotions queue and the second one sees the first."""
    holders = await session.scalars(
        select(UtilisateurRole.id_user)
        .where(UtilisateurRole.id_role == ROLE_IDS[SUPER_ADMIN])
        .with_for_update()
    )
    return sum(1 for holder in holders if holder != user_id)


async def replace_roles(
    session: AsyncSession, *, actor: Actor, user_id: int, codes: list[str], motif: str
) -> list[str]:
    """The person's roles become `codes` (plus `user`, always kept); returns them sorted."""
    _require_super_admin(actor)
    if user_id == actor.principal.id:
        raise OwnAccount("Vous ne pouvez pas modifier vos propres rôles.")
    unknown = sorted(set(codes) - ROLE_IDS.keys())
    if unknown:
        raise UnknownRole(f"Rôle inconnu : {', '.join(unknown)}.")
    await _person_for_update(session, user_id)
    before = await _roles_of(session, user_id)
    after = set(codes) | {BASE_ROLE}
    if SUPER_ADMIN in before - after and await _other_super_admins(session, user_id) == 0:
        raise LastSuperAdmin
    removed = [ROLE_IDS[code] for code in before - after]
    if removed:
        await session.execute(
            delete(UtilisateurRole).where(
                UtilisateurRole.id_user == user_id, UtilisateurRole.id_role.in_(removed)
            )
        )
    for code in sorted(after - before):
        await session.execute(
            insert(UtilisateurRole)
            .values(id_user=user_id, id_role=ROLE_IDS[code], attribue_par=actor.principal.id)
            .on_conflict_do_nothing()
        )
    record(
        session,
        actor=actor,
        action="utilisateur.roles",
        table="utilisateur",
        key=str(user_id),
        before={"roles": sorted(before)},
        after={"roles": sorted(after)},
        motif=motif,
    )
    return sorted(after)


async def set_active(
    session: AsyncSession, *, actor: Actor, user_id: int, active: bool, motif: str
) -> Utilisateur:
    """Suspend (`active=False`) or reactivate a person. A suspension revokes every refresh
    token of the person; their access tokens already stop, since each request reads
    `actif` from the database."""
    if user_id == actor.principal.id:
        raise OwnAccount("Vous ne pouvez pas suspendre ou réactiver votre propre compte.")
    person = await _person_for_update(session, user_id)
    if person.date_suppression is not None:
        raise AlreadyInState("Ce compte a été supprimé par la personne : il reste fermé.")
    if await _roles_of(session, user_id) & _PROTECTED:
        # Administrators do not suspend one another: only a super-administrator may.
        _require_super_admin(actor)
    if person.actif == active:
        raise AlreadyInState(
            "Le compte est déjà actif." if active else "Le compte est déjà suspendu."
        )
    before: dict[str, Any] = {"actif": person.actif, "raison_suspension": person.raison_suspension}
    person.actif = active
    person.raison_suspension = None if active else motif
    person.date_modification = utcnow()
    if not active:
        await auth_repository.revoke_all_for_user(session, user_id=user_id, reason="suspension")
    record(
        session,
        actor=actor,
        action="utilisateur.reactivation" if active else "utilisateur.suspension",
        table="utilisateur",
        key=str(user_id),
        before=before,
        after={"actif": person.actif, "raison_suspension": person.raison_suspension},
        motif=motif,
    )
    return person


async def detail(session: AsyncSession, user_id: int) -> Any:
    """The person as the back-office shows them (no secret column is selected)."""
    query = principals.principals().add_columns(
        Utilisateur.raison_suspension,
        Utilisateur.derniere_connexion,
        Utilisateur.date_modification,
    )
    row = (await session.execute(query.where(Utilisateur.id_user == user_id))).first()
    if row is None:
        raise UserNotFound
    return row
