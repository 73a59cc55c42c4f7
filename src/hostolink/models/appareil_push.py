"""`appareil_push`: a person's devices for push notifications (FCM tokens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class AppareilPush(Base):
    __tablename__ = "appareil_push"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id_user: Mapped[int] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE"), nullable=False, index=True
    )
    # A device belongs to whoever registered it last (a phone changes hands).
    fcm_token: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    plateforme: Mapped[str | None] = mapped_column(String(20))
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    date_derniere_activite: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
