"""`liker` (owner's table): who likes which post. The primary key (id_user, id_publication)
is the rule "one like per person and post"; a concurrent double like collides on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class Liker(Base):
    __tablename__ = "liker"
    __table_args__ = (
        Index("ix_liker_id_publication", "id_publication"),
        {"comment": "« J'aime » d'une personne sur une publication (un au plus)."},
    )

    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        primary_key=True,
        comment="Personne qui aime.",
        info={"exemple": "1002"},
    )
    id_publication: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        primary_key=True,
        comment="Publication aimée.",
        info={"exemple": "5120"},
    )
    date_like: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du « j'aime ».",
        info={"exemple": "2026-03-01 12:07:00+00"},
    )
