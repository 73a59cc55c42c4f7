"""`membre_etablissement`: who manages an establishment and which health experts belong to it.
A person requests to manage (`demande`) and an administrator approves (`actif`) or refuses;
a manager invites experts (`invite` → `actif`). One row per (establishment, person)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, timestamp, timestamp_now, user_id
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

    id_etablissement: Mapped[int] = foreign_key(
        Integer,
        "etablissement_sante.id_etablissement",
        "CASCADE",
        "Établissement.",
        "42",
        primary_key=True,
    )
    id_user: Mapped[int] = user_id("CASCADE", "Personne membre.", "1001", primary_key=True)
    role: Mapped[str] = column(String(20), "Rôle : " + ", ".join(ROLES) + ".", "gestionnaire")
    statut: Mapped[str] = column(String(20), "Statut : " + ", ".join(STATUTS) + ".", "actif")
    specialite: Mapped[str | None] = column(String(100), "Spécialité (experts).", "Pédiatrie")
    justificatif: Mapped[str | None] = column(
        Text,
        "Ce que le demandeur fournit à l'appui de sa demande.",
        "Directeur administratif, tél. +2250700000000",
    )
    motif: Mapped[str | None] = column(Text, "Motif d'un refus ou d'un retrait.", "Pièce illisible")
    id_traite_par: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur ou gestionnaire qui a traité la demande ou l'invitation.", "1"
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de la demande ou de l'invitation.", "2026-01-15 10:00:00+00"
    )
    date_traitement: Mapped[datetime | None] = timestamp(
        "Date d'approbation, de refus ou d'acceptation.", "2026-01-16 09:00:00+00"
    )
