"""`liker` (owner's table): who likes which post. The primary key (id_user, id_publication)
is the rule "one like per person and post"; a concurrent double like collides on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import foreign_key, timestamp_now, user_id


class Liker(Base):
    __tablename__ = "liker"
    __table_args__ = (
        Index("ix_liker_id_publication", "id_publication"),
        {"comment": "« J'aime » d'une personne sur une publication (un au plus)."},
    )

    id_user: Mapped[int] = user_id("CASCADE", "Personne qui aime.", "1002", primary_key=True)
    id_publication: Mapped[int] = foreign_key(
        BigInteger,
        "publication.id_publication",
        "CASCADE",
        "Publication aimée.",
        "5120",
        primary_key=True,
    )
    date_like: Mapped[datetime] = timestamp_now("Date du « j'aime ».", "2026-03-01 12:07:00+00")
