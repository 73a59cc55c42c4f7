"""`historique_operation`: every status change of a provider operation, with what caused it
(initiation, callback, poll, reconciliation, administrator), shown to the user and the admin.
Money history: ON DELETE RESTRICT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now
from hostolink.models.operation_fournisseur import STATUTS_OPERATION
from hostolink.models.types import one_of

# `code_payeur`: the payer typed the code their operator sent (operations/payer_steps.py).
ORIGINES = (
    "initiation",
    "notification",
    "verification",
    "reconciliation",
    "administrateur",
    "code_payeur",
)


class HistoriqueOperation(Base):
    __tablename__ = "historique_operation"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS_OPERATION), name="statut_valide"),
        CheckConstraint(one_of("origine", ORIGINES), name="origine_valide"),
        Index("ix_historique_operation_id_operation", "id_operation", "date_changement"),
        {"comment": "Historique des statuts d'une opération fournisseur."},
    )

    id_historique: Mapped[int] = primary_key(BigInteger, "Identifiant.", "501")
    id_operation: Mapped[int] = foreign_key(
        BigInteger, "operation_fournisseur.id_operation", "RESTRICT", "Opération concernée.", "77"
    )
    statut_precedent: Mapped[str | None] = column(
        String(12), "Statut avant le changement.", "en_attente"
    )
    statut: Mapped[str] = column(String(12), "Nouveau statut.", "reussie")
    origine: Mapped[str] = column(
        String(20), "Cause : " + ", ".join(ORIGINES) + ".", "notification"
    )
    details: Mapped[dict[str, Any]] = column(
        JSONB,
        "Détails (identifiant de notification, réponse du fournisseur…).",
        '{"id_webhook": 12}',
        server_default="{}",
    )
    date_changement: Mapped[datetime] = timestamp_now(
        "Date du changement.", "2026-03-01 12:05:00+00"
    )
