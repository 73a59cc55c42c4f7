"""`journal_audit`: every administrative action — who, what, on what, when, before/after,
and why (money actions must carry a reason). Append-only by convention.

The target is recorded as a label (`table_cible`, `cle_cible`), deliberately not a foreign
key: the record must outlive the row it describes, and an audit row never drives a join."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


class JournalAudit(Base):
    __tablename__ = "journal_audit"
    __table_args__ = (
        CheckConstraint("action ~ '^[a-z_]+(\\.[a-z_]+)+$'", name="action_format"),
        CheckConstraint("action NOT LIKE 'argent.%' OR motif IS NOT NULL", name="motif_argent"),
        Index("ix_journal_audit_id_acteur_date", "id_acteur", "date_action"),
        Index("ix_journal_audit_cible", "table_cible", "cle_cible"),
        Index("ix_journal_audit_date_action", "date_action"),
        {"comment": "Journal des actions d'administration (qui, quoi, quand, avant/après)."},
    )

    id_audit: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "9001"}
    )
    id_acteur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="RESTRICT"),
        comment="Auteur de l'action ; vide pour une action du système.",
        info={"exemple": "1"},
    )
    action: Mapped[str] = mapped_column(
        String(60),
        nullable=False,
        comment="Action, domaine.verbe (argent.* exige un motif).",
        info={"exemple": "argent.remboursement"},
    )
    table_cible: Mapped[str | None] = mapped_column(
        String(63), comment="Table de l'objet visé.", info={"exemple": "transaction"}
    )
    cle_cible: Mapped[str | None] = mapped_column(
        String(100), comment="Clé de l'objet visé (texte).", info={"exemple": "HL-7K2Q9X4M"}
    )
    avant: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, comment="État avant (sans secret).", info={"exemple": '{"statut": "actif"}'}
    )
    apres: Mapped[dict[str, Any] | None] = mapped_column(
        JSONB, comment="État après (sans secret).", info={"exemple": '{"statut": "gele"}'}
    )
    motif: Mapped[str | None] = mapped_column(
        Text, comment="Raison donnée par l'auteur.", info={"exemple": "Fraude signalée"}
    )
    adresse_ip: Mapped[str | None] = mapped_column(
        String(45), comment="Adresse IP de l'auteur.", info={"exemple": "196.47.128.10"}
    )
    id_requete: Mapped[str | None] = mapped_column(
        String(64), comment="Identifiant de la requête (journaux).", info={"exemple": "b1c2d3"}
    )
    date_action: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de l'action.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
