"""`contacts_enregistres` (owner's table): a person's saved beneficiaries, who must be
Hostolink users (both ends reference `utilisateur`, ON DELETE CASCADE as in the owner's
schema)."""

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
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class ContactsEnregistres(Base):
    __tablename__ = "contacts_enregistres"
    __table_args__ = (
        UniqueConstraint("id_user", "id_user_contact"),
        CheckConstraint("id_user <> id_user_contact", name="pas_soi_meme"),
        Index("ix_contacts_enregistres_id_user_contact", "id_user_contact"),
        {"comment": "Bénéficiaires enregistrés par une personne (utilisateurs Hostolink)."},
    )

    id_contact: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant du contact.", info={"exemple": "88"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Propriétaire du carnet.",
        info={"exemple": "1001"},
    )
    id_user_contact: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Bénéficiaire enregistré.",
        info={"exemple": "1002"},
    )
    alias: Mapped[str | None] = mapped_column(
        String(100), comment="Nom donné au contact.", info={"exemple": "Maman"}
    )
    date_ajout: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date d'enregistrement.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
    date_dernier_envoi: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Dernier transfert vers ce contact (tri des suggestions).",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
