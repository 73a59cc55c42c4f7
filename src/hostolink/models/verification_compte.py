"""`verification_compte` (owner's table): each proof that a person controls an e-mail
address or a phone number (an OTP verified on that channel)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class VerificationCompte(Base):
    __tablename__ = "verification_compte"
    __table_args__ = (CheckConstraint("canal IN ('sms', 'email')", name="canal_valide"),)

    id_verification: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    id_user: Mapped[int] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE"), nullable=False, index=True
    )
    canal: Mapped[str] = mapped_column(String(10), nullable=False)
    valeur: Mapped[str] = mapped_column(String(320), nullable=False)
    date_verification: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
