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
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base
from hostolink.models.types import one_of

TYPES_TRANSACTION = (
    "transfert",
    "paiement_qr",
    "paiement_marchand",
    "depot",
    "retrait",
    "remboursement",
    "ajustement",
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

    id_transaction: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, comment="Identifiant interne.", info={"exemple": "90211"}
    )
    reference: Mapped[str] = mapped_column(
        String(24),
        nullable=False,
        unique=True,
        comment="Référence lisible communiquée aux parties (reçu).",
        info={"exemple": "HL-7K2Q9X4M"},
    )
    type_transaction: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        comment="Type : " + ", ".join(TYPES_TRANSACTION) + ".",
        info={"exemple": "transfert"},
    )
    statut: Mapped[str] = mapped_column(
        String(20),
        nullable=False,
        server_default="reussie",
        comment="Statut : " + ", ".join(STATUTS_TRANSACTION) + " (une fois contre-passée).",
        info={"exemple": "reussie"},
    )
    montant: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Montant principal en francs CFA (reçu par le destinataire).",
        info={"exemple": "5000"},
    )
    frais: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        server_default="0",
        comment="Frais Hostolink en francs CFA, payés en plus par le débité.",
        info={"exemple": "0"},
    )
    devise: Mapped[str] = mapped_column(
        String(3),
        nullable=False,
        server_default="XOF",
        comment="Devise ISO 4217 (XOF : sans décimales).",
        info={"exemple": "XOF"},
    )
    id_compte_source: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("compte.id_compte", ondelete="RESTRICT"),
        comment="Compte débité (partie qui paie).",
        info={"exemple": "12"},
    )
    id_compte_destination: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("compte.id_compte", ondelete="RESTRICT"),
        comment="Compte crédité (partie qui reçoit).",
        info={"exemple": "15"},
    )
    id_user_initiateur: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="RESTRICT"),
        comment="Personne (ou administrateur) qui a déclenché le mouvement ; vide si système.",
        info={"exemple": "1001"},
    )
    id_qr_code: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("qr_code_paiement.id_qr_code", ondelete="RESTRICT"),
        comment="QR code payé, pour un paiement par QR.",
        info={"exemple": "301"},
    )
    id_operation: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("operation_fournisseur.id_operation", ondelete="RESTRICT"),
        comment="Opération de dépôt ou de retrait chez un fournisseur.",
        info={"exemple": "77"},
    )
    id_transaction_annulee: Mapped[int | None] = mapped_column(
        BigInteger,
        ForeignKey("transaction.id_transaction", ondelete="RESTRICT"),
        unique=True,
        comment="Transaction contre-passée par ce remboursement (au plus une fois).",
        info={"exemple": "90200"},
    )
    description: Mapped[str | None] = mapped_column(
        String(255), comment="Note de l'expéditeur.", info={"exemple": "Loyer de mars"}
    )
    motif: Mapped[str | None] = mapped_column(
        Text,
        comment="Motif obligatoire d'un remboursement ou d'un ajustement administrateur.",
        info={"exemple": "Erreur de destinataire signalée au support"},
    )
    date_creation: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de comptabilisation.",
        info={"exemple": "2026-03-01 12:00:00+00"},
    )
