"""Request and answer bodies of the thematic rooms.

Request bodies forbid unknown fields: the author of a message, the creator of a room and the
member who joins are always the token's principal, so a body carrying `id_user` or `auteur`
is refused with 422 instead of being silently ignored (the previous back end trusted it,
F-14)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hostolink.kit.params import BigRef
from hostolink.social.schemas import Motif

MAX_MESSAGE_CHARS = 4_000


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RoomCreate(Body):
    titre: str = Field(min_length=1, max_length=150, examples=["Santé de la mère et de l'enfant"])
    sous_titre: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, min_length=1, max_length=5_000)
    id_media: BigRef | None = Field(
        default=None, description="Image du salon (média téléversé, usage « thematique »)."
    )


class RoomEdit(Body):
    """Only the fields sent are changed; `null` clears an optional field."""

    titre: str | None = Field(default=None, min_length=1, max_length=150)
    sous_titre: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, min_length=1, max_length=5_000)
    id_media: BigRef | None = Field(default=None)
    actif: bool | None = Field(default=None, description="Faux : salon archivé (lecture seule).")

    @model_validator(mode="after")
    def _something(self) -> RoomEdit:
        if not self.model_fields_set:
            raise ValueError("Indiquez au moins un champ à modifier.")
        for required in ("titre", "actif"):
            if required in self.model_fields_set and getattr(self, required) is None:
                raise ValueError(f"Le champ {required} ne peut pas être vide.")
        return self


class MessageCreate(Body):
    """Text, or an image (`id_media`, usage « message ») with an optional caption."""

    contenu: str | None = Field(default=None, min_length=1, max_length=MAX_MESSAGE_CHARS)
    id_media: BigRef | None = Field(default=None)
    id_message_parent: BigRef | None = Field(
        default=None, description="Message auquel celui-ci répond (même salon)."
    )

    @model_validator(mode="after")
    def _content(self) -> MessageCreate:
        if self.contenu is None and self.id_media is None:
            raise ValueError("Écrivez un message ou joignez une image.")
        return self


class ReadMark(Body):
    id_message: BigRef = Field(description="Dernier message lu.")


class RoomOut(BaseModel):
    id_thematique: int
    titre: str
    sous_titre: str | None
    description: str | None
    id_media: int | None
    image_url: str | None
    actif: bool
    date_creation: datetime
    membre: bool = Field(description="Vrai si l'appelant a rejoint le salon.")
    role: str | None = Field(description="Rôle de l'appelant dans le salon.")
    non_lus: int = Field(description="Messages d'autres membres après la marque de lecture.")
    id_dernier_message_lu: int | None


class AuthorOut(BaseModel):
    id_user: int | None
    nom_affiche: str = Field(examples=["Awa Koné"])
    photo_profile: str | None = None


class MessageOut(BaseModel):
    id_message: int
    id_thematique: int
    auteur: AuthorOut
    type_message: str
    contenu: str | None
    id_media: int | None
    image_url: str | None
    id_message_parent: int | None
    reponse_expert: bool
    date_envoi: datetime


class MembershipOut(BaseModel):
    id_thematique: int
    role: str
    date_adhesion: datetime
    id_dernier_message_lu: int | None


class RoomAnswer(BaseModel):
    success: Literal[True] = True
    data: RoomOut


class RoomsAnswer(BaseModel):
    success: Literal[True] = True
    data: list[RoomOut]


class MembershipAnswer(BaseModel):
    success: Literal[True] = True
    data: MembershipOut


class DoneAnswer(BaseModel):
    success: Literal[True] = True
    message: str


class MessageAnswer(BaseModel):
    success: Literal[True] = True
    data: MessageOut


class HistoryData(BaseModel):
    messages: list[MessageOut]
    curseur_suivant: int | None = Field(
        description=(
            "Page suivante : à repasser en `avant` (pages vers le passé) ou en `apres`"
            " (rattrapage vers le présent) ; vide à la fin."
        )
    )


class HistoryAnswer(BaseModel):
    success: Literal[True] = True
    data: HistoryData


class MessageReport(BaseModel):
    """Signaler un message du salon à la modération."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    motif: Motif
    details: str | None = Field(default=None, max_length=1_000)
