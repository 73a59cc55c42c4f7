"""`contacts_enregistres` (owner's table): a person's saved beneficiaries, who must be
Hostolink users (both ends reference `utilisateur`, ON DELETE CASCADE as in the owner's
schema)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, user_id


class ContactsEnregistres(Base):
    __tablename__ = "contacts_enregistres"
    __table_args__ = (
        UniqueConstraint("id_user", "id_user_contact"),
        CheckConstraint("id_user <> id_user_contact", name="pas_soi_meme"),
        Index("ix_contacts_enregistres_id_user_contact", "id_user_contact"),
        {"comment": "Bénéficiaires enregistrés par une personne (utilisateurs Hostolink)."},
    )

    id_contact: Mapped[int] = primary_key(BigInteger, "Identifiant du contact.", "88")
    id_user: Mapped[int] = user_id("CASCADE", "Propriétaire du carnet.", "1001")
    id_user_contact: Mapped[int] = user_id("CASCADE", "Bénéficiaire enregistré.", "1002")
    alias: Mapped[str | None] = column(String(100), "Nom donné au contact.", "Maman")
    date_ajout: Mapped[datetime] = timestamp_now("Date d'enregistrement.", "2026-01-15 10:00:00+00")
    date_dernier_envoi: Mapped[datetime | None] = timestamp(
        "Dernier transfert vers ce contact (tri des suggestions).", "2026-03-01 12:00:00+00"
    )
