"""Bodies and answers of the claim routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hostolink.kit.money import Amount

Category = Literal["operation_echouee", "montant_incorrect", "non_recu", "non_autorisee", "autre"]
Resolution = Literal["contre_passation", "ajustement_credit", "ajustement_debit", "sans_suite"]
Motif = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=500)]

CATEGORY_LABELS = {
    "operation_echouee": "Opération échouée",
    "montant_incorrect": "Montant incorrect",
    "non_recu": "Argent non reçu",
    "non_autorisee": "Opération non autorisée",
    "autre": "Autre",
}
STATUS_LABELS = {
    "ouverte": "En cours d'examen",
    "a_approuver": "Décision en attente d'approbation",
    "resolue": "Résolue",
    "rejetee": "Classée sans suite",
}


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ClaimBody(Body):
    """The object defaults to the conversation's linked transaction or operation."""

    categorie: Category
    description: str = Field(min_length=10, max_length=2000)
    reference_transaction: str | None = Field(default=None, max_length=40)
    reference_operation: str | None = Field(default=None, max_length=40)

    @model_validator(mode="after")
    def _one_object(self) -> ClaimBody:
        if self.reference_transaction and self.reference_operation:
            raise ValueError("Indiquez une transaction ou une opération, pas les deux.")
        return self


class DecisionBody(Body):
    resolution: Resolution
    montant: Amount | None = Field(
        default=None, description="Obligatoire pour un ajustement ; interdit sinon."
    )
    motif: Motif = Field(description="Raison de la décision, gardée au journal.")

    @model_validator(mode="after")
    def _amount_when_adjusting(self) -> DecisionBody:
        adjusting = self.resolution in ("ajustement_credit", "ajustement_debit")
        if adjusting and self.montant is None:
            raise ValueError("Indiquez le montant de l'ajustement.")
        if not adjusting and self.montant is not None:
            raise ValueError("Le montant ne s'indique que pour un ajustement.")
        return self


class MotifBody(Body):
    motif: Motif = Field(description="Raison, gardée au journal.")


class ClaimOut(BaseModel):
    id_reclamation: int
    id_conversation: int
    reference_transaction: str | None = Field(examples=["HL-7K2Q9X4M0A1B"])
    reference_operation: str | None
    categorie: Category
    libelle_categorie: str = Field(examples=["Argent non reçu"])
    description: str
    statut: Literal["ouverte", "a_approuver", "resolue", "rejetee"]
    libelle_statut: str = Field(examples=["Résolue"])
    resolution: Resolution | None
    montant: int | None = Field(examples=[25000])
    motif_decision: str | None
    reference_resultat: str | None = Field(description="Contre-passation ou ajustement passé.")
    date_ouverture: datetime
    date_decision: datetime | None
    approbation_requise: bool = Field(description="La décision attend une seconde personne.")


class ClaimAdminOut(ClaimOut):
    id_user: int
    id_agent_propose: int | None
    prenom_agent_propose: str | None
    id_approbateur: int | None


class ClaimAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: ClaimOut


class ClaimListAnswer(BaseModel):
    success: bool = True
    data: list[ClaimOut]


class ClaimAdminAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: ClaimAdminOut


class ClaimAdminListAnswer(BaseModel):
    success: bool = True
    data: list[ClaimAdminOut]
