"""`visite_partage`: one opening of a share link (counted without login). The visitor is
kept only as a keyed hash (no IP address stored), enough to count distinct visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now


class VisitePartage(Base):
    __tablename__ = "visite_partage"
    __table_args__ = (
        Index("ix_visite_partage_id_partage_date", "id_partage", "date_visite"),
        {"comment": "Visite d'un lien de partage."},
    )

    id_visite: Mapped[int] = primary_key(BigInteger, "Identifiant.", "77001")
    id_partage: Mapped[int] = foreign_key(
        BigInteger, "partages.id_partage", "CASCADE", "Partage visité.", "230"
    )
    empreinte_visiteur: Mapped[str | None] = column(
        String(64),
        "HMAC de l'adresse IP et du navigateur (visiteurs distincts, sans IP stockée).",
        "5e884898da…",
    )
    date_visite: Mapped[datetime] = timestamp_now("Date de la visite.", "2026-03-01 13:00:00+00")
