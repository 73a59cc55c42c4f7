"""Every query of the saved contacts. Each one that reads or changes a contact filters on its
owner (`id_user`): another person's contact is simply not found.

A person's wallet is the `compte` that `models.compte.is_user_wallet` describes (its
constants are literals, so that the partial unique index serves the lookups).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    delete,
    exists,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink.models import Compte, ContactsEnregistres, Transaction, Utilisateur
from hostolink.models.compte import is_user_wallet, user_wallet_of

SENDING_TYPES = ("transfert", "paiement_qr")


@dataclass(frozen=True)
class Person:
    id_user: int
    actif: bool


@dataclass(frozen=True)
class ContactRow:
    id_contact: int
    alias: str | None
    date_ajout: datetime
    date_dernier_envoi: datetime | None
    prenom: str | None
    nom: str | None
    telephone: str | None
    email: str | None
    numero_compte: str | None


@dataclass(frozen=True)
class SuggestionRow:
    prenom: str | None
    nom: str | None
    telephone: str | None
    email: str | None
    numero_compte: str
    derniere_date: datetime
    nombre_envois: int


# ----------------------------------------------------------------------------- people


async def find_person(session: AsyncSession, *, identifiant: str) -> Person | None:
    """By normalised identifier: E.164 phone, lower-case e-mail or `HL…` account number."""
    statement: Select[*tuple[Any, ...]]
    if identifiant.startswith("+"):
        statement = select(Utilisateur.id_user, Utilisateur.actif).where(
            Utilisateur.telephone == identifiant
        )
    elif "@" in identifiant:
        statement = select(Utilisateur.id_user, Utilisateur.actif).where(
            Utilisateur.email == identifiant
        )
    else:
        # Only a person's wallet: a merchant's or a system account is nobody to save.
        statement = (
            select(Utilisateur.id_user, Utilisateur.actif)
            .join(Compte, Compte.id_user == Utilisateur.id_user)
            .where(Compte.numero_compte == identifiant, is_user_wallet())
        )
    row = (await session.execute(statement)).first()
    return Person(id_user=row.id_user, actif=row.actif) if row else None


# --------------------------------------------------------------------------- contacts

_CONTACT_COLUMNS = (
    ContactsEnregistres.id_contact,
    ContactsEnregistres.alias,
    ContactsEnregistres.date_ajout,
    ContactsEnregistres.date_dernier_envoi,
    Utilisateur.prenom,
    Utilisateur.nom,
    Utilisateur.telephone,
    Utilisateur.email,
    Compte.numero_compte,
)


def _contacts_of(owner_id: int) -> Select[*tuple[Any, ...]]:
    return (
        select(*_CONTACT_COLUMNS)
        .select_from(ContactsEnregistres)
        .join(Utilisateur, Utilisateur.id_user == ContactsEnregistres.id_user_contact)
        .outerjoin(Compte, user_wallet_of(Utilisateur.id_user))
        .where(ContactsEnregistres.id_user == owner_id)
    )


def _contact(row: Any) -> ContactRow:
    return ContactRow(
        id_contact=row.id_contact,
        alias=row.alias,
        date_ajout=row.date_ajout,
        date_dernier_envoi=row.date_dernier_envoi,
        prenom=row.prenom,
        nom=row.nom,
        telephone=row.telephone,
        email=row.email,
        numero_compte=row.numero_compte,
    )


async def list_contacts(session: AsyncSession, *, owner_id: int, limit: int) -> list[ContactRow]:
    """Most recent send first (never-used contacts last), then by the name the owner sees."""
    shown_name = func.lower(
        func.coalesce(
            ContactsEnregistres.alias,
            func.nullif(func.concat_ws(" ", Utilisateur.prenom, Utilisateur.nom), ""),
            Utilisateur.telephone,
            Utilisateur.email,
        )
    )
    statement = (
        _contacts_of(owner_id)
        .order_by(
            ContactsEnregistres.date_dernier_envoi.desc().nulls_last(),
            shown_name,
            ContactsEnregistres.id_contact,
        )
        .limit(limit)
    )
    return [_contact(row) for row in await session.execute(statement)]


async def get_contact(
    session: AsyncSession, *, owner_id: int, contact_id: int
) -> ContactRow | None:
    statement = _contacts_of(owner_id).where(ContactsEnregistres.id_contact == contact_id)
    row = (await session.execute(statement)).first()
    return _contact(row) if row else None


async def contact_user(session: AsyncSession, *, owner_id: int, contact_id: int) -> int | None:
    found = await session.scalar(
        select(ContactsEnregistres.id_user_contact).where(
            ContactsEnregistres.id_contact == contact_id,
            ContactsEnregistres.id_user == owner_id,
        )
    )
    return int(found) if found is not None else None


async def count_contacts(session: AsyncSession, *, owner_id: int) -> int:
    found = await session.scalar(
        select(func.count())
        .select_from(ContactsEnregistres)
        .where(ContactsEnregistres.id_user == owner_id)
    )
    return int(found or 0)


async def insert_contact(
    session: AsyncSession, *, owner_id: int, contact_user_id: int, alias: str | None
) -> int | None:
    """The new contact's id, or None when the pair is already saved (a concurrent save of
    the same person included: the unique constraint decides, not a prior SELECT)."""
    found = await session.scalar(
        insert(ContactsEnregistres)
        .values(id_user=owner_id, id_user_contact=contact_user_id, alias=alias)
        .on_conflict_do_nothing(index_elements=["id_user", "id_user_contact"])
        .returning(ContactsEnregistres.id_contact)
    )
    return int(found) if found is not None else None


async def existing_contact(
    session: AsyncSession, *, owner_id: int, contact_user_id: int
) -> int | None:
    found = await session.scalar(
        select(ContactsEnregistres.id_contact).where(
            ContactsEnregistres.id_user == owner_id,
            ContactsEnregistres.id_user_contact == contact_user_id,
        )
    )
    return int(found) if found is not None else None


async def rename_contact(
    session: AsyncSession, *, owner_id: int, contact_id: int, alias: str | None
) -> bool:
    found = await session.scalar(
        update(ContactsEnregistres)
        .where(
            ContactsEnregistres.id_contact == contact_id,
            ContactsEnregistres.id_user == owner_id,
        )
        .values(alias=alias)
        .returning(ContactsEnregistres.id_contact),
        execution_options={"synchronize_session": False},
    )
    return found is not None


async def delete_contact(session: AsyncSession, *, owner_id: int, contact_id: int) -> bool:
    found = await session.scalar(
        delete(ContactsEnregistres)
        .where(
            ContactsEnregistres.id_contact == contact_id,
            ContactsEnregistres.id_user == owner_id,
        )
        .returning(ContactsEnregistres.id_contact),
        execution_options={"synchronize_session": False},
    )
    return found is not None


async def touch_last_sent(
    executor: AsyncSession | AsyncConnection, *, pairs: Sequence[tuple[int, int]]
) -> None:
    """`(owner, contact)` pairs: the owner just sent money to that person. One statement
    for many pairs (the wallet's notice writer passes the transfers it groups)."""
    if not pairs:
        return
    await executor.execute(
        _TOUCH_LAST_SENT,
        {"owners": [owner for owner, _ in pairs], "contacts": [contact for _, contact in pairs]},
    )


# Core text, not the ORM entity: the same statement runs on a session or a connection.
_TOUCH_LAST_SENT = text(
    """
UPDATE contacts_enregistres c SET date_dernier_envoi = now()
FROM unnest(CAST(:owners AS integer[]), CAST(:contacts AS integer[])) AS p(owner, contact)
WHERE c.id_user = p.owner AND c.id_user_contact = p.contact
"""
)


# ------------------------------------------------------------------------ suggestions


async def suggestions(
    session: AsyncSession,
    *,
    owner_id: int,
    wallet_id: int,
    window: timedelta,
    scan_limit: int,
    limit: int,
) -> list[SuggestionRow]:
    """People whose wallet received money from `wallet_id` within `window`, not saved yet,
    latest first, one row each. Only the latest `scan_limit` sends are read, so that a
    merchant-like sender with thousands of transfers costs the same as anyone."""
    recent = (
        select(
            Transaction.id_compte_destination.label("id_compte"),
            Transaction.date_creation.label("date_creation"),
        )
        .where(
            Transaction.id_compte_source == wallet_id,
            Transaction.type_transaction.in_(SENDING_TYPES),
            Transaction.date_creation >= func.now() - window,
        )
        .order_by(Transaction.date_creation.desc())
        .limit(scan_limit)
        .subquery("recent")
    )
    saved = exists().where(
        ContactsEnregistres.id_user == owner_id,
        ContactsEnregistres.id_user_contact == Utilisateur.id_user,
    )
    last = func.max(recent.c.date_creation).label("derniere_date")
    statement = (
        select(
            Utilisateur.prenom,
            Utilisateur.nom,
            Utilisateur.telephone,
            Utilisateur.email,
            Compte.numero_compte,
            last,
            func.count().label("nombre_envois"),
        )
        .select_from(recent)
        .join(Compte, and_(Compte.id_compte == recent.c.id_compte, is_user_wallet()))
        .join(Utilisateur, Utilisateur.id_user == Compte.id_user)
        .where(Utilisateur.id_user != owner_id, Utilisateur.actif.is_(True), ~saved)
        .group_by(Utilisateur.id_user, Compte.numero_compte)
        .order_by(last.desc(), Utilisateur.id_user)
        .limit(limit)
    )
    return [
        SuggestionRow(
            prenom=row.prenom,
            nom=row.nom,
            telephone=row.telephone,
            email=row.email,
            numero_compte=row.numero_compte,
            derniere_date=row.derniere_date,
            nombre_envois=int(row.nombre_envois),
        )
        for row in await session.execute(statement)
    ]
