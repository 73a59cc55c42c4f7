"""`thematiques` (owner's table): a thematic discussion room, created by an administrator."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class Thematiques(Base):
    __tablename__ = "thematiques"
    __table_args__ = ({"comment": "Salon de discussion thématique (santé) créé par un admin."},)

    id_thematique: Mapped[int] = mapped_column(
        Integer, primary_key=True, comment="Identifiant.", info={"exemple": "4"}
    )
    titre: Mapped[str] = mapped_column(
        String(150),
        nullable=False,
        unique=True,
        comment="Titre du salon.",
        info={"exemple": "Santé de la mère et de l'enfant"},
    )
    sous_titre: Mapped[str | None] = mapped_column(
        String(255), comment="Sous-titre.", info={"exemple": "Grossesse, allaitement, vaccins"}
    )
    description: Mapped[str | None] = mapped_column(
        Text, comment="Description et règles du salon.", info={"exemple": "Posez vos questions…"}
    )
    id_media: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("media.id_media", ondelete="RESTRICT"),
        comment="Image du salon.",
        info={"exemple": "641"},
    )
    id_createur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur qui a créé le salon.",
        info={"exemple": "1"},
    )
    actif: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("true"),
        comment="Faux : salon archivé (lecture seule).",
        info={"exemple": "true"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
