"""Saved beneficiaries: a person's address book of Hostolink users, and suggestions drawn from
whom they sent money to lately.

`resolve_contact` and `touch_last_sent` are the wallet's entry points (a transfer to a saved
contact, and the "last sent" date that orders the list).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hostolink.auth.principal import Principal
from hostolink.contacts import repository
from hostolink.contacts.errors import (
    CannotSaveSelf,
    ContactAlreadySaved,
    ContactNotFound,
    TooManyContacts,
    UnknownUser,
)
from hostolink.contacts.repository import ContactRow, SuggestionRow
from hostolink.contacts.schemas import ContactOut, SuggestionOut
from hostolink.kit.masking import full_name, mask_email, mask_phone

__all__ = [
    "ContactNotFound",
    "add_contact",
    "delete_contact",
    "get_contact",
    "list_contacts",
    "rename_contact",
    "resolve_contact",
    "suggestions",
    "touch_last_sent",
]

# An address book, not a directory: the list answers in one page, so its size is capped at
# the moment of saving (two saves racing at the cap may pass it by one; harmless).
MAX_CONTACTS = 500
SUGGESTION_LIMIT = 10
SUGGESTION_WINDOW = timedelta(days=90)
SUGGESTION_SCAN_LIMIT = 1000
ANONYMOUS = "Utilisateur Hostolink"


def _shown_name(
    prenom: str | None, nom: str | None, telephone: str | None, email: str | None
) -> str:
    return full_name(prenom, nom) or mask_phone(telephone) or mask_email(email) or ANONYMOUS


def present(row: ContactRow) -> ContactOut:
    return ContactOut(
        id_contact=row.id_contact,
        alias=row.alias,
        nom_affiche=_shown_name(row.prenom, row.nom, row.telephone, row.email),
        telephone_masque=mask_phone(row.telephone),
        email_masque=mask_email(row.email),
        numero_compte=row.numero_compte,
        date_ajout=row.date_ajout,
        date_dernier_envoi=row.date_dernier_envoi,
    )


def present_suggestion(row: SuggestionRow) -> SuggestionOut:
    return SuggestionOut(
        nom_affiche=_shown_name(row.prenom, row.nom, row.telephone, row.email),
        telephone_masque=mask_phone(row.telephone),
        email_masque=mask_email(row.email),
        numero_compte=row.numero_compte,
        derniere_date=row.derniere_date,
        nombre_envois=row.nombre_envois,
    )


async def list_contacts(session: AsyncSession, *, owner_id: int) -> list[ContactOut]:
    rows = await repository.list_contacts(session, owner_id=owner_id, limit=MAX_CONTACTS)
    return [present(row) for row in rows]


async def get_contact(session: AsyncSession, *, owner_id: int, contact_id: int) -> ContactOut:
    row = await repository.get_contact(session, owner_id=owner_id, contact_id=contact_id)
    if row is None:
        raise ContactNotFound
    return present(row)


async def add_contact(
    session: AsyncSession, *, owner_id: int, identifiant: str, alias: str | None
) -> ContactOut:
    """`identifiant` is already normalised (schemas.normalise_identifiant). Already saved →
    409 with the existing contact's id (not a silent 200: the app asked to create)."""
    person = await repository.find_person(session, identifiant=identifiant)
    if person is None or not person.actif:
        raise UnknownUser
    if person.id_user == owner_id:
        raise CannotSaveSelf
    if await repository.count_contacts(session, owner_id=owner_id) >= MAX_CONTACTS:
        existing = await repository.existing_contact(
            session, owner_id=owner_id, contact_user_id=person.id_user
        )
        if existing is not None:
            raise ContactAlreadySaved(id_contact=existing)
        raise TooManyContacts(limit=MAX_CONTACTS)
    contact_id = await repository.insert_contact(
        session, owner_id=owner_id, contact_user_id=person.id_user, alias=alias
    )
    if contact_id is None:
        existing = await repository.existing_contact(
            session, owner_id=owner_id, contact_user_id=person.id_user
        )
        raise ContactAlreadySaved(id_contact=existing)
    return await get_contact(session, owner_id=owner_id, contact_id=contact_id)


async def rename_contact(
    session: AsyncSession, *, owner_id: int, contact_id: int, alias: str | None
) -> ContactOut:
    renamed = await repository.rename_contact(
        session, owner_id=owner_id, contact_id=contact_id, alias=alias
    )
    if not renamed:
        raise ContactNotFound
    return await get_contact(session, owner_id=owner_id, contact_id=contact_id)


async def delete_contact(session: AsyncSession, *, owner_id: int, contact_id: int) -> None:
    if not await repository.delete_contact(session, owner_id=owner_id, contact_id=contact_id):
        raise ContactNotFound


async def suggestions(session: AsyncSession, *, principal: Principal) -> list[SuggestionOut]:
    if principal.compte is None:
        return []
    rows = await repository.suggestions(
        session,
        owner_id=principal.id,
        wallet_id=principal.compte.id_compte,
        window=SUGGESTION_WINDOW,
        scan_limit=SUGGESTION_SCAN_LIMIT,
        limit=SUGGESTION_LIMIT,
    )
    return [present_suggestion(row) for row in rows]


# ------------------------------------------------------------------- for the wallet


async def resolve_contact(session: AsyncSession, *, owner_id: int, contact_id: int) -> int:
    """The user id behind one of `owner_id`'s contacts; ContactNotFound (404) otherwise,
    another person's contact included."""
    user_id = await repository.contact_user(session, owner_id=owner_id, contact_id=contact_id)
    if user_id is None:
        raise ContactNotFound
    return user_id


async def touch_last_sent(
    connection_or_session: AsyncConnection | AsyncSession,
    *,
    pairs: Sequence[tuple[int, int]],
) -> None:
    """Record that each owner just sent money to each contact user of `pairs` (orders the
    list); a pair that is not a saved contact changes nothing."""
    await repository.touch_last_sent(connection_or_session, pairs=pairs)
