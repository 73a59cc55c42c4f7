"""`historique_operation`: every status change of a provider operation, with what caused it
(initiation, callback, poll, reconciliation, administrator), shown to the user and the admin.
Money history: ON DELETE RESTRICT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_historique: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "501"}
    )
    id_operation: Mapped[int] = mapped_column(
        BigInteger,
        ForeignKey("operation_fournisseur.id_operation", ondelete="RESTRICT"),
        nullable=False,
        comment="Opération concernée.",
        info={"exemple": "77"},
    )
    statut_precedent: Mapped[str | None] = mapped_column(
        String(12), comment="Statut avant le changement.", info={"exemple": "en_attente"}
    )
    statut: Mapped[str] = mapped_column(
        String(12), nullable=False, comment="Nouveau statut.", info={"exemple": "reussie"}
    )
    origine: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Cause : " + ", ".join(ORIGINES) + ".",
        info={"exemple": "notification"},
    )
    details: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Détails (identifiant de notification, réponse du fournisseur…).",
        info={"exemple": '{"id_webhook": 12}'},
    )
    date_changement: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date du changement.",
        info={"exemple": "2026-03-01 12:05:00+00"},
    )
