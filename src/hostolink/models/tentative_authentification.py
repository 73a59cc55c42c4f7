"""`tentative_authentification`: failed secrets per identifier, for the lockout (423).
Keyed by the normalised identifier, not the user id, so that an unknown identifier is locked
exactly like a known one and the lock reveals nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class TentativeAuthentification(Base):
    __tablename__ = "tentative_authentification"

    identifiant: Mapped[str] = mapped_column(String(320), primary_key=True)
    echecs: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    nb_verrouillages: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    verrouille_jusqu_a: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    date_derniere_tentative: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
