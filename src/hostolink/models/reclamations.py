"""`reclamations` (owner's table, unused by the previous back end): a person's claim on one
of their transactions or provider operations, raised from a help-desk conversation.

A claim freezes nothing. An agent proposes a resolution: a reversal (`contre_passation`) of
the transaction, an adjustment of the person's wallet (`ajustement_credit`,
`ajustement_debit`), or none (`sans_suite`). Above the approval threshold the proposal waits
(`a_approuver`) for a second person, who can never be its author (CHECK); then the money
moves through the audited ledger paths and `id_transaction_resultat` names the posting.
At most one claim in progress per transaction and per operation (partial unique indexes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, String, Text, text
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import (
    column,
    foreign_key,
    primary_key,
    timestamp,
    timestamp_now,
    user_id,
)
from hostolink.models.types import one_of

CATEGORIES_RECLAMATION = (
    "operation_echouee",
    "montant_incorrect",
    "non_recu",
    "non_autorisee",
    "autre",
)
STATUTS_RECLAMATION = ("ouverte", "a_approuver", "resolue", "rejetee")
STATUTS_EN_COURS = ("ouverte", "a_approuver")
RESOLUTIONS = ("contre_passation", "ajustement_credit", "ajustement_debit", "sans_suite")
_IN_PROGRESS = "statut IN ('ouverte', 'a_approuver')"


class Reclamations(Base):
    __tablename__ = "reclamations"
    __table_args__ = (
        CheckConstraint(one_of("categorie", CATEGORIES_RECLAMATION), name="categorie_valide"),
        CheckConstraint(one_of("statut", STATUTS_RECLAMATION), name="statut_valide"),
        CheckConstraint(
            "resolution IS NULL OR " + one_of("resolution", RESOLUTIONS), name="resolution_valide"
        ),
        CheckConstraint("num_nonnulls(id_transaction, id_operation) = 1", name="un_seul_objet"),
        CheckConstraint("length(btrim(description)) > 0", name="description_non_vide"),
        CheckConstraint("montant IS NULL OR montant > 0", name="montant_positif"),
        # Four eyes: the approver is never the author of the proposal.
        CheckConstraint("id_approbateur <> id_agent_propose", name="quatre_yeux"),
        CheckConstraint(
            "statut = 'ouverte' OR (resolution IS NOT NULL AND motif_decision IS NOT NULL)",
            name="decision_motivee",
        ),
        CheckConstraint(
            "resolution NOT IN ('ajustement_credit', 'ajustement_debit') OR montant IS NOT NULL",
            name="montant_d_ajustement",
        ),
        Index(
            "uq_reclamations_transaction_en_cours",
            "id_transaction",
            unique=True,
            postgresql_where=text(_IN_PROGRESS),
        ),
        Index(
            "uq_reclamations_operation_en_cours",
            "id_operation",
            unique=True,
            postgresql_where=text(_IN_PROGRESS),
        ),
        Index("ix_reclamations_statut_date", "statut", "date_ouverture"),
        Index("ix_reclamations_id_conversation", "id_conversation"),
        Index("ix_reclamations_id_user", "id_user"),
        {"comment": "Réclamation d'une personne sur une transaction ou une opération."},
    )

    id_reclamation: Mapped[int] = primary_key(BigInteger, "Identifiant.", "314")
    id_conversation: Mapped[int] = foreign_key(
        BigInteger,
        "conversation_assistance.id_conversation",
        "CASCADE",
        "Conversation d'assistance où elle a été ouverte.",
        "5012",
        nullable=False,
    )
    id_user: Mapped[int] = user_id("CASCADE", "Personne qui réclame.", "1002", nullable=False)
    id_transaction: Mapped[int | None] = foreign_key(
        BigInteger, "transaction.id_transaction", "RESTRICT", "Transaction contestée.", "90211"
    )
    id_operation: Mapped[int | None] = foreign_key(
        BigInteger,
        "operation_fournisseur.id_operation",
        "RESTRICT",
        "Dépôt ou retrait contesté.",
        "77",
    )
    categorie: Mapped[str] = column(
        String(30),
        "Motif : " + ", ".join(CATEGORIES_RECLAMATION) + ".",
        "non_recu",
        server_default="autre",
    )
    description: Mapped[str] = column(
        Text, "Ce que la personne explique.", "Le retrait est débité mais je n'ai rien reçu."
    )
    statut: Mapped[str] = column(
        String(12),
        "Statut : " + ", ".join(STATUTS_RECLAMATION) + ".",
        "a_approuver",
        server_default="ouverte",
    )
    resolution: Mapped[str | None] = column(
        String(20), "Décision : " + ", ".join(RESOLUTIONS) + ".", "contre_passation"
    )
    montant: Mapped[int | None] = column(
        BigInteger, "Montant rendu ou repris, francs CFA.", "25000"
    )
    motif_decision: Mapped[str | None] = column(
        Text, "Motif de la décision (journalisé).", "Retrait non versé par l'opérateur."
    )
    id_agent_propose: Mapped[int | None] = user_id(
        "SET NULL", "Agent qui a proposé la décision.", "7"
    )
    date_proposition: Mapped[datetime | None] = timestamp(
        "Date de la proposition.", "2026-12-05 09:30:00+00"
    )
    id_approbateur: Mapped[int | None] = user_id(
        "SET NULL", "Seconde personne qui a approuvé (au-delà du seuil).", "3"
    )
    date_decision: Mapped[datetime | None] = timestamp(
        "Date de la décision finale.", "2026-12-05 09:45:00+00"
    )
    id_transaction_resultat: Mapped[int | None] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Contre-passation ou ajustement passé.",
        "90300",
    )
    date_ouverture: Mapped[datetime] = timestamp_now("Date d'ouverture.", "2026-12-05 09:10:00+00")
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-12-05 09:45:00+00"
    )
