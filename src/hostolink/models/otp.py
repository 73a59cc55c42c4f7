"""`otp`: one-time codes. The owner's five columns are kept exactly; the code itself is never
stored: `otp_code` holds a fixed mask and `code_hash` the keyed hash (kit/crypto.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base

OTP_CODE_MASK = "******"


class Otp(Base):
    __tablename__ = "otp"
    __table_args__ = (
        CheckConstraint(
            "objet IN ('verification', 'reinitialisation', 'nouvel_identifiant')",
            name="objet_valide",
        ),
        CheckConstraint("moyen_envoyer IN ('sms', 'email')", name="moyen_valide"),
        CheckConstraint("tentatives >= 0", name="tentatives_positives"),
        Index("ix_otp_user_id_date_creation", "user_id", "date_creation"),
    )

    # --- the owner's columns (SEED.md), unchanged ---
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("utilisateur.id_user", ondelete="CASCADE"), nullable=False
    )
    otp_code: Mapped[str] = mapped_column(String(6), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=False), nullable=False)
    is_valid: Mapped[bool | None] = mapped_column(Boolean, server_default=text("true"))

    # --- added by Hostolink ---
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    objet: Mapped[str] = mapped_column(String(20), nullable=False)
    moyen_envoyer: Mapped[str] = mapped_column(String(10), nullable=False)
    tentatives: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    date_utilisation: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
