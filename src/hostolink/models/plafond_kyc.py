"""`plafond_kyc`: wallet limits per KYC tier (`utilisateur.niveau_kyc`, 0 = unverified …
3), editable by administrators; approving an identity document raises the tier and so the
limits. Sums over a day or month come from the account's `ecriture` rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from hostolink.models.base import Base


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

    niveau_kyc: Mapped[int] = mapped_column(
        SmallInteger,
        primary_key=True,
        autoincrement=False,
        comment="Niveau KYC (0 = non vérifié … 3).",
        info={"exemple": "0"},
    )
    libelle: Mapped[str] = mapped_column(
        String(100), nullable=False, comment="Nom du niveau.", info={"exemple": "Non vérifié"}
    )
    solde_max: Mapped[int] = mapped_column(
        BigInteger, nullable=False, comment="Solde maximal, francs CFA.", info={"exemple": "200000"}
    )
    montant_max_operation: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Montant maximal d'une opération, francs CFA.",
        info={"exemple": "100000"},
    )
    plafond_envoi_journalier: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Cumul d'envois et paiements par jour, francs CFA.",
        info={"exemple": "100000"},
    )
    plafond_envoi_mensuel: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Cumul d'envois et paiements par mois, francs CFA.",
        info={"exemple": "500000"},
    )
    plafond_retrait_journalier: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Cumul de retraits par jour, francs CFA.",
        info={"exemple": "50000"},
    )
    plafond_retrait_mensuel: Mapped[int] = mapped_column(
        BigInteger,
        nullable=False,
        comment="Cumul de retraits par mois, francs CFA.",
        info={"exemple": "200000"},
    )
    id_modifie_par: Mapped[int | None] = mapped_column(
        Integer,
        ForeignKey("utilisateur.id_user", ondelete="SET NULL"),
        comment="Administrateur auteur de la dernière modification.",
        info={"exemple": "1"},
    )
    date_modification: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        nullable=False,
        server_default=func.now(),
        comment="Date de dernière modification.",
        info={"exemple": "2026-01-01 00:00:00+00"},
    )
