"""Bodies and answers of the canned-answer routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CannedBody(Body):
    titre: str = Field(min_length=3, max_length=120, examples=["Retrait en vérification"])
    contenu: str = Field(
        min_length=3,
        max_length=4000,
        examples=["Votre retrait est en cours de vérification auprès de l'opérateur."],
    )
    active: bool = True


class CannedPatch(Body):
    titre: str | None = Field(default=None, min_length=3, max_length=120)
    contenu: str | None = Field(default=None, min_length=3, max_length=4000)
    active: bool | None = None


class CannedOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id_reponse: int
    titre: str
    contenu: str
    active: bool
    date_modification: datetime


class CannedAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: CannedOut


class CannedListAnswer(BaseModel):
    success: bool = True
    data: list[CannedOut]


class Done(BaseModel):
    success: bool = True
    message: str
