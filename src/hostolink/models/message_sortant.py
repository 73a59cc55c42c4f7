"""`message_sortant`: the development outbox. The outbox sender writes each SMS and e-mail
here instead of sending it, so a developer can read an OTP (`hostolink outbox`).
Real senders (Twilio, SMTP) never store message bodies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class MessageSortant(Base):
    __tablename__ = "message_sortant"
    __table_args__ = (CheckConstraint("canal IN ('sms', 'email')", name="canal_valide"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    canal: Mapped[str] = mapped_column(String(10), nullable=False)
    destinataire: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    sujet: Mapped[str | None] = mapped_column(String(200))
    corps: Mapped[str] = mapped_column(Text, nullable=False)
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
