"""Bodies and answers of the deposit and withdrawal routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hostolink.kit.money import Amount

RailCode = Field(
    min_length=2,
    max_length=30,
    description="Moyen de paiement : orange_money, mtn_momo, moov_money, wave, djamo, banque, "
    "sandbox (liste et disponibilité : GET /api/fournisseurs).",
    examples=["sandbox"],
)
Number = Field(
    min_length=8,
    max_length=20,
    description="Numéro mobile money (toute écriture : 0701020304, +225 07 01 02 03 04…).",
    examples=["0701020304"],
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DepositBody(_Body):
    fournisseur: str = RailCode
    montant: Amount = Field(description="Montant à créditer, en francs CFA (entier).")
    numero: str = Number


class WithdrawalBody(_Body):
    fournisseur: str = RailCode
    montant: Amount = Field(description="Montant que le bénéficiaire reçoit, en francs CFA.")
    numero: str = Number
    pin: str | None = Field(
        default=None, max_length=128, description="PIN, si l'en-tête X-Jeton-Pin n'est pas envoyé."
    )


class StatusChange(BaseModel):
    statut: str
    statut_precedent: str | None
    origine: str
    date: datetime


class OperationOut(BaseModel):
    reference: str = Field(description="Référence Hostolink de l'opération (UUID).")
    sens: Literal["depot", "retrait"]
    fournisseur: str
    nom_fournisseur: str
    statut: str = Field(description="initiee, en_attente, reussie, echouee ou expiree.")
    montant: int
    frais: int
    montant_total: int = Field(
        description="Dépôt : ce que le payeur paie (montant + frais). Retrait : ce qui est "
        "débité du portefeuille (montant + frais)."
    )
    devise: str
    numero: str
    url_paiement: str | None = Field(
        description="Dépôt : la page ou le lien où le payeur confirme le paiement."
    )
    motif_echec: str | None
    date_creation: datetime
    date_finalisation: datetime | None
    historique: list[StatusChange]


class OperationAnswer(BaseModel):
    success: bool = True
    message: str
    data: OperationOut


class OperationsPage(BaseModel):
    success: bool = True
    data: list[OperationOut]
    curseur_suivant: str | None = None


class RouteOut(BaseModel):
    disponible: bool
    raison: str | None = None


class RailOut(BaseModel):
    code: str
    nom: str
    prefixes: list[str] = Field(description="Préfixes des numéros de l'opérateur (vide : tous).")
    depot: RouteOut
    retrait: RouteOut
    frais: dict[str, Any] = Field(default_factory=dict)


class RailsAnswer(BaseModel):
    success: bool = True
    data: list[RailOut]


class ResolutionBody(_Body):
    statut: Literal["reussie", "echouee"]
    motif: str = Field(min_length=5, max_length=500)
