"""Routes of roles, suspensions and the audit log. Each route names the permission it needs;
changing roles needs `roles:attribuer`, which only super-administrators hold (and
`admin.roles` still refuses anyone changing their own roles)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field, StringConstraints

from hostolink.admin import audit
from hostolink.admin import roles as governance
from hostolink.auth import permissions
from hostolink.auth import principal as principals
from hostolink.auth.deps import CurrentUser, authenticated_router, require
from hostolink.auth.roles import ROLES
from hostolink.db import SessionDep
from hostolink.kit.params import INT4_MAX, UserId
from hostolink.users.schemas import UserOut

router = authenticated_router(tags=["Administration — rôles et journal"])

Motif = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
RoleCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30)]


class RoleOut(BaseModel):
    code: str
    libelle: str
    permissions: list[str]


class RolesAnswer(BaseModel):
    success: bool = True
    data: list[RoleOut]


class RolesBody(BaseModel):
    roles: list[RoleCode] = Field(max_length=len(ROLES), description="Codes des rôles.")
    motif: Motif = Field(description="Raison du changement (journalisée).")


class UserRolesOut(BaseModel):
    id_user: int
    roles: list[str]


class UserRolesAnswer(BaseModel):
    success: bool = True
    data: UserRolesOut


class MotifBody(BaseModel):
    motif: Motif = Field(description="Raison (journalisée).")


class StatusOut(BaseModel):
    id_user: int
    actif: bool
    raison_suspension: str | None


class StatusAnswer(BaseModel):
    success: bool = True
    data: StatusOut


class UserDetail(UserOut):
    raison_suspension: str | None
    derniere_connexion: datetime | None
    date_modification: datetime | None
    roles_detail: list[RoleOut]


class UserDetailAnswer(BaseModel):
    success: bool = True
    data: UserDetail


class AuditRowOut(BaseModel):
    id_audit: int
    id_acteur: int | None
    acteur: str | None
    action: str
    table_cible: str | None
    cle_cible: str | None
    avant: dict[str, Any] | None
    apres: dict[str, Any] | None
    motif: str | None
    adresse_ip: str | None
    id_requete: str | None
    date_action: datetime


class JournalPage(BaseModel):
    elements: list[AuditRowOut]
    curseur_suivant: str | None


class JournalAnswer(BaseModel):
    success: bool = True
    data: JournalPage


_ROLES_OUT = [RoleOut(code=r.code, libelle=r.label, permissions=list(r.permissions)) for r in ROLES]
_ROLE_BY_CODE = {role.code: role for role in _ROLES_OUT}


def _actor(principal: CurrentUser, request: Request) -> audit.Actor:
    return audit.actor_of(principal, request)


ActorDep = Annotated[audit.Actor, Depends(_actor)]


@router.get(
    "/api/admin/roles",
    summary="Rôles et permissions",
    dependencies=[Depends(require(permissions.USERS_READ))],
)
async def list_roles() -> RolesAnswer:
    return RolesAnswer(data=_ROLES_OUT)


@router.put(
    "/api/admin/utilisateurs/{id_user}/roles",
    summary="Remplacer les rôles d'une personne (super-administrateurs)",
    dependencies=[Depends(require(permissions.ROLES_ASSIGN))],
)
async def replace_roles(
    id_user: UserId, body: RolesBody, session: SessionDep, actor: ActorDep
) -> UserRolesAnswer:
    codes = await governance.replace_roles(
        session, actor=actor, user_id=id_user, codes=body.roles, motif=body.motif
    )
    return UserRolesAnswer(data=UserRolesOut(id_user=id_user, roles=codes))


@router.post(
    "/api/admin/utilisateurs/{id_user}/suspension",
    summary="Suspendre un compte",
    dependencies=[Depends(require(permissions.USERS_SUSPEND))],
)
async def suspend(
    id_user: UserId, body: MotifBody, session: SessionDep, actor: ActorDep
) -> StatusAnswer:
    return await _set_active(session, actor, id_user, active=False, motif=body.motif)


@router.post(
    "/api/admin/utilisateurs/{id_user}/reactivation",
    summary="Réactiver un compte",
    dependencies=[Depends(require(permissions.USERS_SUSPEND))],
)
async def reactivate(
    id_user: UserId, body: MotifBody, session: SessionDep, actor: ActorDep
) -> StatusAnswer:
    return await _set_active(session, actor, id_user, active=True, motif=body.motif)


async def _set_active(
    session: SessionDep, actor: audit.Actor, user_id: int, *, active: bool, motif: str
) -> StatusAnswer:
    person = await governance.set_active(
        session, actor=actor, user_id=user_id, active=active, motif=motif
    )
    return StatusAnswer(
        data=StatusOut(
            id_user=person.id_user, actif=person.actif, raison_suspension=person.raison_suspension
        )
    )


@router.get(
    "/api/admin/utilisateurs/{id_user}",
    summary="Fiche d'une personne",
    dependencies=[Depends(require(permissions.USERS_READ))],
)
async def user_detail(id_user: UserId, session: SessionDep) -> UserDetailAnswer:
    row = await governance.detail(session, id_user)
    base = UserOut.of(principals.from_row(row))
    return UserDetailAnswer(
        data=UserDetail(
            **base.model_dump(),
            raison_suspension=row.raison_suspension,
            derniere_connexion=row.derniere_connexion,
            date_modification=row.date_modification,
            roles_detail=[_ROLE_BY_CODE[code] for code in base.roles if code in _ROLE_BY_CODE],
        )
    )


@router.get(
    "/api/admin/journal",
    summary="Journal d'audit (du plus récent au plus ancien)",
    dependencies=[Depends(require(permissions.AUDIT_READ))],
)
async def journal(  # the filters are keyword-only query parameters
    *,
    session: SessionDep,
    acteur: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None,
    action: Annotated[str | None, Query(max_length=60, description="Préfixe d'action.")] = None,
    table_cible: Annotated[str | None, Query(max_length=63)] = None,
    cle_cible: Annotated[str | None, Query(max_length=100)] = None,
    du: Annotated[date | None, Query(description="Date de début (incluse, UTC).")] = None,
    au: Annotated[date | None, Query(description="Date de fin (incluse, UTC).")] = None,
    curseur: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_PAGE)] = 50,
) -> JournalAnswer:
    filters = audit.JournalFilters(acteur, action, table_cible, cle_cible, du, au)
    rows, following = await audit.browse(session, filters=filters, cursor=curseur, limit=limit)
    return JournalAnswer(
        data=JournalPage(elements=[_audit_row(row) for row in rows], curseur_suivant=following)
    )


def _audit_row(row: Any) -> AuditRowOut:
    entry = row.JournalAudit
    moment = entry.date_action
    return AuditRowOut(
        id_audit=entry.id_audit,
        id_acteur=entry.id_acteur,
        acteur=audit.display_name(row),
        action=entry.action,
        table_cible=entry.table_cible,
        cle_cible=entry.cle_cible,
        avant=entry.avant,
        apres=entry.apres,
        motif=entry.motif,
        adresse_ip=entry.adresse_ip,
        id_requete=entry.id_requete,
        date_action=moment if moment.tzinfo else moment.replace(tzinfo=UTC),
    )
