"""`tache`: the durable job queue (no extra server: the embedded default has only
PostgreSQL). Workers claim due jobs with `SELECT … FOR UPDATE SKIP LOCKED` on the partial
index; a job whose worker died is claimable again once `verrouille_jusqu_a` has passed.
`cle_unicite` lets a producer enqueue "at most one pending job for X" (e.g. one per inbox
row). `annulee`: an operator stopped a waiting or abandoned job (audited, with a motif);
`abandonnee` jobs wait for the operators (retry or cancel) for the retention period."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

STATUTS = ("en_attente", "en_cours", "terminee", "abandonnee", "annulee")


class Tache(Base):
    __tablename__ = "tache"
    __table_args__ = (
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        CheckConstraint("tentatives >= 0 AND tentatives_max >= 1", name="tentatives_valides"),
        Index(
            "ix_tache_a_executer",
            "file",
            "date_execution",
            postgresql_where=text("statut IN ('en_attente', 'en_cours')"),
        ),
        Index(
            "uq_tache_cle_unicite",
            "cle_unicite",
            unique=True,
            postgresql_where=text("statut IN ('en_attente', 'en_cours')"),
        ),
        {"comment": "File de tâches de fond durable (webhooks, réconciliation, notifications)."},
    )

    id_tache: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "31337"}
    )
    file: Mapped[str] = mapped_column(
        String(40),
        nullable=False,
        server_default="defaut",
        comment="File (permet des workers dédiés).",
        info={"exemple": "paiements"},
    )
    nom: Mapped[str] = mapped_column(
        String(100),
        nullable=False,
        comment="Tâche à exécuter.",
        info={"exemple": "webhook.traiter"},
    )
    charge: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Arguments de la tâche (identifiants, jamais de secret).",
        info={"exemple": '{"id_webhook": 12}'},
    )
    cle_unicite: Mapped[str | None] = mapped_column(
        String(200),
        comment="Au plus une tâche en attente ou en cours par clé.",
        info={"exemple": "webhook:12"},
    )
    statut: Mapped[str] = mapped_column(
        String(12),
        nullable=False,
        server_default="en_attente",
        comment="Statut : " + ", ".join(STATUTS) + ".",
        info={"exemple": "en_attente"},
    )
    tentatives: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        comment="Exécutions commencées.",
        info={"exemple": "1"},
    )
    tentatives_max: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="10",
        comment="Au-delà, la tâche est abandonnée.",
        info={"exemple": "10"},
    )
    date_execution: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Pas avant cette date (reprise avec délai croissant).",
        info={"exemple": "2026-03-01 12:00:30+00"},
    )
    verrouille_jusqu_a: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Bail du worker en cours ; passé ce délai la tâche est reprise.",
        info={"exemple": "2026-03-01 12:01:30+00"},
    )
    derniere_erreur: Mapped[str | None] = mapped_column(
        Text, comment="Dernière erreur.", info={"exemple": "timeout du fournisseur"}
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de mise en file.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
    date_fin: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date de fin (terminée, abandonnée ou annulée).",
        info={"exemple": "2026-03-01 12:00:31+00"},
    )
