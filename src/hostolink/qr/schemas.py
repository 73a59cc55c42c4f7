"""QR code requests and answers. A payload carries no personal data, and neither does a
resolution beyond what the payer needs to recognise whom they pay."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from hostolink.kit.money import Amount

MIN_DYNAMIC_TTL_SECONDS = 30
# The highest value QR_DYNAMIC_TTL_SECONDS itself accepts: a week (an invoice sent by
# message); the setting is the default, shorter-lived for a QR shown at a counter.
MAX_DYNAMIC_TTL_SECONDS = 7 * 24 * 3600
PAYLOAD_FIELD = Field(
    min_length=1,
    max_length=256,
    description="Contenu lu dans le QR code (HL1.<clé>.<code>.<signature>).",
    examples=["HL1.1.Q7YXT2BK9MPA.4HGK2QZ7VJ3T5NXWLB6RD2YCEA"],
)


class DynamicQrBody(BaseModel):
    montant: Amount
    libelle: str | None = Field(
        default=None, max_length=140, description="Objet du paiement, affiché au payeur."
    )
    duree_secondes: int | None = Field(
        default=None,
        strict=True,
        ge=MIN_DYNAMIC_TTL_SECONDS,
        le=MAX_DYNAMIC_TTL_SECONDS,
        description="Durée de validité en secondes (par défaut celle du serveur, 15 minutes).",
    )

    @field_validator("libelle")
    @classmethod
    def _tidy_label(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = " ".join(value.split())
        return text or None


class PayloadBody(BaseModel):
    payload: str = PAYLOAD_FIELD


class QrImages(BaseModel):
    png: str = Field(examples=["/api/qr/Q7YXT2BK9MPA.png"])
    svg: str = Field(examples=["/api/qr/Q7YXT2BK9MPA.svg"])


class QrOut(BaseModel):
    code: str
    payload: str = Field(description="Texte du QR code, à encoder tel quel.")
    type_qr: Literal["statique", "dynamique"]
    montant: int | None = Field(description="Montant fixe en francs CFA (QR dynamique).")
    devise: str
    libelle: str | None
    statut: str
    date_creation: datetime
    date_expiration: datetime | None
    images: QrImages


class QrAnswer(BaseModel):
    success: bool = True
    message: str
    data: QrOut


class QrListAnswer(BaseModel):
    success: bool = True
    data: list[QrOut]


class RecipientOut(BaseModel):
    nom_affiche: str = Field(examples=["Awa K."])
    telephone_masque: str | None = Field(examples=["+225 07 •• •• •• 04"])
    type: Literal["utilisateur", "marchand"]


class Resolution(BaseModel):
    type_qr: Literal["statique", "dynamique"]
    montant: int | None = Field(description="Montant à payer ; null : le payeur le saisit.")
    libelle: str | None
    devise: str
    destinataire: RecipientOut
    date_expiration: datetime | None


class ResolutionAnswer(BaseModel):
    success: bool = True
    message: str = "QR code valide : vérifiez le destinataire avant de payer."
    data: Resolution


class DecodedOut(BaseModel):
    payload: str
    resolution: Resolution


class DecodedAnswer(BaseModel):
    success: bool = True
    message: str = "QR code lu : vérifiez le destinataire avant de payer."
    data: DecodedOut
