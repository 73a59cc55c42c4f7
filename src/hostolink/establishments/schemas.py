"""Bodies and answers of establishment accounts: management requests, the manager's
establishments and merchant wallet, experts and their invitations."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hostolink.qr.schemas import QrImages


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ------------------------------------------------------------------------ bodies


class ManagementRequestBody(_Body):
    justificatif: str = Field(
        min_length=10,
        max_length=2000,
        description="Votre fonction dans l'établissement et comment la vérifier.",
        examples=["Directeur administratif, joignable au standard : +225 27 22 48 00 00"],
    )


class RefusalBody(_Body):
    motif: str = Field(
        min_length=3, max_length=500, description="Raison du refus, communiquée au demandeur."
    )


class InvitationBody(_Body):
    identifiant: str = Field(
        min_length=3,
        max_length=320,
        description="Téléphone ou e-mail du compte Hostolink de l'expert.",
        examples=["0701020304"],
    )
    specialite: str = Field(min_length=2, max_length=100, examples=["Pédiatrie"])


class DeclineBody(_Body):
    motif: str | None = Field(default=None, max_length=500)


# ------------------------------------------------------------------------ answers


class PersonOut(BaseModel):
    id_user: int
    nom_affiche: str = Field(examples=["Awa K."])
    telephone_masque: str | None = Field(examples=["+225 07 •• •• •• 04"])
    email_masque: str | None = Field(examples=["a•••@gmail.com"])


class MembershipOut(BaseModel):
    id_etablissement: int
    nom_etablissement: str
    role: Literal["gestionnaire", "expert"]
    statut: str = Field(description="demande, invite, actif, refuse ou retire.")
    specialite: str | None = None
    motif: str | None = None
    date_creation: datetime
    date_traitement: datetime | None = None


class MembershipAnswer(BaseModel):
    success: bool = True
    message: str
    data: MembershipOut


class PendingRequestOut(BaseModel):
    id_etablissement: int
    nom_etablissement: str
    demandeur: PersonOut
    justificatif: str | None
    date_creation: datetime


class PendingRequestsAnswer(BaseModel):
    success: bool = True
    data: list[PendingRequestOut]
    curseur_suivant: str | None = Field(
        description="À renvoyer dans `curseur` pour la page suivante ; vide à la fin."
    )


class MerchantWalletOut(BaseModel):
    numero_compte: str
    solde: int = Field(description="Solde en francs CFA.")
    devise: str
    statut: str


class DecisionOut(BaseModel):
    id_etablissement: int
    id_user: int
    statut: str
    motif: str | None = None
    date_traitement: datetime | None
    portefeuille: MerchantWalletOut | None = None


class DecisionAnswer(BaseModel):
    success: bool = True
    message: str
    data: DecisionOut


class ManagedOut(BaseModel):
    id_etablissement: int
    nom: str
    categorie: str
    role: Literal["gestionnaire", "expert"]
    portefeuille: MerchantWalletOut | None = Field(
        description="Le compte marchand de l'établissement (gestionnaires seulement)."
    )


class ManagedAnswer(BaseModel):
    success: bool = True
    data: list[ManagedOut]


class StaticQrOut(BaseModel):
    payload: str = Field(description="Texte du QR code statique, à encoder tel quel.")
    images: QrImages


class PortfolioOut(BaseModel):
    id_etablissement: int
    nom: str
    portefeuille: MerchantWalletOut
    qr_statique: StaticQrOut


class PortfolioAnswer(BaseModel):
    success: bool = True
    data: PortfolioOut


class ExpertOut(BaseModel):
    expert: PersonOut
    specialite: str | None
    statut: str = Field(description="invite, actif, refuse ou retire.")
    date_creation: datetime
    date_traitement: datetime | None


class ExpertAnswer(BaseModel):
    success: bool = True
    message: str
    data: ExpertOut


class ExpertsAnswer(BaseModel):
    success: bool = True
    data: list[ExpertOut]


class InvitationOut(BaseModel):
    id_etablissement: int
    nom_etablissement: str
    categorie: str
    specialite: str | None
    date_creation: datetime


class InvitationsAnswer(BaseModel):
    success: bool = True
    data: list[InvitationOut]
