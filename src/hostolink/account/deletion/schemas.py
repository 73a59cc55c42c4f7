"""What the deletion routes read and answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

CONFIRMATION_WORD = "SUPPRIMER"


class ReasonOut(BaseModel):
    code: str = Field(
        description="solde, retrait_en_cours, depot_en_cours, compte_gele, reclamation_en_cours, "
        "etablissement"
    )
    message: str = Field(examples=["Votre solde est de 12 500 F CFA."])
    que_faire: str = Field(examples=["Retirez-le d'abord (Retrait) ou envoyez-le à un proche."])


class EligibilityOut(BaseModel):
    possible: bool
    raisons: list[ReasonOut]


class EligibilityAnswer(BaseModel):
    success: bool = True
    message: str
    data: EligibilityOut


class DeletionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pin: str = Field(
        min_length=1,
        max_length=128,
        description="Le PIN (mot de passe) du compte.",
        examples=["pas-le-bon-pin"],
    )
    confirmation: str = Field(
        max_length=20,
        description=f"Le mot {CONFIRMATION_WORD}, tapé par la personne.",
        examples=[CONFIRMATION_WORD],
    )


class DeletionAnswer(BaseModel):
    success: bool = True
    message: str
