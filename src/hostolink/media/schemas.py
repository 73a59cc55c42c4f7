"""Answers of the media routes."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MediaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id_media: int = Field(description="Identifiant, à citer dans une publication, un message…")
    url: str | None = Field(description="URL publique ; vide pour un document privé.")
    largeur: int = Field(description="Largeur en pixels.")
    hauteur: int = Field(description="Hauteur en pixels.")
    type_mime: str = Field(description="image/jpeg, image/png ou image/webp.")
    taille_octets: int = Field(description="Taille du fichier enregistré, en octets.")
    usage: str


class MediaAnswer(BaseModel):
    success: bool = True
    message: str = "Image enregistrée."
    data: MediaOut


class DeletedAnswer(BaseModel):
    success: bool = True
    message: str = "Image supprimée."
