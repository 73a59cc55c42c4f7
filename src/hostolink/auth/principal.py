"""Who is calling: the person, their XOF wallet, their roles and the union of those roles'
permissions, as plain values read in one query. Authentication runs on every protected
request, so it reads outside the request's transaction (one round trip, no ORM objects); a
route that changes the person writes through the request's session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, distinct, exists, func, select, true

from hostolink.models import (
    Compte,
    JetonRafraichissement,
    RolePermission,
    Utilisateur,
    UtilisateurRole,
)
from hostolink.models.compte import user_wallet_of


@dataclass(frozen=True)
class Wallet:
    id_compte: int
    numero_compte: str
    solde: int
    devise: str
    statut: str


@dataclass(frozen=True)
class Principal:
    id: int
    nom: str | None
    prenom: str | None
    email: str | None
    telephone: str | None
    pays: str | None
    photo_profile: str | None
    date_inscription: datetime | None
    compte_verifier: bool
    actif: bool
    niveau_kyc: int
    roles: frozenset[str]
    permissions: frozenset[str]
    compte: Wallet | None

    def with_profile(self, **changes: Any) -> Principal:
        return replace(self, **changes)


_roles = (
    select(func.array_agg(RolePermission.code))
    .select_from(UtilisateurRole)
    .join(RolePermission, RolePermission.id_role == UtilisateurRole.id_role)
    .where(UtilisateurRole.id_user == Utilisateur.id_user)
    .correlate(Utilisateur)
    .scalar_subquery()
    .label("roles")
)
# The union of the person's roles' permissions, read with the person (same round trip), so
# that a change in `role_permission` or `utilisateur_role` counts from the next request.
_granted = (
    func.unnest(RolePermission.permissions).table_valued("permission").render_derived("granted")
)
_permissions = (
    select(func.array_agg(distinct(_granted.c.permission)))
    .select_from(UtilisateurRole)
    .join(RolePermission, RolePermission.id_role == UtilisateurRole.id_role)
    .join(_granted, true())
    .where(UtilisateurRole.id_user == Utilisateur.id_user)
    .correlate(Utilisateur)
    .scalar_subquery()
    .label("permissions")
)
_wallet = user_wallet_of(Utilisateur.id_user)
_COLUMNS = (
    Utilisateur.id_user,
    Utilisateur.nom,
    Utilisateur.prenom,
    Utilisateur.email,
    Utilisateur.telephone,
    Utilisateur.pays,
    Utilisateur.photo_profile,
    Utilisateur.date_inscription,
    Utilisateur.compte_verifier,
    Utilisateur.actif,
    Utilisateur.niveau_kyc,
    Compte.id_compte,
    Compte.numero_compte,
    Compte.solde,
    Compte.devise,
    Compte.statut,
    _roles,
    _permissions,
)


def principals() -> Select[Any]:
    """People with their wallet, roles and permissions; callers add `where`, `order_by`, `limit`."""
    return select(*_COLUMNS).outerjoin(Compte, _wallet)


# Built once: constructing a statement and its cache key on every request cost about a fifth
# of an authenticated request's CPU (profiled under load).
PRINCIPAL_BY_ID = principals().where(Utilisateur.id_user == bindparam("user_id"))

# The session an access token names is alive while its family of refresh tokens has a live
# one (unrevoked, unexpired): a logout, a password reset or a replayed refresh token revokes
# the family, and the access tokens of that session stop working at the next request. Read
# in the same round trip as the person (the family is indexed).
_session_alive = (
    exists()
    .where(
        JetonRafraichissement.famille == bindparam("session"),
        JetonRafraichissement.id_user == Utilisateur.id_user,
        JetonRafraichissement.date_revocation.is_(None),
        JetonRafraichissement.date_expiration > func.now(),
    )
    .correlate(Utilisateur)
    .label("session_active")
)
PRINCIPAL_BY_SESSION = (
    principals()
    # A deleted account (account/deletion) names no one any more: its tokens answer 401.
    .add_columns(_session_alive, Utilisateur.date_suppression)
    .where(Utilisateur.id_user == bindparam("user_id"))
)


def from_row(row: Any) -> Principal:
    wallet = (
        Wallet(row.id_compte, row.numero_compte, row.solde, row.devise, row.statut)
        if row.numero_compte is not None
        else None
    )
    return Principal(
        id=row.id_user,
        nom=row.nom,
        prenom=row.prenom,
        email=row.email,
        telephone=row.telephone,
        pays=row.pays,
        photo_profile=row.photo_profile,
        date_inscription=row.date_inscription,
        compte_verifier=row.compte_verifier,
        actif=row.actif,
        niveau_kyc=row.niveau_kyc,
        roles=frozenset(row.roles or ()),
        permissions=frozenset(row.permissions or ()),
        compte=wallet,
    )
