"""`membre_thematique`: who belongs to a room (member, expert, moderator) and where they
stopped reading (`id_dernier_message_lu`, the read marker; unread = messages after it)."""

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
from hostolink.models.types import one_of

ROLES = ("membre", "expert", "moderateur")


class MembreThematique(Base):
    __tablename__ = "membre_thematique"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role_valide"),
        Index("ix_membre_thematique_id_user", "id_user"),
        {"comment": "Membres d'un salon thématique et leur marque de lecture."},
    )

    id_thematique: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("thematiques.id_thematique", ondelete="CASCADE"),
        primary_key=True,
        comment="Salon.",
        info={"exemple": "4"},
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        primary_key=True,
        comment="Membre.",
        info={"exemple": "1002"},
    )
    role: Mapped[str] = mapped_column(
        String(12),
        nullable=False,
        server_default="membre",
        comment="Rôle : " + ", ".join(ROLES) + ".",
        info={"exemple": "membre"},
    )
    id_dernier_message_lu: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("message.id_message", ondelete="SET NULL"),
        comment="Dernier message lu (marque de lecture).",
        info={"exemple": "120045"},
    )
    date_adhesion: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'entrée dans le salon.",
        info={"exemple": "2026-01-20 09:00:00+00"},
    )
    date_derniere_lecture: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de la dernière mise à jour de la marque de lecture.",
        info={"exemple": "2026-03-01 12:02:00+00"},
    )
