"""Answers of the sessions routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SessionOut(BaseModel):
    id: uuid.UUID = Field(description="Identifiant de la session (à passer au DELETE).")
    appareil: str = Field(
        description="Appareil déduit du User-Agent.", examples=["Android · application Hostolink"]
    )
    lieu: str = Field(
        description="Pays de la dernière adresse connue (connexion ou renouvellement).",
        examples=["Côte d'Ivoire"],
    )
    adresse_masquee: str | None = Field(
        description="Dernière adresse connue, à moitié masquée.", examples=["196.47.x.x"]
    )
    date_connexion: datetime = Field(description="Connexion qui a ouvert la session.")
    derniere_activite: datetime = Field(
        description="Dernière connexion ou dernier renouvellement du jeton (précis à la durée "
        "du jeton d'accès, 15 minutes)."
    )
    courante: bool = Field(description="La session de l'appareil qui fait la demande.")


class SessionList(BaseModel):
    sessions: list[SessionOut]


class SessionListAnswer(BaseModel):
    success: Literal[True] = True
    data: SessionList


class Ended(BaseModel):
    courante: bool = Field(description="La session terminée était celle de la demande.")


class EndedAnswer(BaseModel):
    success: Literal[True] = True
    message: str
    data: Ended


class EndedOthers(BaseModel):
    deconnectees: int = Field(description="Sessions terminées.")


class EndedOthersAnswer(BaseModel):
    success: Literal[True] = True
    message: str
    data: EndedOthers
