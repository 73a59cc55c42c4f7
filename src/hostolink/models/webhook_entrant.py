"""`webhook_entrant`: the inbox of provider callbacks. Stored first (raw body, signature
verdict), UNIQUE on (fournisseur, id_externe) so a replayed or duplicated callback is one row,
then handled exactly once by a durable job after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    zero,
)
from hostolink.models.operation_fournisseur import FOURNISSEUR_FORMAT
from hostolink.models.types import one_of

STATUTS = ("recu", "traite", "ignore", "erreur")


class WebhookEntrant(Base):
    __tablename__ = "webhook_entrant"
    __table_args__ = (
        UniqueConstraint("fournisseur", "id_externe"),
        CheckConstraint(f"fournisseur ~ '{FOURNISSEUR_FORMAT}'", name="fournisseur_format"),
        CheckConstraint(one_of("statut", STATUTS), name="statut_valide"),
        Index("ix_webhook_entrant_id_operation", "id_operation"),
        Index(
            "ix_webhook_entrant_a_traiter",
            "date_reception",
            postgresql_where=text("statut IN ('recu', 'erreur')"),
        ),
        {"comment": "Boîte de réception des notifications (webhooks) des fournisseurs."},
    )

    id_webhook: Mapped[int] = primary_key(BigInteger, "Identifiant.", "12")
    fournisseur: Mapped[str] = column(String(30), "Code du fournisseur.", "wave")
    id_externe: Mapped[str] = column(
        String(255),
        "Identifiant de l'événement chez le fournisseur (dédoublonnage).",
        "EV_QvEZuDSQbLdI",
    )
    type_evenement: Mapped[str | None] = column(
        String(100), "Type d'événement annoncé.", "checkout.session.completed"
    )
    corps_brut: Mapped[str] = column(
        Text,
        "Corps reçu, octet pour octet (la signature porte sur lui).",
        '{"id": "EV_QvEZuDSQbLdI", …}',
    )
    entetes: Mapped[dict[str, Any]] = column(
        JSONB,
        "En-têtes utiles (signature, horodatage), sans secret.",
        '{"wave-signature": "t=…,v1=…"}',
        server_default="{}",
    )
    signature_valide: Mapped[bool] = column(
        Boolean, "Verdict de la vérification de signature ou de jeton.", "true"
    )
    statut: Mapped[str] = column(
        String(10), "Statut : " + ", ".join(STATUTS) + ".", "traite", server_default="recu"
    )
    id_operation: Mapped[int | None] = foreign_key(
        BigInteger,
        "operation_fournisseur.id_operation",
        "RESTRICT",
        "Opération concernée, une fois identifiée.",
        "77",
    )
    tentatives: Mapped[int] = zero(Integer, "Nombre de traitements tentés.", "1")
    derniere_erreur: Mapped[str | None] = column(
        Text, "Dernière erreur de traitement.", "opération inconnue"
    )
    date_reception: Mapped[datetime] = timestamp_now("Date de réception.", "2026-03-01 12:04:59+00")
    date_traitement: Mapped[datetime | None] = timestamp(
        "Date du traitement réussi.", "2026-03-01 12:05:00+00"
    )
