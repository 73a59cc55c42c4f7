"""`partages` (owner's table): a share of a post — a public link (`jeton`) that opens the post
without login, and the platform it was shared to. Visits are in `visite_partage`; the
counter here is incremented in the same statement batch (`nombre_visites + 1`, no
read-modify-write)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now, user_id, zero


class Partages(Base):
    __tablename__ = "partages"
    __table_args__ = (
        CheckConstraint("nombre_visites >= 0", name="visites_positives"),
        CheckConstraint("jeton ~ '^[A-Za-z0-9_-]{16,43}$'", name="jeton_format"),
        Index("ix_partages_id_publication", "id_publication"),
        Index("ix_partages_id_user", "id_user"),
        {"comment": "Partage d'une publication : lien public et compteur de visites."},
    )

    id_partage: Mapped[int] = primary_key(BigInteger, "Identifiant.", "230")
    id_publication: Mapped[int] = foreign_key(
        BigInteger, "publication.id_publication", "CASCADE", "Publication partagée.", "5120"
    )
    id_user: Mapped[int] = user_id("CASCADE", "Personne qui partage.", "1002")
    jeton: Mapped[str] = column(
        String(43), "Jeton aléatoire du lien public (/p/{jeton}).", "Yc3v9QmT0aZk1LrX", unique=True
    )
    plateforme: Mapped[str | None] = column(
        String(30), "Plateforme de partage déclarée.", "whatsapp"
    )
    nombre_visites: Mapped[int] = zero(BigInteger, "Nombre d'ouvertures du lien.", "14")
    date_partage: Mapped[datetime] = timestamp_now("Date du partage.", "2026-03-01 12:10:00+00")
