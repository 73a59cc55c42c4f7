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
    Index,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp_now, user_id


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

    id_audit: Mapped[int] = primary_key(BigInteger, "Identifiant.", "9001")
    id_acteur: Mapped[int | None] = user_id(
        "RESTRICT", "Auteur de l'action ; vide pour une action du système.", "1"
    )
    action: Mapped[str] = column(
        String(60), "Action, domaine.verbe (argent.* exige un motif).", "argent.remboursement"
    )
    table_cible: Mapped[str | None] = column(String(63), "Table de l'objet visé.", "transaction")
    cle_cible: Mapped[str | None] = column(
        String(100), "Clé de l'objet visé (texte).", "HL-7K2Q9X4M"
    )
    avant: Mapped[dict[str, Any] | None] = column(
        JSONB, "État avant (sans secret).", '{"statut": "actif"}'
    )
    apres: Mapped[dict[str, Any] | None] = column(
        JSONB, "État après (sans secret).", '{"statut": "gele"}'
    )
    motif: Mapped[str | None] = column(Text, "Raison donnée par l'auteur.", "Fraude signalée")
    adresse_ip: Mapped[str | None] = column(String(45), "Adresse IP de l'auteur.", "196.47.128.10")
    id_requete: Mapped[str | None] = column(
        String(64), "Identifiant de la requête (journaux).", "b1c2d3"
    )
    date_action: Mapped[datetime] = timestamp_now("Date de l'action.", "2026-03-01 12:00:00+00")
