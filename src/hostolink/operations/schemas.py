"""Bodies and answers of the deposit and withdrawal routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class ActionCode(BaseModel):
    type: Literal["otp"] = "otp"
    message: str = Field(
        description="Consigne pour le payeur, en français.",
        examples=["Saisissez le code reçu par SMS de Moov Money"],
    )


class ActionRedirection(BaseModel):
    type: Literal["redirection"] = "redirection"
    url: str = Field(description="La page ou l'application où le payeur confirme.")


ActionAttendue = Annotated[ActionCode | ActionRedirection, Field(discriminator="type")]


class OperationOut(BaseModel):
    reference: str = Field(description="Référence Hostolink de l'opération (UUID).")
    sens: Literal["depot", "retrait"]
    fournisseur: str
    nom_fournisseur: str
    statut: str = Field(
        description="initiee (le fournisseur n'a pas encore accusé réception), en_attente, "
        "a_verifier (pas de réponse définitive du fournisseur dans l'horizon : notre équipe "
        "vérifie, l'argent d'un retrait reste bloqué), reussie, echouee ou expiree (session de "
        "paiement expirée chez le fournisseur)."
    )
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
    action_attendue: ActionAttendue | None = Field(
        default=None,
        description="Dépôt en attente : ce que le payeur doit faire — saisir le code reçu "
        "par SMS (`otp`, puis POST /api/depots/{reference}/code) ou ouvrir une page "
        "(`redirection`) ; null quand rien n'est attendu de lui.",
    )

    @model_validator(mode="after")
    def _page_to_open(self) -> OperationOut:
        # Any provider's payment page is a redirection the payer follows.
        if self.action_attendue is None and self.sens == "depot" and self.url_paiement:
            self.action_attendue = ActionRedirection(url=self.url_paiement)
        return self


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
