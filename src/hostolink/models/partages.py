"""`partages` (owner's table): a share of a post — a public link (`jeton`) that opens the post
without login, and the platform it was shared to. Visits are in `visite_partage`; the
counter here is incremented in the same statement batch (`nombre_visites + 1`, no
read-modify-write)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class Partages(Base):
    __tablename__ = "partages"
    __table_args__ = (
        CheckConstraint("nombre_visites >= 0", name="visites_positives"),
        CheckConstraint("jeton ~ '^[A-Za-z0-9_-]{16,43}$'", name="jeton_format"),
        Index("ix_partages_id_publication", "id_publication"),
        Index("ix_partages_id_user", "id_user"),
        {"comment": "Partage d'une publication : lien public et compteur de visites."},
    )

    id_partage: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "230"}
    )
    id_publication: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        nullable=False,
        comment="Publication partagée.",
        info={"exemple": "5120"},
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Personne qui partage.",
        info={"exemple": "1002"},
    )
    jeton: Mapped[str] = mapped_column(
        String(43),
        nullable=False,
        unique=True,
        comment="Jeton aléatoire du lien public (/p/{jeton}).",
        info={"exemple": "Yc3v9QmT0aZk1LrX"},
    )
    plateforme: Mapped[str | None] = mapped_column(
        String(30), comment="Plateforme de partage déclarée.", info={"exemple": "whatsapp"}
    )
    nombre_visites: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Nombre d'ouvertures du lien.",
        info={"exemple": "14"},
    )
    date_partage: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du partage.",
        info={"exemple": "2026-03-01 12:10:00+00"},
    )
