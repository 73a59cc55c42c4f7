"""Saved-contact requests and answers. A contact is shown masked (phone, e-mail) even to the
person who saved it: the list is on a phone that may be lost or looked over, and the app
needs no more to send money (`id_contact` or `numero_compte`)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

from hostolink.kit.account_numbers import is_valid_account_number
from hostolink.kit.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    InvalidIdentifier,
    parse_identifier,
)

ALIAS_MAX_LENGTH = 100
# BIGINT's upper bound: a larger id in the path is a 422, not an overflow in the driver.
# Control characters and lone surrogates (PostgreSQL refuses NUL and invalid UTF-8); format
# characters such as the zero-width joiner of composed emoji are fine.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs"})


def normalise_identifiant(value: str) -> str:
    """A phone number (any usual writing) → E.164; an e-mail → lower case; a Hostolink account
    number → `HL…` without spaces. Raises ValueError with the French message."""
    compact = value.replace(" ", "").upper()
    if compact.startswith("HL") and is_valid_account_number(compact):
        return compact
    try:
        return parse_identifier(value).value
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from exc


def _clean_alias(value: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    if not text:
        raise ValueError("L'alias ne peut pas être vide (envoyez null pour l'effacer).")
    if len(text) > ALIAS_MAX_LENGTH:
        raise ValueError(f"L'alias ne doit pas dépasser {ALIAS_MAX_LENGTH} caractères.")
    if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in text):
        raise ValueError("L'alias contient des caractères non autorisés.")
    return text


Alias = Annotated[
    str | None,
    AfterValidator(_clean_alias),
    Field(
        description=f"Nom donné au contact (1 à {ALIAS_MAX_LENGTH} caractères), ou null.",
        examples=["Maman"],
    ),
]
Identifiant = Annotated[
    str,
    AfterValidator(normalise_identifiant),
    Field(
        max_length=MAX_IDENTIFIER_LENGTH,
        description="Numéro de téléphone (toute écriture usuelle), e-mail ou numéro de compte "
        "Hostolink de la personne.",
        examples=["07 01 02 03 04"],
    ),
]


class NewContactBody(BaseModel):
    identifiant: Identifiant
    alias: Alias = None


class RenameBody(BaseModel):
    alias: Alias = Field(description="Nouveau nom du contact ; null efface l'alias.")


class ContactOut(BaseModel):
    id_contact: int
    alias: str | None
    nom_affiche: str = Field(
        description="Prénom et nom de la personne, à défaut son identifiant masqué.",
        examples=["Awa Koné"],
    )
    telephone_masque: str | None = Field(examples=["+225 07 •• •• •• 04"])
    email_masque: str | None = Field(examples=["a•••@gmail.com"])
    numero_compte: str | None = Field(
        description="Numéro du portefeuille de la personne.", examples=["HL4831907268"]
    )
    date_ajout: datetime
    date_dernier_envoi: datetime | None


class ContactDetailAnswer(BaseModel):
    success: bool = True
    data: ContactOut


class ContactAnswer(ContactDetailAnswer):
    message: str


class ContactListAnswer(BaseModel):
    success: bool = True
    data: list[ContactOut]


class SuggestionOut(BaseModel):
    nom_affiche: str = Field(examples=["Awa Koné"])
    telephone_masque: str | None = Field(examples=["+225 07 •• •• •• 04"])
    email_masque: str | None = Field(examples=["a•••@gmail.com"])
    numero_compte: str = Field(
        description="À envoyer comme `identifiant` à POST /api/contacts pour l'enregistrer.",
        examples=["HL4831907268"],
    )
    derniere_date: datetime = Field(description="Dernier envoi à cette personne.")
    nombre_envois: int = Field(description="Envois à cette personne sur la période récente.")


class SuggestionListAnswer(BaseModel):
    success: bool = True
    data: list[SuggestionOut]


class DeletedAnswer(BaseModel):
    success: bool = True
    message: str
