"""`membre_thematique`: who belongs to a room (member, expert, moderator) and where they
stopped reading (`id_dernier_message_lu`, the read marker; unread = messages after it)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, timestamp, timestamp_now, user_id
from hostolink.models.types import one_of

ROLES = ("membre", "expert", "moderateur")


class MembreThematique(Base):
    __tablename__ = "membre_thematique"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role_valide"),
        Index("ix_membre_thematique_id_user", "id_user"),
        {"comment": "Membres d'un salon thématique et leur marque de lecture."},
    )

    id_thematique: Mapped[int] = foreign_key(
        Integer, "thematiques.id_thematique", "CASCADE", "Salon.", "4", primary_key=True
    )
    id_user: Mapped[int] = user_id("CASCADE", "Membre.", "1002", primary_key=True)
    role: Mapped[str] = column(
        String(12), "Rôle : " + ", ".join(ROLES) + ".", "membre", server_default="membre"
    )
    id_dernier_message_lu: Mapped[int | None] = foreign_key(
        BigInteger,
        "message.id_message",
        "SET NULL",
        "Dernier message lu (marque de lecture).",
        "120045",
    )
    date_adhesion: Mapped[datetime] = timestamp_now(
        "Date d'entrée dans le salon.", "2026-01-20 09:00:00+00"
    )
    date_derniere_lecture: Mapped[datetime | None] = timestamp(
        "Date de la dernière mise à jour de la marque de lecture.", "2026-03-01 12:02:00+00"
    )
