"""Bodies and answers of the identifier change (`/api/mon-compte/identifiant`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from hostolink.auth.schemas import Answer, Body, OtpCode, Secret
from hostolink.kit.identifiers import InvalidIdentifier, parse_identifier

Kind = Literal["telephone", "email"]


def _normalise(value: str) -> str:
    """Any writing of a phone number or an e-mail, as every identifier (kit/identifiers.py)."""
    try:
        return parse_identifier(value).value
    except InvalidIdentifier as exc:
        raise ValueError(str(exc)) from exc


class ChangeIdentifierBody(Body):
    nouvel_identifiant: Annotated[
        str,
        AfterValidator(_normalise),
        Field(
            max_length=320,
            description="Nouveau numéro de téléphone (toute écriture usuelle) ou nouvelle "
            "adresse e-mail.",
            examples=["07 09 08 07 06"],
        ),
    ]
    pin: Annotated[Secret, Field(description="PIN (mot de passe) actuel du compte.")]


class ConfirmIdentifierBody(Body):
    code: Annotated[OtpCode, Field(description="Code à 6 chiffres reçu au nouvel identifiant.")]


class ChangeRequested(BaseModel):
    type_identifiant: Kind
    destination: str = Field(description="Le nouvel identifiant, masqué.")
    moyen: Literal["sms", "email"]
    expire_dans: int = Field(description="Validité du code, en secondes.")


class ChangeRequestedAnswer(Answer):
    data: ChangeRequested


class ChangeConfirmed(BaseModel):
    type_identifiant: Kind
    email: str | None
    telephone: str | None


class ChangeConfirmedAnswer(Answer):
    data: ChangeConfirmed
