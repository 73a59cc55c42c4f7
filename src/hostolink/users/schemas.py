"""What a person's profile looks like through the API: never a hash, an OTP or a token."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hostolink.auth.repository import Principal
from hostolink.models import Compte, Utilisateur


class CompteOut(BaseModel):
    numero_compte: str
    solde: int = Field(description="Solde en francs CFA (XOF, sans décimales).")
    devise: str
    statut: str

    @classmethod
    def of(cls, compte: Compte) -> CompteOut:
        return cls(
            numero_compte=compte.numero_compte,
            solde=compte.solde,
            devise=compte.devise,
            statut=compte.statut,
        )


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
    def of(cls, user: Utilisateur, compte: Compte | None, roles: frozenset[str]) -> UserOut:
        return cls(
            id_user=user.id_user,
            nom=user.nom,
            prenom=user.prenom,
            email=user.email,
            telephone=user.telephone,
            pays=user.pays,
            photo_profile=user.photo_profile,
            date_inscription=user.date_inscription,
            compte_verifier=user.compte_verifier,
            actif=user.actif,
            niveau_kyc=user.niveau_kyc,
            roles=sorted(roles),
            compte=CompteOut.of(compte) if compte else None,
        )

    @classmethod
    def of_principal(cls, principal: Principal) -> UserOut:
        return cls.of(principal.user, principal.compte, principal.roles)


class MeAnswer(BaseModel):
    success: bool = True
    data: UserOut


class ProfileAnswer(MeAnswer):
    message: str


def _clean_name(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    if not value:
        raise ValueError("Ce champ ne peut pas être vide.")
    return value


Name = Annotated[str | None, AfterValidator(_clean_name), Field(max_length=100)]


class ProfileUpdate(BaseModel):
    """Only these fields; e-mail and phone change through a verified flow, not here."""

    model_config = ConfigDict(extra="forbid")

    nom: Name = None
    prenom: Name = None
    pays: Name = None


class DeviceBody(BaseModel):
    fcm_token: Annotated[str, Field(min_length=1, max_length=4096)]
    plateforme: Annotated[str | None, Field(max_length=20)] = None
