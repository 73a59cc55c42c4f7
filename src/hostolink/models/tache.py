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
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp, timestamp_now, zero
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

    id_tache: Mapped[int] = primary_key(BigInteger, "Identifiant.", "31337")
    file: Mapped[str] = column(
        String(40), "File (permet des workers dédiés).", "paiements", server_default="defaut"
    )
    nom: Mapped[str] = column(String(100), "Tâche à exécuter.", "webhook.traiter")
    charge: Mapped[dict[str, Any]] = column(
        JSONB,
        "Arguments de la tâche (identifiants, jamais de secret).",
        '{"id_webhook": 12}',
        server_default="{}",
    )
    cle_unicite: Mapped[str | None] = column(
        String(200), "Au plus une tâche en attente ou en cours par clé.", "webhook:12"
    )
    statut: Mapped[str] = column(
        String(12),
        "Statut : " + ", ".join(STATUTS) + ".",
        "en_attente",
        server_default="en_attente",
    )
    tentatives: Mapped[int] = zero(Integer, "Exécutions commencées.", "1")
    tentatives_max: Mapped[int] = column(
        Integer, "Au-delà, la tâche est abandonnée.", "10", server_default="10"
    )
    date_execution: Mapped[datetime] = timestamp_now(
        "Pas avant cette date (reprise avec délai croissant).", "2026-03-01 12:00:30+00"
    )
    verrouille_jusqu_a: Mapped[datetime | None] = timestamp(
        "Bail du worker en cours ; passé ce délai la tâche est reprise.", "2026-03-01 12:01:30+00"
    )
    derniere_erreur: Mapped[str | None] = column(Text, "Dernière erreur.", "timeout du fournisseur")
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de mise en file.", "2026-03-01 12:00:00+00"
    )
    date_fin: Mapped[datetime | None] = timestamp(
        "Date de fin (terminée, abandonnée ou annulée).", "2026-03-01 12:00:31+00"
    )
