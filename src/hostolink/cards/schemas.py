"""What the card looks like through the API. Only the details answer, given to the owner
after PIN, carries the full number and the CVV; their fields never show in a repr."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hostolink.cards.crypto import masked
from hostolink.models import CarteBancaire

CardStatus = Literal["active", "gelee", "expiree", "annulee"]


class CardPinBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    pin: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="PIN (mot de passe) du compte ; inutile avec l'en-tête X-Jeton-Pin.",
    )


class CardOut(BaseModel):
    numero_masque: str = Field(examples=["•••• •••• •••• 4242"])
    derniers_chiffres: str = Field(examples=["4242"])
    nom_titulaire: str = Field(examples=["AWA KONE"])
    mois_expiration: int = Field(examples=[11])
    annee_expiration: int = Field(examples=[2031])
    statut: CardStatus = Field(description="active, gelee (gelée), expiree ou annulee.")
    type_carte: str = Field(examples=["virtuelle"])
    reseau: str = Field(default="Hostolink", description="Émetteur de la carte.")
    date_creation: datetime

    @classmethod
    def of(cls, card: CarteBancaire) -> CardOut:
        return cls(
            numero_masque=masked(card.derniers_chiffres),
            derniers_chiffres=card.derniers_chiffres,
            nom_titulaire=card.nom_titulaire,
            mois_expiration=card.mois_expiration,
            annee_expiration=card.annee_expiration,
            statut=card.statut,
            type_carte=card.type_carte,
            date_creation=card.date_creation,
        )


class CardAnswer(BaseModel):
    success: bool = True
    message: str
    data: CardOut


class CardDetailsOut(CardOut):
    numero: str = Field(repr=False, description="Numéro complet (16 chiffres).")
    numero_formate: str = Field(repr=False, examples=["9991 2300 1234 4242"])
    cvv: str = Field(repr=False, description="Cryptogramme visuel (3 chiffres).")


class CardDetailsAnswer(BaseModel):
    success: bool = True
    message: str
    data: CardDetailsOut = Field(repr=False)
