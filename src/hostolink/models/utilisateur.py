"""`utilisateur`: every person. The columns of the owner's schema (SEED.md) are kept exactly —
names, types, defaults, uniques — and the columns below them are ours."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class Utilisateur(Base):
    __tablename__ = "utilisateur"
    __table_args__ = (
        # A deleted person (account/deletion) keeps their row, anonymised: no identifier.
        CheckConstraint(
            "email IS NOT NULL OR telephone IS NOT NULL OR date_suppression IS NOT NULL",
            name="identifiant_requis",
        ),
        CheckConstraint("date_suppression IS NULL OR NOT actif", name="suppression_inactive"),
        # Identifiers are stored normalised (kit/identifiers.py) so that any writing finds them.
        CheckConstraint("email = lower(btrim(email))", name="email_normalise"),
        CheckConstraint(r"telephone ~ '^\+[1-9][0-9]{6,14}$'", name="telephone_e164"),
        CheckConstraint("niveau_kyc BETWEEN 0 AND 3", name="niveau_kyc_valide"),
    )

    # --- the owner's columns (SEED.md), unchanged ---
    id_user: Mapped[int] = mapped_column(Integer, primary_key=True)
    nom: Mapped[str | None] = mapped_column(String)
    prenom: Mapped[str | None] = mapped_column(String)
    email: Mapped[str | None] = mapped_column(String, unique=True)
    telephone: Mapped[str | None] = mapped_column(String, unique=True)
    pays: Mapped[str | None] = mapped_column(String)
    photo_profile: Mapped[str | None] = mapped_column(String)
    mdp: Mapped[str | None] = mapped_column(String)  # argon2id hash, never the password
    date_inscription: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=False), server_default=func.now()
    )
    code_confirmation: Mapped[str | None] = mapped_column(String(10))

    # --- added by Hostolink ---
    compte_verifier: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default=text("false")
    )
    actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))
    raison_suspension: Mapped[str | None] = mapped_column(Text)
    niveau_kyc: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    code_invitation_utilise: Mapped[str | None] = mapped_column(String(50))
    derniere_connexion: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    date_modification: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the person deleted their account (README, « Supprimer mon compte »).
    date_suppression: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
