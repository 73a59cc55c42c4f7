"""Health experts of an establishment: its manager invites a person by phone or e-mail, the
person accepts (and gets the role `expert`, which the discussions use) or declines; the
manager may withdraw an expert (the role goes when they are an active expert nowhere).

Granting and withdrawing the role both lock the person's row first (FOR NO KEY UPDATE), in
that order before the membership: an acceptance at one establishment and a withdrawal at
another are then served one after the other, and the withdrawal's "still an expert
anywhere?" reads the acceptance once committed (else it could drop the role of someone who
just became an expert).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.auth.principal import Principal
from hostolink.auth.repository import grant_role, user_by_identifier
from hostolink.auth.roles import ROLE_IDS
from hostolink.establishments.errors import (
    AlreadyInvited,
    ExpertNotFound,
    InvalidExpertIdentifier,
    InvitationNotFound,
    PersonNotFound,
)
from hostolink.establishments.schemas import ExpertOut, InvitationOut
from hostolink.establishments.service import (
    ACTIVE,
    EXPERT,
    INVITED,
    REFUSED,
    REMOVED,
    E,
    M,
    check_manager,
    now,
    person_out,
)
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier
from hostolink.models import Utilisateur, UtilisateurRole

DECLINED = "Invitation déclinée par l'expert."


_EXPERT_COLUMNS = (
    M.id_user,
    M.specialite,
    M.statut,
    M.date_creation,
    M.date_traitement,
    Utilisateur.prenom,
    Utilisateur.nom,
    Utilisateur.telephone,
    Utilisateur.email,
)


def _expert_out(row: Any) -> ExpertOut:
    return ExpertOut(
        expert=person_out(row),
        specialite=row.specialite,
        statut=row.statut,
        date_creation=row.date_creation,
        date_traitement=row.date_traitement,
    )


async def _expert_row(session: AsyncSession, establishment_id: int, user_id: int) -> Any:
    query = (
        select(*_EXPERT_COLUMNS)
        .join(Utilisateur, Utilisateur.id_user == M.id_user)
        .where(M.id_etablissement == establishment_id, M.id_user == user_id)
    )
    return (await session.execute(query)).one()


async def _lock_person(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        select(Utilisateur.id_user)
        .where(Utilisateur.id_user == user_id)
        .with_for_update(key_share=True)
    )


async def _lock_member(session: AsyncSession, establishment_id: int, user_id: int) -> M | None:
    query = (
        select(M)
        .where(M.id_etablissement == establishment_id, M.id_user == user_id)
        .with_for_update()
    )
    return (await session.scalars(query)).first()


# ----------------------------------------------------------------------- the manager


async def invite(
    session: AsyncSession,
    *,
    establishment_id: int,
    principal: Principal,
    identifiant: str,
    specialite: str,
) -> ExpertOut:
    """Invite the person with this phone or e-mail. A 404 tells the manager that nobody has
    it: an approved manager may learn whether an identifier is registered, as anyone
    sending money already may."""
    await check_manager(session, establishment_id=establishment_id, principal=principal)
    try:
        identifier = parse_identifier(identifiant)
    except InvalidIdentifier as exc:
        raise InvalidExpertIdentifier(str(exc)) from exc
    person = await user_by_identifier(session, identifier.value)
    if person is None or not person.actif:
        raise PersonNotFound
    statement = insert(M).values(
        id_etablissement=establishment_id,
        id_user=person.id_user,
        role=EXPERT,
        statut=INVITED,
        specialite=specialite,
        id_traite_par=principal.id,
    )
    # Like a request to manage: a refused or withdrawn row may be invited again.
    upsert = statement.on_conflict_do_update(
        index_elements=[M.id_etablissement, M.id_user],
        set_={
            "role": EXPERT,
            "statut": INVITED,
            "specialite": specialite,
            "justificatif": None,
            "motif": None,
            "id_traite_par": principal.id,
            "date_creation": func.now(),
            "date_traitement": None,
        },
        where=M.statut.in_((REFUSED, REMOVED)),
    ).returning(M.id_user)
    if (await session.execute(upsert)).scalar() is None:
        raise AlreadyInvited
    return _expert_out(await _expert_row(session, establishment_id, person.id_user))


async def experts(
    session: AsyncSession, *, establishment_id: int, principal: Principal
) -> list[ExpertOut]:
    await check_manager(session, establishment_id=establishment_id, principal=principal)
    query = (
        select(*_EXPERT_COLUMNS)
        .join(Utilisateur, Utilisateur.id_user == M.id_user)
        .where(M.id_etablissement == establishment_id, M.role == EXPERT)
        .order_by(M.date_creation, M.id_user)
    )
    return [_expert_out(row) for row in (await session.execute(query)).all()]


async def withdraw(
    session: AsyncSession, *, establishment_id: int, user_id: int, actor: Actor
) -> ExpertOut:
    await check_manager(session, establishment_id=establishment_id, principal=actor.principal)
    await _lock_person(session, user_id)
    member = await _lock_member(session, establishment_id, user_id)
    if member is None or member.role != EXPERT or member.statut not in (INVITED, ACTIVE):
        raise ExpertNotFound
    before = {"statut": member.statut}
    was_active = member.statut == ACTIVE
    member.statut = REMOVED
    member.id_traite_par = actor.principal.id
    member.date_traitement = now()
    await session.flush()
    if was_active:
        await _drop_role_if_expert_nowhere(session, user_id)
    audit.record(
        session,
        actor=actor.principal,
        action="etablissement.expert.retrait",
        table="membre_etablissement",
        key=f"{establishment_id}:{user_id}",
        before=before,
        after={"statut": REMOVED},
        motif=None,
        ip=actor.ip,
        request_id=actor.request_id,
    )
    return _expert_out(await _expert_row(session, establishment_id, user_id))


async def _drop_role_if_expert_nowhere(session: AsyncSession, user_id: int) -> None:
    still_expert = exists().where(M.id_user == user_id, M.role == EXPERT, M.statut == ACTIVE)
    await session.execute(
        delete(UtilisateurRole)
        .where(
            UtilisateurRole.id_user == user_id,
            UtilisateurRole.id_role == ROLE_IDS[EXPERT],
            ~still_expert,
        )
        .execution_options(synchronize_session=False)
    )


# ------------------------------------------------------------------- the invited person


async def my_invitations(session: AsyncSession, *, principal: Principal) -> list[InvitationOut]:
    query = (
        select(M.id_etablissement, E.nom, E.categorie, M.specialite, M.date_creation)
        .join(E, E.id_etablissement == M.id_etablissement)
        .where(M.id_user == principal.id, M.role == EXPERT, M.statut == INVITED)
        .order_by(M.date_creation.desc(), M.id_etablissement)
    )
    return [
        InvitationOut(
            id_etablissement=row.id_etablissement,
            nom_etablissement=row.nom,
            categorie=row.categorie,
            specialite=row.specialite,
            date_creation=row.date_creation,
        )
        for row in (await session.execute(query)).all()
    ]


async def _invitation(
    session: AsyncSession, establishment_id: int, principal: Principal
) -> tuple[M, str]:
    await _lock_person(session, principal.id)
    member = await _lock_member(session, establishment_id, principal.id)
    if member is None or member.role != EXPERT or member.statut != INVITED:
        raise InvitationNotFound
    name = await session.scalar(select(E.nom).where(E.id_etablissement == establishment_id))
    return member, name or ""


async def accept(
    session: AsyncSession, *, establishment_id: int, principal: Principal
) -> tuple[M, str]:
    """The invitation becomes an active membership, and the person gets the role `expert`."""
    member, name = await _invitation(session, establishment_id, principal)
    member.statut = ACTIVE
    member.date_traitement = now()
    await grant_role(
        session, user_id=principal.id, role_code=EXPERT, granted_by=member.id_traite_par
    )
    await session.flush()
    return member, name


async def decline(
    session: AsyncSession, *, establishment_id: int, principal: Principal, motif: str | None
) -> tuple[M, str]:
    member, name = await _invitation(session, establishment_id, principal)
    member.statut = REFUSED
    member.motif = motif or DECLINED  # a refusal always carries a motif (CHECK refus_motive)
    member.date_traitement = now()
    await session.flush()
    return member, name
