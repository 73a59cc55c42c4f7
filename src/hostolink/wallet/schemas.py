"""Request and answer bodies of the wallet."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hostolink.kit.money import Amount
from hostolink.kit.params import BigRef

Description = Field(default=None, max_length=255, description="Note pour le destinataire.")
Pin = Field(
    default=None,
    min_length=1,
    max_length=128,
    description="PIN du compte, si l'en-tête X-Jeton-Pin n'est pas envoyé.",
)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TransferBody(Body):
    """Exactly one of `destinataire`, `id_contact`."""

    montant: Amount
    destinataire: str | None = Field(
        default=None,
        min_length=3,
        max_length=254,
        description="Téléphone (toute écriture ivoirienne), e-mail ou numéro de compte HL….",
        examples=["0701020304"],
    )
    id_contact: BigRef | None = Field(
        default=None, description="Un contact enregistré (GET /api/contacts)."
    )
    description: str | None = Description
    pin: str | None = Pin

    @model_validator(mode="after")
    def _one_recipient(self) -> TransferBody:
        if (self.destinataire is None) == (self.id_contact is None):
            raise ValueError("Indiquez soit « destinataire », soit « id_contact ».")
        return self


class PartyOut(BaseModel):
    nom_affiche: str = Field(examples=["Awa K."])
    telephone_masque: str | None = Field(default=None, examples=["+225 07 •• •• •• 04"])
    numero_compte: str | None = Field(default=None, examples=["HL4831907268"])
    type: str = Field(description="utilisateur, marchand ou systeme", examples=["utilisateur"])


class TransferData(BaseModel):
    reference: str = Field(examples=["HL-7K2Q9X4M0A1B"])
    type_transaction: str
    statut: str
    montant: int = Field(description="Montant reçu par le destinataire.")
    frais: int
    montant_debite: int = Field(description="Montant + frais, débité de votre solde.")
    devise: str
    destinataire: PartyOut
    nouveau_solde: int = Field(description="Votre solde après l'opération.")
    description: str | None
    date: datetime


class TransferAnswer(BaseModel):
    success: bool = True
    message: str
    data: TransferData


class WalletLimitsOut(BaseModel):
    niveau_kyc: int
    libelle: str | None
    solde_max: int
    montant_max_operation: int
    envoi_journalier: int
    envoi_journalier_restant: int
    envoi_mensuel: int
    envoi_mensuel_restant: int
    retrait_journalier: int
    retrait_journalier_restant: int
    retrait_mensuel: int
    retrait_mensuel_restant: int


class WalletOut(BaseModel):
    numero_compte: str
    solde: int = Field(description="Solde disponible, en francs CFA.")
    devise: str
    statut: str
    montant_bloque: int = Field(
        default=0,
        description="Retraits en cours ou en vérification (montant + frais) : déjà sortis du "
        "solde, bloqués jusqu'à la réponse définitive de l'opérateur ; rendus si le retrait "
        "échoue.",
    )
    plafonds: WalletLimitsOut | None


class WalletAnswer(BaseModel):
    success: bool = True
    data: WalletOut


Direction = Literal["entrant", "sortant"]


class HistoryItem(BaseModel):
    reference: str
    type_transaction: str
    statut: str
    sens: Direction
    montant: int = Field(description="Montant de l'écriture sur votre compte, positif.")
    frais: int = Field(description="Frais payés par vous (opération sortante).")
    solde_apres: int
    contrepartie: PartyOut | None
    description: str | None
    date: datetime


class HistoryAnswer(BaseModel):
    success: bool = True
    data: list[HistoryItem]
    curseur_suivant: str | None = Field(
        description="À renvoyer dans `curseur` pour la page suivante ; vide à la fin."
    )


class EntryOut(BaseModel):
    numero_compte: str
    type_compte: str
    montant: int
    solde_apres: int


class ReceiptData(BaseModel):
    reference: str
    type_transaction: str
    statut: str
    montant: int
    frais: int
    devise: str
    source: PartyOut | None
    destination: PartyOut | None
    description: str | None
    motif: str | None = None
    reference_annulee: str | None = Field(
        default=None, description="Transaction contre-passée par celle-ci."
    )
    contre_passee_par: str | None = Field(
        default=None, description="Remboursement qui a contre-passé celle-ci."
    )
    date: datetime
    ecritures: list[EntryOut] | None = Field(
        default=None, description="Écritures du grand livre (administrateurs seulement)."
    )


class ReceiptAnswer(BaseModel):
    success: bool = True
    data: ReceiptData


class HistoryFilters(BaseModel):
    type: str | None = None
    sens: Direction | None = None
    du: date | None = None
    au: date | None = None


# ------------------------------------------------------------------------------- admin


class ReversalBody(Body):
    motif: str = Field(min_length=5, max_length=500, description="Raison, gardée au journal.")


class AdjustmentBody(Body):
    sens: Literal["credit", "debit"]
    montant: Amount
    motif: str = Field(min_length=5, max_length=500, description="Raison, gardée au journal.")


class AccountStatusBody(Body):
    statut: Literal["actif", "gele", "ferme"]
    motif: str = Field(min_length=5, max_length=500)


class AdminMovementAnswer(BaseModel):
    success: bool = True
    message: str
    data: ReceiptData


class AccountStatusAnswer(BaseModel):
    success: bool = True
    message: str
    numero_compte: str
    statut: str
