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
    CheckConstraint,
    Index,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    flag,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
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
    "assistance",
    "reclamation",
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

    id_notification: Mapped[int] = primary_key(BigInteger, "Identifiant.", "30550")
    id_user: Mapped[int] = user_id("CASCADE", "Destinataire.", "1002")
    type_notification: Mapped[str] = column(
        String(20), "Type : " + ", ".join(TYPES_NOTIFICATION) + ".", "argent_recu"
    )
    titre: Mapped[str] = column(String(150), "Titre affiché.", "Argent reçu")
    contenu: Mapped[str] = column(Text, "Texte affiché.", "Vous avez reçu 5 000 F CFA de Awa K.")
    donnees: Mapped[dict[str, Any]] = column(
        JSONB,
        "Données pour l'application (lien profond), sans donnée sensible.",
        '{"reference": "HL-7K2Q9X4M"}',
        server_default="{}",
    )
    id_transaction: Mapped[int | None] = foreign_key(
        BigInteger, "transaction.id_transaction", "RESTRICT", "Transaction concernée.", "90211"
    )
    id_operation: Mapped[int | None] = foreign_key(
        BigInteger,
        "operation_fournisseur.id_operation",
        "RESTRICT",
        "Dépôt ou retrait concerné.",
        "",
    )
    id_publication: Mapped[int | None] = foreign_key(
        BigInteger, "publication.id_publication", "CASCADE", "Publication concernée.", ""
    )
    id_commentaire: Mapped[int | None] = foreign_key(
        BigInteger, "commentaire.id_commentaire", "CASCADE", "Commentaire concerné.", ""
    )
    id_message: Mapped[int | None] = foreign_key(
        BigInteger, "message.id_message", "CASCADE", "Message concerné (réponse d'expert).", ""
    )
    est_lu: Mapped[bool] = flag(False, "Lue par le destinataire.", "false")
    date_lecture: Mapped[datetime | None] = timestamp("Date de lecture.", "")
    statut_push: Mapped[str] = column(
        String(12),
        "Envoi push : " + ", ".join(STATUTS_PUSH) + ".",
        "envoye",
        server_default="non_requis",
    )
    date_creation: Mapped[datetime] = timestamp_now("Date de création.", "2026-03-01 12:00:01+00")
