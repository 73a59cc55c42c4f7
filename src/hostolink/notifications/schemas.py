"""Bodies and answers of the notification and device routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["android", "ios", "web"]


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id_notification: int
    type_notification: str
    titre: str
    contenu: str
    donnees: dict[str, Any]
    est_lu: bool
    date_lecture: datetime | None
    date_creation: datetime
    id_transaction: int | None
    id_operation: int | None
    id_publication: int | None
    id_commentaire: int | None
    id_message: int | None


class NotificationPage(BaseModel):
    notifications: list[NotificationOut]
    curseur_suivant: str | None = Field(description="À passer en `curseur` pour la suite.")


class NotificationPageAnswer(BaseModel):
    success: Literal[True] = True
    data: NotificationPage


class NotificationAnswer(BaseModel):
    success: Literal[True] = True
    data: NotificationOut


class UnreadCount(BaseModel):
    non_lues: int


class UnreadCountAnswer(BaseModel):
    success: Literal[True] = True
    data: UnreadCount


class MarkedAll(BaseModel):
    marquees: int = Field(description="Notifications passées à « lue ».")


class MarkedAllAnswer(BaseModel):
    success: Literal[True] = True
    data: MarkedAll


class DeviceBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    jeton: str = Field(min_length=1, max_length=4096, description="Jeton FCM de l'appareil.")
    plateforme: Platform | None = None


class DeviceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    plateforme: str | None
    date_creation: datetime
    date_derniere_activite: datetime | None


class DeviceAnswer(BaseModel):
    success: Literal[True] = True
    data: DeviceOut


class Done(BaseModel):
    success: Literal[True] = True
    message: str
