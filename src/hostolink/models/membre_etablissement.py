"""`membre_etablissement`: who manages an establishment and which health experts belong to it.
A person requests to manage (`demande`) and an administrator approves (`actif`) or refuses;
a manager invites experts (`invite` → `actif`). One row per (establishment, person)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

ROLES = ("gestionnaire", "expert")
STATUTS = ("demande", "invite", "actif", "refuse", "retire")


class MembreEtablissement(Base):
    __tablename__ = "membre_etablissement"
    __table_args__ = (
        CheckConstraint(one_of("role", ROLES), name="role_valide"),
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        CheckConstraint("statut <> 'refuse' OR motif IS NOT NULL", name="refus_motive"),
        Index("ix_membre_etablissement_id_user", "id_user"),
        # The administrators' queue of management requests.
        Index(
            "ix_membre_etablissement_demandes",
            "date_creation",
            postgresql_where=text("statut = 'demande'"),
        ),
        {"comment": "Gestionnaires et experts rattachés à un établissement, et leurs demandes."},
    )

    id_etablissement: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("etablissement_sante.id_etablissement", ondelete="CASCADE"),
        primary_key=True,
        comment="Établissement.",
        info={"exemple": "42"},
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        primary_key=True,
        comment="Personne membre.",
        info={"exemple": "1001"},
    )
    role: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Rôle : " + ", ".join(ROLES) + ".",
        info={"exemple": "gestionnaire"},
    )
    statut: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Statut : " + ", ".join(STATUTS) + ".",
        info={"exemple": "actif"},
    )
    specialite: Mapped[str | None] = mapped_column(
        String(100), comment="Spécialité (experts).", info={"exemple": "Pédiatrie"}
    )
    justificatif: Mapped[str | None] = mapped_column(
        Text,
        comment="Ce que le demandeur fournit à l'appui de sa demande.",
        info={"exemple": "Directeur administratif, tél. +2250700000000"},
    )
    motif: Mapped[str | None] = mapped_column(
        Text, comment="Motif d'un refus ou d'un retrait.", info={"exemple": "Pièce illisible"}
    )
    id_traite_par: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur ou gestionnaire qui a traité la demande ou l'invitation.",
        info={"exemple": "1"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de la demande ou de l'invitation.",
        info={"exemple": "2026-01-15 10:00:00+00"},
    )
    date_traitement: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date d'approbation, de refus ou d'acceptation.",
        info={"exemple": "2026-01-16 09:00:00+00"},
    )
