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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
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

    id_webhook: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "12"}
    )
    fournisseur: Mapped[str] = mapped_column(
        String(30), nullable=False, comment="Code du fournisseur.", info={"exemple": "wave"}
    )
    id_externe: Mapped[str] = mapped_column(
        String(255),
        nullable=False,
        comment="Identifiant de l'événement chez le fournisseur (dédoublonnage).",
        info={"exemple": "EV_QvEZuDSQbLdI"},
    )
    type_evenement: Mapped[str | None] = mapped_column(
        String(100),
        comment="Type d'événement annoncé.",
        info={"exemple": "checkout.session.completed"},
    )
    corps_brut: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        comment="Corps reçu, octet pour octet (la signature porte sur lui).",
        info={"exemple": '{"id": "EV_QvEZuDSQbLdI", …}'},
    )
    entetes: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="En-têtes utiles (signature, horodatage), sans secret.",
        info={"exemple": '{"wave-signature": "t=…,v1=…"}'},
    )
    signature_valide: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        comment="Verdict de la vérification de signature ou de jeton.",
        info={"exemple": "true"},
    )
    statut: Mapped[str] = mapped_column(
        String(10),
        nullable=False,
        server_default="recu",
        comment="Statut : " + ", ".join(STATUTS) + ".",
        info={"exemple": "traite"},
    )
    id_operation: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("operation_fournisseur.id_operation", ondelete="RESTRICT"),
        comment="Opération concernée, une fois identifiée.",
        info={"exemple": "77"},
    )
    tentatives: Mapped[int] = mapped_column(
        Integer,
        nullable=False,
        server_default="0",
        comment="Nombre de traitements tentés.",
        info={"exemple": "1"},
    )
    derniere_erreur: Mapped[str | None] = mapped_column(
        Text, comment="Dernière erreur de traitement.", info={"exemple": "opération inconnue"}
    )
    date_reception: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de réception.",
        info={"exemple": "2026-03-01 12:04:59+00"},
    )
    date_traitement: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True),
        comment="Date du traitement réussi.",
        info={"exemple": "2026-03-01 12:05:00+00"},
    )
