"""What a person's profile looks like through the API: never a hash, an OTP or a token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hostolink.auth.principal import Principal


class CompteOut(BaseModel):
    numero_compte: str
    solde: int = Field(description="Solde en francs CFA (XOF, sans décimales).")
    devise: str
    statut: str


class UserOut(BaseModel):
    id_user: int
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
    roles: list[str]
    compte: CompteOut | None

    @classmethod
    def of(cls, principal: Principal) -> UserOut:
        wallet = principal.compte
        return cls(
            id_user=principal.id,
            nom=principal.nom,
            prenom=principal.prenom,
            email=principal.email,
            telephone=principal.telephone,
            pays=principal.pays,
            photo_profile=principal.photo_profile,
            # The owner's column has no time zone; we always store UTC there: say so.
            date_inscription=(
                principal.date_inscription.replace(tzinfo=UTC)
                if principal.date_inscription
                else None
            ),
            compte_verifier=principal.compte_verifier,
            actif=principal.actif,
            niveau_kyc=principal.niveau_kyc,
            roles=sorted(principal.roles),
            compte=(
                CompteOut(
                    numero_compte=wallet.numero_compte,
                    solde=wallet.solde,
                    devise=wallet.devise,
                    statut=wallet.statut,
                )
                if wallet
                else None
            ),
        )


class MeAnswer(BaseModel):
    success: bool = True
    data: UserOut


class ProfileAnswer(MeAnswer):
    message: str


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("Ce champ ne peut pas être vide.")
    return value


# The length applies to the text, never to null (a constraint on the optional as a whole
# made pydantic measure `None` and fail with a 500; found by schemathesis).
Name = Annotated[str, Field(max_length=100), AfterValidator(_clean_name)] | None


class ProfileUpdate(BaseModel):
    """Only these fields; e-mail and phone change through a verified flow, not here."""

    model_config = ConfigDict(extra="forbid")

    nom: Name = None
    prenom: Name = None
    pays: Name = None


class DeviceBody(BaseModel):
    fcm_token: Annotated[str, Field(min_length=1, max_length=4096)]
    plateforme: Annotated[str | None, Field(max_length=20)] = None
