"""`plafond_kyc`: wallet limits per KYC tier (`utilisateur.niveau_kyc`, 0 = unverified …
3), editable by administrators; approving an identity document raises the tier and so the
limits. Sums over a day or month come from the account's `ecriture` rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped

from hostolink.models.base import Base
from hostolink.models.columns import column, primary_key, timestamp_now, user_id


class PlafondKyc(Base):
    __tablename__ = "plafond_kyc"
    __table_args__ = (
        CheckConstraint("niveau_kyc BETWEEN 0 AND 3", name="niveau_valide"),
        CheckConstraint(
            "solde_max > 0 AND montant_max_operation > 0"
            " AND plafond_envoi_journalier > 0 AND plafond_retrait_journalier > 0",
            name="plafonds_positifs",
        ),
        CheckConstraint(
            "plafond_envoi_mensuel >= plafond_envoi_journalier"
            " AND plafond_retrait_mensuel >= plafond_retrait_journalier",
            name="mensuel_superieur_journalier",
        ),
        {"comment": "Plafonds du portefeuille par niveau de vérification d'identité (KYC)."},
    )

    niveau_kyc: Mapped[int] = primary_key(
        SmallInteger, "Niveau KYC (0 = non vérifié … 3).", "0", autoincrement=False
    )
    libelle: Mapped[str] = column(String(100), "Nom du niveau.", "Non vérifié")
    solde_max: Mapped[int] = column(BigInteger, "Solde maximal, francs CFA.", "200000")
    montant_max_operation: Mapped[int] = column(
        BigInteger, "Montant maximal d'une opération, francs CFA.", "100000"
    )
    plafond_envoi_journalier: Mapped[int] = column(
        BigInteger, "Cumul d'envois et paiements par jour, francs CFA.", "100000"
    )
    plafond_envoi_mensuel: Mapped[int] = column(
        BigInteger, "Cumul d'envois et paiements par mois, francs CFA.", "500000"
    )
    plafond_retrait_journalier: Mapped[int] = column(
        BigInteger, "Cumul de retraits par jour, francs CFA.", "50000"
    )
    plafond_retrait_mensuel: Mapped[int] = column(
        BigInteger, "Cumul de retraits par mois, francs CFA.", "200000"
    )
    id_modifie_par: Mapped[int | None] = user_id(
        "SET NULL", "Administrateur auteur de la dernière modification.", "1"
    )
    date_modification: Mapped[datetime] = timestamp_now(
        "Date de dernière modification.", "2026-01-01 00:00:00+00"
    )
