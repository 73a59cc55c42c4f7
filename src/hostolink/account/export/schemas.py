"""Requests and answers of the data export."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class DownloadLink(BaseModel):
    url: str = Field(description="Lien signé, à ouvrir tel quel (il vaut pour cet export seul).")
    expire_le: datetime = Field(description="Au-delà, demandez la liste à nouveau.")


class ExportOut(BaseModel):
    id_export: int = Field(examples=[42])
    statut: str = Field(
        description="en_attente, en_cours, pret, echoue ou expire", examples=["pret"]
    )
    date_demande: datetime
    date_prete: datetime | None = None
    date_expiration: datetime | None = Field(
        default=None, description="L'archive est effacée à cette date."
    )
    taille: int | None = Field(default=None, description="Taille de l'archive (octets).")
    message: str = Field(description="L'état, en une phrase.")
    lien: DownloadLink | None = Field(default=None, description="Seulement quand prêt.")


class ExportAnswer(BaseModel):
    success: bool = True
    message: str
    data: ExportOut


class ExportList(BaseModel):
    success: bool = True
    data: list[ExportOut]
