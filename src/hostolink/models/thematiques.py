"""`thematiques` (owner's table): a thematic discussion room, created by an administrator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, flag, media_id, primary_key, timestamp_now, user_id


class Thematiques(Base):
    __tablename__ = "thematiques"
    __table_args__ = ({"comment": "Salon de discussion thématique (santé) créé par un admin."},)

    id_thematique: Mapped[int] = primary_key(Integer, "Identifiant.", "4")
    titre: Mapped[str] = column(
        String(150), "Titre du salon.", "Santé de la mère et de l'enfant", unique=True
    )
    sous_titre: Mapped[str | None] = column(
        String(255), "Sous-titre.", "Grossesse, allaitement, vaccins"
    )
    description: Mapped[str | None] = column(
        Text, "Description et règles du salon.", "Posez vos questions…"
    )
    id_media: Mapped[int | None] = media_id("RESTRICT", "Image du salon.", "641")
    id_createur: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur qui a créé le salon.", "1"
    )
    actif: Mapped[bool] = flag(True, "Faux : salon archivé (lecture seule).", "true")
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-01-15 10:00:00+00")
