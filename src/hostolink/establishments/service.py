"""Establishment accounts: a person asks to manage an establishment, an administrator approves
or refuses; an approved manager reaches the establishment's merchant account (balance, QR
codes, receipts, withdrawals).

Who may do what is read from `membre_etablissement` on every request (an active
`gestionnaire` row of that very establishment), never from the role alone: the role
`etablissement` says a person manages *some* establishment, not which. The experts a
manager invites are in `experts.py`.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hostolink.admin import audit
from hostolink.admin.audit import Actor
from hostolink.auth.principal import Principal
from hostolink.auth.repository import grant_role
from hostolink.establishments.errors import (
    AlreadyMember,
    NotManager,
    OwnRequest,
    RequestNotFound,
    RequestNotPending,
)
from hostolink.establishments.schemas import (
    DecisionOut,
    MembershipOut,
    MerchantWalletOut,
    PendingRequestOut,
    PersonOut,
)
from hostolink.health.errors import EstablishmentNotFound
from hostolink.health.repository import live
from hostolink.kit.account_numbers import new_account_number
from hostolink.kit.masking import display_name, mask_email, mask_phone
from hostolink.kit.money import CURRENCY
from hostolink.kit.pagination import cursor_fields, cursor_id, cursor_moment
from hostolink.kit.params import INT4_MAX
from hostolink.models import Compte, EtablissementSante, MembreEtablissement, Utilisateur

E = EtablissementSante
M = MembreEtablissement
MANAGER = "gestionnaire"
EXPERT = "expert"
REQUESTED, INVITED, ACTIVE, REFUSED, REMOVED = "demande", "invite", "actif", "refuse", "retire"
MERCHANT = "marchand"
# A new random account number collides with an existing one once in 10^9 / rows.
ACCOUNT_NUMBER_TRIES = 5
ANONYMOUS = "Utilisateur Hostolink"


@dataclass(frozen=True)
class MerchantAccount:
    id_compte: int
    numero_compte: str
    solde: int
    devise: str
    statut: str

    def out(self) -> MerchantWalletOut:
        return MerchantWalletOut(
            numero_compte=self.numero_compte,
            solde=self.solde,
            devise=self.devise,
            statut=self.statut,
        )


@dataclass(frozen=True)
class Managed:
    """An establishment the caller is an active manager of."""

    id_etablissement: int
    nom: str


def person_out(row: Any) -> PersonOut:
    """Enough to recognise someone, never their full identifiers."""
    name = display_name(row.prenom, row.nom) or mask_phone(row.telephone) or ANONYMOUS
    return PersonOut(
        id_user=row.id_user,
        nom_affiche=name,
        telephone_masque=mask_phone(row.telephone),
        email_masque=mask_email(row.email),
    )


def now() -> datetime:
    return datetime.now(UTC)


# ------------------------------------------------------------------ requests to manage


async def request_management(
    session: AsyncSession, *, establishment_id: int, principal: Principal, justificatif: str
) -> MembershipOut:
    name = await session.scalar(select(E.nom).where(E.id_etablissement == establishment_id, live()))
    if name is None:
        raise EstablishmentNotFound
    statement = insert(M).values(
        id_etablissement=establishment_id,
        id_user=principal.id,
        role=MANAGER,
        statut=REQUESTED,
        justificatif=justificatif,
    )
    # One row per (establishment, person): a refused or withdrawn one may ask again; a
    # pending or active one (manager or expert) may not. Decided by the row itself, so two
    # simultaneous requests make one request and one 409.
    upsert = statement.on_conflict_do_update(
        index_elements=[M.id_etablissement, M.id_user],
        set_={
            "role": MANAGER,
            "statut": REQUESTED,
            "justificatif": statement.excluded.justificatif,
            "specialite": None,
            "motif": None,
            "id_traite_par": None,
            "date_creation": func.now(),
            "date_traitement": None,
        },
        where=M.statut.in_((REFUSED, REMOVED)),
    ).returning(M.date_creation)
    created = (await session.execute(upsert)).scalar()
    if created is None:
        raise AlreadyMember
    return MembershipOut(
        id_etablissement=establishment_id,
        nom_etablissement=name,
        role=MANAGER,
        statut=REQUESTED,
        date_creation=created,
    )


def _encode(moment: datetime, establishment_id: int, user_id: int) -> str:
    raw = f"{moment.isoformat()}|{establishment_id}|{user_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int, int]:
    """Both ids are INTEGER columns: a forged one past their range is `InvalidCursor`."""
    moment, establishment_id, user_id = cursor_fields(cursor, 3)
    return (
        cursor_moment(moment),
        cursor_id(establishment_id, INT4_MAX),
        cursor_id(user_id, INT4_MAX),
    )


async def pending_requests(
    session: AsyncSession, *, cursor: str | None, limit: int
) -> tuple[list[PendingRequestOut], str | None]:
    """The administrators' queue, oldest first (served by the partial index on pending
    rows: the literal lets a prepared statement's plan use it)."""
    query = (
        select(
            M.id_etablissement,
            M.id_user,
            M.justificatif,
            M.date_creation,
            E.nom.label("nom_etablissement"),
            Utilisateur.prenom,
            Utilisateur.nom,
            Utilisateur.telephone,
            Utilisateur.email,
        )
        .join(E, E.id_etablissement == M.id_etablissement)
        .join(Utilisateur, Utilisateur.id_user == M.id_user)
        .where(M.statut == literal(REQUESTED, literal_execute=True))
        .order_by(M.date_creation, M.id_etablissement, M.id_user)
    )
    if cursor:
        query = query.where(
            tuple_(M.date_creation, M.id_etablissement, M.id_user) > tuple_(*_decode(cursor))
        )
    rows = (await session.execute(query.limit(limit + 1))).all()
    items = [
        PendingRequestOut(
            id_etablissement=row.id_etablissement,
            nom_etablissement=row.nom_etablissement,
            demandeur=person_out(row),
            justificatif=row.justificatif,
            date_creation=row.date_creation,
        )
        for row in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode(last.date_creation, last.id_etablissement, last.id_user)
    return items, next_cursor


async def _pending(session: AsyncSession, establishment_id: int, user_id: int) -> M:
    """The request, locked: two administrators deciding at once are served one by one, and
    the second finds it already decided."""
    member = (
        await session.scalars(
            select(M)
            .where(M.id_etablissement == establishment_id, M.id_user == user_id)
            .with_for_update()
        )
    ).first()
    if member is None or member.role != MANAGER:
        raise RequestNotFound
    if member.statut != REQUESTED:
        raise RequestNotPending
    return member


def _state(member: M) -> dict[str, Any]:
    return {"role": member.role, "statut": member.statut, "motif": member.motif}


async def _record_decision(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    key: tuple[int, int],
    before: dict[str, Any],
    after: dict[str, Any],
    motif: str | None = None,
) -> None:
    """Audits an administrator's decision on a management request, then writes it."""
    audit.record(
        session,
        actor=actor,
        action=action,
        table="membre_etablissement",
        key=f"{key[0]}:{key[1]}",
        before=before,
        after=after,
        motif=motif,
    )
    await session.flush()


async def approve(
    session: AsyncSession, *, establishment_id: int, user_id: int, actor: Actor
) -> DecisionOut:
    """One transaction: the request becomes an active management, the person gets the role
    `etablissement`, and the establishment its merchant account if it had none."""
    if user_id == actor.principal.id:  # approving would grant oneself a role (and a till)
        raise OwnRequest
    member = await _pending(session, establishment_id, user_id)
    before = _state(member)
    member.statut = ACTIVE
    member.id_traite_par = actor.principal.id
    member.date_traitement = now()
    await grant_role(
        session, user_id=user_id, role_code="etablissement", granted_by=actor.principal.id
    )
    account = await ensure_merchant_account(session, establishment_id=establishment_id)
    after = {**_state(member), "compte_marchand": account.numero_compte}
    key = (establishment_id, user_id)
    action = "etablissement.gestion.approbation"
    await _record_decision(session, actor, action, key=key, before=before, after=after)
    return DecisionOut(
        id_etablissement=establishment_id,
        id_user=user_id,
        statut=ACTIVE,
        date_traitement=member.date_traitement,
        portefeuille=account.out(),
    )


async def refuse(
    session: AsyncSession, *, establishment_id: int, user_id: int, motif: str, actor: Actor
) -> DecisionOut:
    member = await _pending(session, establishment_id, user_id)
    before = _state(member)
    member.statut = REFUSED
    member.motif = motif
    member.id_traite_par = actor.principal.id
    member.date_traitement = now()
    key = (establishment_id, user_id)
    after = _state(member)
    action = "etablissement.gestion.refus"
    await _record_decision(session, actor, action, key=key, before=before, after=after, motif=motif)
    return DecisionOut(
        id_etablissement=establishment_id,
        id_user=user_id,
        statut=REFUSED,
        motif=motif,
        date_traitement=member.date_traitement,
    )


# ------------------------------------------------------------------ merchant account


def _is_merchant_of(
    establishment_id: int | InstrumentedAttribute[int],
) -> ColumnElement[bool]:
    # Literals, not parameters: the plan can then use uq_compte_marchand_devise.
    return and_(
        Compte.id_etablissement == establishment_id,
        Compte.type_compte == literal(MERCHANT, literal_execute=True),
        Compte.devise == literal(CURRENCY, literal_execute=True),
    )


async def merchant_account(
    session: AsyncSession, *, establishment_id: int
) -> MerchantAccount | None:
    row = (
        await session.execute(
            select(
                Compte.id_compte,
                Compte.numero_compte,
                Compte.solde,
                Compte.devise,
                Compte.statut,
            ).where(_is_merchant_of(establishment_id))
        )
    ).first()
    return MerchantAccount(**row._mapping) if row else None


async def ensure_merchant_account(
    session: AsyncSession, *, establishment_id: int
) -> MerchantAccount:
    """The establishment's XOF merchant account, opened if it has none.

    INSERT … ON CONFLICT DO NOTHING without a target, so both the partial unique index
    (one merchant account per establishment and currency) and the account number's apply:
    against a concurrent first opening, PostgreSQL waits for the other transaction to end
    and does nothing; the next read (a new snapshot) sees its account. Nothing inserted
    and nothing read means the random number was taken: draw another."""
    for _ in range(ACCOUNT_NUMBER_TRIES):
        account = await merchant_account(session, establishment_id=establishment_id)
        if account is not None:
            return account
        await session.execute(
            insert(Compte)
            .values(
                numero_compte=new_account_number(),
                type_compte=MERCHANT,
                id_etablissement=establishment_id,
                devise=CURRENCY,
                solde=0,
                statut="actif",
            )
            .on_conflict_do_nothing()
        )
    account = await merchant_account(session, establishment_id=establishment_id)
    if account is None:
        raise RuntimeError("could not open the merchant account")
    return account


# -------------------------------------------------------------------- manager access


async def check_manager(
    session: AsyncSession, *, establishment_id: int, principal: Principal
) -> Managed:
    """The establishment, if the caller is one of its active managers: 404 when it does
    not exist, 403 for anyone else (a pending, refused or withdrawn requester, an expert,
    an administrator)."""
    row = (
        await session.execute(
            select(E.id_etablissement, E.nom, M.role, M.statut)
            .outerjoin(
                M,
                and_(M.id_etablissement == E.id_etablissement, M.id_user == principal.id),
            )
            .where(E.id_etablissement == establishment_id)
        )
    ).first()
    if row is None:
        raise EstablishmentNotFound
    if row.role != MANAGER or row.statut != ACTIVE:
        raise NotManager
    return Managed(row.id_etablissement, row.nom)


async def managed_account(
    session: AsyncSession, *, establishment_id: int, principal: Principal
) -> tuple[Managed, MerchantAccount]:
    managed = await check_manager(session, establishment_id=establishment_id, principal=principal)
    # Approval opens it; opening it here too keeps a manager whose account predates this
    # rule (or was never opened) working.
    account = await ensure_merchant_account(session, establishment_id=establishment_id)
    return managed, account


async def my_establishments(session: AsyncSession, *, principal: Principal) -> list[Any]:
    """Establishments where the caller is an active manager or expert; a manager sees the
    merchant account."""
    query = (
        select(
            E.id_etablissement,
            E.nom,
            E.categorie,
            M.role,
            Compte.numero_compte,
            Compte.solde,
            Compte.devise,
            Compte.statut,
        )
        .join(M, M.id_etablissement == E.id_etablissement)
        .outerjoin(
            Compte,
            and_(_is_merchant_of(E.id_etablissement), M.role == MANAGER),
        )
        .where(M.id_user == principal.id, M.statut == ACTIVE)
        .order_by(E.nom, E.id_etablissement)
    )
    return list((await session.execute(query)).all())
