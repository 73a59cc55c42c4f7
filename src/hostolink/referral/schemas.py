"""Bodies and answers of the referral routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hostolink.kit.money import MAX_AMOUNT, Amount

Motif = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)]
Bonus = Annotated[int, Field(strict=True, ge=0, le=MAX_AMOUNT)]
Budget = Annotated[int, Field(strict=True, ge=0, le=10**12)]
Hours = Annotated[int, Field(strict=True, ge=0, le=720)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=120)]


class CampaignTerms(BaseModel):
    nom: str = Field(examples=["Parrainage rentrée 2026"])
    montant_parrain: int = Field(examples=[1000])
    montant_filleul: int = Field(examples=[500])
    depot_minimum: int = Field(examples=[5000])
    date_fin: datetime
    delai_validation_heures: int = Field(examples=[24])
    conditions: str = Field(description="Les conditions en français, prêtes à afficher.")


class InviteeOut(BaseModel):
    prenom: str = Field(examples=["Awa"])
    telephone: str | None = Field(default=None, examples=["+225 07 •• •• •• 04"])
    date: datetime = Field(description="Date d'inscription.")
    statut: Literal["inscrit", "en_validation", "recompense", "non_eligible"]
    statut_libelle: str = Field(examples=["premier dépôt en validation"])


class RewardOut(BaseModel):
    role: Literal["parrain", "filleul"]
    montant: int = Field(examples=[1000])
    date: datetime
    reference: str = Field(examples=["HL-7K2Q9X4M0A1B"])
    libelle: str = Field(examples=["Bonus de parrainage"])


class ReferralOverview(BaseModel):
    code: str = Field(examples=["K7QM4XPA"])
    lien: str = Field(examples=["https://hostolink.ci/i/K7QM4XPA"])
    campagne: CampaignTerms | None = Field(description="Campagne en cours ; vide : aucune.")
    filleuls: list[InviteeOut]
    recompenses: list[RewardOut]
    total_recu: int = Field(examples=[1500])


class ReferralAnswer(BaseModel):
    success: bool = True
    data: ReferralOverview


# ----------------------------------------------------------------------- administration


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CampaignBody(_Body):
    nom: Name
    montant_parrain: Bonus
    montant_filleul: Bonus
    depot_minimum: Amount
    budget: Budget
    date_debut: datetime
    date_fin: datetime
    active: bool = True
    delai_validation_heures: Hours = 24
    motif: Motif = Field(description="Raison de la création (journalisée).")


class CampaignPatch(_Body):
    nom: Name | None = None
    montant_parrain: Bonus | None = None
    montant_filleul: Bonus | None = None
    depot_minimum: Amount | None = None
    budget: Budget | None = None
    date_debut: datetime | None = None
    date_fin: datetime | None = None
    active: bool | None = None
    delai_validation_heures: Hours | None = None
    motif: Motif = Field(description="Raison du changement (journalisée).")


class CampaignOut(BaseModel):
    id_campagne: int
    nom: str
    montant_parrain: int
    montant_filleul: int
    depot_minimum: int
    budget: int
    budget_engage: int
    budget_restant: int
    date_debut: datetime
    date_fin: datetime
    active: bool
    en_cours: bool = Field(description="Active et la date du jour dans sa période.")
    delai_validation_heures: int
    filleuls: int = Field(description="Inscriptions rattachées à la campagne.")
    recompenses: int = Field(description="Bonus versés (paires parrain + filleul).")


class CampaignAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: CampaignOut


class CampaignListAnswer(BaseModel):
    success: bool = True
    data: list[CampaignOut]
