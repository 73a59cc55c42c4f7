"""`operation_fournisseur`: a deposit or withdrawal through an outside provider (Wave, MTN
MoMo, Orange Money, Moov Money via an aggregator, Djamo, banks, the sandbox), from initiation
to its final status. `reference` is our id, sent to the provider as idempotency key /
client reference; `id_externe` is theirs. The ledger side is the `transaction` rows pointing
here (the withdrawal hold, the deposit credit, a release)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
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
    user_id,
    zero,
)
from hostolink.models.types import one_of

SENS = ("depot", "retrait")
STATUTS_OPERATION = ("initiee", "en_attente", "a_verifier", "reussie", "echouee", "expiree")
# Not final: reconciliation keeps asking the provider; `a_verifier` is past the horizon and
# waits for an operator too (operations/transitions.py), a withdrawal's money still held.
STATUTS_EN_COURS = ("initiee", "en_attente", "a_verifier")
STATUTS_FINAUX = ("reussie", "echouee", "expiree")
# Provider codes are open-ended (a new rail is a new module, not a migration): the CHECK
# only keeps them machine-readable. Known: sandbox, wave, mtn_momo, orange_money,
# moov_money, djamo, banque, and the aggregator's code.
FOURNISSEUR_FORMAT = "^[a-z][a-z0-9_]{1,29}$"


class OperationFournisseur(Base):
    __tablename__ = "operation_fournisseur"
    __table_args__ = (
        CheckConstraint(one_of("sens", SENS), name="sens_valide"),
        CheckConstraint(one_of("statut", STATUTS_OPERATION), name="statut_valide"),
        CheckConstraint(f"fournisseur ~ '{FOURNISSEUR_FORMAT}'", name="fournisseur_format"),
        CheckConstraint("montant > 0", name="montant_positif"),
        CheckConstraint("frais >= 0", name="frais_positifs"),
        CheckConstraint("devise ~ '^[A-Z]{3}$'", name="devise_iso4217"),
        CheckConstraint(
            "(statut IN ('reussie', 'echouee', 'expiree')) = (date_finalisation IS NOT NULL)",
            name="finalisation_datee",
        ),
        # The provider's id identifies one operation of that provider.
        UniqueConstraint("fournisseur", "id_externe"),
        CheckConstraint(f"passerelle ~ '{FOURNISSEUR_FORMAT}'", name="passerelle_format"),
        # Orange Money's notification carries only its token: the hash finds the operation.
        Index(
            "uq_operation_fournisseur_empreinte_jeton",
            "empreinte_jeton",
            unique=True,
            postgresql_where=text("empreinte_jeton IS NOT NULL"),
        ),
        Index("ix_operation_fournisseur_id_user_date_creation", "id_user", "date_creation"),
        Index("ix_operation_fournisseur_id_compte", "id_compte"),
        # The reconciliation job: operations not final yet, oldest check first.
        Index(
            "ix_operation_fournisseur_reconciliation",
            "date_prochaine_verification",
            postgresql_where=text(one_of("statut", STATUTS_EN_COURS)),
        ),
        {"comment": "Dépôt ou retrait via un fournisseur externe (mobile money, banque…)."},
    )

    id_operation: Mapped[int] = primary_key(BigInteger, "Identifiant interne.", "77")
    reference: Mapped[uuid.UUID] = column(
        Uuid,
        "Notre référence, envoyée au fournisseur (clé d'idempotence, client_reference).",
        "6f1e0c3a-2b7d-4f8e-a1c9-3d5b7e9f1a2c",
        unique=True,
        server_default=text("gen_random_uuid()"),
    )
    fournisseur: Mapped[str] = column(String(30), "Code du fournisseur.", "wave")
    passerelle: Mapped[str] = column(
        String(30),
        "Adaptateur qui porte l'opération (l'opérateur lui-même ou l'agrégateur, par exemple "
        "hub2 pour Moov Money).",
        "hub2",
    )
    sens: Mapped[str] = column(
        String(10),
        "Sens : depot (vers le portefeuille) ou retrait (depuis le portefeuille).",
        "depot",
    )
    id_user: Mapped[int] = user_id("RESTRICT", "Personne qui a initié l'opération.", "1001")
    id_compte: Mapped[int] = foreign_key(
        BigInteger,
        "compte.id_compte",
        "RESTRICT",
        "Portefeuille crédité (dépôt) ou débité (retrait).",
        "12",
    )
    montant: Mapped[int] = column(BigInteger, "Montant en francs CFA, hors frais.", "10000")
    frais: Mapped[int] = zero(BigInteger, "Frais Hostolink en francs CFA (barème).", "100")
    devise: Mapped[str] = column(String(3), "Devise ISO 4217.", "XOF", server_default="XOF")
    compte_externe: Mapped[str] = column(
        String(64),
        "Numéro mobile money (E.164) ou compte bancaire du payeur / bénéficiaire.",
        "+2250707070707",
    )
    statut: Mapped[str] = column(
        String(12),
        "Statut : " + ", ".join(STATUTS_OPERATION) + ".",
        "en_attente",
        server_default="initiee",
    )
    id_externe: Mapped[str | None] = column(
        String(128), "Identifiant de l'opération chez le fournisseur.", "cos-18qq25rgr100a"
    )
    url_paiement: Mapped[str | None] = column(
        Text,
        "Page où le payeur confirme (wave_launch_url, page du bac à sable…).",
        "https://pay.wave.com/c/cos-18qq25rgr100a",
    )
    motif_echec: Mapped[str | None] = column(
        Text, "Raison d'un échec.", "Solde insuffisant chez l'opérateur"
    )
    donnees_fournisseur: Mapped[dict[str, Any]] = column(
        JSONB,
        "Ce que le fournisseur demande de rappeler pour interroger le statut (pay_token…).",
        '{"order_id": "6f1e0c3a2b7d4f8ea1c93d5b7e9f1a"}',
        server_default="{}",
    )
    empreinte_jeton: Mapped[str | None] = column(
        String(64),
        "SHA-256 du jeton de notification (notif_token d'Orange Money), jamais le jeton.",
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    )
    reponse_fournisseur: Mapped[dict[str, Any] | None] = column(
        JSONB, "Dernière réponse du fournisseur (sans secret).", '{"payment_status": "succeeded"}'
    )
    nombre_verifications: Mapped[int] = zero(
        Integer, "Interrogations de statut déjà faites (réconciliation).", "2"
    )
    date_prochaine_verification: Mapped[datetime | None] = timestamp(
        "Prochaine interrogation du statut par la réconciliation.", "2026-03-01 12:10:00+00"
    )
    date_creation: Mapped[datetime] = timestamp_now("Date d'initiation.", "2026-03-01 12:00:00+00")
    date_modification: Mapped[datetime | None] = timestamp(
        "Dernier changement.", "2026-03-01 12:05:00+00"
    )
    date_finalisation: Mapped[datetime | None] = timestamp(
        "Date du statut final.", "2026-03-01 12:05:00+00"
    )
