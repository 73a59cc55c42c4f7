"""`transaction` (owner's table): the header of one money movement in the double-entry
ledger. Its `ecriture` rows (≥2, summing to zero) carry the amounts per account; the
header says what happened, between whom, why, and links the QR code, the provider operation
or the transaction it reverses.

Money history is never deleted: every foreign key from here is ON DELETE RESTRICT, and a
correction is a new `remboursement` transaction pointing at the one it reverses (UNIQUE: a
transaction is reversed at most once).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, foreign_key, primary_key, timestamp_now, user_id, zero
from hostolink.models.types import one_of

TYPES_TRANSACTION = (
    "transfert",
    "paiement_qr",
    "paiement_marchand",
    "depot",
    "retrait",
    "remboursement",
    "ajustement",
    "bonus_parrainage",
)
STATUTS_TRANSACTION = ("reussie", "remboursee")


class Transaction(Base):
    __tablename__ = "transaction"
    __table_args__ = (
        CheckConstraint(one_of("type_transaction", TYPES_TRANSACTION), name="type_valide"),
        CheckConstraint(one_of("statut", STATUTS_TRANSACTION), name="statut_valide"),
        CheckConstraint("montant > 0", name="montant_positif"),
        CheckConstraint("frais >= 0", name="frais_positifs"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        CheckConstraint("reference ~ '^[A-Z0-9-]{6,24}$'", name="reference_format"),
        CheckConstraint(
            "id_compte_source IS DISTINCT FROM id_compte_destination", name="comptes_distincts"
        ),
        CheckConstraint(
            "(type_transaction = 'remboursement') = (id_transaction_annulee IS NOT NULL)",
            name="remboursement_lie",
        ),
        CheckConstraint(
            "type_transaction NOT IN ('remboursement', 'ajustement') OR motif IS NOT NULL",
            name="motif_requis",
        ),
        CheckConstraint(
            "type_transaction NOT IN ('depot', 'retrait') OR id_operation IS NOT NULL",
            name="operation_requise",
        ),
        CheckConstraint(
            "type_transaction <> 'paiement_qr' OR id_qr_code IS NOT NULL", name="qr_requis"
        ),
        Index("ix_transaction_id_compte_source", "id_compte_source"),
        Index("ix_transaction_id_compte_destination", "id_compte_destination"),
        Index("ix_transaction_id_operation", "id_operation"),
        Index("ix_transaction_id_qr_code", "id_qr_code"),
        Index("ix_transaction_id_user_initiateur", "id_user_initiateur"),
        Index("ix_transaction_date_creation", "date_creation"),
        {"comment": "En-tête d'un mouvement d'argent (grand livre en partie double)."},
    )

    id_transaction: Mapped[int] = primary_key(BigInteger, "Identifiant interne.", "90211")
    reference: Mapped[str] = column(
        String(24), "Référence lisible communiquée aux parties (reçu).", "HL-7K2Q9X4M", unique=True
    )
    type_transaction: Mapped[str] = column(
        String(20), "Type : " + ", ".join(TYPES_TRANSACTION) + ".", "transfert"
    )
    statut: Mapped[str] = column(
        String(20),
        "Statut : " + ", ".join(STATUTS_TRANSACTION) + " (une fois contre-passée).",
        "reussie",
        server_default="reussie",
    )
    montant: Mapped[int] = column(
        BigInteger, "Montant principal en francs CFA (reçu par le destinataire).", "5000"
    )
    frais: Mapped[int] = zero(
        BigInteger, "Frais Hostolink en francs CFA, payés en plus par le débité.", "0"
    )
    devise: Mapped[str] = column(
        String(3), "Devise ISO 4217 (XOF : sans décimales).", "XOF", server_default="XOF"
    )
    id_compte_source: Mapped[int | None] = foreign_key(
        BigInteger, "compte.id_compte", "RESTRICT", "Compte débité (partie qui paie).", "12"
    )
    id_compte_destination: Mapped[int | None] = foreign_key(
        BigInteger, "compte.id_compte", "RESTRICT", "Compte crédité (partie qui reçoit).", "15"
    )
    id_user_initiateur: Mapped[int | None] = user_id(
        "RESTRICT",
        "Personne (ou administrateur) qui a déclenché le mouvement ; vide si système.",
        "1001",
    )
    id_qr_code: Mapped[int | None] = foreign_key(
        BigInteger,
        "qr_code_paiement.id_qr_code",
        "RESTRICT",
        "QR code payé, pour un paiement par QR.",
        "301",
    )
    id_operation: Mapped[int | None] = foreign_key(
        BigInteger,
        "operation_fournisseur.id_operation",
        "RESTRICT",
        "Opération de dépôt ou de retrait chez un fournisseur.",
        "77",
    )
    id_transaction_annulee: Mapped[int | None] = foreign_key(
        BigInteger,
        "transaction.id_transaction",
        "RESTRICT",
        "Transaction contre-passée par ce remboursement (au plus une fois).",
        "90200",
        unique=True,
    )
    description: Mapped[str | None] = column(String(255), "Note de l'expéditeur.", "Loyer de mars")
    motif: Mapped[str | None] = column(
        Text,
        "Motif obligatoire d'un remboursement ou d'un ajustement administrateur.",
        "Erreur de destinataire signalée au support",
    )
    date_creation: Mapped[datetime] = timestamp_now(
        "Date de comptabilisation.", "2026-03-01 12:00:00+00"
    )
