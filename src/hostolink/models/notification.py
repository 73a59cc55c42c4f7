"""`notification` (owner's table): an in-app notification for one person (money received or
sent, deposit credited, withdrawal sent or failed, comment, like, expert answer…), with its
push delivery status. What it is about is at most one of several nullable foreign keys
(CHECK num_nonnulls ≤ 1), never a polymorphic id. Written after the money is committed: a
notification failure never touches the money."""

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
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

TYPES_NOTIFICATION = (
    "argent_recu",
    "argent_envoye",
    "paiement_recu",
    "depot_credite",
    "depot_echoue",
    "retrait_envoye",
    "retrait_echoue",
    "remboursement",
    "commentaire",
    "like",
    "reponse_expert",
    "identite",
    "systeme",
)
STATUTS_PUSH = ("non_requis", "en_attente", "envoye", "echec")


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        CheckConstraint(one_of("type_notification", TYPES_NOTIFICATION), name="type_valide"),
        CheckConstraint(one_of("statut_push", STATUTS_PUSH), name="statut_push_valide"),
        CheckConstraint(
            "num_nonnulls(id_transaction, id_operation, id_publication, id_commentaire,"
            " id_message) <= 1",
            name="un_objet_au_plus",
        ),
        CheckConstraint("est_lu = (date_lecture IS NOT NULL)", name="lecture_datee"),
        Index("ix_notification_id_user_date", "id_user", "date_creation", "id_notification"),
        # The unread badge: count over a small partial index.
        Index("ix_notification_non_lues", "id_user", postgresql_where=text("NOT est_lu")),
        Index("ix_notification_id_transaction", "id_transaction"),
        Index("ix_notification_id_operation", "id_operation"),
        Index("ix_notification_id_publication", "id_publication"),
        Index("ix_notification_id_commentaire", "id_commentaire"),
        Index("ix_notification_id_message", "id_message"),
        {"comment": "Notification dans l'application (et état de son envoi push)."},
    )

    id_notification: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant.", info={"exemple": "30550"}
    )
    id_user: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="CASCADE"),
        nullable=False,
        comment="Destinataire.",
        info={"exemple": "1002"},
    )
    type_notification: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Type : " + ", ".join(TYPES_NOTIFICATION) + ".",
        info={"exemple": "argent_recu"},
    )
    titre: Mapped[str] = mapped_column(
        String(150), nullable=False, comment="Titre affiché.", info={"exemple": "Argent reçu"}
    )
    contenu: Mapped[str] = mapped_column(
        Text,
        nullable=False,
        comment="Texte affiché.",
        info={"exemple": "Vous avez reçu 5 000 F CFA de Awa K."},
    )
    donnees: Mapped[dict[str, Any]] = mapped_column(
        JSONB,
        nullable=False,
        server_default="{}",
        comment="Données pour l'application (lien profond), sans donnée sensible.",
        info={"exemple": '{"reference": "HL-7K2Q9X4M"}'},
    )
    id_transaction: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("transaction.id_transaction", ondelete="RESTRICT"),
        comment="Transaction concernée.",
        info={"exemple": "90211"},
    )
    id_operation: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("operation_fournisseur.id_operation", ondelete="RESTRICT"),
        comment="Dépôt ou retrait concerné.",
        info={"exemple": ""},
    )
    id_publication: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("publication.id_publication", ondelete="CASCADE"),
        comment="Publication concernée.",
        info={"exemple": ""},
    )
    id_commentaire: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("commentaire.id_commentaire", ondelete="CASCADE"),
        comment="Commentaire concerné.",
        info={"exemple": ""},
    )
    id_message: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("message.id_message", ondelete="CASCADE"),
        comment="Message concerné (réponse d'expert).",
        info={"exemple": ""},
    )
    est_lu: Mapped[bool] = mapped_column(
        Boolean,
        nullable=False,
        server_default=text("false"),
        comment="Lue par le destinataire.",
        info={"exemple": "false"},
    )
    date_lecture: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), comment="Date de lecture.", info={"exemple": ""}
    )
    statut_push: Mapped[str] = mapped_column(
        String(12),
        nullable=False,
        server_default="non_requis",
        comment="Envoi push : " + ", ".join(STATUTS_PUSH) + ".",
        info={"exemple": "envoye"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de création.",
        info={"exemple": "2026-03-01 12:00:01+00"},
    )
