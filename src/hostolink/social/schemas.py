"""Request and answer bodies of the social network.

Every request body forbids unknown fields: the author of a post, comment, like, share or
report is always the token's principal, so a body carrying `id_user` or `auteur` is refused
with 422 instead of being silently ignored (the previous back end trusted it, F-14)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hostolink.kit.params import BigRef

# Mirrors models.signalement.MOTIFS (a test keeps them equal).
Motif = Literal["spam", "haine", "harcelement", "desinformation", "contenu_choquant", "autre"]

MAX_MEDIAS = 10


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PostCreate(Body):
    contenu: str = Field(min_length=1, max_length=5_000, description="Texte de la publication.")
    titre_publication: str | None = Field(default=None, min_length=1, max_length=255)
    medias: list[BigRef] = Field(
        default_factory=list,
        max_length=MAX_MEDIAS,
        description="Images téléversées (usage « publication »), dans l'ordre d'affichage.",
    )

    @model_validator(mode="after")
    def _distinct_medias(self) -> PostCreate:
        if len(set(self.medias)) != len(self.medias):
            raise ValueError("Une même image ne peut figurer qu'une fois.")
        return self


class PostEdit(Body):
    """Only the fields sent are changed; `medias` replaces the whole list."""

    contenu: str | None = Field(default=None, min_length=1, max_length=5_000)
    titre_publication: str | None = Field(default=None, min_length=1, max_length=255)
    medias: list[BigRef] | None = Field(default=None, max_length=MAX_MEDIAS)

    @model_validator(mode="after")
    def _something(self) -> PostEdit:
        if not self.model_fields_set:
            raise ValueError("Indiquez au moins un champ à modifier.")
        if self.contenu is None and "contenu" in self.model_fields_set:
            raise ValueError("Le contenu ne peut pas être vide.")
        if self.medias is not None and len(set(self.medias)) != len(self.medias):
            raise ValueError("Une même image ne peut figurer qu'une fois.")
        return self


class CommentCreate(Body):
    contenu: str = Field(min_length=1, max_length=2_000, description="Texte du commentaire.")


class ShareCreate(Body):
    plateforme: str | None = Field(default=None, min_length=1, max_length=30, examples=["whatsapp"])


class ReportCreate(Body):
    """Exactly one of `id_publication`, `id_commentaire`."""

    id_publication: BigRef | None = None
    id_commentaire: BigRef | None = None
    motif: Motif
    details: str | None = Field(default=None, max_length=1_000)

    @model_validator(mode="after")
    def _one_target(self) -> ReportCreate:
        if (self.id_publication is None) == (self.id_commentaire is None):
            raise ValueError("Indiquez soit « id_publication », soit « id_commentaire ».")
        return self


class Decision(Body):
    motif: str = Field(min_length=3, max_length=1_000, description="Justification.")


class AuthorOut(BaseModel):
    id_user: int
    nom_affiche: str = Field(examples=["Awa Koné"])
    photo_profile: str | None = None


class MediaOut(BaseModel):
    id_media: int
    position: int
    url: str | None
    largeur: int
    hauteur: int


class PostOut(BaseModel):
    id_publication: int
    auteur: AuthorOut
    titre_publication: str | None
    contenu: str
    medias: list[MediaOut]
    compteur_like: int
    nombre_commentaires: int
    nombre_partages: int
    aime_par_moi: bool
    date_publication: datetime
    date_modification: datetime | None


class PostAnswer(BaseModel):
    success: bool = True
    data: PostOut


class FeedData(BaseModel):
    publications: list[PostOut]
    curseur_suivant: str | None = Field(description="À renvoyer dans `curseur` ; vide à la fin.")


class FeedAnswer(BaseModel):
    success: bool = True
    data: FeedData


class CommentOut(BaseModel):
    id_commentaire: int
    id_publication: int
    auteur: AuthorOut
    contenu: str
    date_commentaire: datetime


class CommentAnswer(BaseModel):
    success: bool = True
    data: CommentOut


class CommentsData(BaseModel):
    commentaires: list[CommentOut]
    curseur_suivant: str | None


class CommentsAnswer(BaseModel):
    success: bool = True
    data: CommentsData


class LikeOut(BaseModel):
    id_publication: int
    aime_par_moi: bool
    compteur_like: int


class LikeAnswer(BaseModel):
    success: bool = True
    data: LikeOut


class ShareOut(BaseModel):
    id_partage: int
    jeton: str
    lien: str = Field(examples=["https://hostolink.ci/p/Yc3v9QmT0aZk1LrX"])
    plateforme: str | None
    date_partage: datetime


class ShareAnswer(BaseModel):
    success: bool = True
    data: ShareOut


class SharedPostOut(BaseModel):
    publication: PostOut
    nombre_visites: int


class SharedPostAnswer(BaseModel):
    success: bool = True
    data: SharedPostOut


class ReportOut(BaseModel):
    id_signalement: int
    id_publication: int | None
    id_commentaire: int | None
    id_message: int | None = Field(default=None, description="Message d'un salon thématique.")
    motif: str
    details: str | None
    statut: str
    date_creation: datetime


class ReportAnswer(BaseModel):
    success: bool = True
    message: str = "Signalement enregistré. Merci."
    data: ReportOut


class PendingReportOut(ReportOut):
    id_signaleur: int
    type_cible: Literal["publication", "commentaire", "message"]
    contenu_cible: str = Field(description="Texte du contenu (vide pour une image seule).")
    id_auteur_cible: int | None = Field(description="Auteur (null : compte supprimé).")
    id_thematique: int | None = Field(default=None, description="Salon, pour un message.")


class ModerationData(BaseModel):
    signalements: list[PendingReportOut]
    curseur_suivant: str | None


class ModerationAnswer(BaseModel):
    success: bool = True
    data: ModerationData


class MessageAnswer(BaseModel):
    success: bool = True
    message: str
