"""Answers of the identity-verification routes. Never a file's storage key: the images are
reached through signed, expiring links only."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class VerificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id_verification: int = Field(description="Identifiant de la demande.")
    type_document: str = Field(description="Type de pièce.")
    numero_document: str = Field(description="Numéro de la pièce.")
    niveau_demande: int = Field(description="Niveau KYC obtenu si la pièce est approuvée.")
    statut: str = Field(description="en_attente, approuvee ou rejetee.")
    motif_rejet: str | None = Field(description="Motif du rejet, s'il y a lieu.")
    date_soumission: datetime
    date_examen: datetime | None


class VerificationAnswer(BaseModel):
    success: bool = True
    message: str = "Demande enregistrée : elle sera examinée par notre équipe."
    data: VerificationOut


class VerificationList(BaseModel):
    success: bool = True
    data: list[VerificationOut]


class PersonOut(BaseModel):
    id_user: int
    prenom: str | None
    nom: str | None
    telephone: str | None
    email: str | None
    niveau_kyc: int = Field(description="Niveau KYC actuel de la personne.")


class QueueItem(VerificationOut):
    personne: PersonOut


class QueueAnswer(BaseModel):
    success: bool = True
    data: list[QueueItem]
    curseur_suivant: str | None = Field(description="À passer en `curseur` pour la suite.")


class FileLink(BaseModel):
    url: str = Field(description="Lien signé vers l'image, valable quelques minutes.")
    expire_le: datetime


class ReviewDetail(QueueItem):
    id_examinateur: int | None
    recto: FileLink
    verso: FileLink | None
    selfie: FileLink


class ReviewAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: ReviewDetail


class DecisionAnswer(BaseModel):
    success: bool = True
    message: str
    data: VerificationOut


class Rejection(BaseModel):
    motif: str = Field(
        min_length=3, max_length=500, description="Motif du rejet, montré à la personne."
    )
