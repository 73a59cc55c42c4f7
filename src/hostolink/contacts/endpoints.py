"""The caller's saved beneficiaries. Every route is the caller's own address book: another
person's contact id answers 404, as if it did not exist."""

from __future__ import annotations

from typing import Any

from hostolink.auth.deps import CurrentUser, authenticated_router
from hostolink.contacts import service
from hostolink.contacts.errors import (
    CannotSaveSelf,
    ContactAlreadySaved,
    ContactNotFound,
    UnknownUser,
)
from hostolink.contacts.schemas import (
    ContactAnswer,
    ContactDetailAnswer,
    ContactListAnswer,
    DeletedAnswer,
    NewContactBody,
    RenameBody,
    SuggestionListAnswer,
)
from hostolink.db import SessionDep
from hostolink.kit.params import ContactId

router = authenticated_router(tags=["Contacts"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": ContactNotFound.message}}


@router.get(
    "/api/contacts",
    summary="Mes contacts enregistrés",
    description=f"Les plus récemment utilisés d'abord, puis par nom ; au plus "
    f"{service.MAX_CONTACTS}.",
    response_model=ContactListAnswer,
)
async def list_contacts(principal: CurrentUser, session: SessionDep) -> ContactListAnswer:
    return ContactListAnswer(data=await service.list_contacts(session, owner_id=principal.id))


@router.post(
    "/api/contacts",
    summary="Enregistrer un contact (téléphone, e-mail ou numéro de compte)",
    status_code=201,
    response_model=ContactAnswer,
    responses={
        400: {"description": CannotSaveSelf.message},
        404: {"description": UnknownUser.message},
        409: {"description": f"{ContactAlreadySaved.message} (avec son `id_contact`)"},
    },
)
async def add_contact(
    body: NewContactBody, principal: CurrentUser, session: SessionDep
) -> ContactAnswer:
    contact = await service.add_contact(
        session, owner_id=principal.id, identifiant=body.identifiant, alias=body.alias
    )
    return ContactAnswer(message="Contact enregistré.", data=contact)


# Declared before `/{id_contact}` so that "suggestions" is never read as an id.
@router.get(
    "/api/contacts/suggestions",
    summary="Personnes à qui j'ai envoyé de l'argent récemment, pas encore enregistrées",
    description=f"Au plus {service.SUGGESTION_LIMIT}, les plus récentes d'abord, sur les "
    f"{service.SUGGESTION_WINDOW.days} derniers jours.",
    response_model=SuggestionListAnswer,
)
async def suggestions(principal: CurrentUser, session: SessionDep) -> SuggestionListAnswer:
    return SuggestionListAnswer(data=await service.suggestions(session, principal=principal))


@router.get(
    "/api/contacts/{id_contact}",
    summary="Un de mes contacts",
    response_model=ContactDetailAnswer,
    responses=_NOT_FOUND,
)
async def get_contact(
    id_contact: ContactId, principal: CurrentUser, session: SessionDep
) -> ContactDetailAnswer:
    contact = await service.get_contact(session, owner_id=principal.id, contact_id=id_contact)
    return ContactDetailAnswer(data=contact)


@router.patch(
    "/api/contacts/{id_contact}",
    summary="Renommer un contact (alias null pour l'effacer)",
    response_model=ContactAnswer,
    responses=_NOT_FOUND,
)
async def rename_contact(
    id_contact: ContactId, body: RenameBody, principal: CurrentUser, session: SessionDep
) -> ContactAnswer:
    contact = await service.rename_contact(
        session, owner_id=principal.id, contact_id=id_contact, alias=body.alias
    )
    return ContactAnswer(message="Contact modifié.", data=contact)


@router.delete(
    "/api/contacts/{id_contact}",
    summary="Supprimer un contact",
    response_model=DeletedAnswer,
    responses=_NOT_FOUND,
)
async def delete_contact(
    id_contact: ContactId, principal: CurrentUser, session: SessionDep
) -> DeletedAnswer:
    await service.delete_contact(session, owner_id=principal.id, contact_id=id_contact)
    return DeletedAnswer(message="Contact supprimé.")
