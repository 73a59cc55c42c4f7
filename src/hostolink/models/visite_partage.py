"""`visite_partage`: one opening of a share link (counted without login). The visitor is
kept only as a keyed hash (no IP address stored), enough to count distinct visitors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class VisitePartage(Base):
    __tablename__ = "visite_partage"
    __table_args__ = (
        Index("ix_visite_partage_id_partage_date", "id_partage", "date_visite"),
        {"comment": "Visite d'un lien de partage."},
    )

    id_visite: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "77001"}
    )
    id_partage: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("partages.id_partage", ondelete="CASCADE"),
        nullable=False,
        comment="Partage visité.",
        info={"exemple": "230"},
    )
    empreinte_visiteur: Mapped[str | None] = mapped_column(
        String(64),
        comment="HMAC de l'adresse IP et du navigateur (visiteurs distincts, sans IP stockée).",
        info={"exemple": "5e884898da…"},
    )
    date_visite: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de la visite.",
        info={"exemple": "2026-03-01 13:00:00+00"},
    )
