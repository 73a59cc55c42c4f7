"""Bodies and answers of announcements (`annonce`) and ads (`publicite`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal, Self, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, model_validator

from hostolink.kit.params import BigRef
from hostolink.models.annonce import EMPLACEMENTS

Placement = Literal["accueil", "portefeuille", "sante", "social", "discussions"]
if set(EMPLACEMENTS) != set(get_args(Placement)):  # the CHECK's values, spelled once more
    raise RuntimeError("Placement is out of step with models.annonce.EMPLACEMENTS")

PRIORITY_DOC = "Ordre d'affichage (décroissant)."


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        start = getattr(self, "date_debut", None)
        end = getattr(self, "date_fin", None)
        if start is not None and end is not None and end <= start:
            raise ValueError("date_fin doit être postérieure à date_debut")
        return self

    def values(self, *, sent_only: bool = False) -> dict[str, Any]:
        """Column values (URLs as text, dates as datetimes); with `sent_only`, only the
        fields the client sent (a partial edit)."""
        fields = set(self.model_fields_set) if sent_only else set(type(self).model_fields)
        values: dict[str, Any] = self.model_dump(include=fields, mode="json")
        for name in ("date_debut", "date_fin"):
            if name in fields:
                values[name] = getattr(self, name)
        return values


class AnnouncementBody(_Window):
    titre: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    id_media: BigRef | None = Field(default=None, description="Image (média téléversé).")
    lien: HttpUrl | None = Field(default=None, max_length=500)
    emplacement: Placement = "accueil"
    priorite: int = Field(default=0, ge=-1000, le=1000, description=PRIORITY_DOC)
    date_debut: AwareDatetime
    date_fin: AwareDatetime
    actif: bool = True


class _Edit(_Window):
    """A partial edit: an absent field is unchanged; null clears an optional field only."""

    _nullable: ClassVar[frozenset[str]] = frozenset(
        {"description", "id_media", "lien", "url_cible"}
    )

    @model_validator(mode="after")
    def _no_null_for_required(self) -> Self:
        cleared = {
            name
            for name in self.model_fields_set
            if getattr(self, name) is None and name not in self._nullable
        }
        if cleared:
            raise ValueError(f"ne peut pas être vide : {', '.join(sorted(cleared))}")
        return self


class AnnouncementEdit(_Edit):
    titre: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    id_media: BigRef | None = Field(default=None)
    lien: HttpUrl | None = Field(default=None, max_length=500)
    emplacement: Placement | None = None
    priorite: int | None = Field(default=None, ge=-1000, le=1000, description=PRIORITY_DOC)
    date_debut: AwareDatetime | None = None
    date_fin: AwareDatetime | None = None
    actif: bool | None = None


class AdBody(_Window):
    annonceur: str = Field(min_length=1, max_length=150)
    titre: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    id_media: BigRef | None = Field(default=None, description="Visuel (média téléversé).")
    url_cible: HttpUrl | None = Field(default=None, max_length=500)
    emplacement: Placement = "accueil"
    priorite: int = Field(default=0, ge=-1000, le=1000, description=PRIORITY_DOC)
    date_debut: AwareDatetime
    date_fin: AwareDatetime
    actif: bool = True


class AdEdit(_Edit):
    annonceur: str | None = Field(default=None, min_length=1, max_length=150)
    titre: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    id_media: BigRef | None = Field(default=None)
    url_cible: HttpUrl | None = Field(default=None, max_length=500)
    emplacement: Placement | None = None
    priorite: int | None = Field(default=None, ge=-1000, le=1000, description=PRIORITY_DOC)
    date_debut: AwareDatetime | None = None
    date_fin: AwareDatetime | None = None
    actif: bool | None = None


class AnnouncementOut(BaseModel):
    id_annonce: int
    titre: str
    description: str | None
    id_media: int | None
    image_url: str | None
    lien: str | None
    emplacement: str
    priorite: int
    date_debut: datetime
    date_fin: datetime


class AnnouncementAdminOut(AnnouncementOut):
    actif: bool
    id_auteur: int | None
    date_creation: datetime


class AdOut(BaseModel):
    id_publicite: int
    annonceur: str
    titre: str
    description: str | None
    id_media: int | None
    image_url: str | None
    url_cible: str | None
    emplacement: str
    priorite: int
    date_debut: datetime
    date_fin: datetime


class AdAdminOut(AdOut):
    actif: bool
    nombre_impressions: int
    nombre_clics: int
    id_auteur: int | None
    date_creation: datetime


class AnnouncementsAnswer(BaseModel):
    success: Literal[True] = True
    data: list[AnnouncementOut]


class AnnouncementAdminAnswer(BaseModel):
    success: Literal[True] = True
    data: AnnouncementAdminOut


class AnnouncementsAdminAnswer(BaseModel):
    success: Literal[True] = True
    data: list[AnnouncementAdminOut]


class AdsAnswer(BaseModel):
    success: Literal[True] = True
    data: list[AdOut]


class AdAdminAnswer(BaseModel):
    success: Literal[True] = True
    data: AdAdminOut


class AdsAdminAnswer(BaseModel):
    success: Literal[True] = True
    data: list[AdAdminOut]


class Click(BaseModel):
    url_cible: str | None


class ClickAnswer(BaseModel):
    success: Literal[True] = True
    data: Click


class Deleted(BaseModel):
    success: Literal[True] = True
    message: str
