"""Bodies and answers of the FAQ routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FaqBody(Body):
    question: str = Field(
        min_length=5, max_length=300, examples=["Combien de temps prend un retrait ?"]
    )
    reponse: str = Field(min_length=5, max_length=5000)
    categorie: str = Field(default="Général", min_length=2, max_length=60)
    ordre: int = Field(default=0, ge=0, le=10_000)
    publiee: bool = True


class FaqPatch(Body):
    question: str | None = Field(default=None, min_length=5, max_length=300)
    reponse: str | None = Field(default=None, min_length=5, max_length=5000)
    categorie: str | None = Field(default=None, min_length=2, max_length=60)
    ordre: int | None = Field(default=None, ge=0, le=10_000)
    publiee: bool | None = None


class FaqOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id_question: int
    question: str
    reponse: str
    categorie: str


class FaqAdminOut(FaqOut):
    ordre: int
    publiee: bool
    date_modification: datetime


class SearchOut(BaseModel):
    q: str | None = Field(description="La recherche telle que tapée.")
    corrigee: str | None = Field(
        description="La recherche corrigée quand un mot mal orthographié a été remplacé.",
        examples=["retrait orange"],
    )


class FaqListAnswer(BaseModel):
    success: bool = True
    data: list[FaqOut]
    categories: list[str]
    recherche: SearchOut


class FaqAnswer(BaseModel):
    success: bool = True
    data: FaqOut


class FaqAdminAnswer(BaseModel):
    success: bool = True
    message: str | None = None
    data: FaqAdminOut


class FaqAdminListAnswer(BaseModel):
    success: bool = True
    data: list[FaqAdminOut]


class Done(BaseModel):
    success: bool = True
    message: str
